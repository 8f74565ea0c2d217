import type { MessageState } from '../state/messageState.js';
import { parseDigest, serializeDigest, type RecipientDigest } from '../state/recipientDigest.js';
import { longTextOf, longTextProperties, numberOf, textOf } from '../store/entityFields.js';
import type { RowProperties } from '../store/partitionCommit.js';
import { dayOf, hourOf, normalizedAddress, normalizedDomain, recipientDomainOf, recipientRowKey, sumRowKey, timeRowKey, type SumLevel } from './indexKeys.js';
import { toRecipientIndexRow, toTimeIndexRow, type SumEntry, type TimeSource } from './indexRows.js';
import { addCounts, countsOfRecipient, NO_STATUS, ZERO_COUNTS } from './sumCounts.js';

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
  let hardBounces = 0;
  let views = 0;
  let clicks = 0;
  const duplicates = new Map<string, number>();
  for (const r of recipients) {
    const status = r.status ?? NO_STATUS;
    statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
    domains.add(recipientDomainOf(r.address));
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
    }),
  );
  return rows;
}

/** The message's share of the hourly and daily sums, by sum RowKey. */
export function contributionsOf(projection: MessageProjection): Map<string, SumEntry> {
  const out = new Map<string, SumEntry>();
  const senderDomain = normalizedDomain(projection.senderDomain);
  const buckets: readonly [SumLevel, string][] = [
    ['hour', hourOf(projection.time)],
    ['day', dayOf(projection.time)],
  ];
  for (const recipient of projection.recipients) {
    const recipientDomain = recipientDomainOf(recipient.address);
    const counts = countsOfRecipient(recipient);
    for (const [level, bucket] of buckets) {
      const key = sumRowKey(level, bucket, senderDomain, recipientDomain);
      const current = out.get(key)?.counts ?? ZERO_COUNTS;
      out.set(key, { level, bucket, senderDomain, recipientDomain, counts: addCounts(current, counts) });
    }
  }
  return out;
}

export interface PointerEntry {
  /** The message row's appliedRecords when projected: it grows with every commit, so newer wins. */
  readonly version: number;
  readonly projection: MessageProjection;
}

export function toPointerRow(entry: PointerEntry): RowProperties {
  const p = entry.projection;
  return {
    rowType: 'pointer',
    messageId: p.messageId,
    version: entry.version,
    time: p.time,
    timeSource: p.timeSource,
    senderDomain: p.senderDomain,
    senderUsername: p.senderUsername,
    ...longTextProperties('recipients', serializeDigest(p.recipients)),
  };
}

export function fromPointerRow(row: Readonly<Record<string, unknown>>): PointerEntry | null {
  const recipients = parseDigest(longTextOf(row, 'recipients'));
  const time = textOf(row, 'time');
  const version = numberOf(row, 'version');
  if (recipients === null || time === null || version === null) return null;
  const source = textOf(row, 'timeSource');
  return {
    version,
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
