import { readFileSync } from 'node:fs';
import { serializeDeliveries } from '../../src/state/recipientDeliveries.js';
import { odata, type TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import { verifyDocumentSchema } from '../../src/queries/documents.js';
import { verifyWindowOf } from '../../src/queries/queryParams.js';
import { verifyStats } from '../../src/queries/verifyStats.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { openTestTables } from '../helpers/ledgerFixture.js';
import { indexFromMessageRows, openIndexTable, testIo } from './indexFixture.js';

/**
 * `stats --verify` against an index built by the write path's pure projection from the message rows:
 * consistent when built so, and every tampering (a sum, a missing or stale row, a lagging pointer) shows.
 */
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const bodies = (...names: string[]): SourcedBody[] =>
  names.map((name, i) => ({ body: fixture(name), source: { kind: 'eventHub', partitionId: '0', sequenceNumber: i, eventIndex: i } }));
const window = verifyWindowOf({ from: '2025-03-01T00:00:00.0000000Z', to: '2025-04-01T00:00:00.0000000Z' });

const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function samplesWithIndex(): Promise<{ tables: LedgerTables; index: TableClient; projected: number }> {
  const { tables, config } = await openTestTables();
  opened.push(tables);
  await processBatch(bodies('sample-event-1.json', 'sample-event-2.json'), { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls });
  const index = await openIndexTable(`${tables.messages.tableName}Idx`);
  const projected = await indexFromMessageRows(tables.messages, index);
  return { tables, index, projected };
}

async function rowsOf(index: TableClient, prefix: string): Promise<(Record<string, unknown> & { partitionKey: string; rowKey: string })[]> {
  const rows = [];
  for await (const e of index.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`RowKey ge ${prefix} and RowKey lt ${`${prefix}\uffff`}` } })) {
    rows.push({ ...e, partitionKey: e.partitionKey ?? '', rowKey: e.rowKey ?? '' });
  }
  return rows;
}

describe('verifyStats', () => {
  it('finds nothing to report on the index the projection builds', async () => {
    const { tables, index, projected } = await samplesWithIndex();
    const doc = await verifyStats({ messages: tables.messages, index }, window, testIo());
    verifyDocumentSchema.parse(doc);
    expect(doc.differences).toEqual([]);
    expect(doc).toMatchObject({ consistent: true, messagesChecked: projected, messagesNotIndexed: 0 });
    expect(projected).toBeGreaterThan(1);
  });

  it('reports a changed sum, a missing time row, a stale recipient row and a lagging pointer', async () => {
    const { tables, index } = await samplesWithIndex();
    const [sum] = await rowsOf(index, 'd|');
    const [time] = await rowsOf(index, 't|');
    const [pointer] = await rowsOf(index, 'm|');
    const [rcpt] = await rowsOf(index, 'a|');
    if (!sum || !time || !pointer || !rcpt) throw new Error('the samples have index rows of every kind');
    await index.updateEntity({ partitionKey: sum.partitionKey, rowKey: sum.rowKey, recipients: Number(sum['recipients']) + 1 }, 'Merge');
    await index.deleteEntity(time.partitionKey, time.rowKey);
    await index.updateEntity({ partitionKey: pointer.partitionKey, rowKey: pointer.rowKey, version: Number(pointer['version']) - 1 }, 'Merge');
    await index.createEntity({ ...rcpt, etag: undefined, timestamp: undefined, rowKey: `${rcpt.rowKey}|stale` } as never);

    const doc = await verifyStats({ messages: tables.messages, index }, window, testIo());
    expect(doc.consistent).toBe(false);
    const found = doc.differences.map((d) => [d.kind, d.rowKey, d.reason]);
    expect(found).toContainEqual(['sum', sum.rowKey, 'counts differ']);
    expect(found).toContainEqual(['time', time.rowKey, 'time row missing']);
    expect(found).toContainEqual(['recipient', `${rcpt.rowKey}|stale`, 'recipient row for no message (or at a stale key)']);
    expect(found.find(([kind, rowKey]) => kind === 'pointer' && rowKey === pointer.rowKey)?.[2]).toMatch(/lags/);
    expect(doc.differences).toHaveLength(4);
  });

  it('reports a recipient whose row and the message row disagree', async () => {
    const { tables, index } = await samplesWithIndex();
    // A recipient row changed behind the message row's back: the index (built from the digest) no longer matches it.
    const bob: Record<string, unknown>[] = [];
    for await (const e of tables.messages.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`rowType eq 'recipient' and address eq 'bob@example.org'` } })) bob.push(e);
    const row = bob[0] as { partitionKey: string; rowKey: string } | undefined;
    if (!row) throw new Error('bob is in the samples');
    // The recipient's status is read from its deliveries (src/state/recipientDeliveries.ts): change both.
    const deliveries = serializeDeliveries([{ status: 'Delivered', logs: { time: '2025-03-14T09:00:00.0000000Z', fingerprint: 'tampered', smtpStatusCode: null, enhancedSmtpStatusCode: null, failureReason: null, failureMessage: null }, eventGrid: null }]);
    await tables.messages.updateEntity({ partitionKey: row.partitionKey, rowKey: row.rowKey, status: 'Delivered', deliveries }, 'Merge');
    const doc = await verifyStats({ messages: tables.messages, index }, window, testIo());
    expect(doc.consistent).toBe(false);
    expect(new Set(doc.differences.map((d) => d.kind))).toEqual(new Set(['sum', 'recipient', 'time', 'pointer']));
  });
});
