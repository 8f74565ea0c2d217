import type { ObservationOrigin } from '../ingest/ledgerEvent.js';
import type { Delivery, DeliveryFields } from './recipientDeliveries.js';
import type { RecipientDigest } from './recipientDigest.js';
import { emptyTimeline, type Timeline } from './timeline.js';

/**
 * Delivery state, as plain data. One MessageState per message (CorrelationId), one RecipientState per
 * recipient address exactly as ACS reported it. Every field is derived from the applied records by an
 * order-independent rule (latest-wins with a total order, min, max, sum, or), so any arrival order and
 * any number of duplicates give the same state.
 */

export interface MessageState {
  readonly messageId: string;
  readonly resourceId: string | null;
  /** From the SendMail record (the latest one, should ACS ever send two). */
  readonly sendTime: string | null;
  readonly sendFingerprint: string | null;
  readonly sizeMb: number | null;
  readonly toRecipientsCount: number | null;
  readonly ccRecipientsCount: number | null;
  readonly bccRecipientsCount: number | null;
  readonly uniqueRecipientsCount: number | null;
  readonly attachmentsCount: number | null;
  readonly trafficSource: string | null;
  /** From status records: SendMail records do not carry the sender. */
  readonly senderDomain: string | null;
  readonly senderUsername: string | null;
  readonly senderTime: string | null;
  /** The logs name the sender when any status record does; an Event Grid report's sender counts only without them. */
  readonly senderOrigin: ObservationOrigin | null;
  /** The message-level status (records with an empty RecipientId), e.g. OutForDelivery. */
  readonly messageStatus: string | null;
  readonly messageStatusTime: string | null;
  readonly messageStatusFingerprint: string | null;
  /** How many recipients currently hold each status. */
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly recipientCount: number;
  readonly finalRecipientCount: number;
  readonly hardBounceCount: number;
  /** Every unique recipient (per SendMail) has a final status. */
  readonly complete: boolean;
  /** Records applied to this message, all categories. */
  readonly appliedRecords: number;
  /** The earliest time of any status record (message-level or recipient); the message's time without a SendMail record. */
  readonly firstStatusTime: string | null;
  /** The earliest time of any record: the message's time when it has neither a SendMail nor a status record. */
  readonly firstRecordTime: string | null;
  /** Every recipient, as the indexes need it (recipientDigest.ts), sorted by address. */
  readonly recipientDigest: readonly RecipientDigest[];
  /**
   * The digest names every recipient. False only for a message row written before digests existed that
   * already had recipients: such a message is left out of the indexes until `reindex` rebuilds it.
   */
  readonly digestComplete: boolean;
  /** The message-level status records (no recipient), bounded (timeline.ts). */
  readonly timeline: Timeline;
}

export interface ClickedUrl {
  readonly url: string;
  readonly firstClickTime: string;
}

/** Engagement records of one source. */
export interface EngagementCounts {
  readonly views: number;
  readonly clicks: number;
  readonly otherEngagements: number;
}

export const NO_ENGAGEMENT: EngagementCounts = { views: 0, clicks: 0, otherEngagements: 0 };

/** The status fields (status, its time, codes, failure text, Event Grid's facts) come from DeliveryFields. */
export interface RecipientState extends DeliveryFields {
  readonly messageId: string;
  readonly address: string;
  /** Every status reported, per source (recipientDeliveries.ts): what the status fields are derived from. */
  readonly deliveries: readonly Delivery[];
  /** True once any status record of this recipient on this message had IsHardBounce. */
  readonly hardBounce: boolean;
  readonly hardBounceTime: string | null;
  /**
   * Each source alone reports every open and click, so counting both would count each twice: the counts
   * are the greater of the two sources' (engagementBySource), exact whenever either source is complete.
   */
  readonly views: number;
  readonly clicks: number;
  readonly otherEngagements: number;
  readonly engagementBySource: { readonly logs: EngagementCounts; readonly eventGrid: EngagementCounts };
  readonly firstViewTime: string | null;
  readonly lastViewTime: string | null;
  readonly firstClickTime: string | null;
  readonly lastClickTime: string | null;
  /** The earliest-clicked distinct URLs, at most LEDGER_MAX_CLICKED_URLS of them. */
  readonly clickedUrls: readonly ClickedUrl[];
  /** More distinct URLs were clicked than are kept. */
  readonly clickedUrlsTruncated: boolean;
  readonly lastUserAgent: string | null;
  readonly lastEngagementTime: string | null;
  readonly lastEngagementFingerprint: string | null;
  /** Every status and engagement record of this recipient, bounded (timeline.ts). */
  readonly timeline: Timeline;
}

export function emptyMessage(messageId: string): MessageState {
  return {
    messageId,
    resourceId: null,
    sendTime: null,
    sendFingerprint: null,
    sizeMb: null,
    toRecipientsCount: null,
    ccRecipientsCount: null,
    bccRecipientsCount: null,
    uniqueRecipientsCount: null,
    attachmentsCount: null,
    trafficSource: null,
    senderDomain: null,
    senderUsername: null,
    senderTime: null,
    senderOrigin: null,
    messageStatus: null,
    messageStatusTime: null,
    messageStatusFingerprint: null,
    statusCounts: Object.create(null) as Record<string, number>,
    recipientCount: 0,
    finalRecipientCount: 0,
    hardBounceCount: 0,
    complete: false,
    appliedRecords: 0,
    firstStatusTime: null,
    firstRecordTime: null,
    recipientDigest: [],
    digestComplete: true,
    timeline: emptyTimeline(),
  };
}

export function emptyRecipient(messageId: string, address: string): RecipientState {
  return {
    messageId,
    address,
    status: null,
    statusTime: null,
    statusFingerprint: null,
    smtpStatusCode: null,
    enhancedSmtpStatusCode: null,
    failureReason: null,
    failureMessage: null,
    statusMessage: null,
    mailServerHostName: null,
    internetMessageId: null,
    statusOrigins: [],
    deliveries: [],
    hardBounce: false,
    hardBounceTime: null,
    views: 0,
    clicks: 0,
    otherEngagements: 0,
    engagementBySource: { logs: NO_ENGAGEMENT, eventGrid: NO_ENGAGEMENT },
    firstViewTime: null,
    lastViewTime: null,
    firstClickTime: null,
    lastClickTime: null,
    clickedUrls: [],
    clickedUrlsTruncated: false,
    lastUserAgent: null,
    lastEngagementTime: null,
    lastEngagementFingerprint: null,
    timeline: emptyTimeline(),
  };
}
