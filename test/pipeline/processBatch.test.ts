import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import { getMessage } from '../../src/store/messageQueries.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const bodies = (...names: string[]): SourcedBody[] =>
  names.map((name, i) => ({ body: fixture(name), source: { kind: 'eventHub', partitionId: '0', sequenceNumber: i, eventIndex: i } }));

const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function pipeline() {
  const { tables, config } = await openTestTables();
  opened.push(tables);
  return {
    tables,
    run: (batch: SourcedBody[]) =>
      processBatch(batch, { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls }),
  };
}

describe('processBatch on the reference samples', () => {
  it('applies sample 1 then sample 2, counting the repeated Bounced record as a duplicate', async () => {
    const { tables, run } = await pipeline();
    const first = await run(bodies('sample-event-1.json'));
    expect(first.report).toMatchObject({ records: 8, applied: 8, duplicates: 0, ignored: 0, deadLettered: 0 });
    const second = await run(bodies('sample-event-2.json'));
    expect(second.report).toMatchObject({ records: 7, applied: 6, duplicates: 1, ignored: 0, deadLettered: 0 });

    const view = await getMessage(tables.messages, '6F2A1C3E-4B5D-4E7F-9A01-23456789ABCD');
    expect(view?.message).toMatchObject({ uniqueRecipientsCount: 2, messageStatus: 'OutForDelivery', senderDomain: 'example.com' });
    const bob = view?.recipients.find((r) => r.address === 'bob@example.org');
    expect(bob).toMatchObject({ status: 'Bounced', hardBounce: true, smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1' });
    const alice = view?.recipients.find((r) => r.address === 'alice@example.com');
    expect(alice).toMatchObject({ status: 'Delivered', views: 1, clicks: 1, hardBounce: false });
    expect(alice?.clickedUrls.map((u) => u.url)).toEqual(['https://www.example.com/orders/12345?utm_source=email']);
    expect(view?.message?.complete).toBe(true);
    expect(view?.message?.statusCounts).toEqual({ Bounced: 1, Delivered: 1 });

    const dave = await getMessage(tables.messages, 'c4d3e2f1-a0b9-4c8d-9e7f-6a5b4c3d2e1f');
    expect(dave?.recipients[0]).toMatchObject({ address: 'dave@example.org', status: 'Failed', hardBounce: false, smtpStatusCode: '552' });
    expect(dave?.message).toMatchObject({ sizeMb: 0.731402, attachmentsCount: 1, complete: true });
    expect(first.alerts.flatMap((a) => (a.type === 'hard_bounce' ? [a.recipient] : [])).sort()).toEqual(['bob@example.org', 'carol@example.com']);
    expect(second.alerts).toEqual([]);
  });

  it('replaying both samples again, in the other order, changes nothing', async () => {
    const { tables, run } = await pipeline();
    await run(bodies('sample-event-1.json', 'sample-event-2.json'));
    const before = await dumpLedger(tables);
    const again = await run(bodies('sample-event-2.json', 'sample-event-1.json'));
    expect(again.report.applied).toBe(0);
    expect(again.report.duplicates).toBe(again.report.records);
    expect(again.alerts).toEqual([]);
    expect(await dumpLedger(tables)).toEqual(before);
  });
});
