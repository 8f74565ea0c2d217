import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { BounceRateAlert } from '../../src/alerts/alert.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import { readAllRateCounters, settleBounceRates } from '../../src/store/bounceRateStore.js';
import { openLedgerTables, type LedgerTables } from '../../src/store/ledgerTables.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faultyStorageProxy.js';
import { toBodies } from '../helpers/eventHubBodies.js';
import { dumpLedger, openTestTables, testConfig } from '../helpers/ledgerFixture.js';
import { syntheticStream } from '../helpers/syntheticStream.js';
import { inject } from 'vitest';

/**
 * The bounce-rate guardrail's promise: its counts and its alerts are a function of the records, not of
 * their order, duplicates, batching, concurrent consumers or a crash anywhere in a batch.
 *
 * Records arrive "live": the pipeline's clock stands before any of the stream's windows has settled, so
 * batches only count; the windows are evaluated once they are due (by settleBounceRates, as a timer or
 * the end of a replay would), from the final counts.
 */
const THRESHOLDS = { windowHours: 2, minSends: 2, warning: 0.25, critical: 0.5 };
const LIVE = new Date('2025-03-14T09:00:00Z');
const SETTLED = new Date('2025-03-16T00:00:00Z');

const status = (messageId: string, time: string, recipient: string, deliveryStatus: string, hard: boolean): Record<string, unknown> => ({
  time,
  category: 'EmailStatusUpdateOperational',
  correlationId: messageId,
  properties: { RecipientId: recipient, DeliveryStatus: deliveryStatus, SenderDomain: 'example.net', IsHardBounce: hard },
});

/** The synthetic stream plus recipients whose counted hour depends on which of their records is latest. */
const stream: unknown[] = [
  ...syntheticStream(),
  status('bbbbbbbb-0000-4000-8000-000000000003', '2025-03-15T10:50:00.0000000Z', 'hal@example.org', 'Delivered', false),
  status('bbbbbbbb-0000-4000-8000-000000000003', '2025-03-15T12:10:00.0000000Z', 'hal@example.org', 'Bounced', true),
  status('bbbbbbbb-0000-4000-8000-000000000003', '2025-03-15T12:20:00.0000000Z', 'ida@example.org', 'Delivered', false),
  status('bbbbbbbb-0000-4000-8000-000000000004', '2025-03-15T14:05:00.0000000Z', 'jo@example.org', 'Delivered', false),
  status('bbbbbbbb-0000-4000-8000-000000000004', '2025-03-15T14:06:00.0000000Z', 'kim@example.org', 'Delivered', false),
  status('bbbbbbbb-0000-4000-8000-000000000004', '2025-03-15T14:07:00.0000000Z', 'lou@example.org', 'Delivered', false),
  status('bbbbbbbb-0000-4000-8000-000000000004', '2025-03-15T15:30:00.0000000Z', 'kim@example.org', 'Bounced', true),
];

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

const runner = (tables: LedgerTables) => (bodies: SourcedBody[]) =>
  processBatch(bodies, { tables, deadLetterRawLimit: 16_384, maxClickedUrls: 3, bounceRate: THRESHOLDS, now: () => LIVE });

const io = (tables: LedgerTables) => ({ policy: tables.retryPolicy, meter: new StorageMeter() });

/** What the guardrail holds: the non-zero hourly counters and the bounce-rate alerts in its outbox and alerts table. */
async function guardrailOf(tables: LedgerTables) {
  const counters = Object.fromEntries([...(await readAllRateCounters(tables.bounces, io(tables)))].sort(([a], [b]) => a.localeCompare(b)));
  const dump = await dumpLedger(tables, { includeAlerts: true });
  const outbox = (dump['bounces'] ?? []).filter((r) => String((r as { rowKey: unknown }).rowKey).startsWith('a|br_'));
  const delivery = (dump['alerts'] ?? []).filter((r) => String((r as { rowKey: unknown }).rowKey).startsWith('br_')).map((r) => (r as { rowKey: string }).rowKey);
  return { counters, outbox, delivery: delivery.sort(), messages: dump['messages'] };
}

async function settle(tables: LedgerTables): Promise<BounceRateAlert[]> {
  // Two timers at once: together they still create each alert once.
  const [a, b] = await Promise.all([
    settleBounceRates(tables.bounces, tables.alerts, THRESHOLDS, { now: SETTLED, settleMs: 0 }, io(tables)),
    settleBounceRates(tables.bounces, tables.alerts, THRESHOLDS, { now: SETTLED, settleMs: 0 }, io(tables)),
  ]);
  return [...a, ...b];
}

async function baseline() {
  const { tables } = await openTestTables();
  opened.push(tables);
  const outcome = await runner(tables)(toBodies(stream, [stream.length], '0'));
  expect(outcome.alerts.filter((a) => a.type === 'bounce_rate')).toEqual([]);
  const alerts = await settle(tables);
  return { guardrail: await guardrailOf(tables), alertIds: alerts.map((a) => a.id).sort(), alerts };
}

/** The same tables, once directly and once through a proxy that kills every request after the first `killAfter`. */
async function crashableLedger(killAfter: number | 'rateRequests') {
  const { tables, config } = await openTestTables();
  opened.push(tables);
  const proxy: FaultyProxy = await startFaultyProxy(inject('azuriteConnectionString'));
  opened.push(proxy);
  const viaProxy = await openLedgerTables(testConfig({ LEDGER_STORAGE: proxy.connectionString, LEDGER_TABLE_PREFIX: config.tablePrefix, LEDGER_STORAGE_MAX_ATTEMPTS: '2' }), {
    allowEmbedded: false,
  });
  opened.push(viaProxy);
  let seen = 0;
  proxy.fault = {
    kind: 'reset',
    remaining: Number.MAX_SAFE_INTEGER,
    only: (req) => (killAfter === 'rateRequests' ? decodeURIComponent(req.url ?? '').includes("'rate|") : (seen += 1) > killAfter),
  };
  return { tables, viaProxy, proxy };
}

/** Runs the batches on the crashing instance until one fails, then (restarted) from that batch on. */
async function runCrashingThenRestart(bodies: SourcedBody[], crashing: LedgerTables, restarted: LedgerTables): Promise<{ crashedAt: number | null; alerts: string[] }> {
  const alerts: string[] = [];
  for (let i = 0; i < bodies.length; i += 1) {
    try {
      alerts.push(...(await runner(crashing)([bodies[i] as SourcedBody])).alerts.map((a) => a.id));
    } catch {
      for (const body of bodies.slice(i)) alerts.push(...(await runner(restarted)([body])).alerts.map((a) => a.id));
      return { crashedAt: i, alerts };
    }
  }
  return { crashedAt: null, alerts };
}

type Expected = Awaited<ReturnType<typeof baseline>>;

/**
 * Splits the stream, permuted by `sortKeys`, between two consumers racing each other, each with some
 * duplicates; the first runs on storage that dies after `killAfter` requests (or on every guardrail
 * request: the kill between the message commit and the sync) and is restarted from the failed batch.
 */
async function raceWithCrash(
  expected: Expected,
  sortKeys: readonly number[],
  onFirst: readonly boolean[],
  duplicates: readonly number[],
  sizes: readonly number[],
  killAfter: number | 'rateRequests',
): Promise<{ crashed: boolean }> {
  const records = stream.length;
  const order = stream.map((record, i) => ({ record, key: sortKeys[i] ?? 0, i, first: onFirst[i] ?? true })).sort((a, b) => a.key - b.key || a.i - b.i);
  const first = [...order.filter((o) => o.first).map((o) => o.record), ...duplicates.map((i) => stream[i])];
  const second = [...order.filter((o) => !o.first).map((o) => o.record), ...duplicates.map((i) => stream[records - 1 - i])];
  const { tables, viaProxy } = await crashableLedger(killAfter);
  const [a, b] = await Promise.all([
    runCrashingThenRestart(toBodies(first, sizes, '0'), viaProxy, tables),
    (async () => {
      const ids: string[] = [];
      for (const body of toBodies(second, [...sizes].reverse(), '1')) ids.push(...(await runner(tables)([body])).alerts.map((x) => x.id));
      return ids;
    })(),
  ]);
  // The clock stood before any window settled: batches counted, nobody alerted yet.
  expect([...a.alerts, ...b].filter((id) => id.startsWith('br_'))).toEqual([]);
  const alerts = await settle(tables);
  expect(alerts.map((x) => x.id).sort()).toEqual(expected.alertIds);
  const got = await guardrailOf(tables);
  expect(got.counters).toEqual(expected.guardrail.counters);
  expect(got.outbox).toEqual(expected.guardrail.outbox);
  expect(got.delivery).toEqual(expected.guardrail.delivery);
  expect(got.messages).toEqual(expected.guardrail.messages);
  // Settling again finds nothing new.
  expect(await settle(tables)).toEqual([]);
  return { crashed: a.crashedAt !== null };
}

describe('bounce-rate guardrail order independence', () => {
  it('the baseline counts each recipient once, in the hour of its latest status, and alerts each crossing once', async () => {
    const { guardrail, alerts } = await baseline();
    expect(guardrail.counters).toEqual({
      'example.com|2025-03-14T09': { sends: 4, hardBounces: 2 },
      'example.net|2025-03-15T10': { sends: 3, hardBounces: 1 },
      'example.net|2025-03-15T11': { sends: 1, hardBounces: 1 },
      'example.net|2025-03-15T12': { sends: 2, hardBounces: 1 },
      'example.net|2025-03-15T14': { sends: 2, hardBounces: 0 },
      'example.net|2025-03-15T15': { sends: 1, hardBounces: 1 },
    });
    expect(alerts.map((a) => [a.senderDomain, a.level, a.windowEnd, a.sends, a.hardBounces])).toEqual([
      // 2 of 4 = 50%: critical at once.
      ['example.com', 'critical', '2025-03-14T09:59:59Z', 4, 2],
      ['example.net', 'warning', '2025-03-15T10:59:59Z', 3, 1],
      ['example.net', 'critical', '2025-03-15T11:59:59Z', 4, 2],
      // 13:00-14:59 had 0 of 2 (ok, re-armed); 14:00-15:59 has 1 of 3.
      ['example.net', 'warning', '2025-03-15T15:59:59Z', 3, 1],
    ]);
    expect(guardrail.delivery).toEqual(alerts.map((a) => a.id).sort());
  });

  it('any permutation, duplication and batching, on two concurrent consumers, one of them killed anywhere and restarted, gives the same counts and alerts', async () => {
    const expected = await baseline();
    const records = stream.length;
    let crashes = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: records, maxLength: records }),
        fc.array(fc.boolean(), { minLength: records, maxLength: records }),
        fc.array(fc.nat({ max: records - 1 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 60 }),
        async (sortKeys, onFirst, duplicates, sizes, killAfter) => {
          if ((await raceWithCrash(expected, sortKeys, onFirst, duplicates, sizes, killAfter)).crashed) crashes += 1;
        },
      ),
      { numRuns: 5, seed: 20261201, endOnFailure: true },
    );
    expect(crashes).toBeGreaterThan(0);
  }, 120_000);

  it('a kill between the message commits and the guardrail sync is repaired by the redelivery, although its records are then duplicates', async () => {
    const expected = await baseline();
    const reversed = stream.map((_, i) => stream.length - i);
    const { crashed } = await raceWithCrash(expected, reversed, stream.map((_, i) => i % 3 !== 0), [0, 5], [4, 2], 'rateRequests');
    expect(crashed).toBe(true);
  }, 60_000);

  it('a message whose sender domain changes with a later record counts under the final domain only, in either order', async () => {
    const id = 'cccccccc-0000-4000-8000-000000000005';
    const early = { ...status(id, '2025-03-15T10:00:00.0000000Z', 'max@example.org', 'Delivered', false), properties: { RecipientId: 'max@example.org', DeliveryStatus: 'Delivered', SenderDomain: 'Old.example', IsHardBounce: false } };
    const late = { ...status(id, '2025-03-15T13:00:00.0000000Z', 'max@example.org', 'Bounced', true), properties: { RecipientId: 'max@example.org', DeliveryStatus: 'Bounced', SenderDomain: 'new.example', IsHardBounce: true } };
    const results = [];
    for (const order of [[early, late], [late, early]]) {
      const { tables } = await openTestTables();
      opened.push(tables);
      for (const record of order) await runner(tables)(toBodies([record], [1], '0'));
      await settle(tables);
      results.push(await readAllRateCounters(tables.bounces, io(tables)));
    }
    expect(Object.fromEntries(results[0] ?? [])).toEqual({ 'new.example|2025-03-15T13': { sends: 1, hardBounces: 1 } });
    expect(Object.fromEntries(results[1] ?? [])).toEqual(Object.fromEntries(results[0] ?? []));
  });
});
