import type { TableClient } from '@azure/data-tables';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/indexes/indexKeys.js';
import { messagesDocumentSchema, recipientMessagesDocumentSchema } from '../../src/queries/documents.js';
import { messagesInWindow, recipientMessages } from '../../src/queries/indexQueries.js';
import { parseMessagesQuery, parseRecipientQuery, queryOrThrow } from '../../src/queries/queryParams.js';
import { openIndexTable, projection, recipient, testIo, writeIndex } from './indexFixture.js';

/**
 * The by-recipient and by-time queries on index rows written with the write path's pure projection:
 * newest first across the four shards, pages that neither repeat nor skip, filters, and the row cap.
 */
const minute = (m: number) => `2026-11-30T${String(10 + Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00.0000000Z`;
const now = new Date('2026-11-30T14:00:00Z');
let index: TableClient;

// 40 messages to bob (some to "Bob@Contoso.com"), one a minute from 10:00; every third bounced, from two sender domains.
const bobMessages = Array.from({ length: 40 }, (_, i) => ({
  id: `msg-${String(i).padStart(3, '0')}`,
  time: minute(i * 3),
  sender: i % 2 === 0 ? 'contoso.com' : 'fabrikam.com',
  bob: recipient(i % 5 === 0 ? 'Bob@Contoso.com' : 'bob@contoso.com', i % 3 === 0 ? { status: 'Bounced', hardBounce: true, smtpStatusCode: '550' } : { views: i % 2, clicks: 0 }),
}));

beforeAll(async () => {
  index = await openIndexTable();
  await writeIndex(index, [
    ...bobMessages.map((m) => ({ projection: projection(m.id, m.time, m.sender, [m.bob, recipient(`other${m.id}@gmail.com`)]) })),
    { projection: projection('carol-1', minute(1), 'contoso.com', [recipient('carol@contoso.com', { status: 'Failed' })]) },
  ]);
  // The fixture really spreads the messages over the shards (the merge is what is under test).
  expect(new Set(bobMessages.map((m) => shardOf(m.id))).size).toBe(4);
});

async function allPages<T extends { continuation: string | null; rowsRead: number }>(first: (continuation: string | undefined) => Promise<T>): Promise<T[]> {
  const pages: T[] = [];
  let continuation: string | undefined;
  do {
    const page = await first(continuation);
    pages.push(page);
    continuation = page.continuation ?? undefined;
    expect(pages.length).toBeLessThan(100);
  } while (continuation !== undefined);
  return pages;
}

describe('recipientMessages', () => {
  it('finds every message to the address, case-insensitively, newest first, one page', async () => {
    const doc = await recipientMessages(index, queryOrThrow(parseRecipientQuery('BOB@contoso.COM', new Map([['limit', '100']]))), testIo());
    recipientMessagesDocumentSchema.parse(doc);
    expect(doc.messages.map((m) => m.messageId)).toEqual(bobMessages.map((m) => m.id).reverse());
    expect(doc.continuation).toBeNull();
    expect(doc.rowsRead).toBe(40);
    expect(doc.messages[0]).toEqual({
      messageId: 'msg-039', time: minute(117), status: 'Bounced', statusTime: null, smtpStatusCode: '550', enhancedSmtpStatusCode: null,
      hardBounce: true, senderDomain: 'fabrikam.com', views: 0, clicks: 0,
    });
  });

  it.each([1, 3, 7, 40])('pages of %i: no duplicates, no gaps, newest first', async (limit) => {
    const pages = await allPages((continuation) =>
      recipientMessages(index, queryOrThrow(parseRecipientQuery('bob@contoso.com', new Map([['limit', String(limit)], ...(continuation ? [['continuation', continuation] as [string, string]] : [])]))), testIo()),
    );
    expect(pages.flatMap((p) => p.messages.map((m) => m.messageId))).toEqual(bobMessages.map((m) => m.id).reverse());
    expect(pages.slice(0, -1).every((p) => p.messages.length === limit)).toBe(true);
    // Each shard is asked for at most limit + 1 rows a round, and most pages need one round.
    for (const p of pages) expect(p.rowsRead).toBeLessThanOrEqual(4 * (limit + 1) + 4 * 1000);
  });

  it('answers an unknown address with no rows', async () => {
    const doc = await recipientMessages(index, queryOrThrow(parseRecipientQuery('nobody@contoso.com', new Map())), testIo());
    expect(doc).toEqual({ address: 'nobody@contoso.com', messages: [], continuation: null, rowsRead: 0 });
  });
});

describe('messagesInWindow', () => {
  const query = (o: Record<string, string>) => queryOrThrow(parseMessagesQuery(new Map(Object.entries(o)), now));

  it('lists the messages of one hour, newest first, with their status counts', async () => {
    const doc = await messagesInWindow(index, query({ from: '2026-11-30T11:00Z', to: '2026-11-30T12:00Z', limit: '1000' }), testIo());
    messagesDocumentSchema.parse(doc);
    const expected = bobMessages.filter((m) => m.time >= minute(60) && m.time < minute(120)).map((m) => m.id).reverse();
    expect(doc.messages.map((m) => m.messageId)).toEqual(expected);
    expect(doc.rowsRead).toBe(expected.length);
    expect(doc.messages.at(-1)).toMatchObject({ messageId: 'msg-020', time: minute(60), timeSource: 'send', senderDomain: 'contoso.com', recipients: 2, recipientDomains: ['contoso.com', 'gmail.com'] });
    expect({ ...doc.messages.at(-1)?.statusCounts }).toEqual({ Delivered: 2 });
  });

  it('filters by status (any case), sender domain and recipient domain', async () => {
    const base = { from: '2026-11-30T10:00Z', to: '2026-11-30T14:00Z', limit: '1000' };
    const ids = async (o: Record<string, string>) => (await messagesInWindow(index, query({ ...base, ...o }), testIo())).messages.map((m) => m.messageId);
    expect(await ids({ status: 'bounced' })).toEqual(bobMessages.filter((_, i) => i % 3 === 0).map((m) => m.id).reverse());
    expect(await ids({ 'sender-domain': 'FABRIKAM.com' })).toEqual(bobMessages.filter((_, i) => i % 2 === 1).map((m) => m.id).reverse());
    expect(await ids({ 'recipient-domain': 'contoso.com', status: 'Failed' })).toEqual(['carol-1']);
    expect(await ids({ 'recipient-domain': 'outlook.com' })).toEqual([]);
  });

  it('pages a filtered window through continuation tokens without repeating or skipping', async () => {
    const o = { from: '2026-11-30T10:00Z', to: '2026-11-30T14:00Z', status: 'Delivered', limit: '4' };
    const pages = await allPages((continuation) => messagesInWindow(index, query({ ...o, ...(continuation ? { continuation } : {}) }), testIo()));
    // Every message to bob has a Delivered recipient (the other one); carol's, between msg-000 and msg-001, has none.
    const expected = bobMessages.map((m) => m.id).reverse();
    expect(pages.length).toBe(10);
    expect(pages.flatMap((p) => p.messages.map((m) => m.messageId))).toEqual(expected);
  });

  it('stops a page at the row cap with a continuation, and the pages still cover the window exactly', async () => {
    const o = { from: '2026-11-30T10:00Z', to: '2026-11-30T14:00Z', status: 'Failed', limit: '10' };
    const pages = await allPages((continuation) => messagesInWindow(index, query({ ...o, ...(continuation ? { continuation } : {}) }), testIo(), { maxRowsRead: 8 }));
    expect(pages.length).toBeGreaterThan(3);
    for (const p of pages) expect(p.rowsRead).toBeLessThanOrEqual(8 + 3);
    expect(pages.flatMap((p) => p.messages.map((m) => m.messageId))).toEqual(['carol-1']);
  });
});
