import { createHash } from 'node:crypto';
import type { StatusEvent } from '../ingest/ledgerEvent.js';
import type { MessageState, RecipientState } from '../state/messageState.js';
import { ALERT_SCHEMA, type HardBounceAlert } from './alert.js';

/**
 * One hard-bounce alert per (message, recipient). Its id is derived from that pair alone, so every
 * replay, redelivery and concurrent instance computes the same id: it is the outbox row's identity and
 * the webhook-id receivers de-duplicate on.
 */
export function hardBounceAlertId(messageId: string, recipient: string): string {
  return `hb_${createHash('sha256').update(`hard_bounce\n${messageId}\n${recipient}`).digest('base64url').slice(0, 26)}`;
}

/** Mail servers may answer with anything; an alert carries at most this much of it. */
const MAX_FIELD = 2_000;
const cap = (text: string | null): string | null => (text === null || text.length <= MAX_FIELD ? text : `${text.slice(0, MAX_FIELD - 1)}…`);

export function buildHardBounceAlert(
  message: MessageState,
  recipient: RecipientState,
  cause: StatusEvent,
  detectedAt: Date,
): HardBounceAlert {
  return {
    schema: ALERT_SCHEMA,
    type: 'hard_bounce',
    id: hardBounceAlertId(message.messageId, recipient.address),
    messageId: message.messageId,
    recipient: recipient.address,
    status: cap(cause.deliveryStatus) ?? '',
    suppressed: cause.deliveryStatus === 'Suppressed',
    smtpStatusCode: cap(cause.smtpStatusCode),
    enhancedSmtpStatusCode: cap(cause.enhancedSmtpStatusCode),
    failureReason: cap(cause.failureReason),
    failureMessage: cap(cause.failureMessage),
    senderDomain: cap(cause.senderDomain ?? message.senderDomain),
    senderUsername: cap(cause.senderUsername ?? message.senderUsername),
    resourceId: cap(cause.resourceId ?? message.resourceId),
    recordTime: cause.time,
    detectedAt: detectedAt.toISOString(),
  };
}
