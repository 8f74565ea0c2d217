import { jsonOf, longTextOf, longTextProperties, numberOf, textOf } from '../store/entityFields.js';
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
  /** Distinct failure keys of its recipients (sumCounts.ts failureKeyOf), sorted: the `failure` filter of `messages`. */
  readonly failures: readonly string[];
}

/** `a|` row: one recipient of one message in the recipient index (address as ACS reported it; the key holds it lower-cased). */
export interface RecipientIndexEntry extends Omit<RecipientDigest, 'clickedUrls'> {
  readonly messageId: string;
  readonly time: string;
  readonly senderDomain: string | null;
}

/**
 * `h|` and `d|` rows, and the `u|` rows of links (level "url", bucket the day, recipientDomain "",
 * `url` the link, and only `counts.clickers`: recipients who clicked it). Domains are lower-cased; ""
 * is an unknown sender or an address without "@".
 */
export interface SumEntry {
  readonly level: SumLevel | 'url';
  readonly bucket: string;
  readonly senderDomain: string;
  readonly recipientDomain: string;
  readonly url?: string;
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
    ...longTextProperties('failures', JSON.stringify(entry.failures)),
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
    failures: stringsOf(parsedJson(longTextOf(row, 'failures'))),
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
    failureReason: textOf(row, 'failureReason'),
    hardBounce: row['hardBounce'] === true,
    views: numberOf(row, 'views') ?? 0,
    clicks: numberOf(row, 'clicks') ?? 0,
    senderDomain: textOf(row, 'senderDomain'),
  };
}

export function toSumRow(entry: SumEntry): RowProperties {
  const { counts } = entry;
  if (entry.level === 'url') {
    return { rowType: 'urlSum', level: 'url', bucket: entry.bucket, senderDomain: entry.senderDomain, url: entry.url ?? '', clickers: counts.clickers };
  }
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
    ...longTextProperties('failures', serializeStatuses(counts.failures)),
  };
}

export function fromSumRow(row: Readonly<Record<string, unknown>>): SumEntry {
  const level = row['level'] === 'day' ? 'day' : row['level'] === 'url' ? 'url' : 'hour';
  return {
    level,
    bucket: textOf(row, 'bucket') ?? '',
    senderDomain: textOf(row, 'senderDomain') ?? '',
    recipientDomain: textOf(row, 'recipientDomain') ?? '',
    ...(level === 'url' ? { url: textOf(row, 'url') ?? '' } : {}),
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
    // Rows from before failure counts have none.
    failures: parseStatuses(row === undefined ? null : longTextOf(row, 'failures')),
  };
}

function parsedJson(text: string | null): unknown {
  if (text === null) return [];
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return [];
  }
}

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : []);
