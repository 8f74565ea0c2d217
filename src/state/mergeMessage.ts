import type { EngagementEvent, MessageEvent, SendMailEvent, StatusEvent } from '../ingest/ledgerEvent.js';
import { compareObservations, compareText, isFinalStatus } from './deliveryStatus.js';
import type { ClickedUrl, MessageState, RecipientState } from './messageState.js';
import { emptyMessage, emptyRecipient } from './messageState.js';
import { updateDigest } from './recipientDigest.js';
import { addToTimeline, timelineEntryOf } from './timeline.js';
import { addDelivery, fieldsOfDeliveries } from './recipientDeliveries.js';
import { originOf } from '../ingest/ledgerEvent.js';

/**
 * The state merge: (current state of one message, new records for it) → next state. Pure.
 * The caller guarantees each record is applied once (by fingerprint); this function guarantees the
 * result does not depend on the order records arrive in.
 */

/** URLs are kept to this length, so that LEDGER_MAX_CLICKED_URLS of them fit one Table string property. */
export const MAX_URL_LENGTH = 1_000;

export interface MessageSnapshot {
  readonly message: MessageState | undefined;
  /** The stored state of every recipient the new records name (absent = not seen yet). */
  readonly recipients: ReadonlyMap<string, RecipientState>;
}

export interface HardBounceTransition {
  /** The recipient's state after the merge. */
  readonly recipient: RecipientState;
  /** The first applied record (in this merge) that carried IsHardBounce for the recipient. */
  readonly cause: StatusEvent;
}

export interface MessageChange {
  readonly message: MessageState;
  readonly changedRecipients: readonly RecipientState[];
  /** Recipients whose hardBounce went from false to true in this merge: one alert each. */
  readonly hardBounceTransitions: readonly HardBounceTransition[];
}

export interface MergeOptions {
  readonly maxClickedUrls: number;
}

export function mergeMessage(
  messageId: string,
  snapshot: MessageSnapshot,
  events: readonly MessageEvent[],
  options: MergeOptions,
): MessageChange {
  let message = snapshot.message ?? emptyMessage(messageId);
  const before = snapshot.recipients;
  const after = new Map<string, RecipientState>();
  const causes = new Map<string, StatusEvent>();

  const recipientOf = (address: string): RecipientState =>
    after.get(address) ?? before.get(address) ?? emptyRecipient(messageId, address);

  for (const event of events) {
    message = {
      ...message,
      appliedRecords: message.appliedRecords + 1,
      resourceId: maxText(message.resourceId, event.resourceId),
      firstRecordTime: minTime(message.firstRecordTime, event.time),
      firstStatusTime: event.kind === 'status' ? minTime(message.firstStatusTime, event.time) : message.firstStatusTime,
    };
    switch (event.kind) {
      case 'send':
        message = applySend(message, event);
        break;
      case 'status': {
        message = applySender(message, event);
        if (event.recipient === null) {
          message = applyMessageLevelStatus(message, event);
        } else {
          const current = recipientOf(event.recipient);
          const next = applyRecipientStatus(current, event);
          if (next.hardBounce && !current.hardBounce && !causes.has(event.recipient)) causes.set(event.recipient, event);
          after.set(event.recipient, next);
        }
        break;
      }
      case 'engagement':
        after.set(event.recipient, applyEngagement(recipientOf(event.recipient), event, options.maxClickedUrls));
        break;
    }
  }

  message = recount(message, before, after);
  const hardBounceTransitions: HardBounceTransition[] = [];
  for (const [address, cause] of causes) {
    const recipient = after.get(address);
    const previously = before.get(address)?.hardBounce ?? false;
    if (recipient !== undefined && recipient.hardBounce && !previously) hardBounceTransitions.push({ recipient, cause });
  }
  return { message, changedRecipients: [...after.values()], hardBounceTransitions };
}

function applySend(message: MessageState, event: SendMailEvent): MessageState {
  const current = message.sendTime === null ? null : { time: message.sendTime, fingerprint: message.sendFingerprint ?? '' };
  const incoming = { time: event.time, fingerprint: event.fingerprint };
  if (current !== null && (compareText(current.time, incoming.time) || compareText(current.fingerprint, incoming.fingerprint)) > 0) {
    return message;
  }
  return {
    ...message,
    sendTime: event.time,
    sendFingerprint: event.fingerprint,
    sizeMb: event.sizeMb,
    toRecipientsCount: event.toRecipientsCount,
    ccRecipientsCount: event.ccRecipientsCount,
    bccRecipientsCount: event.bccRecipientsCount,
    uniqueRecipientsCount: event.uniqueRecipientsCount,
    attachmentsCount: event.attachmentsCount,
    trafficSource: event.trafficSource,
  };
}

/**
 * The sender comes from the latest log status record that names one (ties: the larger text); an Event
 * Grid report's sender (its address, split at the "@") only while no log record named one.
 */
function applySender(message: MessageState, event: StatusEvent): MessageState {
  if (event.senderDomain === null && event.senderUsername === null) return message;
  const origin = originOf(event);
  const incomingKey = `${event.senderDomain ?? ''}\u0000${event.senderUsername ?? ''}`;
  const currentKey = `${message.senderDomain ?? ''}\u0000${message.senderUsername ?? ''}`;
  const sourceOrder = Number(origin === 'logs') - Number(message.senderOrigin !== 'eventGrid');
  const newer =
    message.senderTime === null ||
    sourceOrder > 0 ||
    (sourceOrder === 0 && (event.time > message.senderTime || (event.time === message.senderTime && incomingKey > currentKey)));
  if (!newer) return message;
  return { ...message, senderDomain: event.senderDomain, senderUsername: event.senderUsername, senderTime: event.time, senderOrigin: origin };
}

function applyMessageLevelStatus(stored: MessageState, event: StatusEvent): MessageState {
  const message = { ...stored, timeline: addToTimeline(stored.timeline, timelineEntryOf(event)) };
  const incoming = { status: event.deliveryStatus, time: event.time, fingerprint: event.fingerprint };
  if (message.messageStatus !== null && message.messageStatusTime !== null) {
    const current = { status: message.messageStatus, time: message.messageStatusTime, fingerprint: message.messageStatusFingerprint ?? '' };
    if (compareObservations(incoming, current) <= 0) return message;
  }
  return { ...message, messageStatus: incoming.status, messageStatusTime: incoming.time, messageStatusFingerprint: incoming.fingerprint };
}

function applyRecipientStatus(stored: RecipientState, event: StatusEvent): RecipientState {
  const deliveries = addDelivery(stored.deliveries, event);
  return {
    ...stored,
    timeline: addToTimeline(stored.timeline, timelineEntryOf(event)),
    hardBounce: stored.hardBounce || event.isHardBounce,
    hardBounceTime: event.isHardBounce ? minTime(stored.hardBounceTime, event.time) : stored.hardBounceTime,
    deliveries,
    ...fieldsOfDeliveries(deliveries),
  };
}

function applyEngagement(recipient: RecipientState, event: EngagementEvent, maxClickedUrls: number): RecipientState {
  let next: RecipientState = { ...recipient, timeline: addToTimeline(recipient.timeline, timelineEntryOf(event)) };
  const origin = originOf(event);
  const counts = next.engagementBySource[origin];
  const counted = {
    views: counts.views + Number(event.engagementType === 'View'),
    clicks: counts.clicks + Number(event.engagementType === 'Click'),
    otherEngagements: counts.otherEngagements + Number(event.engagementType !== 'View' && event.engagementType !== 'Click'),
  };
  const bySource = { ...next.engagementBySource, [origin]: counted };
  next = {
    ...next,
    engagementBySource: bySource,
    views: Math.max(bySource.logs.views, bySource.eventGrid.views),
    clicks: Math.max(bySource.logs.clicks, bySource.eventGrid.clicks),
    otherEngagements: Math.max(bySource.logs.otherEngagements, bySource.eventGrid.otherEngagements),
  };
  if (event.engagementType === 'View') {
    next = {
      ...next,
      firstViewTime: minTime(next.firstViewTime, event.time),
      lastViewTime: maxTime(next.lastViewTime, event.time),
    };
  } else if (event.engagementType === 'Click') {
    const urls = event.engagementContext === null ? { kept: next.clickedUrls, truncated: next.clickedUrlsTruncated } : addClickedUrl(next, event.engagementContext.slice(0, MAX_URL_LENGTH), event.time, maxClickedUrls);
    next = {
      ...next,
      firstClickTime: minTime(next.firstClickTime, event.time),
      lastClickTime: maxTime(next.lastClickTime, event.time),
      clickedUrls: urls.kept,
      clickedUrlsTruncated: urls.truncated,
    };
  }
  const isLatest =
    next.lastEngagementTime === null ||
    (compareText(event.time, next.lastEngagementTime) || compareText(event.fingerprint, next.lastEngagementFingerprint ?? '')) > 0;
  if (isLatest) {
    next = { ...next, lastUserAgent: event.userAgent, lastEngagementTime: event.time, lastEngagementFingerprint: event.fingerprint };
  }
  return next;
}

/**
 * Keeps the `max` distinct URLs with the earliest first click (ties by URL). Keeping the smallest N under
 * a total order is order-independent, unlike "the first N to arrive".
 */
function addClickedUrl(
  recipient: RecipientState,
  url: string,
  time: string,
  max: number,
): { kept: readonly ClickedUrl[]; truncated: boolean } {
  const byUrl = new Map(recipient.clickedUrls.map((entry) => [entry.url, entry.firstClickTime]));
  const existing = byUrl.get(url);
  byUrl.set(url, existing === undefined ? time : minTime(existing, time) ?? time);
  const sorted = [...byUrl.entries()]
    .map(([u, t]) => ({ url: u, firstClickTime: t }))
    .sort((a, b) => compareText(a.firstClickTime, b.firstClickTime) || compareText(a.url, b.url));
  return { kept: sorted.slice(0, max), truncated: recipient.clickedUrlsTruncated || sorted.length > max };
}

/** Applies the recipients' status changes to the message's counters and completeness. */
function recount(
  message: MessageState,
  before: ReadonlyMap<string, RecipientState>,
  after: ReadonlyMap<string, RecipientState>,
): MessageState {
  // A Map: statuses are data ("constructor" and "__proto__" are statuses a sender can write).
  const statusCounts = new Map(Object.entries(message.statusCounts));
  let { recipientCount, finalRecipientCount, hardBounceCount } = message;
  for (const [address, next] of after) {
    const previous = before.get(address);
    if (previous === undefined) recipientCount += 1;
    const oldStatus = previous?.status ?? null;
    if (oldStatus !== next.status) {
      if (oldStatus !== null) {
        const remaining = (statusCounts.get(oldStatus) ?? 0) - 1;
        if (remaining > 0) statusCounts.set(oldStatus, remaining);
        else statusCounts.delete(oldStatus);
      }
      if (next.status !== null) statusCounts.set(next.status, (statusCounts.get(next.status) ?? 0) + 1);
    }
    finalRecipientCount += Number(isFinalStatus(next.status)) - Number(isFinalStatus(oldStatus));
    hardBounceCount += Number(next.hardBounce) - Number(previous?.hardBounce ?? false);
  }
  const complete = message.uniqueRecipientsCount !== null && finalRecipientCount >= message.uniqueRecipientsCount;
  const recipientDigest = after.size === 0 ? message.recipientDigest : updateDigest(message.recipientDigest, after.values());
  return { ...message, statusCounts: sortKeys(statusCounts), recipientCount, finalRecipientCount, hardBounceCount, complete, recipientDigest };
}

/** Null prototype, so that a status named "__proto__" is an own key like the others. */
function sortKeys(counts: ReadonlyMap<string, number>): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const [key, n] of [...counts].sort(([a], [b]) => compareText(a, b))) out[key] = n;
  return out;
}

function minTime(a: string | null, b: string): string {
  return a === null || b < a ? b : a;
}

function maxTime(a: string | null, b: string): string {
  return a === null || b > a ? b : a;
}

function maxText(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return b > a ? b : a;
}
