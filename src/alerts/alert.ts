/**
 * The alert documents the ledger emits. This shape is a public contract (webhook bodies, log lines):
 * add fields freely, never rename or remove one without bumping `schema`.
 */
export const ALERT_SCHEMA = 'acs-email-ledger.alert/v1';

export interface HardBounceAlert {
  readonly schema: typeof ALERT_SCHEMA;
  readonly type: 'hard_bounce';
  /** Deterministic: the same (message, recipient) always yields the same id. Used as webhook-id. */
  readonly id: string;
  readonly messageId: string;
  /** The recipient address exactly as ACS reported it. */
  readonly recipient: string;
  /** DeliveryStatus of the record that carried IsHardBounce=true (Bounced, Suppressed, ...). */
  readonly status: string;
  /** True when ACS suppressed the send because the address bounced before: the sender is still mailing it. */
  readonly suppressed: boolean;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failureReason: string | null;
  readonly failureMessage: string | null;
  readonly senderDomain: string | null;
  readonly senderUsername: string | null;
  readonly resourceId: string | null;
  /** The `time` of the status record, ISO 8601 UTC. */
  readonly recordTime: string;
  /** When the ledger applied the record, ISO 8601 UTC. */
  readonly detectedAt: string;
}

export interface BounceRateAlert {
  readonly schema: typeof ALERT_SCHEMA;
  readonly type: 'bounce_rate';
  readonly id: string;
  readonly level: 'warning' | 'critical';
  readonly senderDomain: string;
  readonly windowHours: number;
  readonly windowEnd: string;
  readonly sends: number;
  readonly hardBounces: number;
  /** hardBounces / sends, 0..1 */
  readonly rate: number;
  readonly threshold: number;
  readonly detectedAt: string;
}

/**
 * An address that failed temporarily (4.x.x or no code) on `threshold` distinct messages within
 * `windowDays`, with no delivery in between: escalated like a hard bounce (src/alerts/softBounce.ts).
 */
export interface SoftBounceEscalationAlert {
  readonly schema: typeof ALERT_SCHEMA;
  readonly type: 'soft_bounce_escalation';
  /** Deterministic: the same (address, run) always yields the same id. */
  readonly id: string;
  /** The address, lower-cased (it is counted across messages, whatever case each used). */
  readonly recipient: string;
  /** The Delivered time that opened the run that crossed, or null for the address's first run. */
  readonly since: string | null;
  readonly threshold: number;
  readonly windowDays: number;
  /** The messages that made the crossing, oldest first (threshold of them). */
  readonly messageIds: readonly string[];
  readonly firstFailureAt: string;
  /** The time of the failure that crossed. */
  readonly crossedAt: string;
  /** The enhanced (else basic) SMTP code of the failure that crossed, when it had one. */
  readonly smtpStatusCode: string | null;
  readonly detectedAt: string;
}

export type LedgerAlert = HardBounceAlert | BounceRateAlert | SoftBounceEscalationAlert;

/** What one delivery attempt to one sink came to. */
export type DeliveryResult =
  /** `note` says why a sink had nothing to do (e.g. no suppression list for the sender domain): kept with its state. */
  | { readonly outcome: 'delivered'; readonly status?: number; readonly note?: string }
  /** Worth trying again later (network error, timeout, 5xx, 408, 429). */
  | { readonly outcome: 'retry'; readonly reason: string; readonly status?: number; readonly retryAfterMs?: number }
  /** Retrying the same request cannot help (other 4xx): park the alert as failed, visible and retryable by hand. */
  | { readonly outcome: 'rejected'; readonly reason: string; readonly status?: number; readonly responseBody?: string };
