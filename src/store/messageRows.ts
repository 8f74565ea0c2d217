import type { MessageEvent } from '../ingest/ledgerEvent.js';
import type { ClickedUrl, MessageState, RecipientState } from '../state/messageState.js';
import type { RowProperties } from './partitionCommit.js';
import { jsonOf, longTextOf, longTextProperties, numberOf, textOf } from './entityFields.js';
import { parseDigest, serializeDigest } from '../state/recipientDigest.js';
import { parseTimeline, serializeTimeline } from '../state/timeline.js';
import { fieldsOfDeliveries, parseDeliveries, serializeDeliveries, type Delivery } from '../state/recipientDeliveries.js';
import { NO_ENGAGEMENT, type EngagementCounts } from '../state/messageState.js';
import { encodeKey } from './tableKeys.js';

/**
 * Layout of a message partition (PartitionKey = encoded message id) in the messages table:
 *   "message"          the message row (MessageState), with the fingerprints of the send and
 *                      message-level status records folded in, and the guardrail's rate vector
 *                      ("timeline": the message-level status records, src/state/timeline.ts)
 *   "r|<address>"      one row per recipient (RecipientState), address key-encoded, with the
 *                      fingerprints of that recipient's status and engagement records folded in
 *                      ("timeline": its status and engagement records, bounded)
 *   "f|<fingerprint>"  overflow of the folded de-duplication memory (src/dedup/foldedSet.ts): a row
 *                      keeps its FOLD_LIMIT smallest fingerprints, any larger one gets an "f|" row, and
 *                      the row says so (appliedOverflow), so "f|" keys are read only then: rare
 *   "a|<address>"      one outbox row per hard-bounced recipient (alerts), read only for bouncing ones
 * Keeping them in one partition is what lets one transaction apply records, update state and enqueue
 * the alert atomically; folding the memory into the rows a record changes keeps one row per distinct
 * record or fewer, and every read of a commit a point read.
 */
export const MESSAGE_ROW_KEY = 'message';
export const messagePartitionKey = (messageId: string): string => encodeKey(messageId);
export const recipientRowKey = (address: string): string => `r|${encodeKey(address)}`;
export const appliedRowKey = (fingerprint: string): string => `f|${fingerprint}`;
export const alertRowKey = (address: string): string => `a|${encodeKey(address)}`;
export const RECIPIENT_ROW_PREFIX = 'r|';

/** The row a record's fingerprint is folded into: the row the record changes. */
export function dedupRowKey(event: MessageEvent): string {
  return event.kind === 'send' || event.recipient === null ? MESSAGE_ROW_KEY : recipientRowKey(event.recipient);
}
export const ALERT_ROW_PREFIX = 'a|';

/** Azure limits a string property to 64 KiB (32 K UTF-16 units); long free text is cut well below. */
const MAX_TEXT = 8_000;

export function toMessageRow(state: MessageState): RowProperties {
  return {
    rowType: 'message',
    messageId: state.messageId,
    resourceId: state.resourceId,
    sendTime: state.sendTime,
    sendFingerprint: state.sendFingerprint,
    sizeMb: state.sizeMb,
    toRecipientsCount: state.toRecipientsCount,
    ccRecipientsCount: state.ccRecipientsCount,
    bccRecipientsCount: state.bccRecipientsCount,
    uniqueRecipientsCount: state.uniqueRecipientsCount,
    attachmentsCount: state.attachmentsCount,
    trafficSource: state.trafficSource,
    senderDomain: state.senderDomain,
    senderUsername: state.senderUsername,
    senderTime: state.senderTime,
    // Absent means the logs: rows written before Event Grid was an input.
    ...(state.senderOrigin === 'eventGrid' ? { senderOrigin: 'eventGrid' } : {}),
    messageStatus: state.messageStatus,
    messageStatusTime: state.messageStatusTime,
    messageStatusFingerprint: state.messageStatusFingerprint,
    statusCounts: JSON.stringify(state.statusCounts),
    recipientCount: state.recipientCount,
    finalRecipientCount: state.finalRecipientCount,
    hardBounceCount: state.hardBounceCount,
    complete: state.complete,
    appliedRecords: state.appliedRecords,
    firstStatusTime: state.firstStatusTime,
    firstRecordTime: state.firstRecordTime,
    digestComplete: state.digestComplete,
    ...longTextProperties('recipientDigest', serializeDigest(state.recipientDigest)),
    ...longTextProperties('timeline', serializeTimeline(state.timeline)),
  };
}

export function fromMessageRow(row: Readonly<Record<string, unknown>>): MessageState {
  return {
    messageId: textOf(row, 'messageId') ?? '',
    resourceId: textOf(row, 'resourceId'),
    sendTime: textOf(row, 'sendTime'),
    sendFingerprint: textOf(row, 'sendFingerprint'),
    sizeMb: numberOf(row, 'sizeMb'),
    toRecipientsCount: numberOf(row, 'toRecipientsCount'),
    ccRecipientsCount: numberOf(row, 'ccRecipientsCount'),
    bccRecipientsCount: numberOf(row, 'bccRecipientsCount'),
    uniqueRecipientsCount: numberOf(row, 'uniqueRecipientsCount'),
    attachmentsCount: numberOf(row, 'attachmentsCount'),
    trafficSource: textOf(row, 'trafficSource'),
    senderDomain: textOf(row, 'senderDomain'),
    senderUsername: textOf(row, 'senderUsername'),
    senderTime: textOf(row, 'senderTime'),
    senderOrigin: textOf(row, 'senderTime') === null ? null : textOf(row, 'senderOrigin') === 'eventGrid' ? 'eventGrid' : 'logs',
    messageStatus: textOf(row, 'messageStatus'),
    messageStatusTime: textOf(row, 'messageStatusTime'),
    messageStatusFingerprint: textOf(row, 'messageStatusFingerprint'),
    // Null prototype: a status named "constructor" must not read as Object's constructor.
    statusCounts: Object.assign(Object.create(null) as Record<string, number>, jsonOf<Record<string, number>>(row, 'statusCounts', {})),
    recipientCount: numberOf(row, 'recipientCount') ?? 0,
    finalRecipientCount: numberOf(row, 'finalRecipientCount') ?? 0,
    hardBounceCount: numberOf(row, 'hardBounceCount') ?? 0,
    complete: row['complete'] === true,
    appliedRecords: numberOf(row, 'appliedRecords') ?? 0,
    firstStatusTime: textOf(row, 'firstStatusTime'),
    firstRecordTime: textOf(row, 'firstRecordTime'),
    ...digestOfRow(row),
    // A row written before timelines existed has none: an empty timeline.
    timeline: parseTimeline(longTextOf(row, 'timeline')),
  };
}

/** A row written before digests existed has none: complete only if it had no recipients yet. */
function digestOfRow(row: Readonly<Record<string, unknown>>): Pick<MessageState, 'recipientDigest' | 'digestComplete'> {
  const digest = parseDigest(longTextOf(row, 'recipientDigest'));
  if (digest === null) return { recipientDigest: [], digestComplete: (numberOf(row, 'recipientCount') ?? 0) === 0 };
  return { recipientDigest: digest, digestComplete: row['digestComplete'] !== false };
}

export function toRecipientRow(state: RecipientState): RowProperties {
  return {
    rowType: 'recipient',
    messageId: state.messageId,
    address: state.address,
    status: state.status,
    statusTime: state.statusTime,
    statusFingerprint: state.statusFingerprint,
    smtpStatusCode: state.smtpStatusCode,
    enhancedSmtpStatusCode: state.enhancedSmtpStatusCode,
    failureReason: cut(state.failureReason, MAX_TEXT),
    failureMessage: cut(state.failureMessage, MAX_TEXT),
    statusMessage: state.statusMessage,
    mailServerHostName: state.mailServerHostName,
    internetMessageId: state.internetMessageId,
    ...longTextProperties('deliveries', serializeDeliveries(state.deliveries)),
    hardBounce: state.hardBounce,
    hardBounceTime: state.hardBounceTime,
    views: state.views,
    clicks: state.clicks,
    otherEngagements: state.otherEngagements,
    engagementBySource: JSON.stringify([countsForm(state.engagementBySource.logs), countsForm(state.engagementBySource.eventGrid)]),
    firstViewTime: state.firstViewTime,
    lastViewTime: state.lastViewTime,
    firstClickTime: state.firstClickTime,
    lastClickTime: state.lastClickTime,
    clickedUrls: JSON.stringify(state.clickedUrls),
    clickedUrlsTruncated: state.clickedUrlsTruncated,
    lastUserAgent: cut(state.lastUserAgent, MAX_TEXT),
    lastEngagementTime: state.lastEngagementTime,
    lastEngagementFingerprint: state.lastEngagementFingerprint,
    ...longTextProperties('timeline', serializeTimeline(state.timeline)),
  };
}

export function fromRecipientRow(row: Readonly<Record<string, unknown>>): RecipientState {
  const flat = {
    status: textOf(row, 'status'),
    statusTime: textOf(row, 'statusTime'),
    statusFingerprint: textOf(row, 'statusFingerprint'),
    smtpStatusCode: textOf(row, 'smtpStatusCode'),
    enhancedSmtpStatusCode: textOf(row, 'enhancedSmtpStatusCode'),
    failureReason: textOf(row, 'failureReason'),
    failureMessage: textOf(row, 'failureMessage'),
  };
  const stored = parseDeliveries(longTextOf(row, 'deliveries'));
  const deliveries = stored ?? legacyDeliveries(flat);
  const flatCounts = { views: numberOf(row, 'views') ?? 0, clicks: numberOf(row, 'clicks') ?? 0, otherEngagements: numberOf(row, 'otherEngagements') ?? 0 };
  const bySource = jsonOf<unknown[] | null>(row, 'engagementBySource', null);
  return {
    messageId: textOf(row, 'messageId') ?? '',
    address: textOf(row, 'address') ?? '',
    // A row from before Event Grid was an input keeps its fields as written (no cut is re-applied).
    ...(stored === null ? { ...flat, statusMessage: null, mailServerHostName: null, internetMessageId: null, statusOrigins: flat.status === null ? [] : ['logs' as const] } : fieldsOfDeliveries(deliveries)),
    deliveries,
    hardBounce: row['hardBounce'] === true,
    hardBounceTime: textOf(row, 'hardBounceTime'),
    ...flatCounts,
    engagementBySource: Array.isArray(bySource) ? { logs: countsOf(bySource[0]), eventGrid: countsOf(bySource[1]) } : { logs: flatCounts, eventGrid: NO_ENGAGEMENT },
    firstViewTime: textOf(row, 'firstViewTime'),
    lastViewTime: textOf(row, 'lastViewTime'),
    firstClickTime: textOf(row, 'firstClickTime'),
    lastClickTime: textOf(row, 'lastClickTime'),
    clickedUrls: jsonOf<ClickedUrl[]>(row, 'clickedUrls', []),
    clickedUrlsTruncated: row['clickedUrlsTruncated'] === true,
    lastUserAgent: textOf(row, 'lastUserAgent'),
    lastEngagementTime: textOf(row, 'lastEngagementTime'),
    lastEngagementFingerprint: textOf(row, 'lastEngagementFingerprint'),
    timeline: parseTimeline(longTextOf(row, 'timeline')),
  };
}

/**
 * A row written before Event Grid was an input holds only the winning log record's fields: that record
 * is its one delivery. The statuses it had beaten were dropped then, which matters only if a later
 * Event Grid report of another status would have lost to one of them (docs/event-grid.md).
 */
function legacyDeliveries(flat: { status: string | null; statusTime: string | null; statusFingerprint: string | null; smtpStatusCode: string | null; enhancedSmtpStatusCode: string | null; failureReason: string | null; failureMessage: string | null }): Delivery[] {
  if (flat.status === null || flat.statusTime === null) return [];
  const { status, statusTime, statusFingerprint, ...codes } = flat;
  return [{ status, logs: { time: statusTime, fingerprint: statusFingerprint ?? '', ...codes }, eventGrid: null }];
}

const countsForm = (c: EngagementCounts): [number, number, number] => [c.views, c.clicks, c.otherEngagements];

function countsOf(value: unknown): EngagementCounts {
  if (!Array.isArray(value)) return NO_ENGAGEMENT;
  const n = (i: number): number => (typeof value[i] === 'number' && Number.isSafeInteger(value[i]) ? (value[i]) : 0);
  return { views: n(0), clicks: n(1), otherEngagements: n(2) };
}

function cut(value: string | null, max: number): string | null {
  return value === null || value.length <= max ? value : `${value.slice(0, max)}…`;
}
