import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';
import { expectIndexConsistent } from '../helpers/indexOracle.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/**
 * The indexes and sums under the ledger's promise: any order, any duplicates, any batching (each
 * batch its own pipeline call, so messages are projected again and again), concurrent consumers: the
 * same index table, and sums equal to what the messages table says.
 */
const RESOURCE = '/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS';
const late = (id: string) => [
  { time: '2026-11-30T13:59:58.0000000Z', resourceId: RESOURCE, operationName: 'SendMail', category: 'EmailSendMailOperational', correlationId: id, properties: { UniqueRecipientsCount: 2 } },
  ...['Delivered', 'Bounced'].map((s, i) => ({
    time: `2026-11-30T14:0${i}:00.0000000Z`, resourceId: RESOURCE, operationName: 'DeliveryStatusUpdate', category: 'EmailStatusUpdateOperational', correlationId: id,
    properties: { RecipientId: 'Zed@Outlook.com', DeliveryStatus: s, SenderDomain: 'mail.example.net', IsHardBounce: s === 'Bounced' },
  })),
  { time: '2026-11-30T14:03:00.0000000Z', resourceId: RESOURCE, operationName: 'DeliveryStatusUpdate', category: 'EmailStatusUpdateOperational', correlationId: id, properties: { RecipientId: 'amy@live.com', DeliveryStatus: 'Delivered', SenderDomain: 'mail.example.net', IsHardBounce: false } },
  { time: '2026-11-30T15:00:00.0000000Z', resourceId: RESOURCE, operationName: 'UserEngagementUpdate', category: 'EmailUserEngagementOperational', correlationId: id, properties: { RecipientId: 'amy@live.com', EngagementType: 'Click', EngagementContext: 'https://x.example/' } },
];
const stream = [...syntheticStream(), ...late('cccccccc-0000-4000-8000-000000000001'), ...late('cccccccc-0000-4000-8000-000000000002')];

const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function ledger() {
  const { tables, config } = await openTestTables({ LEDGER_MAX_CLICKED_URLS: '3' });
  opened.push(tables);
  const run = (records: readonly unknown[], partitionId: string, seq: number) => {
    const body: SourcedBody = { body: JSON.stringify({ records }), source: { kind: 'eventHub', partitionId, sequenceNumber: seq, eventIndex: 0 } };
    return processBatch([body], { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls });
  };
  return { tables, run };
}

function batches<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, k = 0; i < items.length; k += 1) {
    const size = Math.max(1, sizes[k % sizes.length] ?? 1);
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}


describe('index order independence', () => {
  it('any order, duplicates and batching, replayed twice, and two racing consumers give the same index', async () => {
    const base = await ledger();
    await base.run(stream, '0', 0);
    await expectIndexConsistent(base.tables);
    const expected = await dumpLedger(base.tables);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: stream.length, maxLength: stream.length }),
        fc.array(fc.nat({ max: stream.length - 1 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (keys, dups, sizes, racing) => {
          const shuffled = [...stream.map((r, i) => ({ r, k: keys[i] ?? 0, i })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.r), ...dups.map((i) => stream[i])];
          const { tables, run } = await ledger();
          const parts = batches(shuffled, sizes);
          const t0 = Date.now();
          if (racing) {
            const reversed = batches([...shuffled].reverse(), [...sizes].reverse());
            await Promise.all([
              (async () => { for (const [i, b] of parts.entries()) await run(b, '1', i); })(),
              (async () => { for (const [i, b] of reversed.entries()) await run(b, '2', i); })(),
            ]);
          } else {
            for (const [i, b] of parts.entries()) await run(b, '1', i);
            for (const [i, b] of parts.entries()) await run(b, '1', i + parts.length);
          }
          if (process.env.IDX_DEBUG) console.error('RUN', racing, parts.length, Date.now() - t0);
          await expectIndexConsistent(tables);
          expect(await dumpLedger(tables)).toEqual(expected);
        },
      ),
      { endOnFailure: true, numRuns: Number(process.env.IDX_RUNS ?? 10), seed: process.env.IDX_SEED === undefined ? undefined : Number(process.env.IDX_SEED) },
    );
  }, Number(process.env.IDX_TIMEOUT ?? 240_000));
});
