import type { AlertState } from '../store/alertOutbox.js';
import type { AlertDelivery } from '../store/alertDeliveryStore.js';
import { answerSuppression, getBounceRecord, type SuppressionAnswer } from '../store/bounceRegistry.js';
import { getSoftBounceRecord } from '../store/softBounceStore.js';
import type { LedgerTables } from '../store/ledgerTables.js';
import { getMessage, type MessageView } from '../store/messageQueries.js';
import { StorageMeter, type StorageCallIo } from '../store/storageRetry.js';

/**
 * The ledger's read answers, one function per question, shared by the CLI commands (their --json output)
 * and the HTTP API (its response bodies): one module computes both, so they cannot drift apart. The
 * paged lists (alerts, bounces, dead letters) are in listReads.ts.
 */
export const storageIoOf = (tables: LedgerTables): StorageCallIo => ({ policy: tables.retryPolicy, meter: new StorageMeter() });

export type MessageAnswer = MessageView & { readonly messageId: string };

/** One message and its recipients, under the id the ledger stores (case as ACS wrote it), or null. */
export async function readMessage(tables: LedgerTables, messageId: string): Promise<MessageAnswer | null> {
  const view = await getMessage(tables.messages, messageId, storageIoOf(tables));
  if (view === null) return null;
  return { messageId: view.message?.messageId ?? view.recipients[0]?.messageId ?? messageId, ...view };
}

/** "May I still send to this address?" (`check --json`, GET /api/suppressions/{address}). */
export async function readSuppression(tables: LedgerTables, address: string, now: Date): Promise<SuppressionAnswer> {
  const [record, softBounce] = await Promise.all([getBounceRecord(tables.bounces, address, storageIoOf(tables)), getSoftBounceRecord(tables.bounces, address, storageIoOf(tables))]);
  return answerSuppression(address, record, now, softBounce);
}

/**
 * A `since` time as `bounces --since` takes it: anything Date.parse reads, normalised to ISO UTC (the
 * registry compares ISO strings); null when it cannot be read.
 */
export function parseSinceTime(text: string): string | null {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export const ALERT_STATES = ['pending', 'delivered', 'failed'] as const satisfies readonly AlertState[];

/** One alert as listed by `alerts --json` and GET /api/alerts. */
export interface AlertListItem {
  readonly id: string;
  readonly type: string;
  readonly state: AlertState;
  readonly messageId: string | null;
  readonly recipient: string | null;
  readonly status: string | null;
  readonly suppressed: boolean | null;
  readonly senderDomain: string | null;
  readonly attempts: number;
  readonly lastError: string;
  readonly createdAt: string;
  readonly deliveredAt: string;
  readonly sinks: AlertDelivery['sinks'];
  readonly alert: AlertDelivery['alert'];
}

export function toAlertListItem(d: AlertDelivery): AlertListItem {
  const a = d.alert;
  return {
    id: d.id,
    type: a.type,
    state: d.state,
    messageId: a.type === 'hard_bounce' ? a.messageId : null,
    recipient: a.type === 'bounce_rate' ? null : a.recipient,
    status: a.type === 'hard_bounce' ? a.status : null,
    suppressed: a.type === 'hard_bounce' ? a.suppressed : null,
    senderDomain: a.type === 'soft_bounce_escalation' ? null : a.senderDomain,
    attempts: d.attempts,
    lastError: d.lastError,
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
    sinks: d.sinks,
    alert: a,
  };
}
