import type { TableClient } from '@azure/data-tables';
import { pointerRowKey, shardOf, shardPartitionKey } from '../indexes/indexKeys.js';
import { contributionsOf, projectMessage } from '../indexes/messageProjection.js';
import { countsOfRow } from '../indexes/indexRows.js';
import { followUpKeysOf, planProjection, type ProjectionCandidate, type ProjectionPlan } from '../indexes/planProjection.js';
import { isZero } from '../indexes/sumCounts.js';
import type { MessageState } from '../state/messageState.js';
import { commitPartition, type StorageIo } from './partitionCommit.js';
import { statusCodeOf, withStorageRetry } from './storageRetry.js';

/**
 * Brings the index table up to the given message states (src/indexes/): per shard partition, one read
 * of the pointers and sums involved (mostly remembered, rowCache.ts) and one transaction per up to
 * WINDOW messages or 100 rows, whichever is reached first. Shards run in parallel; the transactions of
 * one shard run in turn, since they share its sum rows.
 *
 * Idempotent and order-free: a pointer at this version or newer makes a message a no-op, so a replay,
 * a duplicate, a stale state or a concurrent consumer changes nothing twice.
 */
const WINDOW = 60;

export interface IndexReport {
  /** Messages whose index rows this call changed. */
  readonly projected: number;
  /** Messages left out: no record time yet, or a row from before digests (needs `reindex`). */
  readonly notIndexable: number;
}

export async function projectMessages(index: TableClient, states: readonly MessageState[], io: StorageIo): Promise<IndexReport> {
  const latest = new Map<string, MessageState>();
  for (const state of states) {
    const seen = latest.get(state.messageId);
    if (seen === undefined || seen.appliedRecords < state.appliedRecords) latest.set(state.messageId, state);
  }
  const byShard = new Map<number, ProjectionCandidate[]>();
  let notIndexable = 0;
  for (const state of [...latest.values()].sort((a, b) => (a.messageId < b.messageId ? -1 : 1))) {
    const projection = projectMessage(state);
    if (projection === null) {
      notIndexable += 1;
      continue;
    }
    const shard = shardOf(state.messageId);
    const candidates = byShard.get(shard) ?? [];
    candidates.push({ projection, version: state.appliedRecords });
    byShard.set(shard, candidates);
  }
  const projected = await Promise.all([...byShard].map(([shard, candidates]) => projectShard(index, shardPartitionKey(shard), candidates, io)));
  return { projected: projected.reduce((a, b) => a + b, 0), notIndexable };
}

async function projectShard(index: TableClient, partitionKey: string, candidates: readonly ProjectionCandidate[], io: StorageIo): Promise<number> {
  let queue = candidates;
  let projected = 0;
  while (queue.length > 0) {
    const window = queue.slice(0, WINDOW);
    const rowKeys = [...new Set(window.flatMap((c) => [pointerRowKey(c.projection.messageId), ...contributionsOf(c.projection).keys()]))];
    const plan: ProjectionPlan = await commitPartition(
      index,
      partitionKey,
      rowKeys,
      (rows) => {
        const planned = planProjection(window, rows);
        // Nothing to write means every pointer is at this version or newer, and pointers only grow:
        // true of remembered rows as much as of storage.
        return { writes: planned.writes, result: planned, allApplied: true };
      },
      io,
      { shard: partitionKey },
      (rows) => [...new Set(window.flatMap((c) => followUpKeysOf(rows.get(pointerRowKey(c.projection.messageId)))))],
    );
    projected += plan.projected;
    if (plan.zeroSums.length > 0) await removeZeroSums(index, partitionKey, plan.zeroSums, io);
    // A message moved in steps is done only when its pointer has nothing left; it stays first meanwhile.
    queue = queue.slice(plan.done);
  }
  return projected;
}

/**
 * A sum that went back to zero (a message moved to another hour, or its sender became known) is
 * removed, on the ETag it has, so that equal ledgers hold equal rows. A transaction cannot delete
 * conditionally, hence this separate step; should it not run (a crash), the zero row stays and reads as
 * absent everywhere (queries and `stats --verify` skip rows of zeros).
 */
async function removeZeroSums(index: TableClient, partitionKey: string, rowKeys: readonly string[], io: StorageIo): Promise<void> {
  for (const rowKey of rowKeys) {
    const context = { shard: partitionKey, rowKey };
    await withStorageRetry(
      'remove zero sum',
      async (abortSignal) => {
        try {
          const row = await index.getEntity<Record<string, unknown>>(partitionKey, rowKey, { abortSignal });
          if (!isZero(countsOfRow(row))) return;
          await index.deleteEntity(partitionKey, rowKey, { etag: row.etag, abortSignal });
        } catch (error) {
          // Gone already, or changed since: someone else owns it now.
          if (statusCodeOf(error) === 404 || statusCodeOf(error) === 412) return;
          throw error;
        }
      },
      { ...io, context },
    );
    io.rowCache?.forget(index.tableName, partitionKey, rowKey);
  }
}
