import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { getMessage } from '../../src/store/messageQueries.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/**
 * The ledger's central promise: replaying any stream twice, in any order, with any number of
 * duplicates and concurrent consumers, gives the same state and the same alerts.
 */
const stream = syntheticStream();
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

/** Cuts records into event bodies of the given sizes. */
function toBodies(records: readonly unknown[], sizes: readonly number[], partitionId: string): SourcedBody[] {
  const bodies: SourcedBody[] = [];
  let i = 0;
  let k = 0;
  while (i < records.length) {
    const size = Math.max(1, sizes[k % Math.max(1, sizes.length)] ?? 3);
    bodies.push({ body: JSON.stringify({ records: records.slice(i, i + size) }), source: { kind: 'eventHub', partitionId, sequenceNumber: k, eventIndex: k } });
    i += size;
    k += 1;
  }
  return bodies;
}

async function ledger() {
  const { tables, config } = await openTestTables({ LEDGER_MAX_CLICKED_URLS: '3' });
  opened.push(tables);
  const run = (bodies: SourcedBody[]) =>
    processBatch(bodies, { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls });
  return { tables, run };
}

async function baseline() {
  const { tables, run } = await ledger();
  const outcome = await run(toBodies(stream, [stream.length], '0'));
  return { dump: await dumpLedger(tables), alertIds: outcome.alerts.map((a) => a.id).sort(), report: outcome.report, tables };
}

describe('order independence', () => {
  it('the baseline applies the merge rules', async () => {
    const { tables, report } = await baseline();
    expect(report.records).toBe(report.applied + report.duplicates + report.ignored + report.deadLettered);
    expect(report).toMatchObject({ ignored: 1, deadLettered: 0, duplicates: 1 });
    const m1 = await getMessage(tables.messages, 'aaaaaaaa-0000-4000-8000-000000000001');
    const by = (a: string) => m1?.recipients.find((r) => r.address === a);
    expect(by('erin@example.org')).toMatchObject({ status: 'Bounced', hardBounce: true });
    expect(by('frank@example.org')).toMatchObject({ status: 'Failed', smtpStatusCode: '552' });
    expect(by('gina@example.org')).toMatchObject({ status: 'Delivered', views: 1, clicks: 5, clickedUrlsTruncated: true });
    expect(by('gina@example.org')?.clickedUrls.map((u) => u.url)).toEqual(['https://example.org/a', 'https://example.org/b', 'https://example.org/c']);
    expect(m1?.message).toMatchObject({ complete: true, statusCounts: { Bounced: 1, Delivered: 1, Failed: 1 }, hardBounceCount: 1 });
    const m2 = await getMessage(tables.messages, 'aaaaaaaa-0000-4000-8000-000000000002');
    expect(m2?.recipients[0]?.address).toBe('we/ird#1?\\x@example.org');
    expect(m2?.message).toMatchObject({ sendTime: null, complete: false, messageStatus: 'OutForDelivery' });
  });

  it('any permutation with any duplicates, in any batching, twice, gives the same state and alerts', async () => {
    const expected = await baseline();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: stream.length, maxLength: stream.length }),
        fc.array(fc.nat({ max: stream.length - 1 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
        async (sortKeys, duplicateIndexes, sizes) => {
          const order = stream.map((record, i) => ({ record, key: sortKeys[i] ?? 0, i })).sort((a, b) => a.key - b.key || a.i - b.i);
          const shuffled = [...order.map((o) => o.record), ...duplicateIndexes.map((i) => stream[i])];
          const { tables, run } = await ledger();
          const first = await run(toBodies(shuffled, sizes, '1'));
          const second = await run(toBodies([...shuffled].reverse(), sizes, '2'));
          const r = first.report;
          expect(r.records).toBe(r.applied + r.duplicates + r.ignored + r.deadLettered);
          expect(r.applied).toBe(expected.report.applied);
          expect(second.report.applied).toBe(0);
          expect([...first.alerts, ...second.alerts].map((a) => a.id).sort()).toEqual(expected.alertIds);
          expect(await dumpLedger(tables)).toEqual(expected.dump);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('two consumers racing over the same stream apply each record once and raise each alert once', async () => {
    const expected = await baseline();
    const { tables, run } = await ledger();
    const forward = toBodies(stream, [2], '0');
    const backward = toBodies([...stream].reverse(), [3], '1');
    const [a, b] = await Promise.all([
      Promise.all(forward.map((body) => run([body]))),
      Promise.all(backward.map((body) => run([body]))),
    ]);
    const outcomes = [...a, ...b];
    const applied = outcomes.reduce((n, o) => n + o.report.applied, 0);
    expect(applied).toBe(expected.report.applied);
    expect(outcomes.flatMap((o) => o.alerts.map((x) => x.id)).sort()).toEqual(expected.alertIds);
    expect(await dumpLedger(tables)).toEqual(expected.dump);
  }, 60_000);
});
