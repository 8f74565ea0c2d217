import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { hardBounceAlertId } from '../../src/alerts/hardBounceAlert.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import { getBounceRecord } from '../../src/store/bounceRegistry.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { getMessage } from '../../src/store/messageQueries.js';
import { defaultStorageIo } from '../../src/store/storageRetry.js';
import { eventGridMirror } from '../helpers/eventGridStream.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/**
 * Two sources, one truth: the diagnostic logs and the Event Grid reports of the same messages, in any
 * interleaving, with Event Grid redeliveries and log duplicates, in any batching, give one state and
 * one alert per hard bounce; and a ledger fed both says what the logs alone say, plus Event Grid's facts.
 */
const logs = syntheticStream();
const reports = eventGridMirror(logs);
const both = [...logs, ...reports];
const M1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const M2 = 'aaaaaaaa-0000-4000-8000-000000000002';

const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

/** Each body mixes records and events, as `replay` of a folder holding both would (an array of either). */
function toBodies(items: readonly unknown[], sizes: readonly number[], partitionId: string): SourcedBody[] {
  const bodies: SourcedBody[] = [];
  for (let i = 0, k = 0; i < items.length; k += 1) {
    const size = Math.max(1, sizes[k % sizes.length] ?? 3);
    bodies.push({ body: JSON.stringify(items.slice(i, i + size)), source: { kind: 'eventHub', partitionId, sequenceNumber: k, eventIndex: k } });
    i += size;
  }
  return bodies;
}

async function ledger() {
  const { tables, config } = await openTestTables({ LEDGER_MAX_CLICKED_URLS: '3' });
  opened.push(tables);
  const run = (bodies: SourcedBody[]) => processBatch(bodies, { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls });
  return { tables, run };
}

/**
 * The outbox rows' alert payload is the first hard-bounce report to arrive (the logs' codes or Event
 * Grid's status message), so it is left out; the alerts compared are their ids: one per hard bounce.
 */
async function stateOf(tables: LedgerTables) {
  const dump = await dumpLedger(tables);
  return { ...dump, messages: dump['messages']?.map((row) => (typeof row === 'object' && row !== null && 'alert' in row ? { ...row, alert: '(payload)' } : row)) };
}

async function ingest(items: readonly unknown[], sizes: readonly number[] = [items.length]) {
  const { tables, run } = await ledger();
  const outcome = await run(toBodies(items, sizes, '0'));
  return { tables, outcome, alertIds: outcome.alerts.map((a) => a.id).sort() };
}

describe('logs and Event Grid together', () => {
  it('the Event Grid stream is classified as reports, not ignored', async () => {
    const { outcome } = await ingest(reports);
    const recipientRecords = logs.filter((r) => /StatusUpdate|UserEngagement/.test(String(r['category'])) && (r['properties'] as Record<string, unknown>)['RecipientId'] !== '');
    expect(reports.length).toBe(recipientRecords.length);
    expect(reports.length).toBeGreaterThan(15);
    expect(outcome.report).toMatchObject({ records: reports.length, applied: reports.length, ignored: 0, deadLettered: 0, duplicates: 0 });
  });

  it('say what the logs alone say, plus the facts only Event Grid has', async () => {
    const alone = await ingest(logs);
    const together = await ingest(both);
    expect(together.alertIds).toEqual(alone.alertIds);
    expect(together.alertIds).toEqual(expect.arrayContaining([hardBounceAlertId(M1, 'erin@example.org'), hardBounceAlertId(M2, 'we/ird#1?\\x@example.org')]));
    for (const messageId of [M1, M2]) {
      const a = await getMessage(alone.tables.messages, messageId);
      const t = await getMessage(together.tables.messages, messageId);
      const { statusCounts, hardBounceCount, finalRecipientCount, complete, senderDomain, senderUsername } = a?.message ?? {};
      expect(t?.message).toMatchObject({ statusCounts, hardBounceCount, finalRecipientCount, complete, senderDomain, senderUsername, senderOrigin: 'logs' });
      expect(t?.recipients.map((r) => r.address)).toEqual(a?.recipients.map((r) => r.address));
      for (const [i, r] of (a?.recipients ?? []).entries()) {
        const { status, statusTime, statusFingerprint, smtpStatusCode, enhancedSmtpStatusCode, failureReason, failureMessage, hardBounce, hardBounceTime, views, clicks, clickedUrls, firstViewTime } = r;
        expect(t?.recipients[i]).toMatchObject({ status, statusTime, statusFingerprint, smtpStatusCode, enhancedSmtpStatusCode, failureReason, failureMessage, hardBounce, hardBounceTime, views, clicks, clickedUrls, firstViewTime });
      }
    }
    const m1 = await getMessage(together.tables.messages, M1);
    const erin = m1?.recipients.find((r) => r.address === 'erin@example.org');
    expect(erin).toMatchObject({ status: 'Bounced', smtpStatusCode: '550', statusOrigins: ['logs', 'eventGrid'], mailServerHostName: 'mx.example.org' });
    expect(erin?.statusMessage).toMatch(/^550 5\.1\.1 /);
    expect(erin?.internetMessageId).toMatch(/^<eg-\d{4}@example\.net>$/);
    expect(erin?.deliveries.map((d) => [d.status, d.logs !== null, d.eventGrid !== null])).toEqual([['Bounced', true, true], ['Delivered', true, true]]);
    const gina = m1?.recipients.find((r) => r.address === 'gina@example.org');
    expect(gina?.engagementBySource).toEqual({ logs: { views: 1, clicks: 5, otherEngagements: 0 }, eventGrid: { views: 1, clicks: 5, otherEngagements: 0 } });
    // One bounce reported by both sources minutes apart is one bounce to the lease forecast, at the logs' time.
    const registry = await getBounceRecord(together.tables.bounces, 'erin@example.org', defaultStorageIo());
    expect(registry).toMatchObject({ hardBounces: 1, bounceTimes: ['2025-03-15T10:30:00.0000000Z'], lease: { level: 0 } });
    expect(registry?.bounceEvents).toHaveLength(2);
  });

  it('Event Grid alone gives the same statuses and the same alerts', async () => {
    const alone = await ingest(logs);
    const grid = await ingest(reports);
    expect(grid.alertIds).toEqual(alone.alertIds);
    const a = await getMessage(alone.tables.messages, M1);
    const g = await getMessage(grid.tables.messages, M1);
    expect(g?.recipients.map((r) => [r.address, r.status, r.hardBounce, r.views, r.clicks])).toEqual(a?.recipients.map((r) => [r.address, r.status, r.hardBounce, r.views, r.clicks]));
    expect(g?.message).toMatchObject({ senderDomain: 'example.net', senderUsername: 'DoNotReply', senderOrigin: 'eventGrid', statusCounts: a?.message?.statusCounts });
    const erin = g?.recipients.find((r) => r.address === 'erin@example.org');
    // The codes come from the status message: the reply code at its start, the enhanced code in it.
    expect(erin).toMatchObject({ smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1', failureReason: null, statusOrigins: ['eventGrid'] });
  });

  it('any interleaving, with redeliveries and duplicates, in any batching, twice, gives one state and one alert per hard bounce', async () => {
    const expected = await ingest(both);
    const expectedState = await stateOf(expected.tables);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: both.length, maxLength: both.length }),
        fc.array(fc.nat({ max: both.length - 1 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
        async (sortKeys, duplicateIndexes, sizes) => {
          const order = both.map((item, i) => ({ item, key: sortKeys[i] ?? 0, i })).sort((a, b) => a.key - b.key || a.i - b.i);
          const shuffled = [...order.map((o) => o.item), ...duplicateIndexes.map((i) => both[i])];
          const { tables, run } = await ledger();
          const first = await run(toBodies(shuffled, sizes, '1'));
          const second = await run(toBodies([...shuffled].reverse(), sizes, '2'));
          const r = first.report;
          expect(r.records).toBe(r.applied + r.duplicates + r.ignored + r.deadLettered);
          expect(r.applied).toBe(expected.outcome.report.applied);
          expect(second.report.applied).toBe(0);
          expect([...first.alerts, ...second.alerts].map((a) => a.id).sort()).toEqual(expected.alertIds);
          expect(await stateOf(tables)).toEqual(expectedState);
        },
      ),
      { numRuns: 10 },
    );
  }, 180_000);
});
