import type { ClickedUrl, MessageState, RecipientState } from '../state/messageState.js';
import type { RowProperties } from './partitionCommit.js';
import { encodeKey } from './tableKeys.js';

/**
 * Layout of a message partition (PartitionKey = encoded message id) in the messages table:
 *   "message"          the message row (MessageState)
 *   "r|<address>"      one row per recipient (RecipientState), address key-encoded
 *   "f|<fingerprint>"  one row per applied record: the de-duplication memory
 *   "a|<address>"      one outbox row per hard-bounced recipient (alerts)
 * Keeping them in one partition is what lets one transaction apply records, update state and enqueue
 * the alert atomically.
 */
export const MESSAGE_ROW_KEY = 'message';
export const messagePartitionKey = (messageId: string): string => encodeKey(messageId);
export const recipientRowKey = (address: string): string => `r|${encodeKey(address)}`;
export const appliedRowKey = (fingerprint: string): string => `f|${fingerprint}`;
export const alertRowKey = (address: string): string => `a|${encodeKey(address)}`;
export const RECIPIENT_ROW_PREFIX = 'r|';
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
    messageStatus: state.messageStatus,
    messageStatusTime: state.messageStatusTime,
    messageStatusFingerprint: state.messageStatusFingerprint,
    statusCounts: JSON.stringify(state.statusCounts),
    recipientCount: state.recipientCount,
    finalRecipientCount: state.finalRecipientCount,
    hardBounceCount: state.hardBounceCount,
    complete: state.complete,
    appliedRecords: state.appliedRecords,
  };
}

export function fromMessageRow(row: Readonly<Record<string, unknown>>): MessageState {
  return {
    messageId: text(row['messageId']) ?? '',
    resourceId: text(row['resourceId']),
    sendTime: text(row['sendTime']),
    sendFingerprint: text(row['sendFingerprint']),
    sizeMb: num(row['sizeMb']),
    toRecipientsCount: num(row['toRecipientsCount']),
    ccRecipientsCount: num(row['ccRecipientsCount']),
    bccRecipientsCount: num(row['bccRecipientsCount']),
    uniqueRecipientsCount: num(row['uniqueRecipientsCount']),
    attachmentsCount: num(row['attachmentsCount']),
    trafficSource: text(row['trafficSource']),
    senderDomain: text(row['senderDomain']),
    senderUsername: text(row['senderUsername']),
    senderTime: text(row['senderTime']),
    messageStatus: text(row['messageStatus']),
    messageStatusTime: text(row['messageStatusTime']),
    messageStatusFingerprint: text(row['messageStatusFingerprint']),
    statusCounts: parseJson<Record<string, number>>(row['statusCounts'], {}),
    recipientCount: num(row['recipientCount']) ?? 0,
    finalRecipientCount: num(row['finalRecipientCount']) ?? 0,
    hardBounceCount: num(row['hardBounceCount']) ?? 0,
    complete: row['complete'] === true,
    appliedRecords: num(row['appliedRecords']) ?? 0,
  };
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
    hardBounce: state.hardBounce,
    hardBounceTime: state.hardBounceTime,
    views: state.views,
    clicks: state.clicks,
    otherEngagements: state.otherEngagements,
    firstViewTime: state.firstViewTime,
    lastViewTime: state.lastViewTime,
    firstClickTime: state.firstClickTime,
    lastClickTime: state.lastClickTime,
    clickedUrls: JSON.stringify(state.clickedUrls),
    clickedUrlsTruncated: state.clickedUrlsTruncated,
    lastUserAgent: cut(state.lastUserAgent, MAX_TEXT),
    lastEngagementTime: state.lastEngagementTime,
    lastEngagementFingerprint: state.lastEngagementFingerprint,
  };
}

export function fromRecipientRow(row: Readonly<Record<string, unknown>>): RecipientState {
  return {
    messageId: text(row['messageId']) ?? '',
    address: text(row['address']) ?? '',
    status: text(row['status']),
    statusTime: text(row['statusTime']),
    statusFingerprint: text(row['statusFingerprint']),
    smtpStatusCode: text(row['smtpStatusCode']),
    enhancedSmtpStatusCode: text(row['enhancedSmtpStatusCode']),
    failureReason: text(row['failureReason']),
    failureMessage: text(row['failureMessage']),
    hardBounce: row['hardBounce'] === true,
    hardBounceTime: text(row['hardBounceTime']),
    views: num(row['views']) ?? 0,
    clicks: num(row['clicks']) ?? 0,
    otherEngagements: num(row['otherEngagements']) ?? 0,
    firstViewTime: text(row['firstViewTime']),
    lastViewTime: text(row['lastViewTime']),
    firstClickTime: text(row['firstClickTime']),
    lastClickTime: text(row['lastClickTime']),
    clickedUrls: parseJson<ClickedUrl[]>(row['clickedUrls'], []),
    clickedUrlsTruncated: row['clickedUrlsTruncated'] === true,
    lastUserAgent: text(row['lastUserAgent']),
    lastEngagementTime: text(row['lastEngagementTime']),
    lastEngagementFingerprint: text(row['lastEngagementFingerprint']),
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function cut(value: string | null, max: number): string | null {
  return value === null || value.length <= max ? value : `${value.slice(0, max)}…`;
}

function parseJson<T>(value: unknown, fallback: T): T {
  if (typeof value !== 'string') return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}
