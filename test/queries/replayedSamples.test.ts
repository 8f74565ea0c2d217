import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import { computeStats } from '../../src/queries/computeStats.js';
import { messagesInWindow, recipientMessages } from '../../src/queries/indexQueries.js';
import { providerGrouping } from '../../src/queries/providers.js';
import { parseMessagesQuery, parseRecipientQuery, parseStatsQuery, queryOrThrow, verifyWindowOf } from '../../src/queries/queryParams.js';
import { verifyStats } from '../../src/queries/verifyStats.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { openTestTables } from '../helpers/ledgerFixture.js';
import { testIo } from './indexFixture.js';

/**
 * The queries on what the pipeline itself wrote: the samples' event bodies replayed through processBatch
 * (shuffled, duplicated, two batches racing), then `stats --verify` and the answers; and a late Bounced
 * that replaces a delivery moves the recipient between the counts.
 */
const eventsDir = new URL('../../samples/events/', import.meta.url);
const sampleBodies = readdirSync(eventsDir).filter((f) => f.endsWith('.json')).sort().map((f) => readFileSync(new URL(f, eventsDir), 'utf8'));
const now = new Date('2025-03-20T00:00:00Z');
const day = queryOrThrow(parseStatsQuery(new Map([['from', '2025-03-14'], ['to', '2025-03-15'], ['group', 'none']]), now));

const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function ledger() {
  const { tables, config } = await openTestTables();
  opened.push(tables);
  const run = (bodies: readonly string[], offset = 0) =>
    processBatch(
      bodies.map((body, i) => ({ body, source: { kind: 'eventHub', partitionId: '0', sequenceNumber: offset + i, eventIndex: 0 } }) satisfies SourcedBody),
      { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls },
    );
  return { tables, run };
}

/** A seeded shuffle (the order must not matter, and a failure must be reproducible). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('queries over replayed samples', () => {
  it('give the same stats for a shuffled, duplicated, racing replay as for an ordered one, and verify finds no difference', async () => {
    const ordered = await ledger();
    await ordered.run(sampleBodies);
    const reference = await computeStats(ordered.tables.index, day, providerGrouping(), testIo());

    const messy = await ledger();
    const input = shuffled([...sampleBodies, ...sampleBodies.slice(0, 20)], 7);
    const half = Math.floor(input.length / 2);
    await Promise.all([messy.run(input.slice(0, half)), messy.run(input.slice(half), 1_000)]);
    await messy.run(shuffled(sampleBodies, 11).slice(0, 15), 2_000);
    const stats = await computeStats(messy.tables.index, day, providerGrouping(), testIo());
    expect(stats.rows).toEqual(reference.rows);
    expect(stats.totals.recipients).toBeGreaterThan(0);

    for (const { tables } of [ordered, messy]) {
      const verify = await verifyStats(tables, verifyWindowOf(day), testIo());
      expect(verify.differences).toEqual([]);
      expect(verify.messagesChecked).toBeGreaterThan(0);
    }
  }, 120_000);

  it('moves a recipient from Delivered to Bounced when a late bounce replaces the delivery', async () => {
    const { tables, run } = await ledger();
    const fixture = readFileSync(new URL('../fixtures/sample-event-1.json', import.meta.url), 'utf8');
    await run([fixture]);
    const before = await computeStats(tables.index, day, providerGrouping(), testIo());
    const delivered = (JSON.parse(fixture) as { records: { properties: Record<string, unknown>; time: string }[] }).records.find((r) => r.properties['DeliveryStatus'] === 'Delivered');
    if (!delivered) throw new Error('sample-event-1 has a delivery');
    const bounce = {
      ...delivered,
      time: '2025-03-14T11:00:00.0000000Z',
      properties: { ...delivered.properties, DeliveryStatus: 'Bounced', SmtpStatusCode: '550', EnhancedSmtpStatusCode: '5.1.1', IsHardBounce: true, FailureReason: 'BadDestinationMailboxAddress' },
    };
    await run([JSON.stringify({ records: [bounce] })], 100);
    const after = await computeStats(tables.index, day, providerGrouping(), testIo());
    expect(after.totals.statuses['Delivered'] ?? 0).toBe((before.totals.statuses['Delivered'] ?? 0) - 1);
    expect(after.totals.statuses['Bounced']).toBe((before.totals.statuses['Bounced'] ?? 0) + 1);
    expect(after.totals.hardBounces).toBe(before.totals.hardBounces + 1);
    expect(after.totals.recipients).toBe(before.totals.recipients);

    const address = String(delivered.properties['RecipientId']);
    const history = await recipientMessages(tables.index, queryOrThrow(parseRecipientQuery(address.toUpperCase(), new Map())), testIo());
    expect(history.messages[0]).toMatchObject({ status: 'Bounced', hardBounce: true, smtpStatusCode: '550', statusTime: '2025-03-14T11:00:00.0000000Z' });
    const bounced = await messagesInWindow(tables.index, queryOrThrow(parseMessagesQuery(new Map([['from', '2025-03-14'], ['to', '2025-03-15'], ['status', 'Bounced']]), now)), testIo());
    expect(bounced.messages.map((m) => m.messageId)).toContain(history.messages[0]?.messageId);
    expect((await verifyStats(tables, verifyWindowOf(day), testIo())).differences).toEqual([]);
  });
});
