import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { reindexMessages } from '../../src/store/reindexMessages.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';
import { expectIndexConsistent, storedIndex } from '../helpers/indexOracle.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/** A ledger from before the index: message rows without a digest, an empty index table. `reindex` repairs it. */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function replayed() {
  const { tables, config } = await openTestTables();
  opened.push(tables);
  const body: SourcedBody = { body: JSON.stringify({ records: syntheticStream() }), source: { kind: 'inline', label: 'stream' } };
  await processBatch([body], { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls });
  return tables;
}

/** What an earlier version wrote: no digest, no first times, and no index rows. */
async function makeLegacy(tables: LedgerTables) {
  for await (const row of tables.messages.listEntities<Record<string, unknown>>()) {
    if (row.rowKey !== 'message') continue;
    const { etag: _e, timestamp: _t, recipientDigest: _d, digestComplete: _c, firstStatusTime: _f, firstRecordTime: _r, ...rest } = row;
    await tables.messages.updateEntity(rest as { partitionKey: string; rowKey: string }, 'Replace');
  }
  for await (const row of tables.index.listEntities()) await tables.index.deleteEntity(String(row.partitionKey), String(row.rowKey));
}

describe('reindex', () => {
  it('rebuilds digests from recipient rows and the index from them, then is a no-op', async () => {
    const tables = await replayed();
    const clean = await dumpLedger(tables);
    await makeLegacy(tables);
    const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
    const report = await reindexMessages(tables.messages, tables.index, io);
    expect(report.digestsRebuilt).toBeGreaterThan(0);
    expect(report.projected).toBe(report.messages);
    expect(report.changedDuringRebuild).toBe(0);
    await expectIndexConsistent(tables);
    expect((await storedIndex(tables)).times.size).toBe(report.messages);
    const again = await reindexMessages(tables.messages, tables.index, io);
    expect(again).toMatchObject({ digestsRebuilt: 0, projected: 0 });
    // The first times are rebuilt from the times still known, and may differ; everything else is as a fresh replay left it.
    const strip = (d: Record<string, unknown[]>): unknown => JSON.parse(JSON.stringify(d, (k, v: unknown) => (k === 'firstStatusTime' || k === 'firstRecordTime' ? undefined : v)));
    expect(strip(await dumpLedger(tables))).toEqual(strip(clean));
  });

  it('upgrades an index of format 1 (before failure counts and link sums): digests of failed or clicking recipients rebuilt, every pointer re-projected', async () => {
    const tables = await replayed();
    const v1 = (json: string): string => {
      const { u, r } = JSON.parse(json) as { u: string[]; r: unknown[][] };
      void u;
      return JSON.stringify(r.map((e) => e.slice(0, 8)));
    };
    for await (const row of tables.messages.listEntities<Record<string, unknown>>()) {
      if (row.rowKey !== 'message' || typeof row['recipientDigest'] !== 'string') continue;
      const { etag: _e, timestamp: _t, ...rest } = row;
      await tables.messages.updateEntity({ ...rest, recipientDigest: v1(row['recipientDigest']) } as { partitionKey: string; rowKey: string }, 'Replace');
    }
    for await (const row of tables.index.listEntities<Record<string, unknown>>()) {
      const { etag: _e, timestamp: _t, format: _f, failures: _x, failureReason: _r, ...rest } = row;
      const key = { partitionKey: String(row.partitionKey), rowKey: String(row.rowKey) };
      if (row['rowType'] === 'urlSum') await tables.index.deleteEntity(key.partitionKey, key.rowKey);
      else if (row['rowType'] === 'pointer') await tables.index.updateEntity({ ...rest, ...key, recipients: v1(String(row['recipients'])) }, 'Replace');
      else await tables.index.updateEntity({ ...rest, ...key }, 'Replace');
    }
    const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
    const report = await reindexMessages(tables.messages, tables.index, io);
    expect(report.digestsRebuilt).toBeGreaterThan(0);
    expect(report.projected).toBe(report.messages);
    await expectIndexConsistent(tables);
    expect((await storedIndex(tables)).urls.size).toBeGreaterThan(0);
    expect(await reindexMessages(tables.messages, tables.index, io)).toMatchObject({ digestsRebuilt: 0, projected: 0 });
  });
});
