import type { TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listUsage } from '../../src/store/ledgerSummary.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { appliedRowKey } from '../../src/store/messageRows.js';
import { getMessage } from '../../src/store/messageQueries.js';
import { legacyUsageRecordRowKey } from '../../src/store/usageRows.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/**
 * A ledger written before de-duplication memory was folded into rows ("f|" and "u|" rows, one per
 * record, and rows without the folded properties) keeps de-duplicating exactly.
 */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

const id = 'dddddddd-0000-4000-8000-00000000000d';
const status = (i: number) => ({
  time: `2025-03-14T10:0${i}:00Z`, category: 'EmailStatusUpdateOperational', correlationId: id,
  properties: { RecipientId: `r${i}@example.org`, DeliveryStatus: 'Delivered', SenderDomain: 'example.com' },
});
const usage = (i: number) => ({
  time: `2025-03-14T10:0${i}:00Z`, category: 'Usage', correlationId: `c-${i}`, properties: { recordId: `usage-${i}`, usageType: 'Email', unitType: 'emails', quantity: 1 },
});
const body = (records: unknown[]): SourcedBody[] => [{ body: JSON.stringify({ records }), source: { kind: 'inline', label: 'test' } }];

/** Rewrites the table as the layout before folding had it. */
async function unfold(table: TableClient, recordRowKeys: (row: Record<string, unknown>) => string[]): Promise<void> {
  for await (const entity of table.listEntities<Record<string, unknown>>()) {
    const { partitionKey: pk, rowKey: rk, etag: _e, timestamp: _t, applied: _a, appliedOverflow: _o, recordMemory: _m, ...rest } = entity;
    const partitionKey = String(pk);
    const rowKey = String(rk);
    for (const key of recordRowKeys(entity)) await table.upsertEntity({ partitionKey, rowKey: key, rowType: 'applied' }, 'Replace');
    if (rowKey.startsWith('b|')) await table.deleteEntity(partitionKey, rowKey);
    else await table.upsertEntity({ partitionKey, rowKey, ...rest }, 'Replace');
  }
}

describe('a ledger written before folding', () => {
  it('counts its records as duplicates and new records once', async () => {
    const { tables, config } = await openTestTables();
    opened.push(tables);
    const run = (records: unknown[]) => processBatch(body(records), pipelineDepsFrom(config, tables));
    const old = [0, 1, 2].flatMap((i) => [status(i), usage(i)]);
    await run(old);
    await unfold(tables.messages, (row) => (typeof row['applied'] === 'string' && row['applied'] !== '' ? row['applied'].split(' ').map(appliedRowKey) : []));
    await unfold(tables.usage, (row) => (String(row['rowKey']).startsWith('t|') ? [0, 1, 2].map((i) => legacyUsageRecordRowKey(`usage-${i}`)) : []));

    const replay = await run(old);
    expect(replay.report).toMatchObject({ applied: 0, duplicates: old.length });
    const more = await run([...old, status(3), usage(3)]);
    expect(more.report).toMatchObject({ applied: 2, duplicates: old.length });
    expect(await run([status(3), usage(3), ...old])).toMatchObject({ report: { applied: 0 } });
    expect((await getMessage(tables.messages, id))?.message).toMatchObject({ appliedRecords: 4, recipientCount: 4 });
    expect((await listUsage(tables))[0]).toMatchObject({ records: 4 });
  });
});
