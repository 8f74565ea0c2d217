import type { TableClient } from '@azure/data-tables';
import type { HardBounceAlert } from '../alerts/alert.js';
import { buildHardBounceAlert } from '../alerts/hardBounceAlert.js';
import type { MessageEvent } from '../ingest/ledgerEvent.js';
import { mergeMessage, type MessageSnapshot } from '../state/mergeMessage.js';
import { nextRateVector, rateVectorFields, rateVectorOfFields, type MessageRateVector } from '../guardrail/messageRateVector.js';
import { foldAdd, foldContains, foldOf, foldProperties } from '../dedup/foldedSet.js';
import type { MessageState, RecipientState } from '../state/messageState.js';
import { toOutboxRow, writeAlertIntent } from '../store/alertOutbox.js';
import { retractBounceObservations } from '../store/bounceRegistry.js';
import type { BounceObservation } from '../state/bounceRecord.js';
import {
  MESSAGE_ROW_KEY,
  alertRowKey,
  appliedRowKey,
  dedupRowKey,
  fromMessageRow,
  fromRecipientRow,
  messagePartitionKey,
  recipientRowKey,
  toMessageRow,
  toRecipientRow,
} from '../store/messageRows.js';
import { commitPartition, type RowWrite, type StorageIo, type StoredRow } from '../store/partitionCommit.js';
import { commitIsolatingRejects, type Rejected } from './isolateRejected.js';

/**
 * Applies one message's new records: one round of point reads (the message row, the rows of the
 * recipients named, the outbox rows of bouncing ones) and one transaction per chunk of records (a batch
 * rarely has more than one chunk per message). Each record writes at most a recipient row, an outbox
 * row and an overflow row of the de-duplication memory, plus the message row once: 30 records stay
 * within the 100-row transaction limit.
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
  /**
   * The message as committed or, when every record was a duplicate, as stored (or remembered): what the
   * indexes are brought up to. Undefined when the ledger holds no message row for it.
   */
  readonly state: MessageState | undefined;
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
    state: results.reduce<MessageState | undefined>((a, r) => (a === undefined || (r.state?.appliedRecords ?? -1) > a.appliedRecords ? r.state : a), undefined),
    rejected,
  };
}

function commitChunk(messageId: string, chunk: readonly MessageEvent[], deps: MessageApplyDeps): Promise<Omit<MessageApplyResult, 'rejected'>> {
  const partitionKey = messagePartitionKey(messageId);
  const recipients = [...new Set(chunk.flatMap((e) => (e.kind === 'send' || e.recipient === null ? [] : [e.recipient])))];
  const bouncing = [...new Set(chunk.flatMap((e) => (e.kind === 'status' && e.isHardBounce && e.recipient !== null ? [e.recipient] : [])))];
  const rowKeys = [MESSAGE_ROW_KEY, ...recipients.map(recipientRowKey), ...bouncing.map(alertRowKey)];
  // Whether a record was applied: its row's folded fingerprints tell, or (rarely) its overflow row.
  const answer = (rows: ReadonlyMap<string, StoredRow>, e: MessageEvent) => foldContains(foldOf(rows.get(dedupRowKey(e))?.properties), e.fingerprint);
  const overflowKeys = (rows: ReadonlyMap<string, StoredRow>) => chunk.flatMap((e) => (answer(rows, e) === 'overflow' ? [appliedRowKey(e.fingerprint)] : []));

  return commitPartition<Omit<MessageApplyResult, 'rejected'>>(
    deps.messages,
    partitionKey,
    rowKeys,
    (rows) => {
      const seen = new Set<string>();
      const fresh = chunk.filter((e) => {
        const known = answer(rows, e);
        if (known === 'yes' || (known === 'overflow' && rows.has(appliedRowKey(e.fingerprint))) || seen.has(e.fingerprint)) return false;
        seen.add(e.fingerprint);
        return true;
      });
      const duplicates = chunk.length - fresh.length;
      const messageRow = rows.get(MESSAGE_ROW_KEY);
      const storedVector = messageRow === undefined ? undefined : rateVectorOfFields(messageId, messageRow.properties);
      const storedState = messageRow === undefined ? undefined : fromMessageRow(messageRow.properties);
      if (fresh.length === 0) return { writes: [], result: { applied: 0, duplicates, alerts: [], rateVector: storedVector, state: storedState }, allApplied: true };

      const snapshot: MessageSnapshot = {
        message: storedState,
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
      // The guardrail's input, in the message row: the same transaction as the state it is derived from.
      const rateVector = nextRateVector(storedVector, change.message, snapshot.recipients, change.changedRecipients);

      // Every fresh record changes its row (the merge returns each recipient a record names), so the
      // fingerprints fold into rows written anyway; the evicted ones get create-only overflow rows.
      const folded = new Map<string, ReturnType<typeof foldAdd>>();
      for (const rowKey of new Set(fresh.map(dedupRowKey))) {
        const added = fresh.filter((e) => dedupRowKey(e) === rowKey).map((e) => e.fingerprint);
        folded.set(rowKey, foldAdd(foldOf(rows.get(rowKey)?.properties), added));
      }
      const foldFields = (rowKey: string) => foldProperties(folded.get(rowKey)?.set ?? foldOf(rows.get(rowKey)?.properties));
      const writes: RowWrite[] = [
        {
          rowKey: MESSAGE_ROW_KEY,
          properties: { ...toMessageRow(change.message), ...foldFields(MESSAGE_ROW_KEY), ...(rateVector === undefined ? {} : rateVectorFields(rateVector)) },
        },
        ...change.changedRecipients.map((r) => ({ rowKey: recipientRowKey(r.address), properties: { ...toRecipientRow(r), ...foldFields(recipientRowKey(r.address)) } })),
        ...[...folded.values()].flatMap(({ evicted }) => evicted.map((fingerprint) => ({ rowKey: appliedRowKey(fingerprint), properties: { rowType: 'applied' } }))),
        ...newAlerts.map((a) => ({ rowKey: alertRowKey(a.recipient), properties: toOutboxRow(a, now) })),
      ];
      // Written ahead of the commit (idempotently): the alert's delivery row, so a crash after the
      // commit cannot hide the alert. The bounce registry is written ahead once per batch (processBatch).
      const beforeCommit =
        newAlerts.length === 0
          ? undefined
          : async () => {
              await Promise.all(
                newAlerts.map((a) => writeAlertIntent(deps.alerts, a, { table: 'messages', partitionKey, rowKey: alertRowKey(a.recipient) }, deps.io, now)),
              );
            };
      return { writes, result: { applied: fresh.length, duplicates, alerts: newAlerts, rateVector, state: change.message }, beforeCommit };
    },
    deps.io,
    { messageId },
    overflowKeys,
  );
}

/** The hard-bounce observations among records, for the bounce registry. */
export function bounceObservationsOf(events: readonly MessageEvent[]): BounceObservation[] {
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
