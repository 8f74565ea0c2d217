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
}

export interface EngagementEvent extends EventBase {
  readonly kind: 'engagement';
  readonly messageId: string;
  readonly recipient: string;
  /** "View", "Click", or another value ACS may add (kept, not counted as either). */
  readonly engagementType: string;
  readonly engagementContext: string | null;
  readonly userAgent: string | null;
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
