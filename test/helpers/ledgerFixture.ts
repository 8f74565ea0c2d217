import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig, type LedgerConfig } from '../../src/config.js';
import { openLedgerTables, type LedgerTables } from '../../src/store/ledgerTables.js';
import { countsOfRow } from '../../src/indexes/indexRows.js';
import { isZero } from '../../src/indexes/sumCounts.js';

/** Tables on the test run's Azurite, under a fresh prefix so tests never see each other's data. */
export async function openTestTables(env: Record<string, string> = {}): Promise<{ tables: LedgerTables; config: LedgerConfig }> {
  const config = testConfig(env);
  const tables = await openLedgerTables(config, { allowEmbedded: false });
  return { tables, config };
}

export function testConfig(env: Record<string, string> = {}): LedgerConfig {
  return loadConfig({
    LEDGER_STORAGE: inject('azuriteConnectionString'),
    LEDGER_TABLE_PREFIX: `t${randomBytes(6).toString('hex')}`,
    LEDGER_STORAGE_MAX_ATTEMPTS: '3',
    ...env,
  });
}

/**
 * Everything the ledger stored, minus what storage, the wall clock or the run stamps (etag, Timestamp, leaseHolder,
 * createdAt, detectedAt...), sorted: two ledgers with equal dumps hold the same state.
 */
export async function dumpLedger(tables: LedgerTables, options: { includeAlerts?: boolean } = {}): Promise<Record<string, unknown[]>> {
  const wallClock = new Set(['etag', 'timestamp', 'createdAt', 'deadLetteredAt', 'detectedAt', 'nextAttemptAt', 'deliveredAt', 'odata.etag', 'commitId', 'leaseUntil', 'leaseHolder']);
  const dump: Record<string, unknown[]> = {};
  const roles = ['messages', 'usage', 'deadLetters', 'bounces', 'index', ...(options.includeAlerts ? (['alerts'] as const) : [])] as const;
  for (const role of roles) {
    const rows: Record<string, unknown>[] = [];
    for await (const entity of tables[role].listEntities<Record<string, unknown>>()) {
      const row: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(entity)) {
        if (wallClock.has(key)) continue;
        row[key] = key === 'alert' && typeof value === 'string' ? stripDetectedAt(value) : value;
      }
      // A sum of zeros reads as absent everywhere (src/store/indexCommit.ts removes them after the fact).
      if (role === 'index' && row['rowType'] === 'sum' && isZero(countsOfRow(row))) continue;
      rows.push(row);
    }
    const key = (row: Record<string, unknown>) => `${String(row['partitionKey'])}\u0000${String(row['rowKey'])}`;
    rows.sort((a, b) => key(a).localeCompare(key(b)));
    dump[role] = rows;
  }
  return dump;
}

function stripDetectedAt(alertJson: string): string {
  const { detectedAt: _ignored, ...rest } = JSON.parse(alertJson) as Record<string, unknown>;
  return JSON.stringify(rest);
}
