import { odata, type TableClient } from '@azure/data-tables';
import { forecastSuppressionLease, isLeaseActive } from '../alerts/suppressionLease.js';
import {
  isSuppression,
  mergeBounceObservation,
  type BounceObservation,
  type BounceRecord,
  type BouncedMessage,
} from '../state/bounceRecord.js';
import { commitPartition, readRows, type RowWrite, type StorageIo } from './partitionCommit.js';
import { defaultStorageIo, listEntitiesWithRetry, type StorageCallIo } from './storageRetry.js';
import { jsonOf, numberOf, textOf } from './entityFields.js';
import { encodeKey } from './tableKeys.js';

/**
 * Bounce registry storage, in the bounces table, one partition per address (lower-cased):
 *   "summary"            the BounceRecord
 *   "m|<messageId>"      what is known of the address on that message (bounced, suppressed)
 *   "o|<fingerprint>"    one per applied observation: each hard-bounce record counted once
 * Written ahead of the message commit that applies the records (see applyMessageEvents), so the
 * registry never misses a hard bounce the ledger applied.
 */
const SUMMARY = 'summary';
const OBSERVATIONS_PER_COMMIT = 30;
export const registryPartitionKey = (address: string): string => `addr|${encodeKey(address.trim().toLowerCase())}`;
const messageRowKey = (messageId: string): string => `m|${encodeKey(messageId)}`;
const observationRowKey = (fingerprint: string): string => `o|${fingerprint}`;

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
            const fresh = chunk.filter((o) => !rows.has(observationRowKey(o.fingerprint)));
            if (fresh.length === 0) return { writes: [], result: undefined };
            const stored = rows.get(SUMMARY);
            let record = stored === undefined ? null : fromSummaryRow(stored.properties);
            const messages = new Map<string, BouncedMessage>();
            for (const key of messageKeys) {
              const row = rows.get(key);
              if (row !== undefined) messages.set(key, { bounced: row.properties['bounced'] === true, suppressed: row.properties['suppressed'] === true });
            }
            const writes: RowWrite[] = [];
            for (const o of fresh) {
              const key = messageRowKey(o.messageId);
              const before = messages.get(key);
              record = mergeBounceObservation(record, o, before);
              messages.set(key, { bounced: (before?.bounced ?? false) || !isSuppression(o), suppressed: (before?.suppressed ?? false) || isSuppression(o) });
              writes.push({ rowKey: observationRowKey(o.fingerprint), properties: { rowType: 'bounceObservation', messageId: o.messageId, status: o.status, time: o.time } });
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

export async function getBounceRecord(bounces: TableClient, address: string, io: StorageIo): Promise<BounceRecord | null> {
  const rows = await readRows(bounces, registryPartitionKey(address), [SUMMARY], io, { address });
  const row = rows.get(SUMMARY);
  return row === undefined ? null : fromSummaryRow(row.properties);
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
