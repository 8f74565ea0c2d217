import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { hasLoneSurrogate } from '../ingest/jsonText.js';
import type { MessageState, RecipientState } from '../state/messageState.js';
import { emptyTimeline, timelineEntries, timelineTruncated, type Timeline, type TimelineEntry } from '../state/timeline.js';
import { defaultStorageIo, listEntitiesWithRetry, type StorageCallIo } from './storageRetry.js';
import { MESSAGE_ROW_KEY, RECIPIENT_ROW_PREFIX, fromMessageRow, fromRecipientRow, messagePartitionKey } from './messageRows.js';

/** Read side of the messages table, for the CLI and the HTTP functions. */
export interface MessageView {
  readonly message: MessageState | null;
  readonly recipients: readonly RecipientState[];
}

/** A message id as the ledger keys it: trimmed, and a GUID lower-cased (ACS writes them so; people paste them in any case). */
export const canonicalMessageId = (messageId: string): string => (/^[0-9a-f-]{36}$/i.test(messageId.trim()) ? messageId.trim().toLowerCase() : messageId.trim());

/** The message and its recipients, or null when the ledger has never seen the id. */
export async function getMessage(table: TableClient, messageId: string, io: StorageCallIo = defaultStorageIo()): Promise<MessageView | null> {
  const id = canonicalMessageId(messageId);
  // No $filter can name a lone surrogate (encodeURIComponent throws), and no stored message has one.
  if (hasLoneSurrogate(id)) return null;
  const partitionKey = messagePartitionKey(id);
  let message: MessageState | null = null;
  const recipients: RecipientState[] = [];
  const filter = odata`PartitionKey eq ${partitionKey} and (RowKey eq ${MESSAGE_ROW_KEY} or (RowKey ge ${RECIPIENT_ROW_PREFIX} and RowKey lt ${'r}'}))`;
  for await (const entity of listEntitiesWithRetry(table, 'read message', { filter }, io)) {
    if (entity.rowKey === MESSAGE_ROW_KEY) message = fromMessageRow(entity);
    else recipients.push(fromRecipientRow(entity));
  }
  if (message === null && recipients.length === 0) return null;
  recipients.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { message, recipients };
}

/** Every message row (the whole table is scanned server-side for RowKey "message"). */
export async function* listMessages(table: TableClient, io: StorageCallIo = defaultStorageIo()): AsyncGenerator<MessageState> {
  const filter = odata`RowKey eq ${MESSAGE_ROW_KEY}`;
  for await (const entity of listEntitiesWithRetry(table, 'list messages', { filter }, io)) yield fromMessageRow(entity);
}

/** A timeline entry as documents show it: the fingerprint is the ledger's bookkeeping, not part of the answer. */
export type TimelineItem = Omit<TimelineEntry, 'fingerprint'>;

function withoutFingerprint<T extends { readonly fingerprint: string }>(detail: T | null): Omit<T, 'fingerprint'> | null {
  if (detail === null) return null;
  const { fingerprint: _f, ...rest } = detail;
  return rest;
}

function timelineItems(timeline: Timeline): TimelineItem[] {
  return timelineEntries(timeline).map(({ fingerprint: _f, ...item }) => item);
}

/** The public JSON shape of a message (CLI --json and the HTTP API): recipients only in `recipients`. */
export function messageDocument(view: MessageView & { readonly messageId: string }): Record<string, unknown> {
  const messageTimeline = view.message?.timeline ?? emptyTimeline();
  return {
    messageId: view.messageId,
    // The digest repeats the recipients below, for the indexes; the timeline is shown at the top level.
    message: view.message === null ? null : (({ recipientDigest: _d, timeline: _t, ...rest }) => rest)(view.message),
    recipients: view.recipients.map(({ messageId: _m, statusFingerprint: _s, lastEngagementFingerprint: _l, timeline, deliveries, ...rest }) => ({
      ...rest,
      deliveries: deliveries.map((d) => ({ status: d.status, logs: withoutFingerprint(d.logs), eventGrid: withoutFingerprint(d.eventGrid) })),
      timeline: timelineItems(timeline),
      timelineTruncated: timelineTruncated(timeline),
    })),
    timeline: timelineItems(messageTimeline),
    timelineTruncated: timelineTruncated(messageTimeline),
  };
}
