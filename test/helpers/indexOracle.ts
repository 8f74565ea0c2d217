import { expect } from 'vitest';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { verifyStats } from '../../src/queries/verifyStats.js';
import { StorageMeter } from '../../src/store/storageRetry.js';

/**
 * What the index table should hold, computed straight from the messages table (message rows and
 * recipient rows) with none of the projection code: an independent oracle for the index tests.
 */
export interface IndexPicture {
  /** "hour|2025-03-15T10|sender|recipient-domain" → counts as JSON. */
  readonly sums: Map<string, string>;
  /** "messageId|time" of every time row. */
  readonly times: Set<string>;
  /** "messageId|failure keys" of every time row. */
  readonly timeFailures: Set<string>;
  /** "day|sender|link" → recipients who clicked the link. */
  readonly urls: Map<string, number>;
  /** "lower address|messageId|status|views|clicks|hardBounce" of every recipient row. */
  readonly recipients: Set<string>;
}

type Row = Record<string, unknown>;
const text = (row: Row, key: string): string | null => (typeof row[key] === 'string' ? (row[key]) : null);
const num = (row: Row, key: string): number => (typeof row[key] === 'number' ? (row[key]) : 0);
/** A property split over parts (name, name_1, ...) read back whole. */
const long = (row: Row, key: string): string | null => {
  let out = text(row, key);
  for (let i = 1; out !== null && text(row, `${key}_${i}`) !== null; i += 1) out += text(row, `${key}_${i}`) ?? '';
  return out;
};
const FAILED = new Set(['Bounced', 'Suppressed', 'Failed', 'Quarantined', 'FilteredSpam']);
/** The documented failure key: status/smtp/enhanced/reason (reason cut to 100), each percent-encoded. */
const failureOf = (r: Row): string | null => {
  const status = text(r, 'status');
  if (status === null || !FAILED.has(status)) return null;
  return [status, text(r, 'smtpStatusCode'), text(r, 'enhancedSmtpStatusCode'), text(r, 'failureReason')?.slice(0, 100) ?? null].map((p) => encodeURIComponent(p ?? '')).join('/');
};
/** The documented links of a recipient: its first 5 distinct clicked URLs without query or fragment, cut to 300. */
const linksOf = (r: Row): string[] => {
  const links: string[] = [];
  for (const { url } of JSON.parse(text(r, 'clickedUrls') ?? '[]') as { url: string }[]) {
    const link = url.trim().split(/[?#]/)[0]?.slice(0, 300) ?? '';
    if (link !== '' && !links.includes(link) && links.length < 5) links.push(link);
  }
  return links;
};

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
  const timeFailures = new Set<string>();
  const urls = new Map<string, number>();
  const recipientSet = new Set<string>();
  for (const [pk, message] of messages) {
    const time = text(message, 'sendTime') ?? text(message, 'firstStatusTime') ?? text(message, 'firstRecordTime');
    if (time === null) continue;
    const messageId = text(message, 'messageId') ?? '';
    const failures = new Set((recipients.get(pk) ?? []).flatMap((r) => failureOf(r) ?? []));
    times.add(`${messageId}|${time}`);
    timeFailures.add(`${messageId}|${[...failures].sort().join(' ')}`);
    const sender = (text(message, 'senderDomain') ?? '').toLowerCase();
    for (const r of recipients.get(pk) ?? []) {
      for (const link of linksOf(r)) urls.set(`${time.slice(0, 10)}|${sender}|${link}`, (urls.get(`${time.slice(0, 10)}|${sender}|${link}`) ?? 0) + 1);
      const failure = failureOf(r);
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
        if (failure !== null) c.failures.set(failure, (c.failures.get(failure) ?? 0) + 1);
        sums.set(key, c);
      }
    }
  }
  return { sums: new Map([...sums].map(([k, c]) => [k, countsJson(c)])), times, timeFailures, urls, recipients: recipientSet };
}

export async function storedIndex(tables: LedgerTables): Promise<IndexPicture & { pointers: number; pending: number }> {
  // Each shard has its own sum rows: the same bucket and domains in several shards add up.
  const sums = new Map<string, Counts>();
  const times = new Set<string>();
  const timeFailures = new Set<string>();
  const urls = new Map<string, number>();
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
      for (const [f, n] of Object.entries(JSON.parse(long(row, 'failures') ?? '{}') as Record<string, number>)) c.failures.set(f, (c.failures.get(f) ?? 0) + n);
      sums.set(key, c);
    } else if (type === 'urlSum') {
      const key = `${text(row, 'bucket')}|${text(row, 'senderDomain')}|${text(row, 'url')}`;
      const n = (urls.get(key) ?? 0) + num(row, 'clickers');
      if (n === 0) urls.delete(key);
      else urls.set(key, n);
    } else if (type === 'time') {
      times.add(`${text(row, 'messageId')}|${text(row, 'time')}`);
      timeFailures.add(`${text(row, 'messageId')}|${(JSON.parse(long(row, 'failures') ?? '[]') as string[]).join(' ')}`);
    } else if (type === 'recipient') {
      recipients.add(`${(text(row, 'address') ?? '').toLowerCase()}|${text(row, 'messageId')}|${text(row, 'status')}|${num(row, 'views')}|${num(row, 'clicks')}|${row['hardBounce'] === true}`);
    } else if (type === 'pointer') {
      pointers += 1;
      if (row['pendingDeletes'] !== undefined || row['pendingUpserts'] !== undefined || row['pendingSums'] !== undefined) pending += 1;
    }
  }
  const nonZero = [...sums].map(([k, c]) => [k, countsJson(c)] as const).filter(([, json]) => json !== countsJson(newCounts()));
  return { sums: new Map(nonZero), times, timeFailures, urls, recipients, pointers, pending };
}

interface Counts {
  recipients: number;
  statuses: Map<string, number>;
  hardBounces: number;
  viewers: number;
  clickers: number;
  views: number;
  clicks: number;
  failures: Map<string, number>;
}
const newCounts = (): Counts => ({ recipients: 0, statuses: new Map(), hardBounces: 0, viewers: 0, clickers: 0, views: 0, clicks: 0, failures: new Map() });
const sortedNonZero = (m: Map<string, number>) => [...m].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
const countsJson = (c: Counts): string => JSON.stringify({ ...c, statuses: sortedNonZero(c.statuses), failures: sortedNonZero(c.failures) });

/** The index table agrees with the messages table, and no move is left half done. */
export async function expectIndexConsistent(tables: LedgerTables): Promise<Awaited<ReturnType<typeof storedIndex>>> {
  const [expected, stored] = await Promise.all([expectedIndex(tables), storedIndex(tables)]);
  expect(stored.sums).toEqual(expected.sums);
  expect(stored.times).toEqual(expected.times);
  expect(stored.timeFailures).toEqual(expected.timeFailures);
  expect(stored.urls).toEqual(expected.urls);
  expect(stored.recipients).toEqual(expected.recipients);
  expect(stored.pending).toBe(0);
  // And `stats --verify`'s own recomputation (the projection code, from the recipient rows) agrees.
  const verified = await verifyStats(tables, { from: '1900-01-01T00:00:00.0000000Z', to: '9999-12-31T00:00:00.0000000Z' }, { policy: tables.retryPolicy, meter: new StorageMeter() });
  expect(verified.differences).toEqual([]);
  expect(verified.consistent).toBe(true);
  return stored;
}
