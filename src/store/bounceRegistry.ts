import { odata, type TableClient } from '@azure/data-tables';
import type { HardBounceAlert } from '../alerts/alert.js';
import { forecastSuppressionLease, isLeaseActive, type SuppressionLease } from '../alerts/suppressionLease.js';
import { commitPartition, readRows, type StorageIo } from './partitionCommit.js';
import { encodeKey } from './tableKeys.js';

/**
 * The bounce registry: per address (case-insensitive), what it has done, so a sender can ask "may I
 * still send to this address?". Fed from the hard-bounce alerts, each (address, message) once:
 *   PK "addr|<lower-cased address>"  row "summary" + one "m|<messageId>" row per bounced message
 */
export interface BounceRecord {
  readonly address: string;
  /** Distinct messages on which the address hard-bounced (Bounced, or Suppressed for an earlier bounce). */
  readonly hardBounces: number;
  /** Of those, how many were ACS suppressing the send. */
  readonly suppressedSends: number;
  readonly firstBounceAt: string;
  readonly lastBounceAt: string;
  readonly lastMessageId: string;
  readonly lastStatus: string;
  readonly lastSmtpStatusCode: string | null;
  readonly lastEnhancedSmtpStatusCode: string | null;
  readonly lastFailureReason: string | null;
  readonly lastFailureMessage: string | null;
  /** Times of the Bounced records (newest 64), from which the suppression lease is forecast. */
  readonly bounceTimes: readonly string[];
  readonly lease: SuppressionLease | null;
}

const SUMMARY = 'summary';
const MAX_TIMES = 64;
export const registryPartitionKey = (address: string): string => `addr|${encodeKey(address.trim().toLowerCase())}`;

export async function recordHardBounce(bounces: TableClient, alert: HardBounceAlert, io: StorageIo): Promise<void> {
  const partitionKey = registryPartitionKey(alert.recipient);
  const messageRow = `m|${encodeKey(alert.messageId)}`;
  await commitPartition(
    bounces,
    partitionKey,
    [SUMMARY, messageRow],
    (rows) => {
      if (rows.has(messageRow)) return { writes: [], result: undefined };
      const stored = rows.get(SUMMARY);
      const previous = stored === undefined ? null : fromSummaryRow(stored.properties);
      const next = mergeBounce(previous, alert);
      return {
        writes: [
          { rowKey: SUMMARY, properties: toSummaryRow(next) },
          { rowKey: messageRow, properties: { rowType: 'bounceMessage', messageId: alert.messageId, status: alert.status, time: alert.recordTime } },
        ],
        result: undefined,
      };
    },
    io,
    { address: alert.recipient },
  );
}

/** Order-independent: counts add, first/last are min/max, "last" fields follow the latest record. */
export function mergeBounce(previous: BounceRecord | null, alert: HardBounceAlert): BounceRecord {
  const isLatest = previous === null || alert.recordTime > previous.lastBounceAt || (alert.recordTime === previous.lastBounceAt && alert.messageId > previous.lastMessageId);
  const bounceTimes = alert.suppressed ? [...(previous?.bounceTimes ?? [])] : [...(previous?.bounceTimes ?? []), alert.recordTime];
  const kept = [...new Set(bounceTimes)].sort().slice(-MAX_TIMES);
  const base = {
    address: previous?.address ?? alert.recipient.trim().toLowerCase(),
    hardBounces: (previous?.hardBounces ?? 0) + 1,
    suppressedSends: (previous?.suppressedSends ?? 0) + (alert.suppressed ? 1 : 0),
    firstBounceAt: previous === null || alert.recordTime < previous.firstBounceAt ? alert.recordTime : previous.firstBounceAt,
    bounceTimes: kept,
    lease: forecastSuppressionLease(kept),
  };
  if (!isLatest && previous !== null) return { ...previous, ...base };
  return {
    ...base,
    lastBounceAt: alert.recordTime,
    lastMessageId: alert.messageId,
    lastStatus: alert.status,
    lastSmtpStatusCode: alert.smtpStatusCode,
    lastEnhancedSmtpStatusCode: alert.enhancedSmtpStatusCode,
    lastFailureReason: alert.failureReason,
    lastFailureMessage: alert.failureMessage,
  };
}

export async function getBounceRecord(bounces: TableClient, address: string, io: StorageIo): Promise<BounceRecord | null> {
  const rows = await readRows(bounces, registryPartitionKey(address), [SUMMARY], io, { address });
  const row = rows.get(SUMMARY);
  return row === undefined ? null : fromSummaryRow(row.properties);
}

export async function listBounceRecords(bounces: TableClient, options: { since?: string } = {}): Promise<BounceRecord[]> {
  const out: BounceRecord[] = [];
  const filter = odata`rowType eq ${'bounceSummary'}`;
  for await (const e of bounces.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
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
  const text = (k: string) => (typeof row[k] === 'string' ? (row[k] as string) : null);
  let bounceTimes: string[] = [];
  try {
    bounceTimes = JSON.parse(String(row['bounceTimes'] ?? '[]')) as string[];
  } catch {
    bounceTimes = [];
  }
  return {
    address: text('address') ?? '',
    hardBounces: Number(row['hardBounces'] ?? 0),
    suppressedSends: Number(row['suppressedSends'] ?? 0),
    firstBounceAt: text('firstBounceAt') ?? '',
    lastBounceAt: text('lastBounceAt') ?? '',
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
