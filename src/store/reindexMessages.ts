import type { TableClient } from '@azure/data-tables';
import { serializeDigest, updateDigest } from '../state/recipientDigest.js';
import type { MessageState } from '../state/messageState.js';
import { longTextProperties } from './entityFields.js';
import { projectMessages } from './indexCommit.js';
import { getMessage, listMessages } from './messageQueries.js';
import { MESSAGE_ROW_KEY, fromMessageRow, fromRecipientRow, messagePartitionKey, recipientRowKey } from './messageRows.js';
import { commitPartition, type StorageIo } from './partitionCommit.js';

/**
 * `reindex`: brings the index table up to every message in the ledger. A message row written before
 * digests existed gets its digest rebuilt from its recipient rows first (a conditional write of the
 * message row, read together with those rows). Everything else is the pipeline's own projection step,
 * so running it on an up-to-date ledger reads and writes nothing but the scan and the pointers.
 */
export interface ReindexReport {
  readonly messages: number;
  /** Message rows whose digest was rebuilt from their recipient rows. */
  readonly digestsRebuilt: number;
  /** Messages whose index rows changed. */
  readonly projected: number;
  /** Messages that changed while being rebuilt (a concurrent writer): run again. */
  readonly changedDuringRebuild: number;
}

const BATCH = 500;

export async function reindexMessages(messages: TableClient, index: TableClient, io: StorageIo): Promise<ReindexReport> {
  let total = 0;
  let digestsRebuilt = 0;
  let projected = 0;
  let changedDuringRebuild = 0;
  let pending: MessageState[] = [];
  const flush = async () => {
    projected += (await projectMessages(index, pending, io)).projected;
    pending = [];
  };
  for await (const state of listMessages(messages, io)) {
    total += 1;
    if (state.digestComplete) {
      pending.push(state);
    } else {
      const rebuilt = await rebuildDigest(messages, state.messageId, io);
      if (rebuilt === null) changedDuringRebuild += 1;
      else {
        digestsRebuilt += 1;
        pending.push(rebuilt);
      }
    }
    if (pending.length >= BATCH) await flush();
  }
  await flush();
  return { messages: total, digestsRebuilt, projected, changedDuringRebuild };
}

/** The message with its digest built from its recipient rows, written back; null if its recipients changed meanwhile. */
async function rebuildDigest(messages: TableClient, messageId: string, io: StorageIo): Promise<MessageState | null> {
  const view = await getMessage(messages, messageId, io);
  if (view === null || view.message === null) return null;
  const addresses = view.recipients.map((r) => r.address);
  const partitionKey = messagePartitionKey(messageId);
  return commitPartition<MessageState | null>(
    messages,
    partitionKey,
    [MESSAGE_ROW_KEY, ...addresses.map(recipientRowKey)],
    (rows) => {
      const row = rows.get(MESSAGE_ROW_KEY);
      if (row === undefined) return { writes: [], result: null, allApplied: true };
      const state = fromMessageRow(row.properties);
      if (state.digestComplete) return { writes: [], result: state, allApplied: true };
      const recipients = addresses.flatMap((address) => {
        const recipientRow = rows.get(recipientRowKey(address));
        return recipientRow === undefined ? [] : [fromRecipientRow(recipientRow.properties)];
      });
      // A recipient added since the scan would be missing from the digest: leave it for the next run.
      if (recipients.length !== state.recipientCount) return { writes: [], result: null, allApplied: true };
      const recipientDigest = updateDigest([], recipients);
      // Rows from before these fields: the earliest time still known stands in for the earliest record's.
      const earliest = (times: readonly (string | null)[]) => times.filter((t): t is string => t !== null).sort()[0] ?? null;
      const firstStatusTime = state.firstStatusTime ?? earliest([state.messageStatusTime, ...recipients.map((r) => r.statusTime)]);
      const firstRecordTime = state.firstRecordTime ?? earliest([firstStatusTime, state.sendTime, ...recipients.flatMap((r) => [r.firstViewTime, r.firstClickTime, r.lastEngagementTime])]);
      // Every stored property but the service's own (odata.*) and the last commit's id.
      const kept = Object.fromEntries(
        Object.entries(row.properties).filter((entry): entry is [string, string | number | boolean] => !entry[0].startsWith('odata.') && entry[0] !== 'commitId' && ['string', 'number', 'boolean'].includes(typeof entry[1])),
      );
      const properties = {
        ...kept,
        ...longTextProperties('recipientDigest', serializeDigest(recipientDigest)),
        digestComplete: true,
        ...(firstStatusTime === null ? {} : { firstStatusTime }),
        ...(firstRecordTime === null ? {} : { firstRecordTime }),
      };
      return { writes: [{ rowKey: MESSAGE_ROW_KEY, properties }], result: { ...state, recipientDigest, digestComplete: true, firstStatusTime, firstRecordTime } };
    },
    io,
    { messageId },
  );
}
