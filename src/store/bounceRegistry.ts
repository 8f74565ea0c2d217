import { odata, type TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import { forecastSuppressionLease, isLeaseActive } from '../alerts/suppressionLease.js';
import { bounceTimesOf, type BounceEvent, type BounceObservation, type BounceRecord, type BouncedMessage } from '../state/bounceRecord.js';
import { LedgerError } from '../errors.js';
import type { SoftBounceRecord } from './softBounceStore.js';
import {
  MESSAGE_PREFIX,
  addObservations,
  boundObservation,
  foldObservations,
  fromMessageBouncesRow,
  knownMessage,
  messageRowKey,
  rebuildRecord,
  removeObservations,
  sameProperties,
  toMessageBouncesRow,
  type MessageBounces,
} from './bounceMessageRows.js';
import { MAX_TRANSACTION_ROWS, commitPartition, readRows, readRowsWithPrefix, type RowWrite, type StorageIo, type StoredRow } from './partitionCommit.js';
import { defaultStorageIo, listEntitiesWithRetry, type StorageCallIo } from './storageRetry.js';
import { jsonOf, numberOf, textOf } from './entityFields.js';
import { readInKeyOrder } from './keyOrderPages.js';
import { encodeKey } from './tableKeys.js';

/**
 * Bounce registry storage, in the bounces table, one partition per address (lower-cased):
 *   "summary"            the BounceRecord
 *   "m|<messageId>"      what is known of the address on that message (bounced, suppressed), with the
 *                        observations that made it so (see bounceMessageRows): each hard-bounce record
 *                        counted once, and a summary that can be rebuilt from the rows alone
 * Written ahead of the message commits that apply the records (once per batch, see processBatch), so the
 * registry never misses a hard bounce the ledger applied. Should storage then refuse such a commit (the
 * record is dead-lettered as storage_rejected), retractBounceObservations takes the observation back
 * out, rebuilding the summary from the observations that remain.
 */
const SUMMARY = 'summary';
/** Message rows per transaction: the summary takes the last of the 100. */
const MESSAGES_PER_COMMIT = MAX_TRANSACTION_ROWS - 1;
/** Addresses written at once by one call. Each address is one writer, so a call never conflicts with itself. */
const ADDRESS_CONCURRENCY = 16;
const MAX_STALE_ROUNDS = 25;
export const registryPartitionKey = (address: string): string => `addr|${encodeKey(address.trim().toLowerCase())}`;
/** A summary with no observation left (all retracted): kept as a row, never listed or found. */
const EMPTY_SUMMARY = 'bounceSummaryRetracted';

const summaryOf = (row: StoredRow | undefined): BounceRecord | null =>
  row === undefined || row.properties['rowType'] === EMPTY_SUMMARY ? null : fromSummaryRow(row.properties);

/** Observations by partition, then by message row key (bounded, de-duplicated by fingerprint). */
function byPartition(observations: readonly BounceObservation[]): Map<string, Map<string, BounceObservation[]>> {
  const out = new Map<string, Map<string, BounceObservation[]>>();
  const seen = new Set<string>();
  for (const raw of observations) {
    const o = boundObservation(raw);
    const partitionKey = registryPartitionKey(o.address);
    if (seen.has(`${partitionKey}\n${o.fingerprint}`)) continue;
    seen.add(`${partitionKey}\n${o.fingerprint}`);
    const messages = out.get(partitionKey) ?? new Map<string, BounceObservation[]>();
    const key = messageRowKey(o.messageId);
    messages.set(key, [...(messages.get(key) ?? []), o]);
    out.set(partitionKey, messages);
  }
  return out;
}

/**
 * Records observations, coalesced: per address one read and one transaction (more only past the
 * 100-row transaction limit, in sequence), addresses in parallel. Rows are written only when they change.
 */
export async function recordBounceObservations(bounces: TableClient, observations: readonly BounceObservation[], io: StorageIo): Promise<void> {
  const limit = pLimit(ADDRESS_CONCURRENCY);
  await Promise.all(
    [...byPartition(observations)].map(([partitionKey, messages]) =>
      limit(async () => {
        const keys = [...messages.keys()];
        const address = messages.values().next().value?.[0]?.address ?? '';
        for (let i = 0; i < keys.length; i += MESSAGES_PER_COMMIT) {
          const chunk = keys.slice(i, i + MESSAGES_PER_COMMIT);
          await commitPartition(bounces, partitionKey, [SUMMARY, ...chunk], (rows) => ({ writes: recordPlan(rows, chunk, messages, address), result: undefined }), io, { address });
        }
      }),
    ),
  );
}

function recordPlan(rows: ReadonlyMap<string, StoredRow>, keys: readonly string[], added: ReadonlyMap<string, BounceObservation[]>, address: string): RowWrite[] {
  const stored = rows.get(SUMMARY);
  let record = summaryOf(stored);
  const writes: RowWrite[] = [];
  for (const key of keys) {
    const row = rows.get(key);
    const known = row === undefined ? undefined : fromMessageBouncesRow(row.properties, address);
    const keptFingerprints = new Set(known?.observations.map((o) => o.fingerprint));
    // A retracted observation is no longer kept, so when its record comes again it counts anew. One
    // left out of a truncated row merges again, which changes nothing (merging is idempotent).
    const fresh = (added.get(key) ?? []).filter((o) => !keptFingerprints.has(o.fingerprint));
    if (fresh.length === 0) continue;
    const messageId = fresh[0]?.messageId ?? '';
    record = foldObservations(record, fresh, new Map<string, BouncedMessage | undefined>([[messageId, knownMessage(known)]]));
    const next = toMessageBouncesRow(addObservations(known, messageId, fresh));
    if (!sameProperties(row?.properties, next)) writes.push({ rowKey: key, properties: next });
  }
  if (record === null) return writes;
  const summary = toSummaryRow(record);
  // The summary is rewritten with any message row, even unchanged: its ETag then guards the whole
  // partition, which is what retraction relies on.
  if (writes.length > 0 || !sameProperties(stored?.properties, summary)) writes.push({ rowKey: SUMMARY, properties: summary });
  return writes;
}

/**
 * Takes back observations whose records storage refused to apply: removes them from their message rows
 * and rebuilds the address's summary from the observations that remain (in canonical order, so the
 * result does not depend on the order they were first recorded in).
 */
export async function retractBounceObservations(bounces: TableClient, observations: readonly BounceObservation[], io: StorageIo): Promise<void> {
  const limit = pLimit(ADDRESS_CONCURRENCY);
  await Promise.all(
    [...byPartition(observations)].map(([partitionKey, messages]) =>
      limit(async () => {
        const address = messages.values().next().value?.[0]?.address ?? '';
        const fingerprints = new Set([...messages.values()].flat().map((o) => o.fingerprint));
        await retractInPartition(bounces, partitionKey, address, fingerprints, io);
      }),
    ),
  );
}

async function retractInPartition(bounces: TableClient, partitionKey: string, address: string, fingerprints: ReadonlySet<string>, io: StorageIo): Promise<void> {
  const context = { bouncePartition: partitionKey };
  for (let round = 1; round <= MAX_STALE_ROUNDS; round += 1) {
    // The whole partition: the summary is rebuilt from every message row, not only the touched ones.
    const listed = new Map((await readRowsWithPrefix(bounces, partitionKey, '', io, context)).map((r) => [r.rowKey, r]));
    const all = new Map<string, MessageBounces>();
    for (const [key, row] of listed) if (key.startsWith(MESSAGE_PREFIX)) all.set(key, fromMessageBouncesRow(row.properties, address));
    const touched = [...all].filter(([, m]) => m.observations.some((o) => fingerprints.has(o.fingerprint))).slice(0, MESSAGES_PER_COMMIT);
    if (touched.length === 0) return;
    for (const [key, m] of touched) all.set(key, removeObservations(m, fingerprints));
    const record = rebuildRecord([...all.values()]);
    const writes: RowWrite[] = touched.map(([key]) => ({ rowKey: key, properties: toMessageBouncesRow(all.get(key) ?? { messageId: '', bounced: false, suppressed: false, truncated: false, observations: [] }) }));
    writes.push({ rowKey: SUMMARY, properties: record === null ? { rowType: EMPTY_SUMMARY } : toSummaryRow(record) });
    const etags = new Map([...listed].map(([key, row]) => [key, row.etag]));
    const done = await commitPartition(
      bounces,
      partitionKey,
      [SUMMARY, ...touched.map(([key]) => key)],
      // Any write to the partition since the listing changed the summary's ETag: list again.
      (rows) => ([SUMMARY, ...touched.map(([key]) => key)].every((key) => rows.get(key)?.etag === etags.get(key)) ? { writes, result: true } : { writes: [], result: false }),
      io,
      context,
    );
    // Done with this round; another round only when more than one transaction's worth was touched.
    if (done && touched.length < MESSAGES_PER_COMMIT) return;
  }
  throw new LedgerError('storage_conflict', `bounce partition stayed contended over ${MAX_STALE_ROUNDS} retraction rounds`, { retryable: true, context });
}

export async function getBounceRecord(bounces: TableClient, address: string, io: StorageIo): Promise<BounceRecord | null> {
  const rows = await readRows(bounces, registryPartitionKey(address), [SUMMARY], io, { address });
  return summaryOf(rows.get(SUMMARY));
}

export async function listBounceRecords(bounces: TableClient, options: { since?: string } = {}, io: StorageCallIo = defaultStorageIo()): Promise<BounceRecord[]> {
  const out: BounceRecord[] = [];
  const filter = odata`rowType eq ${'bounceSummary'}`;
  for await (const e of listEntitiesWithRetry(bounces, 'list bounce records', { filter }, io)) {
    const record = fromSummaryRow(e);
    if (options.since === undefined || record.lastBounceAt >= options.since) out.push(record);
  }
  return out.sort((a, b) => b.lastBounceAt.localeCompare(a.lastBounceAt) || a.address.localeCompare(b.address));
}

const REGISTRY_PREFIX = 'addr|';
/** Just above every "addr|..." key ("}" follows "|"): the registry's partitions, not the send counters'. */
const REGISTRY_END = 'addr}';

export interface BounceRecordPage {
  /** In the registry's key order (registryPartitionKey: the lower-cased address, escaped). */
  readonly records: { readonly partitionKey: string; readonly record: BounceRecord }[];
  /** Another matching record follows the last one. */
  readonly more: boolean;
  readonly rowsRead: number;
}

/**
 * Up to `limit` summaries after the partition key `after`, in key order, read from storage page by page
 * until limit + 1 match (the one beyond says whether there is more): `since` is a filter storage applies,
 * `matches` one it cannot (a text search), which reads on past the rows it drops.
 */
export async function listBounceRecordsPage(
  bounces: TableClient,
  options: { readonly after: string | null; readonly limit: number; readonly since?: string; readonly matches?: (record: BounceRecord) => boolean },
  io: StorageCallIo,
): Promise<BounceRecordPage> {
  const range = options.after === null ? odata`PartitionKey ge ${REGISTRY_PREFIX}` : odata`PartitionKey gt ${options.after}`;
  const since = options.since === undefined ? '' : odata` and lastBounceAt ge ${options.since}`;
  const filter = `${range}${odata` and PartitionKey lt ${REGISTRY_END} and RowKey eq ${SUMMARY} and rowType eq ${'bounceSummary'}`}${since}`;
  const { matches } = options;
  const read = await readInKeyOrder(bounces, 'list bounce records', filter, options.limit + 1, io, matches === undefined ? null : (row) => matches(fromSummaryRow(row)));
  const records = read.accepted.map((e) => ({ partitionKey: e.partitionKey ?? '', record: fromSummaryRow(e) }));
  return { records: records.slice(0, options.limit), more: records.length > options.limit, rowsRead: read.rowsRead };
}

/** The answer to "may I still send to this address?". */
export interface SuppressionAnswer {
  readonly address: string;
  readonly hardBounced: boolean;
  readonly likelySuppressedNow: boolean;
  readonly suppressedUntil: string | null;
  readonly record: BounceRecord | null;
  /** The address's soft-bounce escalation record (softBounceStore), or null when it never soft-failed. */
  readonly softBounce: SoftBounceRecord | null;
}

export function answerSuppression(address: string, record: BounceRecord | null, now: Date, softBounce: SoftBounceRecord | null = null): SuppressionAnswer {
  return {
    softBounce,
    address: address.trim().toLowerCase(),
    hardBounced: record !== null,
    likelySuppressedNow: isLeaseActive(record?.lease ?? null, now),
    suppressedUntil: record?.lease?.end ?? null,
    record,
  };
}

function toSummaryRow(r: BounceRecord): Record<string, string | number | boolean | null> {
  return {
    rowType: 'bounceSummary',
    address: r.address,
    hardBounces: r.hardBounces,
    suppressedSends: r.suppressedSends,
    firstBounceAt: r.firstBounceAt,
    lastBounceAt: r.lastBounceAt,
    lastFingerprint: r.lastFingerprint,
    lastMessageId: r.lastMessageId,
    lastStatus: r.lastStatus,
    lastSmtpStatusCode: r.lastSmtpStatusCode,
    lastEnhancedSmtpStatusCode: r.lastEnhancedSmtpStatusCode,
    lastFailureReason: r.lastFailureReason,
    lastFailureMessage: r.lastFailureMessage === null ? null : r.lastFailureMessage.slice(0, 4_000),
    bounceTimes: JSON.stringify(r.bounceTimes),
    bounceEvents: JSON.stringify(r.bounceEvents),
    leaseLevel: r.lease?.level ?? null,
    leaseStart: r.lease?.start ?? null,
    leaseEnd: r.lease?.end ?? null,
  };
}

function fromSummaryRow(row: Readonly<Record<string, unknown>>): BounceRecord {
  const text = (k: string) => textOf(row, k);
  const legacyTimes = jsonOf<string[]>(row, 'bounceTimes', []);
  // A summary written before bounceEvents existed: each of its times stands for a message of its own.
  const bounceEvents = jsonOf<BounceEvent[] | null>(row, 'bounceEvents', null) ?? legacyTimes.map((t): BounceEvent => [t, `legacy:${t}`]);
  const bounceTimes = bounceTimesOf(bounceEvents);
  return {
    address: text('address') ?? '',
    hardBounces: numberOf(row, 'hardBounces') ?? 0,
    suppressedSends: numberOf(row, 'suppressedSends') ?? 0,
    firstBounceAt: text('firstBounceAt') ?? '',
    lastBounceAt: text('lastBounceAt') ?? '',
    lastFingerprint: text('lastFingerprint') ?? '',
    lastMessageId: text('lastMessageId') ?? '',
    lastStatus: text('lastStatus') ?? '',
    lastSmtpStatusCode: text('lastSmtpStatusCode'),
    lastEnhancedSmtpStatusCode: text('lastEnhancedSmtpStatusCode'),
    lastFailureReason: text('lastFailureReason'),
    lastFailureMessage: text('lastFailureMessage'),
    bounceTimes,
    bounceEvents,
    lease: forecastSuppressionLease(bounceTimes),
  };
}


export type { BounceRecord } from '../state/bounceRecord.js';
