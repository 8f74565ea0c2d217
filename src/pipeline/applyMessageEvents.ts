import type { TableClient } from '@azure/data-tables';
import type { HardBounceAlert } from '../alerts/alert.js';
import { buildHardBounceAlert } from '../alerts/hardBounceAlert.js';
import type { MessageEvent } from '../ingest/ledgerEvent.js';
import { hourOf } from '../alerts/bounceRate.js';
import { isFinalStatus } from '../state/deliveryStatus.js';
import { mergeMessage, type MessageChange, type MessageSnapshot } from '../state/mergeMessage.js';
import type { RateContribution } from '../store/bounceRateStore.js';
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
  /** Sends and hard bounces this commit added, for the bounce-rate guardrail. */
  readonly rateContributions: readonly RateContribution[];
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
    rateContributions: results.flatMap((r) => r.rateContributions),
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
  ];

  return commitPartition(
    deps.messages,
    partitionKey,
    rowKeys,
    (rows) => {
      const fresh = chunk.filter((e) => !rows.has(appliedRowKey(e.fingerprint)));
      const duplicates = chunk.length - fresh.length;
      if (fresh.length === 0) return { writes: [], result: { applied: 0, duplicates, alerts: [], rateContributions: [] } };

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
      const rateContributions = rateContributionsOf(change, snapshot);
      return { writes, result: { applied: fresh.length, duplicates, alerts: newAlerts, rateContributions }, beforeCommit };
    },
    deps.io,
    { messageId },
  );
}

/**
 * A recipient counts as sent when it first reaches a final status, and as hard-bounced when its
 * hardBounce flag first turns on: each happens once per (message, recipient), whatever the order.
 */
function rateContributionsOf(change: MessageChange, snapshot: MessageSnapshot): RateContribution[] {
  const senderDomain = change.message.senderDomain ?? '(unknown)';
  const out: RateContribution[] = [];
  for (const r of change.changedRecipients) {
    const before = snapshot.recipients.get(r.address);
    if (!isFinalStatus(before?.status ?? null) && isFinalStatus(r.status) && r.statusTime !== null) {
      out.push({ senderDomain, hour: hourOf(r.statusTime), kind: 'send', messageId: r.messageId, recipient: r.address });
    }
    if (r.hardBounce && !(before?.hardBounce ?? false) && r.hardBounceTime !== null) {
      out.push({ senderDomain, hour: hourOf(r.hardBounceTime), kind: 'bounce', messageId: r.messageId, recipient: r.address });
    }
  }
  return out;
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
