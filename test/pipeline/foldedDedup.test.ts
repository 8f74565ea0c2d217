import { afterEach, describe, expect, it } from 'vitest';
import { FOLD_LIMIT } from '../../src/dedup/foldedSet.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listUsage } from '../../src/store/ledgerSummary.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { getMessage } from '../../src/store/messageQueries.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';

/**
 * Folded de-duplication memory past its bound, on Azurite: more records per row than FOLD_LIMIT, so
 * overflow rows are written and read. Any order and batching gives the same rows, and a replay counts
 * nothing twice.
 */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

const id = 'eeeeeeee-0000-4000-8000-00000000000e';
const RESOURCE = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/CommunicationServices/acs';
const at = (i: number) => new Date(Date.UTC(2025, 2, 14, 10, 0, 0) + i * 1_000).toISOString();
const VIEWS = FOLD_LIMIT + 72;
const USAGE = FOLD_LIMIT + 40;
const records = [
  ...Array.from({ length: VIEWS }, (_, i) => ({
    time: at(i), resourceId: RESOURCE, category: 'EmailUserEngagementOperational', correlationId: id,
    properties: { RecipientId: 'ann@example.org', EngagementType: 'View', UserAgent: `agent-${i}` },
  })),
  ...Array.from({ length: 20 }, (_, i) => ({
    time: at(i), resourceId: RESOURCE, category: 'EmailStatusUpdateOperational', correlationId: id,
    properties: { RecipientId: 'ann@example.org', DeliveryStatus: i === 19 ? 'Delivered' : 'Expanded', SenderDomain: 'example.com' },
  })),
  // All in one minute of one day: one memory row, overflowing.
  ...Array.from({ length: USAGE }, (_, i) => ({
    time: at(i % 60), resourceId: RESOURCE, category: 'Usage', correlationId: `c-${i}`,
    properties: { recordId: `usage-${i}`, usageType: 'Email', unitType: 'emails', quantity: 1 },
  })),
];

function bodies(list: readonly unknown[], size: number): SourcedBody[] {
  const out: SourcedBody[] = [];
  for (let i = 0; i < list.length; i += size) out.push({ body: JSON.stringify({ records: list.slice(i, i + size) }), source: { kind: 'inline', label: `b${i}` } });
  return out;
}

async function ledger() {
  const { tables, config } = await openTestTables();
  opened.push(tables);
  return { tables, run: (b: SourcedBody[]) => processBatch(b, pipelineDepsFrom(config, tables)) };
}

describe('folded de-duplication past its bound', () => {
  it('gives the same rows in any order and batching, and counts every record once', async () => {
    const a = await ledger();
    for (const batch of bodies(records, 37)) await a.run([batch]);
    const b = await ledger();
    const shuffled = records.map((r, i) => ({ r, k: (i * 7919) % records.length })).sort((x, y) => x.k - y.k).map((x) => x.r);
    await b.run(bodies([...shuffled, ...shuffled.slice(0, 50)], 11));

    const dump = await dumpLedger(a.tables);
    expect(await dumpLedger(b.tables)).toEqual(dump);
    const recipient = (await getMessage(a.tables.messages, id))?.recipients[0];
    expect(recipient).toMatchObject({ views: VIEWS, status: 'Delivered' });
    expect((await listUsage(a.tables))[0]).toMatchObject({ records: USAGE, quantityMicros: USAGE * 1_000_000 });
    const keys = (role: 'messages' | 'usage', prefix: string) => (dump[role] ?? []).filter((row) => String((row as { rowKey: unknown }).rowKey).startsWith(prefix)).length;
    expect(keys('messages', 'f|')).toBe(VIEWS + 20 - FOLD_LIMIT);
    expect(keys('usage', 'd|')).toBe(USAGE - FOLD_LIMIT);

    const replay = await a.run(bodies(shuffled, 500));
    expect(replay.report).toMatchObject({ applied: 0, duplicates: records.length });
    expect(await dumpLedger(a.tables)).toEqual(dump);
  });
});
