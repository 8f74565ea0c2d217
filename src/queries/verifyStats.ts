import { odata, type TableClient } from '@azure/data-tables';
import { dayOf, hourOf, KEY_END, shardOf, shardPartitionKey, sumKeyRange, timeKeyRange, pointerRowKey, urlSumKeyRange } from '../indexes/indexKeys.js';
import { countsOfRow, type SumEntry } from '../indexes/indexRows.js';
import { contributionsOf, indexRowsOf, POINTER_FORMAT, projectMessage, toPointerRow } from '../indexes/messageProjection.js';
import { addCounts, sameCounts, serializeStatuses, ZERO_COUNTS, type SumCounts } from '../indexes/sumCounts.js';
import type { MessageState, RecipientState } from '../state/messageState.js';
import { digestOf } from '../state/recipientDigest.js';
import { readAllShards, type IndexRow } from '../store/indexReads.js';
import { fromMessageRow, fromRecipientRow, MESSAGE_ROW_KEY, RECIPIENT_ROW_PREFIX } from '../store/messageRows.js';
import type { RowProperties } from '../store/partitionCommit.js';
import { listEntitiesWithRetry, type StorageCallIo } from '../store/storageRetry.js';
import type { VerifyDifference, VerifyDocument } from './documents.js';
import type { VerifyQuery } from './queryParams.js';

/**
 * `stats --verify`: recomputes what the index should hold for the messages of the window from the
 * per-recipient state (the message rows, with the recipients taken from their own rows rather than the
 * message row's digest) with the same pure projection the write path uses, and compares it with what
 * the index holds: the hourly and daily sums (with their failure counts), the daily link sums, the time rows, the recipient rows and the pointers (a
 * pointer whose version lags its message row is a projection not yet applied). A scan of the messages
 * table: for audits and tests, not for dashboards.
 */
export async function verifyStats(tables: { readonly messages: TableClient; readonly index: TableClient }, query: VerifyQuery, io: StorageCallIo): Promise<VerifyDocument> {
  const scanned = await readMessages(tables.messages, io);
  const expected = expectedIndex(scanned.messages, query);
  const actual = await readIndexWindow(tables.index, query, io);
  const differences = [
    ...compareSums(expected.sums, actual.sums),
    ...compareRows('time', expected.timeRows, actual.timeRows),
    ...compareRows('recipient', expected.recipientRows, actual.recipientRows),
    ...comparePointers(expected.pointers, actual.pointers),
  ].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.partitionKey, b.partitionKey) || cmp(a.rowKey, b.rowKey));
  return {
    from: query.from,
    to: query.to,
    consistent: differences.length === 0,
    messagesChecked: expected.checked,
    messagesNotIndexed: expected.notIndexed,
    rowsRead: scanned.rowsRead + actual.rowsRead,
    differences,
  };
}

interface MessageWithRecipients {
  readonly message: MessageState;
  readonly recipients: readonly RecipientState[];
}

async function readMessages(table: TableClient, io: StorageCallIo): Promise<{ messages: MessageWithRecipients[]; rowsRead: number }> {
  const byPartition = new Map<string, { message: MessageState | null; recipients: RecipientState[] }>();
  const filter = odata`RowKey eq ${MESSAGE_ROW_KEY} or (RowKey ge ${RECIPIENT_ROW_PREFIX} and RowKey lt ${'r}'})`;
  let rowsRead = 0;
  for await (const entity of listEntitiesWithRetry(table, 'verify: read messages', { filter }, io)) {
    rowsRead += 1;
    const key = entity.partitionKey ?? '';
    const entry = byPartition.get(key) ?? { message: null, recipients: [] };
    if (entity.rowKey === MESSAGE_ROW_KEY) entry.message = fromMessageRow(entity);
    else entry.recipients.push(fromRecipientRow(entity));
    byPartition.set(key, entry);
  }
  const messages: MessageWithRecipients[] = [];
  for (const { message, recipients } of byPartition.values()) if (message !== null) messages.push({ message, recipients });
  return { messages, rowsRead };
}

type Keyed<T> = Map<string, T>;
const keyOf = (partitionKey: string, rowKey: string) => `${partitionKey}\u0000${rowKey}`;

interface ExpectedRow {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly messageId: string | null;
  readonly properties: RowProperties;
}

interface ExpectedIndex {
  readonly sums: Keyed<{ partitionKey: string; rowKey: string; entry: SumEntry }>;
  readonly timeRows: Keyed<ExpectedRow>;
  readonly recipientRows: Keyed<ExpectedRow>;
  readonly pointers: Keyed<ExpectedRow & { readonly version: number }>;
  readonly checked: number;
  readonly notIndexed: number;
}

/** Pure: what the index holds for the messages of the window, by partition and row key. */
export function expectedIndex(messages: readonly MessageWithRecipients[], window: VerifyQuery): ExpectedIndex {
  const out: ExpectedIndex = { sums: new Map(), timeRows: new Map(), recipientRows: new Map(), pointers: new Map(), checked: 0, notIndexed: 0 };
  let checked = 0;
  let notIndexed = 0;
  for (const { message, recipients } of messages) {
    const digest = recipients.map(digestOf).sort((a, b) => cmp(a.address, b.address));
    const projection = projectMessage({ ...message, recipientDigest: digest });
    if (projection === null) {
      notIndexed += 1;
      continue;
    }
    if (!(projection.time >= window.from && projection.time < window.to)) continue;
    checked += 1;
    const partitionKey = shardPartitionKey(shardOf(projection.messageId));
    const messageId = projection.messageId;
    for (const [rowKey, properties] of indexRowsOf(projection)) {
      (rowKey.startsWith('t|') ? out.timeRows : out.recipientRows).set(keyOf(partitionKey, rowKey), { partitionKey, rowKey, messageId, properties });
    }
    const pointerKey = pointerRowKey(messageId);
    const version = message.appliedRecords;
    out.pointers.set(keyOf(partitionKey, pointerKey), { partitionKey, rowKey: pointerKey, messageId, version, properties: toPointerRow({ version, projection, format: POINTER_FORMAT }) });
    for (const [rowKey, entry] of contributionsOf(projection)) {
      const key = keyOf(partitionKey, rowKey);
      const current = out.sums.get(key);
      out.sums.set(key, { partitionKey, rowKey, entry: { ...entry, counts: addCounts(current?.entry.counts ?? ZERO_COUNTS, entry.counts) } });
    }
  }
  return { ...out, checked, notIndexed };
}

interface ActualIndex {
  readonly sums: Keyed<IndexRow & { partitionKey: string }>;
  readonly timeRows: Keyed<IndexRow & { partitionKey: string }>;
  readonly recipientRows: Keyed<IndexRow & { partitionKey: string }>;
  readonly pointers: Keyed<IndexRow & { partitionKey: string }>;
  readonly rowsRead: number;
}

async function readIndexWindow(index: TableClient, window: VerifyQuery, io: StorageCallIo): Promise<ActualIndex> {
  const inWindow = ({ row }: IndexRow) => {
    const time = row['time'];
    return typeof time === 'string' && time >= window.from && time < window.to;
  };
  const all = (range: { ge: string; lt: string }) => readAllShards(index, range, io).then((rows) => rows ?? []);
  const [hours, days, links, times, recipients, pointers] = await Promise.all([
    all(sumKeyRange('hour', hourOf(window.from), hourOf(window.to))),
    all(sumKeyRange('day', dayOf(window.from), dayOf(window.to))),
    all(urlSumKeyRange(dayOf(window.from), dayOf(window.to))),
    all(timeKeyRange(window.from, window.to)),
    all({ ge: 'a|', lt: `a|${KEY_END}` }),
    all({ ge: 'm|', lt: `m|${KEY_END}` }),
  ]);
  const keyed = (rows: readonly IndexRow[]) => new Map(rows.map((r) => [keyOf(partitionOf(r), r.rowKey), { ...r, partitionKey: partitionOf(r) }]));
  return {
    sums: keyed([...hours, ...days, ...links]),
    timeRows: keyed(times),
    recipientRows: keyed(recipients.filter(inWindow)),
    pointers: keyed(pointers.filter(inWindow)),
    rowsRead: hours.length + days.length + links.length + times.length + recipients.length + pointers.length,
  };
}

const partitionOf = ({ row }: IndexRow): string => (typeof row['partitionKey'] === 'string' ? row['partitionKey'] : '');

function compareSums(expected: ExpectedIndex['sums'], actual: ActualIndex['sums']): VerifyDifference[] {
  const out: VerifyDifference[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(key);
    const have = actual.get(key);
    const wantCounts = want?.entry.counts ?? ZERO_COUNTS;
    const haveCounts = have === undefined ? ZERO_COUNTS : countsOfRow(have.row);
    // A sum row left at zero (every contribution taken back) is the same as no row.
    if (sameCounts(wantCounts, haveCounts)) continue;
    out.push({
      kind: 'sum',
      partitionKey: want?.partitionKey ?? have?.partitionKey ?? '',
      rowKey: want?.rowKey ?? have?.rowKey ?? '',
      messageId: null,
      reason: have === undefined ? 'sum row missing' : want === undefined ? 'sum row for no message' : 'counts differ',
      expected: want === undefined ? null : countsJson(wantCounts),
      actual: have === undefined ? null : countsJson(haveCounts),
    });
  }
  return out;
}

function countsJson(c: SumCounts): string {
  const { statuses, failures, ...rest } = c;
  return JSON.stringify({ ...rest, statuses: JSON.parse(serializeStatuses(statuses)) as unknown, failures: JSON.parse(serializeStatuses(failures)) as unknown });
}

function compareRows(kind: 'time' | 'recipient', expected: Keyed<ExpectedRow>, actual: ActualIndex['timeRows']): VerifyDifference[] {
  const out: VerifyDifference[] = [];
  for (const [key, want] of expected) {
    const have = actual.get(key);
    const base = { kind, partitionKey: want.partitionKey, rowKey: want.rowKey, messageId: want.messageId, expected: JSON.stringify(want.properties) };
    if (have === undefined) out.push({ ...base, reason: `${kind} row missing`, actual: null });
    else {
      const differing = differingProperties(want.properties, have.row);
      if (differing.length > 0) out.push({ ...base, reason: `differs in ${differing.join(', ')}`, actual: JSON.stringify(pick(have.row, want.properties)) });
    }
  }
  for (const [key, have] of actual) {
    if (expected.has(key)) continue;
    const messageId = typeof have.row['messageId'] === 'string' ? have.row['messageId'] : null;
    out.push({ kind, partitionKey: have.partitionKey, rowKey: have.rowKey, messageId, reason: `${kind} row for no message (or at a stale key)`, expected: null, actual: JSON.stringify(have.row) });
  }
  return out;
}

function comparePointers(expected: ExpectedIndex['pointers'], actual: ActualIndex['pointers']): VerifyDifference[] {
  const out: VerifyDifference[] = [];
  for (const [key, want] of expected) {
    const have = actual.get(key);
    const base = { kind: 'pointer' as const, partitionKey: want.partitionKey, rowKey: want.rowKey, messageId: want.messageId };
    if (have === undefined) {
      out.push({ ...base, reason: 'pointer missing: the message was never projected', expected: JSON.stringify({ version: want.version }), actual: null });
      continue;
    }
    const version = typeof have.row['version'] === 'number' ? have.row['version'] : null;
    if (version !== want.version) {
      out.push({ ...base, reason: `pointer version ${String(version)}, message row at ${want.version}${version !== null && version < want.version ? ' (lags)' : ''}`, expected: JSON.stringify({ version: want.version }), actual: JSON.stringify({ version }) });
      continue;
    }
    const differing = differingProperties(want.properties, have.row);
    if (differing.length > 0) out.push({ ...base, reason: `differs in ${differing.join(', ')}`, expected: JSON.stringify(want.properties), actual: JSON.stringify(pick(have.row, want.properties)) });
  }
  for (const [key, have] of actual) {
    if (expected.has(key)) continue;
    const messageId = typeof have.row['messageId'] === 'string' ? have.row['messageId'] : null;
    out.push({ kind: 'pointer', partitionKey: have.partitionKey, rowKey: have.rowKey, messageId, reason: 'pointer for no message in the window', expected: null, actual: JSON.stringify(pick(have.row, { version: null, time: null })) });
  }
  return out;
}

/** Names of the expected properties the stored row does not hold as expected (storage drops null properties). */
function differingProperties(expected: RowProperties, actual: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(expected)
    .filter(([name, value]) => (value === null ? actual[name] !== undefined && actual[name] !== null : actual[name] !== value))
    .map(([name]) => name);
}

function pick(row: Readonly<Record<string, unknown>>, like: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(like).map((name) => [name, row[name] ?? null]));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
