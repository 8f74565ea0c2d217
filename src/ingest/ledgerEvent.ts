import type { RecordSource } from './recordSource.js';

/**
 * The typed records the rest of the ledger works with, one per ACS Email log category.
 * Every event carries a content fingerprint (its identity for de-duplication, since the logs have no
 * record id) and where it came from.
 */

export const EMAIL_CATEGORIES = {
  send: 'EmailSendMailOperational',
  status: 'EmailStatusUpdateOperational',
  engagement: 'EmailUserEngagementOperational',
  usage: 'Usage',
} as const;

export type LedgerCategory = (typeof EMAIL_CATEGORIES)[keyof typeof EMAIL_CATEGORIES];

interface EventBase {
  /** Content hash of the normalised record: equal content, equal fingerprint. */
  readonly fingerprint: string;
  /** Canonical UTC time, 7 fractional digits. */
  readonly time: string;
  readonly resourceId: string | null;
  readonly source: RecordSource;
  /** Position of the record inside its event body. */
  readonly recordIndex: number;
}

export interface SendMailEvent extends EventBase {
  readonly kind: 'send';
  readonly messageId: string;
  /** Megabytes, as ACS reports it. */
  readonly sizeMb: number | null;
  readonly toRecipientsCount: number | null;
  readonly ccRecipientsCount: number | null;
  readonly bccRecipientsCount: number | null;
  readonly uniqueRecipientsCount: number | null;
  readonly attachmentsCount: number | null;
  readonly trafficSource: string | null;
}

export interface StatusEvent extends EventBase {
  readonly kind: 'status';
  readonly messageId: string;
  /** null for a message-level record (RecipientId ""). */
  readonly recipient: string | null;
  readonly deliveryStatus: string;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failureReason: string | null;
  readonly failureMessage: string | null;
  readonly senderDomain: string | null;
  readonly senderUsername: string | null;
  readonly isHardBounce: boolean;
  /** Present when the status came from an Event Grid delivery report rather than a log record. */
  readonly eventGrid?: DeliveryReportFacts;
}

/**
 * What an Event Grid delivery report says beyond a log record (docs/event-grid.md). The status, the codes
 * parsed from its status message and the sender are in the StatusEvent fields like a log record's.
 */
export interface DeliveryReportFacts {
  /** The Event Grid event id: the same on every redelivery. */
  readonly eventId: string;
  readonly statusMessage: string | null;
  readonly mailServerHostName: string | null;
  readonly internetMessageId: string | null;
}

/** Where an observation came from: the diagnostic logs, or an Event Grid report. */
export type ObservationOrigin = 'logs' | 'eventGrid';

export const originOf = (event: StatusEvent | EngagementEvent): ObservationOrigin => (event.eventGrid === undefined ? 'logs' : 'eventGrid');

export interface EngagementEvent extends EventBase {
  readonly kind: 'engagement';
  readonly messageId: string;
  readonly recipient: string;
  /** "View", "Click", or another value ACS may add (kept, not counted as either). */
  readonly engagementType: string;
  readonly engagementContext: string | null;
  readonly userAgent: string | null;
  /** Present when the engagement came from an Event Grid engagement report rather than a log record. */
  readonly eventGrid?: { readonly eventId: string };
}

export interface UsageEvent extends EventBase {
  readonly kind: 'usage';
  /** The usage RecordId; when ACS omits it, the fingerprint stands in. */
  readonly recordId: string;
  readonly correlationId: string | null;
  readonly usageType: string;
  readonly unitType: string;
  readonly quantity: number;
  /** UTC day the usage is billed to (from startTime, else time): "2025-03-14". */
  readonly day: string;
}

export type MessageEvent = SendMailEvent | StatusEvent | EngagementEvent;
export type LedgerEvent = MessageEvent | UsageEvent;
