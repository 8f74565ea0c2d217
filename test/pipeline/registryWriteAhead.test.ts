import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { getBounceRecord } from '../../src/store/bounceRegistry.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/** The bounce registry is written ahead once per batch: concurrent message commits never race on an address. */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

const bounce = (m: number) => ({
  time: `2025-03-14T10:${String(m).padStart(2, '0')}:00Z`, category: 'EmailStatusUpdateOperational',
  correlationId: `cccccccc-0000-4000-8000-${String(m).padStart(12, '0')}`,
  properties: { RecipientId: 'Same@Example.org', DeliveryStatus: 'Bounced', IsHardBounce: true, SmtpStatusCode: '550', SenderDomain: 'example.com' },
});

describe('bounce registry write-ahead per batch', () => {
  it('records forty messages bouncing one address in one batch without a conflict, once each', async () => {
    const { tables, config } = await openTestTables();
    opened.push(tables);
    const records = Array.from({ length: 40 }, (_, m) => bounce(m));
    const body: SourcedBody = { body: JSON.stringify({ records }), source: { kind: 'inline', label: 'test' } };
    const first = await processBatch([body], pipelineDepsFrom(config, tables));
    expect(first.report).toMatchObject({ applied: 40, hardBounceAlerts: 40, storageConflicts: 0 });
    const again = await processBatch([body], pipelineDepsFrom(config, tables));
    expect(again.report).toMatchObject({ applied: 0, duplicates: 40, storageConflicts: 0 });
    const record = await getBounceRecord(tables.bounces, 'same@example.org', { policy: tables.retryPolicy, meter: new StorageMeter() });
    expect(record).toMatchObject({ hardBounces: 40, lastMessageId: 'cccccccc-0000-4000-8000-000000000039' });
  });
});
