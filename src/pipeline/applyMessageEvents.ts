import type { TableClient } from '@azure/data-tables';
import type { HardBounceAlert } from '../alerts/alert.js';
import { buildHardBounceAlert } from '../alerts/hardBounceAlert.js';
import type { MessageEvent } from '../ingest/ledgerEvent.js';
import { mergeMessage, type MessageSnapshot } from '../state/mergeMessage.js';
import { RATE_VECTOR_ROW_KEY, fromRateVectorRow, nextRateVector, toRateVectorRow, type MessageRateVector } from '../guardrail/messageRateVector.js';
import type { RecipientState } from '../state/messageState.js';
import { toOutboxRow, writeAlertIntent } from '../store/alertOutbox.js';
import { recordBounceObservations, retractBounceObservations } from '../store/bounceRegistry.js';
import type { BounceObservation } from '../state/bounceRecord.js';
import {
  MESSAGE_ROW_KEY,
  alertRowKey,
  appliedRowKey,
  fromMessageRow,
  fromRecipientRow,
  messagePartitionKey,
  recipientRowKey,
  toMessageRow,
  toRecipientRow,
} from '../store/messageRows.js';
import { commitPartition, type RowWrite, type StorageIo } from '../store/partitionCommit.js';
import { commitIsolatingRejects, type Rejected } from './isolateRejected.js';

/**
 * Applies one message's new records: one read and one transaction per chunk of records (a batch rarely
 * has more than one chunk per message). Each record writes at most an applied row, a recipient row and
 * an outbox row, plus the message row once: 30 records stay within the 100-row transaction limit.
 */
const RECORDS_PER_COMMIT = 30;

export interface MessageApplyResult {
  readonly applied: number;
  readonly duplicates: number;
  readonly alerts: readonly HardBounceAlert[];
  /**
   * The message's guardrail contribution as committed (also when every record was a duplicate, so that
   * a replay repairs a sync a crash cut off), for the bounce-rate guardrail.
   */
  readonly rateVector: MessageRateVector | undefined;
  /** Records storage refused to take (with the reason), to be dead-lettered. */
  readonly rejected: readonly Rejected<MessageEvent>[];
}

export interface MessageApplyDeps {
  readonly messages: TableClient;
  readonly alerts: TableClient;
  readonly bounces: TableClient;
  readonly io: StorageIo;
  readonly maxClickedUrls: number;
  readonly now: () => Date;
}

export async function applyMessageEvents(
  messageId: string,
  events: readonly MessageEvent[],
  deps: MessageApplyDeps,
): Promise<MessageApplyResult> {
  const { results, rejected } = await commitIsolatingRejects(events, RECORDS_PER_COMMIT, async (chunk) => {
    const result = await commitChunk(messageId, chunk, deps);
    // Written again after the commit (create-only, so harmless when present): should the dispatcher
    // have removed the write-ahead row as an orphan while this commit was slow, it comes back.
    await Promise.all(
      result.alerts.map((a) =>
        writeAlertIntent(deps.alerts, a, { table: 'messages', partitionKey: messagePartitionKey(messageId), rowKey: alertRowKey(a.recipient) }, deps.io, deps.now()),
      ),
    );
    return result;
  });
  // The registry was written ahead of commits that storage then refused: take those bounces back out.
  const refusedBounces = bounceObservationsOf(rejected.flatMap((r) => r.events));
  if (refusedBounces.length > 0) await retractBounceObservations(deps.bounces, refusedBounces, deps.io);
  return {
    applied: results.reduce((n, r) => n + r.applied, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    alerts: results.flatMap((r) => r.alerts),
    rateVector: results.reduce<MessageRateVector | undefined>((a, r) => (a === undefined || (r.rateVector?.version ?? -1) > a.version ? r.rateVector : a), undefined),
    rejected,
  };
}

function commitChunk(messageId: string, chunk: readonly MessageEvent[], deps: MessageApplyDeps): Promise<Omit<MessageApplyResult, 'rejected'>> {
  const partitionKey = messagePartitionKey(messageId);
  const recipients = [...new Set(chunk.flatMap((e) => (e.kind === 'send' || e.recipient === null ? [] : [e.recipient])))];
  const bouncing = [...new Set(chunk.flatMap((e) => (e.kind === 'status' && e.isHardBounce && e.recipient !== null ? [e.recipient] : [])))];
  const rowKeys = [
    MESSAGE_ROW_KEY,
    ...recipients.map(recipientRowKey),
    ...chunk.map((e) => appliedRowKey(e.fingerprint)),
    ...bouncing.map(alertRowKey),
    RATE_VECTOR_ROW_KEY,
  ];

  return commitPartition(
    deps.messages,
    partitionKey,
    rowKeys,
    (rows) => {
      const fresh = chunk.filter((e) => !rows.has(appliedRowKey(e.fingerprint)));
      const duplicates = chunk.length - fresh.length;
      const vectorRow = rows.get(RATE_VECTOR_ROW_KEY);
      const storedVector = vectorRow === undefined ? undefined : fromRateVectorRow(messageId, vectorRow.properties);
      if (fresh.length === 0) return { writes: [], result: { applied: 0, duplicates, alerts: [], rateVector: storedVector } };

      const messageRow = rows.get(MESSAGE_ROW_KEY);
      const snapshot: MessageSnapshot = {
        message: messageRow === undefined ? undefined : fromMessageRow(messageRow.properties),
        recipients: new Map(
          recipients.flatMap((address): [string, RecipientState][] => {
            const row = rows.get(recipientRowKey(address));
            return row === undefined ? [] : [[address, fromRecipientRow(row.properties)]];
          }),
        ),
      };
      const change = mergeMessage(messageId, snapshot, fresh, { maxClickedUrls: deps.maxClickedUrls });
      const now = deps.now();
      const newAlerts = change.hardBounceTransitions
        .filter((t) => !rows.has(alertRowKey(t.recipient.address)))
        .map((t) => buildHardBounceAlert(change.message, t.recipient, t.cause, now));

      const writes: RowWrite[] = [
        { rowKey: MESSAGE_ROW_KEY, properties: toMessageRow(change.message) },
        ...change.changedRecipients.map((r) => ({ rowKey: recipientRowKey(r.address), properties: toRecipientRow(r) })),
        ...fresh.map((e) => ({
          rowKey: appliedRowKey(e.fingerprint),
          properties: { rowType: 'applied', kind: e.kind, time: e.time, recipient: e.kind === 'send' ? null : e.recipient },
        })),
        ...newAlerts.map((a) => ({ rowKey: alertRowKey(a.recipient), properties: toOutboxRow(a, now) })),
      ];
      // The guardrail's input, in the same transaction as the state it is derived from.
      const rateVector = nextRateVector(storedVector, change.message, snapshot.recipients, change.changedRecipients);
      if (rateVector !== undefined) writes.push({ rowKey: RATE_VECTOR_ROW_KEY, properties: toRateVectorRow(rateVector) });
      // Written ahead of the commit (idempotently): the alert's delivery row, so a crash after the
      // commit cannot hide the alert, and the bounce registry, so it never misses an applied bounce.
      const observations = bounceObservationsOf(fresh);
      const beforeCommit =
        newAlerts.length === 0 && observations.length === 0
          ? undefined
          : async () => {
              await Promise.all([
                recordBounceObservations(deps.bounces, observations, deps.io),
                ...newAlerts.map((a) =>
                  writeAlertIntent(deps.alerts, a, { table: 'messages', partitionKey, rowKey: alertRowKey(a.recipient) }, deps.io, now),
                ),
              ]);
            };
      return { writes, result: { applied: fresh.length, duplicates, alerts: newAlerts, rateVector }, beforeCommit };
    },
    deps.io,
    { messageId },
  );
}

function bounceObservationsOf(events: readonly MessageEvent[]): BounceObservation[] {
  return events.flatMap((e) =>
    e.kind === 'status' && e.isHardBounce && e.recipient !== null
      ? [
          {
            address: e.recipient,
            messageId: e.messageId,
            fingerprint: e.fingerprint,
            status: e.deliveryStatus,
            time: e.time,
            smtpStatusCode: e.smtpStatusCode,
            enhancedSmtpStatusCode: e.enhancedSmtpStatusCode,
            failureReason: e.failureReason,
            failureMessage: e.failureMessage,
          },
        ]
      : [],
  );
}
