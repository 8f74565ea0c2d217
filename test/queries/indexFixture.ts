import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import { inject } from 'vitest';
import { pointerRowKey, shardOf, shardPartitionKey } from '../../src/indexes/indexKeys.js';
import { toSumRow, type SumEntry } from '../../src/indexes/indexRows.js';
import { contributionsOf, indexRowsOf, POINTER_FORMAT, projectMessage, toPointerRow, type MessageProjection } from '../../src/indexes/messageProjection.js';
import { addCounts, ZERO_COUNTS } from '../../src/indexes/sumCounts.js';
import type { RecipientDigest } from '../../src/state/recipientDigest.js';
import { listMessages } from '../../src/store/messageQueries.js';
import type { RowProperties } from '../../src/store/partitionCommit.js';
import { DEFAULT_STORAGE_RETRY, StorageMeter, type StorageCallIo } from '../../src/store/storageRetry.js';

/**
 * Index rows written by the tests themselves, with the pure projection the write path uses
 * (src/indexes/messageProjection.ts): reads can be tested against exactly the rows the pipeline writes.
 */
export async function openIndexTable(name = `t${randomBytes(6).toString('hex')}Index`): Promise<TableClient> {
  const table = TableClient.fromConnectionString(inject('azuriteConnectionString'), name, { allowInsecureConnection: true });
  await table.createTable();
  return table;
}

export const testIo = (): StorageCallIo => ({ policy: { ...DEFAULT_STORAGE_RETRY, maxAttempts: 3 }, meter: new StorageMeter() });

export function recipient(address: string, fields: Partial<Omit<RecipientDigest, 'address'>> = {}): RecipientDigest {
  return { address, status: 'Delivered', statusTime: null, smtpStatusCode: null, enhancedSmtpStatusCode: null, failureReason: null, hardBounce: false, views: 0, clicks: 0, clickedUrls: [], ...fields };
}

export function projection(messageId: string, time: string, senderDomain: string | null, recipients: readonly RecipientDigest[]): MessageProjection {
  const sorted = [...recipients].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { messageId, time, timeSource: 'send', senderDomain, senderUsername: 'noreply', recipients: sorted };
}

/** Writes every message's pointer, time and recipient rows, and the summed contributions. */
export async function writeIndex(index: TableClient, messages: readonly { projection: MessageProjection; version?: number }[]): Promise<void> {
  const rows = new Map<string, { partitionKey: string; rowKey: string; properties: RowProperties }>();
  const sums = new Map<string, { partitionKey: string; rowKey: string; entry: SumEntry }>();
  for (const { projection: p, version } of messages) {
    const partitionKey = shardPartitionKey(shardOf(p.messageId));
    const put = (rowKey: string, properties: RowProperties) => rows.set(`${partitionKey}|${rowKey}`, { partitionKey, rowKey, properties });
    put(pointerRowKey(p.messageId), toPointerRow({ version: version ?? 1, projection: p, format: POINTER_FORMAT }));
    for (const [rowKey, properties] of indexRowsOf(p)) put(rowKey, properties);
    for (const [rowKey, entry] of contributionsOf(p)) {
      const key = `${partitionKey}|${rowKey}`;
      const current = sums.get(key)?.entry.counts ?? ZERO_COUNTS;
      sums.set(key, { partitionKey, rowKey, entry: { ...entry, counts: addCounts(current, entry.counts) } });
    }
  }
  for (const { partitionKey, rowKey, entry } of sums.values()) rows.set(`${partitionKey}|${rowKey}`, { partitionKey, rowKey, properties: toSumRow(entry) });
  const limit = pLimit(16);
  await Promise.all(
    [...rows.values()].map(({ partitionKey, rowKey, properties }) =>
      limit(() => index.upsertEntity({ partitionKey, rowKey, ...withoutNulls(properties) }, 'Replace')),
    ),
  );
}

/** The index the write path would build from the message rows as they are (their own digests). */
export async function indexFromMessageRows(messages: TableClient, index: TableClient): Promise<number> {
  const projected: { projection: MessageProjection; version: number }[] = [];
  for await (const state of listMessages(messages)) {
    const p = projectMessage(state);
    if (p !== null) projected.push({ projection: p, version: state.appliedRecords });
  }
  await writeIndex(index, projected);
  return projected.length;
}

function withoutNulls(properties: RowProperties): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(properties)) if (value !== null) out[name] = value;
  return out;
}
