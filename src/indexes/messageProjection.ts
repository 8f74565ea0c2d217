import type { MessageState } from '../state/messageState.js';
import { parseDigestVersioned, serializeDigest, type RecipientDigest } from '../state/recipientDigest.js';
import { longTextOf, longTextProperties, numberOf, textOf } from '../store/entityFields.js';
import type { RowProperties } from '../store/partitionCommit.js';
import { dayOf, hourOf, normalizedAddress, normalizedDomain, recipientDomainOf, recipientRowKey, sumRowKey, timeRowKey, urlSumRowKey, type SumLevel } from './indexKeys.js';
import { toRecipientIndexRow, toTimeIndexRow, type SumEntry, type TimeSource } from './indexRows.js';
import { addCounts, countsOfRecipient, failureKeyOf, NO_STATUS, ZERO_COUNTS } from './sumCounts.js';

/**
 * A message as the indexes see it: a pure function of the message row. Everything in the index table
 * for a message (its time row, its recipient rows, its share of the sums) is built from this, and its
 * pointer row stores it, so the next change knows exactly which rows to take back.
 */
export interface MessageProjection {
  readonly messageId: string;
  /** sendTime ?? firstStatusTime ?? firstRecordTime. */
  readonly time: string;
  readonly timeSource: TimeSource;
  readonly senderDomain: string | null;
  readonly senderUsername: string | null;
  readonly recipients: readonly RecipientDigest[];
}

/** Null when the message cannot be indexed yet: no record time, or a digest from before digests existed. */
export function projectMessage(state: MessageState): MessageProjection | null {
  if (!state.digestComplete) return null;
  const [time, timeSource]: [string | null, TimeSource] =
    state.sendTime !== null ? [state.sendTime, 'send'] : state.firstStatusTime !== null ? [state.firstStatusTime, 'status'] : [state.firstRecordTime, 'record'];
  if (time === null) return null;
  return { messageId: state.messageId, time, timeSource, senderDomain: state.senderDomain, senderUsername: state.senderUsername, recipients: state.recipientDigest };
}

/** The time row and the recipient rows of a message, by RowKey. */
export function indexRowsOf(projection: MessageProjection): Map<string, RowProperties> {
  const rows = new Map<string, RowProperties>();
  const { messageId, time, recipients } = projection;
  const statusCounts = new Map<string, number>();
  const domains = new Set<string>();
  const failures = new Set<string>();
  let hardBounces = 0;
  let views = 0;
  let clicks = 0;
  const duplicates = new Map<string, number>();
  for (const r of recipients) {
    const status = r.status ?? NO_STATUS;
    statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
    domains.add(recipientDomainOf(r.address));
    const failure = failureKeyOf(r);
    if (failure !== null) failures.add(failure);
    hardBounces += r.hardBounce ? 1 : 0;
    views += r.views;
    clicks += r.clicks;
    // Addresses differing only in case share a key: number the later ones (the digest is sorted, so the numbering is stable).
    const lower = normalizedAddress(r.address);
    const seen = duplicates.get(lower) ?? 0;
    duplicates.set(lower, seen + 1);
    rows.set(
      recipientRowKey(r.address, time, messageId, seen),
      toRecipientIndexRow({
        messageId,
        address: r.address,
        time,
        status: r.status,
        statusTime: r.statusTime,
        smtpStatusCode: r.smtpStatusCode,
        enhancedSmtpStatusCode: r.enhancedSmtpStatusCode,
        failureReason: r.failureReason,
        hardBounce: r.hardBounce,
        views: r.views,
        clicks: r.clicks,
        senderDomain: projection.senderDomain,
      }),
    );
  }
  rows.set(
    timeRowKey(time, messageId),
    toTimeIndexRow({
      messageId,
      time,
      timeSource: projection.timeSource,
      senderDomain: projection.senderDomain,
      senderUsername: projection.senderUsername,
      recipients: recipients.length,
      statusCounts,
      hardBounces,
      recipientDomains: [...domains].sort(),
      views,
      clicks,
      failures: [...failures].sort(),
    }),
  );
  return rows;
}

/**
 * The message's share of the hourly and daily sums and of the daily link sums, by sum RowKey. `format`
 * 1 is the share as written before failure counts and link sums existed (a pointer of that format
 * vouches for sums that hold no more than this).
 */
export function contributionsOf(projection: MessageProjection, format: PointerFormat = POINTER_FORMAT): Map<string, SumEntry> {
  const out = new Map<string, SumEntry>();
  const senderDomain = normalizedDomain(projection.senderDomain);
  const buckets: readonly [SumLevel, string][] = [
    ['hour', hourOf(projection.time)],
    ['day', dayOf(projection.time)],
  ];
  for (const recipient of projection.recipients) {
    const recipientDomain = recipientDomainOf(recipient.address);
    const counts = format === 1 ? { ...countsOfRecipient(recipient), failures: new Map<string, number>() } : countsOfRecipient(recipient);
    for (const [level, bucket] of buckets) {
      const key = sumRowKey(level, bucket, senderDomain, recipientDomain);
      const current = out.get(key)?.counts ?? ZERO_COUNTS;
      out.set(key, { level, bucket, senderDomain, recipientDomain, counts: addCounts(current, counts) });
    }
    if (format === 1) continue;
    // clickedUrls are distinct per recipient: each is one recipient who clicked the link.
    const day = dayOf(projection.time);
    for (const url of recipient.clickedUrls) {
      const key = urlSumRowKey(day, senderDomain, url);
      const clickers = (out.get(key)?.counts.clickers ?? 0) + 1;
      out.set(key, { level: 'url', bucket: day, senderDomain, recipientDomain: '', url, counts: { ...ZERO_COUNTS, clickers } });
    }
  }
  return out;
}

/** 2: sums with failure counts, link sums, failure keys in time rows. Pointers without a format are 1. */
export type PointerFormat = 1 | 2;
export const POINTER_FORMAT: PointerFormat = 2;

export interface PointerEntry {
  /** The message row's appliedRecords when projected: it grows with every commit, so newer wins. */
  readonly version: number;
  readonly projection: MessageProjection;
  /** What the rows it vouches for hold: an older format is projected again (rows rewritten, sums completed) at any version. */
  readonly format: PointerFormat;
}

export function toPointerRow(entry: PointerEntry): RowProperties {
  const p = entry.projection;
  return {
    rowType: 'pointer',
    messageId: p.messageId,
    version: entry.version,
    format: entry.format,
    time: p.time,
    timeSource: p.timeSource,
    senderDomain: p.senderDomain,
    senderUsername: p.senderUsername,
    ...longTextProperties('recipients', serializeDigest(p.recipients)),
  };
}

export function fromPointerRow(row: Readonly<Record<string, unknown>>): PointerEntry | null {
  const digest = parseDigestVersioned(longTextOf(row, 'recipients'));
  const time = textOf(row, 'time');
  const version = numberOf(row, 'version');
  if (digest === null || time === null || version === null) return null;
  const { recipients } = digest;
  const source = textOf(row, 'timeSource');
  return {
    version,
    format: numberOf(row, 'format') === 2 ? 2 : 1,
    projection: {
      messageId: textOf(row, 'messageId') ?? '',
      time,
      timeSource: source === 'send' || source === 'status' ? source : 'record',
      senderDomain: textOf(row, 'senderDomain'),
      senderUsername: textOf(row, 'senderUsername'),
      recipients,
    },
  };
}
