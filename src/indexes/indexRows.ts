import { jsonOf, numberOf, textOf } from '../store/entityFields.js';
import type { RowProperties } from '../store/partitionCommit.js';
import { parseStatuses, serializeStatuses, type SumCounts } from './sumCounts.js';
import type { SumLevel } from './indexKeys.js';
import type { RecipientDigest } from '../state/recipientDigest.js';

/**
 * The rows of the index table as plain data, and their properties. Keys: indexKeys.ts. Rows carry every
 * value in full (a key part may be a hash), so a reader never decodes keys.
 */

export type TimeSource = 'send' | 'status' | 'record';

/** `t|` row: one message in the time index. */
export interface TimeIndexEntry {
  readonly messageId: string;
  readonly time: string;
  readonly timeSource: TimeSource;
  readonly senderDomain: string | null;
  readonly senderUsername: string | null;
  readonly recipients: number;
  /** Recipients by current status (NO_STATUS for none yet). */
  readonly statusCounts: ReadonlyMap<string, number>;
  readonly hardBounces: number;
  /** Distinct recipient domains, sorted. */
  readonly recipientDomains: readonly string[];
  readonly views: number;
  readonly clicks: number;
}

/** `a|` row: one recipient of one message in the recipient index (address as ACS reported it; the key holds it lower-cased). */
export interface RecipientIndexEntry extends RecipientDigest {
  readonly messageId: string;
  readonly time: string;
  readonly senderDomain: string | null;
}

/** `h|` and `d|` rows. Domains are lower-cased; "" is an unknown sender or an address without "@". */
export interface SumEntry {
  readonly level: SumLevel;
  readonly bucket: string;
  readonly senderDomain: string;
  readonly recipientDomain: string;
  readonly counts: SumCounts;
}

const TIME_SOURCES: ReadonlySet<string> = new Set(['send', 'status', 'record']);

export function toTimeIndexRow(entry: TimeIndexEntry): RowProperties {
  return {
    rowType: 'time',
    messageId: entry.messageId,
    time: entry.time,
    timeSource: entry.timeSource,
    senderDomain: entry.senderDomain,
    senderUsername: entry.senderUsername,
    recipients: entry.recipients,
    statusCounts: serializeStatuses(entry.statusCounts),
    hardBounces: entry.hardBounces,
    recipientDomains: JSON.stringify(entry.recipientDomains),
    views: entry.views,
    clicks: entry.clicks,
  };
}

export function fromTimeIndexRow(row: Readonly<Record<string, unknown>>): TimeIndexEntry {
  const source = textOf(row, 'timeSource') ?? 'record';
  return {
    messageId: textOf(row, 'messageId') ?? '',
    time: textOf(row, 'time') ?? '',
    timeSource: (TIME_SOURCES.has(source) ? source : 'record') as TimeSource,
    senderDomain: textOf(row, 'senderDomain'),
    senderUsername: textOf(row, 'senderUsername'),
    recipients: numberOf(row, 'recipients') ?? 0,
    statusCounts: parseStatuses(row['statusCounts']),
    hardBounces: numberOf(row, 'hardBounces') ?? 0,
    recipientDomains: stringsOf(jsonOf<unknown>(row, 'recipientDomains', [])),
    views: numberOf(row, 'views') ?? 0,
    clicks: numberOf(row, 'clicks') ?? 0,
  };
}

export function toRecipientIndexRow(entry: RecipientIndexEntry): RowProperties {
  return { rowType: 'recipient', ...entry };
}

export function fromRecipientIndexRow(row: Readonly<Record<string, unknown>>): RecipientIndexEntry {
  return {
    messageId: textOf(row, 'messageId') ?? '',
    address: textOf(row, 'address') ?? '',
    time: textOf(row, 'time') ?? '',
    status: textOf(row, 'status'),
    statusTime: textOf(row, 'statusTime'),
    smtpStatusCode: textOf(row, 'smtpStatusCode'),
    enhancedSmtpStatusCode: textOf(row, 'enhancedSmtpStatusCode'),
    hardBounce: row['hardBounce'] === true,
    views: numberOf(row, 'views') ?? 0,
    clicks: numberOf(row, 'clicks') ?? 0,
    senderDomain: textOf(row, 'senderDomain'),
  };
}

export function toSumRow(entry: SumEntry): RowProperties {
  const { counts } = entry;
  return {
    rowType: 'sum',
    level: entry.level,
    bucket: entry.bucket,
    senderDomain: entry.senderDomain,
    recipientDomain: entry.recipientDomain,
    recipients: counts.recipients,
    statuses: serializeStatuses(counts.statuses),
    hardBounces: counts.hardBounces,
    viewers: counts.viewers,
    clickers: counts.clickers,
    views: counts.views,
    clicks: counts.clicks,
  };
}

export function fromSumRow(row: Readonly<Record<string, unknown>>): SumEntry {
  return {
    level: row['level'] === 'day' ? 'day' : 'hour',
    bucket: textOf(row, 'bucket') ?? '',
    senderDomain: textOf(row, 'senderDomain') ?? '',
    recipientDomain: textOf(row, 'recipientDomain') ?? '',
    counts: countsOfRow(row),
  };
}

export function countsOfRow(row: Readonly<Record<string, unknown>> | undefined): SumCounts {
  return {
    recipients: (row && numberOf(row, 'recipients')) ?? 0,
    statuses: parseStatuses(row?.['statuses']),
    hardBounces: (row && numberOf(row, 'hardBounces')) ?? 0,
    viewers: (row && numberOf(row, 'viewers')) ?? 0,
    clickers: (row && numberOf(row, 'clickers')) ?? 0,
    views: (row && numberOf(row, 'views')) ?? 0,
    clicks: (row && numberOf(row, 'clicks')) ?? 0,
  };
}

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : []);
