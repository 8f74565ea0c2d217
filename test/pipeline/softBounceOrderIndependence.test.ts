import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/alerts/softBounce.js';
import { createAlertSinks } from '../../src/dispatch/createAlertSinks.js';
import { dispatchAlerts } from '../../src/dispatch/dispatchAlerts.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import { getSoftBounceRecord, settleSoftBounces } from '../../src/store/softBounceStore.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { toBodies } from '../helpers/eventHubBodies.js';
import { dumpLedger, openTestTables, testConfig } from '../helpers/ledgerFixture.js';
import { startWebhookReceiver } from '../helpers/webhookReceiver.js';
import { readSuppression } from '../../src/api/ledgerReads.js';
import { SuppressionDocumentSchema } from '../../src/api/documents.js';
import { renderCheck } from '../../src/cli/commands/bouncesCommand.js';

/**
 * Soft-bounce escalation on real Azurite: the history rows and the alerts are a function of the records,
 * not of their order, duplicates, batching or concurrent consumers. Records arrive "live" (the clock
 * stands before any crossing settled), and the crossings are settled once at the end, as the timer or
 * the end of a replay does.
 */
const RULE = { count: 2, windowMs: 30 * DAY_MS };
const LIVE = new Date('2025-03-01T00:00:00Z');
const SETTLED = new Date('2025-06-01T00:00:00Z');

const status = (messageId: string, time: string, recipient: string, deliveryStatus: string, code: string | null, hard = false): Record<string, unknown> => ({
  time,
  category: 'EmailStatusUpdateOperational',
  correlationId: messageId,
  properties: { RecipientId: recipient, DeliveryStatus: deliveryStatus, SenderDomain: 'example.net', IsHardBounce: hard, ...(code === null ? {} : { EnhancedSmtpStatusCode: code }) },
});
const m = (n: number): string => `cccccccc-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * ann: two soft failures (4.x.x, then no code) → one crossing; a third after a Delivered → none (1 < 2).
 * bob: soft, Delivered, soft → no crossing. cy: two permanent (5.x.x) failures → none. dee: two soft
 * failures 40 days apart → none; then two more within days → one. eve: reported by logs and Event Grid-like
 * duplicates of one message (the same failure twice) → counts once. fay: N crossings in two runs.
 */
const stream: unknown[] = [
  status(m(1), '2025-03-02T10:00:00.0000000Z', 'ann@example.org', 'Failed', '4.4.7'),
  status(m(2), '2025-03-03T10:00:00.0000000Z', 'Ann@Example.org', 'Failed', null),
  status(m(3), '2025-03-04T10:00:00.0000000Z', 'ann@example.org', 'Delivered', null),
  status(m(4), '2025-03-05T10:00:00.0000000Z', 'ann@example.org', 'Failed', '4.2.2'),
  status(m(1), '2025-03-02T10:00:00.0000000Z', 'bob@example.org', 'Failed', '4.4.1'),
  status(m(2), '2025-03-02T12:00:00.0000000Z', 'bob@example.org', 'Delivered', null),
  status(m(3), '2025-03-02T14:00:00.0000000Z', 'bob@example.org', 'Failed', '4.4.1'),
  status(m(1), '2025-03-02T10:00:00.0000000Z', 'cy@example.org', 'Failed', '5.7.1'),
  status(m(2), '2025-03-02T11:00:00.0000000Z', 'cy@example.org', 'Failed', '5.2.1'),
  status(m(1), '2025-03-01T10:00:00.0000000Z', 'dee@example.org', 'Failed', '4.4.7'),
  status(m(2), '2025-04-10T10:00:00.0000000Z', 'dee@example.org', 'Failed', '4.4.7'),
  status(m(3), '2025-04-12T10:00:00.0000000Z', 'dee@example.org', 'Failed', '4.4.7'),
  status(m(1), '2025-03-06T10:00:00.0000000Z', 'eve@example.org', 'Failed', '4.4.7'),
  status(m(1), '2025-03-06T10:01:00.0000000Z', 'eve@example.org', 'Failed', null),
  status(m(1), '2025-03-02T10:00:00.0000000Z', 'fay@example.org', 'Failed', null),
  status(m(2), '2025-03-02T11:00:00.0000000Z', 'fay@example.org', 'Failed', null),
  status(m(3), '2025-03-03T10:00:00.0000000Z', 'fay@example.org', 'Delivered', null),
  status(m(4), '2025-03-04T10:00:00.0000000Z', 'fay@example.org', 'Failed', null),
  status(m(5), '2025-03-04T11:00:00.0000000Z', 'fay@example.org', 'Failed', '4.3.0'),
];

const io = (tables: LedgerTables) => ({ policy: tables.retryPolicy, meter: new StorageMeter() });
const run = (tables: LedgerTables, now: Date) => (bodies: SourcedBody[]) =>
  processBatch(bodies, { tables, deadLetterRawLimit: 16_384, maxClickedUrls: 3, softBounce: RULE, now: () => now });

/** The soft-bounce partitions and the soft_bounce_escalation delivery rows. */
async function softOf(tables: LedgerTables) {
  const dump = await dumpLedger(tables, { includeAlerts: true });
  const rows = (dump['bounces'] ?? []).filter((r) => String((r as { partitionKey: unknown }).partitionKey).startsWith('soft|'));
  const delivery = (dump['alerts'] ?? []).flatMap((r) => (String((r as { rowKey: unknown }).rowKey).startsWith('sb_') ? [(r as { rowKey: string }).rowKey] : []));
  return { rows, delivery: delivery.sort() };
}

async function baseline() {
  const { tables } = await openTestTables();
  await run(tables, LIVE)(toBodies(stream, [stream.length], '0'));
  const alerts = await settleSoftBounces(tables, RULE, { now: SETTLED, settleMs: 0 }, io(tables));
  return { tables, alerts, soft: await softOf(tables) };
}

describe('soft-bounce escalation on Azurite', () => {
  it('escalates exactly the addresses the rule says, once each crossing, and `check` shows it', async () => {
    const { tables, alerts, soft } = await baseline();
    const by = new Map<string, string[]>();
    for (const a of alerts) by.set(a.recipient, [...(by.get(a.recipient) ?? []), a.since ?? '']);
    expect(Object.fromEntries([...by].sort())).toEqual({
      'ann@example.org': [''],
      'dee@example.org': [''],
      'fay@example.org': ['', '2025-03-03T10:00:00.0000000Z'],
    });
    expect(soft.delivery).toHaveLength(4);
    const dee = alerts.find((a) => a.recipient === 'dee@example.org');
    expect(dee?.messageIds).toEqual([m(2), m(3)]);
    // Settling again raises nothing; the records again change nothing.
    expect(await settleSoftBounces(tables, RULE, { now: SETTLED, settleMs: 0 }, io(tables))).toEqual([]);
    await run(tables, SETTLED)(toBodies(stream, [5], '1'));
    expect(await softOf(tables)).toEqual(soft);
    const ann = await getSoftBounceRecord(tables.bounces, 'ANN@example.org', io(tables));
    // ann's Delivered started a new run: escalated once, not now; one failure since.
    expect(ann).toMatchObject({ escalated: null, escalations: 1, softFailures: 1, lastDeliveredAt: '2025-03-04T10:00:00.0000000Z' });
    expect(await getSoftBounceRecord(tables.bounces, 'dee@example.org', io(tables))).toMatchObject({ escalated: 'soft_bounce', escalations: 1, softFailures: 3 });
    expect(await getSoftBounceRecord(tables.bounces, 'cy@example.org', io(tables))).toBeNull();
    const check = await readSuppression(tables, 'Dee@example.org', SETTLED);
    expect(SuppressionDocumentSchema.parse(check)).toMatchObject({ hardBounced: false, softBounce: { escalated: 'soft_bounce', escalations: 1 } });
    expect(renderCheck(check)).toContain('dee@example.org: escalated for repeated soft bounces (3 message(s)');
    await tables.close();
  });

  it('any order, duplication, batching and two concurrent consumers give the same rows and alert ids', async () => {
    const expected = await baseline();
    await expected.tables.close();
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(stream.map((_, i) => i), { minLength: stream.length, maxLength: stream.length }),
        fc.array(fc.integer({ min: 0, max: stream.length - 1 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        async (order, duplicated, sizes) => {
          const records = [...order, ...duplicated].map((i) => stream[i]);
          const half = Math.ceil(records.length / 2);
          const { tables } = await openTestTables();
          try {
            const consumer = run(tables, LIVE);
            await Promise.all([consumer(toBodies(records.slice(0, half), sizes, '0')), consumer(toBodies(records.slice(half), [...sizes].reverse(), '1'))]);
            const settled = await Promise.all([
              settleSoftBounces(tables, RULE, { now: SETTLED, settleMs: 0 }, io(tables)),
              settleSoftBounces(tables, RULE, { now: SETTLED, settleMs: 0 }, io(tables)),
            ]);
            expect(settled.flat().map((a) => a.id).sort()).toEqual(expected.alerts.map((a) => a.id).sort());
            expect(await softOf(tables)).toEqual(expected.soft);
          } finally {
            await tables.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 180_000);

  it('delivers a crossing once through the webhook, with its document', async () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const receiver = await startWebhookReceiver({ secret });
    const { tables, config } = await openTestTables();
    try {
      // Settled at once (the clock is long after): the batch itself raises the alert.
      const outcome = await run(tables, SETTLED)(toBodies(stream.slice(0, 2), [1], '0'));
      expect(outcome.alerts.map((a) => a.type)).toEqual(['soft_bounce_escalation']);
      const again = await run(tables, SETTLED)(toBodies(stream.slice(0, 2), [2], '0'));
      expect(again.alerts).toEqual([]);
      const sinks = createAlertSinks(testConfig({ LEDGER_ALERT_WEBHOOK_URL: receiver.url, LEDGER_ALERT_WEBHOOK_SECRET: secret, LEDGER_ALERT_LOG: 'false', LEDGER_TABLE_PREFIX: config.tablePrefix }), () => undefined);
      await dispatchAlerts({ tables, sinks, io: io(tables) });
      await dispatchAlerts({ tables, sinks, io: io(tables) });
      expect(receiver.deliveredIds()).toEqual([outcome.alerts[0]?.id]);
      expect(receiver.received[0]?.signatureValid).toBe(true);
      expect(receiver.received[0]?.parsed).toMatchObject({ type: 'soft_bounce_escalation', recipient: 'ann@example.org', since: null, threshold: 2, windowDays: 30, messageIds: [m(1), m(2)], smtpStatusCode: null });
    } finally {
      await tables.close();
      await receiver.close();
    }
  });
});
