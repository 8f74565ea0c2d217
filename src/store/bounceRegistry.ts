import { odata, type TableClient } from '@azure/data-tables';
import { forecastSuppressionLease, isLeaseActive } from '../alerts/suppressionLease.js';
import {
  isSuppression,
  mergeBounceObservation,
  type BounceObservation,
  type BounceRecord,
  type BouncedMessage,
} from '../state/bounceRecord.js';
import { commitPartition, readRows, readRowsWithPrefix, type RowWrite, type StorageIo, type StoredRow } from './partitionCommit.js';
import { defaultStorageIo, listEntitiesWithRetry, type StorageCallIo } from './storageRetry.js';
import { jsonOf, numberOf, textOf } from './entityFields.js';
import { encodeKey } from './tableKeys.js';

/**
 * Bounce registry storage, in the bounces table, one partition per address (lower-cased):
 *   "summary"            the BounceRecord
 *   "m|<messageId>"      what is known of the address on that message (bounced, suppressed)
 *   "o|<fingerprint>"    one per applied observation: each hard-bounce record counted once
 * Written ahead of the message commit that applies the records (see applyMessageEvents), so the
 * registry never misses a hard bounce the ledger applied. Should storage then refuse that commit (the
 * record is dead-lettered as storage_rejected), retractBounceObservations takes the observation back
 * out, rebuilding the summary from the observations that remain.
 */
const SUMMARY = 'summary';
const OBSERVATIONS_PER_COMMIT = 30;
export const registryPartitionKey = (address: string): string => `addr|${encodeKey(address.trim().toLowerCase())}`;
const messageRowKey = (messageId: string): string => `m|${encodeKey(messageId)}`;
const OBSERVATION_PREFIX = 'o|';
const observationRowKey = (fingerprint: string): string => `${OBSERVATION_PREFIX}${fingerprint}`;
/** A summary with no observation left (all retracted): kept as a row, never listed or found. */
const EMPTY_SUMMARY = 'bounceSummaryRetracted';

export async function recordBounceObservations(bounces: TableClient, observations: readonly BounceObservation[], io: StorageIo): Promise<void> {
  const byAddress = new Map<string, BounceObservation[]>();
  for (const o of observations) {
    const key = registryPartitionKey(o.address);
    byAddress.set(key, [...(byAddress.get(key) ?? []), o]);
  }
  await Promise.all(
    [...byAddress].map(async ([partitionKey, all]) => {
      for (let i = 0; i < all.length; i += OBSERVATIONS_PER_COMMIT) {
        const chunk = all.slice(i, i + OBSERVATIONS_PER_COMMIT);
        const messageKeys = [...new Set(chunk.map((o) => messageRowKey(o.messageId)))];
        await commitPartition(
          bounces,
          partitionKey,
          [SUMMARY, ...messageKeys, ...chunk.map((o) => observationRowKey(o.fingerprint))],
          (rows) => {
            // A retracted observation whose record comes again (and is applied this time) counts anew.
            const fresh = chunk.filter((o) => {
              const row = rows.get(observationRowKey(o.fingerprint));
              return row === undefined || row.properties['retracted'] === true;
            });
            if (fresh.length === 0) return { writes: [], result: undefined };
            const stored = rows.get(SUMMARY);
            let record = stored === undefined || stored.properties['rowType'] === EMPTY_SUMMARY ? null : fromSummaryRow(stored.properties);
            const messages = new Map<string, BouncedMessage>();
            for (const key of messageKeys) {
              const row = rows.get(key);
              const known = { bounced: row?.properties['bounced'] === true, suppressed: row?.properties['suppressed'] === true };
              // A message row with neither flag is one whose only observation was retracted: not known.
              if (known.bounced || known.suppressed) messages.set(key, known);
            }
            const writes: RowWrite[] = [];
            for (const o of fresh) {
              const key = messageRowKey(o.messageId);
              const before = messages.get(key);
              record = mergeBounceObservation(record, o, before);
              messages.set(key, { bounced: (before?.bounced ?? false) || !isSuppression(o), suppressed: (before?.suppressed ?? false) || isSuppression(o) });
              writes.push({ rowKey: observationRowKey(o.fingerprint), properties: toObservationRow(o, false) });
            }
            for (const [key, m] of messages) writes.push({ rowKey: key, properties: { rowType: 'bounceMessage', bounced: m.bounced, suppressed: m.suppressed } });
            if (record !== null) writes.push({ rowKey: SUMMARY, properties: toSummaryRow(record) });
            return { writes, result: undefined };
          },
          io,
          { address: chunk[0]?.address },
        );
      }
    }),
  );
}

/**
 * Takes back observations whose records storage refused to apply: marks their rows retracted and
 * rebuilds each address's summary and per-message rows from the observations that remain (in time
 * order, so the result does not depend on the order they were first recorded in).
 */
export async function retractBounceObservations(bounces: TableClient, observations: readonly BounceObservation[], io: StorageIo): Promise<void> {
  const byAddress = new Map<string, Set<string>>();
  for (const o of observations) {
    const key = registryPartitionKey(o.address);
    byAddress.set(key, (byAddress.get(key) ?? new Set()).add(o.fingerprint));
  }
  for (const [partitionKey, fingerprints] of byAddress) {
    const context = { bouncePartition: partitionKey };
    const listed = await readRowsWithPrefix(bounces, partitionKey, OBSERVATION_PREFIX, io, context);
    const retracting = listed.filter((r) => fingerprints.has(r.rowKey.slice(OBSERVATION_PREFIX.length)) && r.properties['retracted'] !== true);
    if (retracting.length === 0) continue;
    const kept = listed
      .filter((r) => !fingerprints.has(r.rowKey.slice(OBSERVATION_PREFIX.length)) && r.properties['retracted'] !== true)
      .map(observationOfRow)
      .filter((o): o is BounceObservation => o !== null)
      .sort((a, b) => a.time.localeCompare(b.time) || a.fingerprint.localeCompare(b.fingerprint));
    const retracted = retracting.map(observationOfRow).filter((o): o is BounceObservation => o !== null);
    const messageKeys = [...new Set([...kept, ...retracted].map((o) => messageRowKey(o.messageId)))];
    await commitPartition(
      bounces,
      partitionKey,
      [SUMMARY, ...messageKeys, ...retracting.map((r) => r.rowKey)],
      () => {
        let record: BounceRecord | null = null;
        const messages = new Map<string, BouncedMessage>();
        for (const o of kept) {
          const key = messageRowKey(o.messageId);
          const before = messages.get(key);
          record = mergeBounceObservation(record, o, before);
          messages.set(key, { bounced: (before?.bounced ?? false) || !isSuppression(o), suppressed: (before?.suppressed ?? false) || isSuppression(o) });
        }
        const writes: RowWrite[] = retracted.map((o) => ({ rowKey: observationRowKey(o.fingerprint), properties: toObservationRow(o, true) }));
        for (const key of messageKeys) {
          const m = messages.get(key) ?? { bounced: false, suppressed: false };
          writes.push({ rowKey: key, properties: { rowType: 'bounceMessage', bounced: m.bounced, suppressed: m.suppressed } });
        }
        writes.push({ rowKey: SUMMARY, properties: record === null ? { rowType: EMPTY_SUMMARY } : toSummaryRow(record) });
        return { writes, result: undefined };
      },
      io,
      context,
    );
  }
}

/** An observation row keeps the whole observation, so a summary can be rebuilt from the rows alone. */
function toObservationRow(o: BounceObservation, retracted: boolean): Record<string, string | boolean> {
  const kept = { ...o, failureMessage: o.failureMessage === null ? null : o.failureMessage.slice(0, 4_000) };
  return { rowType: 'bounceObservation', messageId: o.messageId, status: o.status, time: o.time, observation: JSON.stringify(kept), retracted };
}

function observationOfRow(row: StoredRow): BounceObservation | null {
  const o = jsonOf<Partial<BounceObservation> | null>(row.properties, 'observation', null);
  if (o === null || typeof o.address !== 'string' || typeof o.messageId !== 'string' || typeof o.time !== 'string' || typeof o.status !== 'string') return null;
  const orNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    address: o.address,
    messageId: o.messageId,
    fingerprint: row.rowKey.slice(OBSERVATION_PREFIX.length),
    status: o.status,
    time: o.time,
    smtpStatusCode: orNull(o.smtpStatusCode),
    enhancedSmtpStatusCode: orNull(o.enhancedSmtpStatusCode),
    failureReason: orNull(o.failureReason),
    failureMessage: orNull(o.failureMessage),
  };
}

export async function getBounceRecord(bounces: TableClient, address: string, io: StorageIo): Promise<BounceRecord | null> {
  const rows = await readRows(bounces, registryPartitionKey(address), [SUMMARY], io, { address });
  const row = rows.get(SUMMARY);
  return row === undefined || row.properties['rowType'] === EMPTY_SUMMARY ? null : fromSummaryRow(row.properties);
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

/** The answer to "may I still send to this address?". */
export interface SuppressionAnswer {
  readonly address: string;
  readonly hardBounced: boolean;
  readonly likelySuppressedNow: boolean;
  readonly suppressedUntil: string | null;
  readonly record: BounceRecord | null;
}

export function answerSuppression(address: string, record: BounceRecord | null, now: Date): SuppressionAnswer {
  return {
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
    leaseLevel: r.lease?.level ?? null,
    leaseStart: r.lease?.start ?? null,
    leaseEnd: r.lease?.end ?? null,
  };
}

function fromSummaryRow(row: Readonly<Record<string, unknown>>): BounceRecord {
  const text = (k: string) => textOf(row, k);
  const bounceTimes = jsonOf<string[]>(row, 'bounceTimes', []);
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
    lease: forecastSuppressionLease(bounceTimes),
  };
}

export type { BounceRecord } from '../state/bounceRecord.js';
