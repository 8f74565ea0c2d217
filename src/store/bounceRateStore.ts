import { odata, type TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import type { BounceRateAlert } from '../alerts/alert.js';
import {
  addHours,
  affectedWindowEnds,
  buildBounceRateAlert,
  crossingsOf,
  hourOf,
  type RateBucket,
  type RateThresholds,
} from '../alerts/bounceRate.js';
import { LedgerError } from '../errors.js';
import { bucketsText, parseBuckets, type MessageRateVector } from '../guardrail/messageRateVector.js';
import { toOutboxRow, writeAlertIntent } from './alertOutbox.js';
import { commitPartition, MAX_TRANSACTION_ROWS, readRows, type RowWrite, type StorageIo, type StoredRow } from './partitionCommit.js';
import { withStorageRetry } from './storageRetry.js';
import { numberOf, textOf } from './entityFields.js';
import { encodeKey } from './tableKeys.js';

/**
 * Guardrail storage: one partition per sender domain in the bounces table, "rate|<domain>", holding
 *   "m|<message>"  the message's contribution as last synced: its vector's version and hourly buckets
 *   "h|<hour>"     sends and hard bounces of that hour: always the sum of the m| rows' buckets
 *   "pending"      window end hours [from, to] whose evaluation is still due
 *   "a|<alert id>" the outbox row of a bounce-rate alert
 * Every write that changes counters also extends "pending" in the same transaction, and an evaluation
 * commits its alerts and shrinks "pending" conditioned on that row's ETag: so an evaluation always saw
 * the counters as they were when it committed, and no change can escape evaluation.
 */
const PENDING_ROW = 'pending';
const MESSAGES_PER_SYNC = 30;
const ALERTS_PER_COMMIT = 90;
const MAX_ROUNDS = 8;
const DOMAIN_CONCURRENCY = 8;

const domainPartitionKey = (domain: string): string => `rate|${encodeKey(domain)}`;
const messageRowKey = (messageId: string): string => `m|${encodeKey(messageId)}`;
const hourRowKey = (hour: string): string => `h|${hour}`;

interface PendingRange {
  readonly from: string;
  readonly to: string;
}

function pendingOf(row: StoredRow | undefined): PendingRange | null {
  const from = row === undefined ? '' : (textOf(row.properties, 'from') ?? '');
  const to = row === undefined ? '' : (textOf(row.properties, 'to') ?? '');
  return from === '' || to === '' ? null : { from, to };
}

function pendingRow(domain: string, range: PendingRange | null): RowWrite {
  return { rowKey: PENDING_ROW, properties: { rowType: 'ratePending', senderDomain: domain, from: range?.from ?? '', to: range?.to ?? '' } };
}

function widen(range: PendingRange | null, ends: readonly string[]): PendingRange | null {
  const first = ends[0];
  const last = ends[ends.length - 1];
  if (first === undefined || last === undefined) return range;
  if (range === null) return { from: first, to: last };
  return { from: first < range.from ? first : range.from, to: last > range.to ? last : range.to };
}

/**
 * Brings each domain's rows up to the given vectors (the newest per message), idempotently: a message
 * row already at that version or newer is left alone, so replays, duplicates and racing consumers
 * converge on the vector of the message's last commit. A domain the message no longer belongs to gets
 * an empty row at that version. Returns the domains looked at.
 */
export async function syncRateVectors(bounces: TableClient, vectors: readonly MessageRateVector[], windowHoursCount: number, io: StorageIo): Promise<string[]> {
  const newest = new Map<string, MessageRateVector>();
  for (const v of vectors) {
    const current = newest.get(v.messageId);
    if (current === undefined || v.version > current.version) newest.set(v.messageId, v);
  }
  const byDomain = new Map<string, MessageRateVector[]>();
  for (const v of newest.values()) {
    for (const domain of new Set([v.domain, ...v.domains])) byDomain.set(domain, [...(byDomain.get(domain) ?? []), v]);
  }
  // Domains are partitions of their own: synced side by side, each by one writer (no self-conflicts).
  const limit = pLimit(DOMAIN_CONCURRENCY);
  await Promise.all(
    [...byDomain].map(([domain, all]) =>
      limit(async () => {
        for (let i = 0; i < all.length; i += MESSAGES_PER_SYNC) await syncChunk(bounces, domain, all.slice(i, i + MESSAGES_PER_SYNC), windowHoursCount, io);
      }),
    ),
  );
  return [...byDomain.keys()];
}

async function syncChunk(bounces: TableClient, domain: string, chunk: readonly MessageRateVector[], windowHoursCount: number, io: StorageIo): Promise<void> {
  const partitionKey = domainPartitionKey(domain);
  const desired = (v: MessageRateVector): readonly RateBucket[] => (v.domain === domain ? v.buckets : []);
  for (let round = 1; round <= MAX_ROUNDS; round += 1) {
    // Which hours the stored rows touch decides which counters the transaction reads and writes. The
    // first round assumes they are among the desired hours (a message's buckets rarely move: they
    // only move when an earlier record arrives late) and saves a read; should the commit find a stored
    // row with another hour, it answers "stale", and the next rounds first read the stored rows.
    const before = round === 1 ? new Map<string, StoredRow>() : await readRows(bounces, partitionKey, chunk.map((v) => messageRowKey(v.messageId)), io, { senderDomain: domain });
    const hours = new Set<string>();
    for (const v of chunk) {
      for (const b of desired(v)) hours.add(b.hour);
      for (const b of parseBuckets(before.get(messageRowKey(v.messageId))?.properties['buckets'])) hours.add(b.hour);
    }
    if (chunk.length + hours.size + 1 > MAX_TRANSACTION_ROWS) {
      if (chunk.length === 1) {
        throw new LedgerError('storage_rejected', `the guardrail contribution of one message spans ${hours.size} hours, more than one transaction holds`, {
          context: { messageId: chunk[0]?.messageId ?? '', senderDomain: domain },
        });
      }
      const half = Math.ceil(chunk.length / 2);
      await syncChunk(bounces, domain, chunk.slice(0, half), windowHoursCount, io);
      await syncChunk(bounces, domain, chunk.slice(half), windowHoursCount, io);
      return;
    }
    const rowKeys = [PENDING_ROW, ...chunk.map((v) => messageRowKey(v.messageId)), ...[...hours].map(hourRowKey)];
    const outcome = await commitPartition<'done' | 'stale'>(
      bounces,
      partitionKey,
      rowKeys,
      (rows) => {
        const delta = new Map<string, { sends: number; hardBounces: number }>();
        const writes: RowWrite[] = [];
        for (const v of chunk) {
          const stored = rows.get(messageRowKey(v.messageId));
          if (stored !== undefined && (numberOf(stored.properties, 'version') ?? -1) >= v.version) continue;
          const old = parseBuckets(stored?.properties['buckets']);
          if (old.some((b) => !hours.has(b.hour))) return { writes: [], result: 'stale' };
          const next = desired(v);
          for (const [sign, buckets] of [[-1, old], [1, next]] as const) {
            for (const b of buckets) {
              const d = delta.get(b.hour) ?? { sends: 0, hardBounces: 0 };
              delta.set(b.hour, { sends: d.sends + sign * b.sends, hardBounces: d.hardBounces + sign * b.hardBounces });
            }
          }
          writes.push({
            rowKey: messageRowKey(v.messageId),
            properties: { rowType: 'rateMessage', messageId: v.messageId, version: v.version, buckets: bucketsText(next) },
          });
        }
        const changedHours = [...delta].filter(([, d]) => d.sends !== 0 || d.hardBounces !== 0).map(([hour]) => hour).sort();
        for (const hour of changedHours) {
          const d = delta.get(hour) ?? { sends: 0, hardBounces: 0 };
          const counter = rows.get(hourRowKey(hour))?.properties ?? {};
          writes.push({
            rowKey: hourRowKey(hour),
            properties: {
              rowType: 'rateCount',
              senderDomain: domain,
              hour,
              sends: (numberOf(counter, 'sends') ?? 0) + d.sends,
              hardBounces: (numberOf(counter, 'hardBounces') ?? 0) + d.hardBounces,
            },
          });
        }
        if (changedHours.length > 0) {
          writes.push(pendingRow(domain, widen(pendingOf(rows.get(PENDING_ROW)), affectedWindowEnds(changedHours, windowHoursCount))));
        }
        return { writes, result: 'done' };
      },
      io,
      { senderDomain: domain },
    );
    if (outcome === 'done') return;
  }
  throw new LedgerError('storage_conflict', `guardrail rows of ${domain} kept changing while being synced`, { retryable: true, context: { senderDomain: domain } });
}

/** When an hour's window may be evaluated: `settleMs` after it ended, so that its records are in. */
export interface RateEvaluationTiming {
  readonly now: Date;
  readonly settleMs: number;
}

/**
 * Evaluates the domain's pending window ends that are due and commits an outbox row for each crossing
 * not alerted yet (after writing its delivery row). The alerts are a pure function of the counters:
 * any order, duplication, concurrency or crash that leads to the same counters leads to the same ids.
 */
export async function evaluateDomainRate(
  bounces: TableClient,
  alerts: TableClient,
  domain: string,
  thresholds: RateThresholds,
  timing: RateEvaluationTiming,
  io: StorageIo,
): Promise<BounceRateAlert[]> {
  // An infinite settle time defers evaluation (a replay that settles once after its last batch).
  if (!Number.isFinite(timing.settleMs)) return [];
  const partitionKey = domainPartitionKey(domain);
  const lastDue = hourOf(new Date(timing.now.getTime() - timing.settleMs - 3_600_000).toISOString());
  const created: BounceRateAlert[] = [];
  for (let round = 1; round <= MAX_ROUNDS; round += 1) {
    const stored = (await readRows(bounces, partitionKey, [PENDING_ROW], io, { senderDomain: domain })).get(PENDING_ROW);
    const pending = pendingOf(stored);
    if (pending === null || pending.from > lastDue) return created;
    const dueTo = pending.to < lastDue ? pending.to : lastDue;
    const buckets = await readHourCounters(bounces, partitionKey, addHours(pending.from, -thresholds.windowHours - 1), dueTo, io, domain);
    const ends = affectedWindowEnds(
      buckets.filter((b) => b.sends > 0 || b.hardBounces > 0).map((b) => b.hour),
      thresholds.windowHours,
    ).filter((end) => end >= pending.from && end <= dueTo);
    const crossings = crossingsOf(buckets, ends, thresholds).slice(0, ALERTS_PER_COMMIT);
    // With more crossings than one transaction holds, this round settles up to the last one it alerts.
    const settledTo = crossings.length === ALERTS_PER_COMMIT ? (crossings[crossings.length - 1]?.windowEnd ?? dueTo) : dueTo;
    const rest: PendingRange | null = settledTo < pending.to ? { from: addHours(settledTo, 1), to: pending.to } : null;
    const candidates = crossings.map((c) => buildBounceRateAlert(domain, { ...c, crossed: c.crossed ?? 'warning' }, thresholds, timing.now));
    const outcome = await commitPartition<{ stale: boolean; alerts: BounceRateAlert[] }>(
      bounces,
      partitionKey,
      [PENDING_ROW, ...candidates.map((a) => `a|${a.id}`)],
      (rows) => {
        // A sync landed since we read the counters: evaluate again with the new ones.
        if (rows.get(PENDING_ROW)?.etag !== stored?.etag) return { writes: [], result: { stale: true, alerts: [] } };
        const fresh = candidates.filter((a) => !rows.has(`a|${a.id}`));
        return {
          writes: [pendingRow(domain, rest), ...fresh.map((a) => ({ rowKey: `a|${a.id}`, properties: toOutboxRow(a, timing.now) }))],
          result: { stale: false, alerts: fresh },
          beforeCommit:
            fresh.length === 0
              ? undefined
              : async () => {
                  await Promise.all(fresh.map((a) => writeAlertIntent(alerts, a, { table: 'bounces', partitionKey, rowKey: `a|${a.id}` }, io, timing.now)));
                },
        };
      },
      io,
      { senderDomain: domain },
    );
    if (outcome.stale) continue;
    // Again after the commit (create-only): restores a delivery row taken for an orphan meanwhile.
    await Promise.all(outcome.alerts.map((a) => writeAlertIntent(alerts, a, { table: 'bounces', partitionKey, rowKey: `a|${a.id}` }, io, timing.now)));
    created.push(...outcome.alerts);
    if (rest === null || rest.from > lastDue) return created;
  }
  // Others kept syncing this domain meanwhile; its pending windows stay pending for the next evaluation.
  return created;
}

/** Evaluates every domain with due windows: for a timer, or after the last batch of a replay. */
export async function settleBounceRates(
  bounces: TableClient,
  alerts: TableClient,
  thresholds: RateThresholds,
  timing: RateEvaluationTiming,
  io: StorageIo,
): Promise<BounceRateAlert[]> {
  const domains = await withStorageRetry(
    'list pending rate windows',
    async () => {
      const found: string[] = [];
      const filter = odata`PartitionKey ge ${'rate|'} and PartitionKey lt ${'rate}'} and RowKey eq ${PENDING_ROW}`;
      for await (const e of bounces.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        const domain = textOf(e, 'senderDomain');
        if (domain !== null && (textOf(e, 'from') ?? '') !== '') found.push(domain);
      }
      return found;
    },
    { ...io, context: {} },
  );
  const created: BounceRateAlert[] = [];
  for (const domain of domains) created.push(...(await evaluateDomainRate(bounces, alerts, domain, thresholds, timing, io)));
  return created;
}

async function readHourCounters(bounces: TableClient, partitionKey: string, from: string, to: string, io: StorageIo, domain: string): Promise<RateBucket[]> {
  return withStorageRetry(
    'read rate counters',
    async (abortSignal) => {
      const buckets: RateBucket[] = [];
      const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${hourRowKey(from)} and RowKey le ${hourRowKey(to)}`;
      for await (const e of bounces.listEntities<Record<string, unknown>>({ queryOptions: { filter }, abortSignal })) {
        buckets.push({ hour: textOf(e, 'hour') ?? '', sends: numberOf(e, 'sends') ?? 0, hardBounces: numberOf(e, 'hardBounces') ?? 0 });
      }
      return buckets;
    },
    { ...io, context: { senderDomain: domain } },
  );
}

/** Every domain's hourly counters (non-zero), for reports and tests: "domain|hour" → counts. */
export async function readAllRateCounters(bounces: TableClient, io: StorageIo): Promise<Map<string, { sends: number; hardBounces: number }>> {
  return withStorageRetry(
    'read all rate counters',
    async () => {
      const out = new Map<string, { sends: number; hardBounces: number }>();
      const filter = odata`PartitionKey ge ${'rate|'} and PartitionKey lt ${'rate}'} and RowKey ge ${'h|'} and RowKey lt ${'h}'}`;
      for await (const e of bounces.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        const counts = { sends: numberOf(e, 'sends') ?? 0, hardBounces: numberOf(e, 'hardBounces') ?? 0 };
        if (counts.sends !== 0 || counts.hardBounces !== 0) out.set(`${textOf(e, 'senderDomain') ?? ''}|${textOf(e, 'hour') ?? ''}`, counts);
      }
      return out;
    },
    { ...io, context: {} },
  );
}
