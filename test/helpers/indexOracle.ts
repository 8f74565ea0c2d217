import { expect } from 'vitest';
import type { LedgerTables } from '../../src/store/ledgerTables.js';

/**
 * What the index table should hold, computed straight from the messages table (message rows and
 * recipient rows) with none of the projection code: an independent oracle for the index tests.
 */
export interface IndexPicture {
  /** "hour|2025-03-15T10|sender|recipient-domain" → counts as JSON. */
  readonly sums: Map<string, string>;
  /** "messageId|time" of every time row. */
  readonly times: Set<string>;
  /** "lower address|messageId|status|views|clicks|hardBounce" of every recipient row. */
  readonly recipients: Set<string>;
}

type Row = Record<string, unknown>;
const text = (row: Row, key: string): string | null => (typeof row[key] === 'string' ? (row[key]) : null);
const num = (row: Row, key: string): number => (typeof row[key] === 'number' ? (row[key]) : 0);

export async function expectedIndex(tables: LedgerTables): Promise<IndexPicture> {
  const messages = new Map<string, Row>();
  const recipients = new Map<string, Row[]>();
  for await (const entity of tables.messages.listEntities<Row>()) {
    const pk = String(entity.partitionKey);
    if (entity.rowKey === 'message') messages.set(pk, entity);
    else if (String(entity.rowKey).startsWith('r|')) recipients.set(pk, [...(recipients.get(pk) ?? []), entity]);
  }
  const sums = new Map<string, Counts>();
  const times = new Set<string>();
  const recipientSet = new Set<string>();
  for (const [pk, message] of messages) {
    const time = text(message, 'sendTime') ?? text(message, 'firstStatusTime') ?? text(message, 'firstRecordTime');
    if (time === null) continue;
    const messageId = text(message, 'messageId') ?? '';
    times.add(`${messageId}|${time}`);
    const sender = (text(message, 'senderDomain') ?? '').toLowerCase();
    for (const r of recipients.get(pk) ?? []) {
      const address = text(r, 'address') ?? '';
      const domain = address.includes('@') ? address.slice(address.lastIndexOf('@') + 1).toLowerCase() : '';
      recipientSet.add(`${address.toLowerCase()}|${messageId}|${text(r, 'status')}|${num(r, 'views')}|${num(r, 'clicks')}|${r['hardBounce'] === true}`);
      for (const [level, bucket] of [['hour', time.slice(0, 13)], ['day', time.slice(0, 10)]] as const) {
        const key = `${level}|${bucket}|${sender}|${domain}`;
        const c = sums.get(key) ?? newCounts();
        c.recipients += 1;
        const status = text(r, 'status') ?? '(none)';
        c.statuses.set(status, (c.statuses.get(status) ?? 0) + 1);
        c.hardBounces += r['hardBounce'] === true ? 1 : 0;
        c.viewers += num(r, 'views') > 0 ? 1 : 0;
        c.clickers += num(r, 'clicks') > 0 ? 1 : 0;
        c.views += num(r, 'views');
        c.clicks += num(r, 'clicks');
        sums.set(key, c);
      }
    }
  }
  return { sums: new Map([...sums].map(([k, c]) => [k, countsJson(c)])), times, recipients: recipientSet };
}

export async function storedIndex(tables: LedgerTables): Promise<IndexPicture & { pointers: number; pending: number }> {
  // Each shard has its own sum rows: the same bucket and domains in several shards add up.
  const sums = new Map<string, Counts>();
  const times = new Set<string>();
  const recipients = new Set<string>();
  let pointers = 0;
  let pending = 0;
  for await (const row of tables.index.listEntities<Row>()) {
    const type = text(row, 'rowType');
    if (type === 'sum') {
      const key = `${text(row, 'level')}|${text(row, 'bucket')}|${text(row, 'senderDomain')}|${text(row, 'recipientDomain')}`;
      const c = sums.get(key) ?? newCounts();
      c.recipients += num(row, 'recipients');
      for (const [s, n] of Object.entries(JSON.parse(text(row, 'statuses') ?? '{}') as Record<string, number>)) c.statuses.set(s, (c.statuses.get(s) ?? 0) + n);
      c.hardBounces += num(row, 'hardBounces');
      c.viewers += num(row, 'viewers');
      c.clickers += num(row, 'clickers');
      c.views += num(row, 'views');
      c.clicks += num(row, 'clicks');
      sums.set(key, c);
    } else if (type === 'time') {
      times.add(`${text(row, 'messageId')}|${text(row, 'time')}`);
    } else if (type === 'recipient') {
      recipients.add(`${(text(row, 'address') ?? '').toLowerCase()}|${text(row, 'messageId')}|${text(row, 'status')}|${num(row, 'views')}|${num(row, 'clicks')}|${row['hardBounce'] === true}`);
    } else if (type === 'pointer') {
      pointers += 1;
      if (row['pendingDeletes'] !== undefined || row['pendingUpserts'] !== undefined || row['pendingSums'] !== undefined) pending += 1;
    }
  }
  const nonZero = [...sums].map(([k, c]) => [k, countsJson(c)] as const).filter(([, json]) => json !== countsJson(newCounts()));
  return { sums: new Map(nonZero), times, recipients, pointers, pending };
}

interface Counts {
  recipients: number;
  statuses: Map<string, number>;
  hardBounces: number;
  viewers: number;
  clickers: number;
  views: number;
  clicks: number;
}
const newCounts = (): Counts => ({ recipients: 0, statuses: new Map(), hardBounces: 0, viewers: 0, clickers: 0, views: 0, clicks: 0 });
const countsJson = (c: Counts): string =>
  JSON.stringify({ ...c, statuses: [...c.statuses].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1)) });

/** The index table agrees with the messages table, and no move is left half done. */
export async function expectIndexConsistent(tables: LedgerTables): Promise<Awaited<ReturnType<typeof storedIndex>>> {
  const [expected, stored] = await Promise.all([expectedIndex(tables), storedIndex(tables)]);
  expect(stored.sums).toEqual(expected.sums);
  expect(stored.times).toEqual(expected.times);
  expect(stored.recipients).toEqual(expected.recipients);
  expect(stored.pending).toBe(0);
  return stored;
}
