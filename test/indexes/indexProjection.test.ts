import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';
import { expectIndexConsistent } from '../helpers/indexOracle.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/** The index table against an oracle computed from the messages table alone (test/helpers/indexOracle.ts), on real Azurite. */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

const RESOURCE = '/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS';
const send = (id: string, time: string, recipients = 1) => ({
  time, resourceId: RESOURCE, operationName: 'SendMail', category: 'EmailSendMailOperational', correlationId: id,
  properties: { Size: '0.1', ToRecipientsCount: recipients, UniqueRecipientsCount: recipients },
});
const status = (id: string, time: string, to: string, deliveryStatus: string, hard = false, sender = 'News.Example.net') => ({
  time, resourceId: RESOURCE, operationName: 'DeliveryStatusUpdate', category: 'EmailStatusUpdateOperational', correlationId: id,
  properties: { RecipientId: to, DeliveryStatus: deliveryStatus, SenderDomain: sender, SenderUsername: 'news', IsHardBounce: hard },
});
const view = (id: string, time: string, to: string) => ({
  time, resourceId: RESOURCE, operationName: 'UserEngagementUpdate', category: 'EmailUserEngagementOperational', correlationId: id,
  properties: { RecipientId: to, EngagementType: 'View', UserAgent: 'ua' },
});

async function ledger(env: Record<string, string> = {}) {
  const { tables, config } = await openTestTables(env);
  opened.push(tables);
  let seq = 0;
  const run = (records: readonly unknown[]) => {
    const bodies: SourcedBody[] = [{ body: JSON.stringify({ records }), source: { kind: 'eventHub', partitionId: '0', sequenceNumber: seq, eventIndex: seq } }];
    seq += 1;
    return processBatch(bodies, { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls });
  };
  return { tables, run };
}


describe('index projection', () => {
  it('indexes every message, recipient and sum of the synthetic stream', async () => {
    const { tables, run } = await ledger();
    await run(syntheticStream());
    const stored = await expectIndexConsistent(tables);
    expect(stored.times.size).toBeGreaterThan(3);
    expect(stored.recipients.size).toBeGreaterThanOrEqual(8);
    expect(stored.pointers).toBe(stored.times.size);
  });

  it('a late Bounced moves the recipient out of Delivered, and the emptied sum row goes', async () => {
    const { tables, run } = await ledger();
    const id = 'bbbbbbbb-0000-4000-8000-000000000001';
    await run([send(id, '2026-11-30T14:00:00.0000000Z'), status(id, '2026-11-30T14:00:05.0000000Z', 'Bob@Contoso.com', 'Delivered')]);
    let stored = await expectIndexConsistent(tables);
    expect(stored.sums.get('hour|2026-11-30T14|news.example.net|contoso.com')).toContain('"Delivered",1');
    await run([status(id, '2026-12-01T09:00:00.0000000Z', 'Bob@Contoso.com', 'Bounced', true)]);
    stored = await expectIndexConsistent(tables);
    const hour = stored.sums.get('hour|2026-11-30T14|news.example.net|contoso.com') ?? '';
    expect(hour).toContain('"Bounced",1');
    expect(hour).not.toContain('Delivered');
    expect(hour).toContain('"hardBounces":1');
  });

  it('a SendMail record arriving after the statuses moves the message to its send hour, rows and sums', async () => {
    const { tables, run } = await ledger();
    const id = 'bbbbbbbb-0000-4000-8000-000000000002';
    await run([view(id, '2026-11-30T15:10:00.0000000Z', 'ann@gmail.com'), status(id, '2026-11-30T15:00:02.0000000Z', 'ann@gmail.com', 'Delivered')]);
    let stored = await expectIndexConsistent(tables);
    expect([...stored.times]).toEqual([`${id}|2026-11-30T15:00:02.0000000Z`]);
    await run([send(id, '2026-11-30T14:59:59.0000000Z')]);
    stored = await expectIndexConsistent(tables);
    expect([...stored.times]).toEqual([`${id}|2026-11-30T14:59:59.0000000Z`]);
    expect([...stored.sums.keys()].sort()).toEqual(['day|2026-11-30|news.example.net|gmail.com', 'hour|2026-11-30T14|news.example.net|gmail.com']);
    const rows: string[] = [];
    for await (const row of tables.index.listEntities()) rows.push(String(row.rowKey));
    expect(rows.filter((k) => k.startsWith('h|'))).toEqual([expect.stringMatching(/^h\|2026-11-30T14\|/)]);
  });

  it('a message of 120 recipients that changes hour moves in steps and ends consistent', async () => {
    const { tables, run } = await ledger();
    const id = 'bbbbbbbb-0000-4000-8000-000000000003';
    const to = Array.from({ length: 120 }, (_, i) => `user${i}@d${i % 40}.example`);
    await run(to.map((a, i) => status(id, `2026-11-30T16:00:${String(i % 60).padStart(2, '0')}.0000000Z`, a, 'Delivered')));
    await expectIndexConsistent(tables);
    await run([send(id, '2026-11-30T15:59:00.0000000Z', 120)]);
    const stored = await expectIndexConsistent(tables);
    expect(stored.recipients.size).toBe(120);
    expect([...stored.sums.keys()].every((k) => k.includes('2026-11-30T15') || k.startsWith('day|'))).toBe(true);
  });

  it('replaying everything again changes nothing in the index', async () => {
    const { tables, run } = await ledger();
    await run(syntheticStream());
    const before = await dumpLedger(tables);
    const again = await run(syntheticStream());
    expect(again.report.applied).toBe(0);
    expect(await dumpLedger(tables)).toEqual(before);
  });
});
