import { afterEach, describe, expect, inject, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import { readFileSync } from 'node:fs';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';
import { startFaultyProxy } from '../helpers/faultyStorageProxy.js';

const sample = readFileSync(new URL('../fixtures/sample-event-1.json', import.meta.url), 'utf8');
const batch: SourcedBody[] = [{ body: sample, source: { kind: 'eventHub', partitionId: '1', sequenceNumber: 7, eventIndex: 0 } }];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function throughProxy(maxAttempts: string) {
  const proxy = await startFaultyProxy(inject('azuriteConnectionString'));
  const { tables, config } = await openTestTables({ LEDGER_STORAGE: proxy.connectionString, LEDGER_STORAGE_MAX_ATTEMPTS: maxAttempts });
  const fast = { ...tables, retryPolicy: { ...tables.retryPolicy, baseDelayMs: 5, maxDelayMs: 20 } } satisfies LedgerTables;
  cleanups.push(() => tables.close(), () => proxy.close());
  const run = () => processBatch(batch, { tables: fast, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls });
  return { proxy, tables, run };
}

describe('storage faults', () => {
  it.each(['503', 'reset'] as const)('transient %s answers are retried and the batch lands whole', async (kind) => {
    const { proxy, tables, run } = await throughProxy('6');
    proxy.fault = { kind, remaining: 4 };
    const { report } = await run();
    expect(proxy.faultsInjected).toBe(4);
    expect(report.storageRetries).toBeGreaterThanOrEqual(4);
    expect(report).toMatchObject({ records: 8, applied: 8, deadLettered: 0 });
    const dump = await dumpLedger(tables);
    expect(dump['messages']?.filter((r: unknown) => (r as { rowType?: string }).rowType === 'recipient')).toHaveLength(3); // alice, bob, carol
  });

  it('storage that stays down fails the batch with a retryable LedgerError, and a redelivery then applies it once', async (ctx) => {
    const { proxy, run } = await throughProxy('3');
    proxy.fault = { kind: '503', remaining: 1_000 };
    const failure = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(LedgerError);
    expect(failure).toMatchObject({ code: 'storage_unavailable', retryable: true });
    await ctx.annotate((failure as Error).message);
    proxy.fault = { kind: 'none' };
    const redelivered = await run();
    expect(redelivered.report.applied + redelivered.report.duplicates).toBe(8);
    const again = await run();
    expect(again.report).toMatchObject({ applied: 0, duplicates: 8 });
  });
});

describe('a transaction whose answer is lost after it committed', () => {
  it('is recognised by its commit id: the records count as applied, once', async () => {
    const { proxy, tables, run } = await throughProxy('6');
    proxy.fault = { kind: 'dropResponse', remaining: 1, only: (req) => (req.url ?? '').includes('$batch') };
    const { report, alerts } = await run();
    expect(proxy.faultsInjected).toBe(1);
    expect(report).toMatchObject({ records: 8, applied: 8, duplicates: 0 });
    expect(alerts.filter((a) => a.type === 'hard_bounce')).toHaveLength(2);
    const again = await run();
    expect(again.report).toMatchObject({ applied: 0, duplicates: 8 });
    const recipients = (await dumpLedger(tables))['messages']?.filter((r) => (r as { rowType?: string }).rowType === 'recipient');
    expect(recipients).toHaveLength(3);
  });
});
