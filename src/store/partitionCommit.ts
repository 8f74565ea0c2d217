import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorContext } from '../errors.js';
import { LedgerError } from '../errors.js';
import { isTransientStorageError, statusCodeOf, withStorageRetry, type StorageMeter, type StorageRetryPolicy } from './storageRetry.js';

/**
 * Optimistic, atomic read-modify-write of some rows of one partition.
 *
 * Several function instances (one per Event Hub partition) can touch the same message at once. Each
 * commit reads the rows it needs, lets a pure planner compute the new rows, and writes them in one
 * entity-group transaction where every row is conditional on what was read: an existing row is replaced
 * only if its ETag is unchanged, a new row is created only if still absent. If anyone else wrote in
 * between, the whole transaction fails (412 or 409), nothing is half-applied, and we read and plan again.
 */

export type EntityValue = string | number | boolean | null;
export type RowProperties = Readonly<Record<string, EntityValue>>;

export interface StoredRow {
  readonly rowKey: string;
  readonly etag: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface RowWrite {
  readonly rowKey: string;
  readonly properties: RowProperties;
}

export interface CommitPlan<T> {
  readonly writes: readonly RowWrite[];
  readonly result: T;
  /**
   * Runs after planning and before the transaction is sent, on every attempt. Used to write the
   * alert index ahead of the outbox row (write-ahead), so a crash after the commit cannot hide an alert.
   */
  readonly beforeCommit?: () => Promise<void>;
}

export interface StorageIo {
  readonly policy: StorageRetryPolicy;
  readonly meter: StorageMeter;
}

/** Azure allows 100 operations per entity-group transaction. */
export const MAX_TRANSACTION_ROWS = 100;
/** Row keys per point-read query, at most. */
const KEYS_PER_QUERY = 40;
/**
 * And at most this many bytes of $filter once percent-encoded: servers refuse longer URLs (Azurite
 * answers 431 above 16 KB, Azure 414 or 400), and twenty 250-byte internationalised addresses already
 * need 17 KB. Estimated as 3 bytes per UTF-8 byte (every byte percent-encoded), which never undercounts.
 */
export const MAX_FILTER_BYTES = 8_192;
const encodedBytes = (text: string): number => 3 * Buffer.byteLength(text, 'utf8');

/** Splits row keys into point-read groups that each fit KEYS_PER_QUERY and MAX_FILTER_BYTES. */
export function pointReadGroups(partitionKey: string, rowKeys: readonly string[]): string[][] {
  const budget = MAX_FILTER_BYTES - encodedBytes(`PartitionKey eq '${partitionKey}' and ()`);
  const groups: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const key of new Set(rowKeys)) {
    const cost = encodedBytes(` or RowKey eq '${key.replaceAll("'", "''")}'`);
    if (current.length > 0 && (current.length >= KEYS_PER_QUERY || used + cost > budget)) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(key);
    used += cost;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
const MAX_CONFLICT_ATTEMPTS = 25;

export async function commitPartition<T>(
  table: TableClient,
  partitionKey: string,
  rowKeys: readonly string[],
  plan: (rows: ReadonlyMap<string, StoredRow>) => CommitPlan<T>,
  io: StorageIo,
  context: ErrorContext,
): Promise<T> {
  // Set when a transaction may have landed although we saw an error (a timeout or reset after the
  // server committed): the next read tells, by our commit id on the rows, whether it did.
  let unconfirmed: { commitId: string; result: T } | undefined;
  for (let attempt = 1; ; attempt += 1) {
    const rows = await readRows(table, partitionKey, rowKeys, io, context);
    if (unconfirmed !== undefined && [...rows.values()].some((row) => row.properties[COMMIT_ID] === unconfirmed?.commitId)) {
      return unconfirmed.result;
    }
    unconfirmed = undefined;
    const { writes, result, beforeCommit } = plan(rows);
    if (writes.length === 0) return result;
    const commitId = randomUUID();
    if (writes.length > MAX_TRANSACTION_ROWS) {
      throw new LedgerError('storage_rejected', `a commit of ${writes.length} rows exceeds the ${MAX_TRANSACTION_ROWS}-row transaction limit`, {
        context: { ...context, partitionKey },
      });
    }
    const actions: TransactionAction[] = writes.map((write) => {
      const entity = { partitionKey, rowKey: write.rowKey, ...fitForTable(write.properties), [COMMIT_ID]: commitId };
      const existing = rows.get(write.rowKey);
      return existing === undefined ? ['create', entity] : ['update', entity, 'Replace', { etag: existing.etag }];
    });
    await beforeCommit?.();
    try {
      await withStorageRetry(
        'commit transaction',
        async (abortSignal) => {
          try {
            return await table.submitTransaction(actions, { abortSignal });
          } catch (error) {
            if (isTransientStorageError(error)) unconfirmed = { commitId, result };
            throw error;
          }
        },
        { ...io, context: { ...context, partitionKey } },
      );
      return result;
    } catch (error) {
      if (!isConflict(error)) throw error;
      io.meter.conflicts += 1;
      if (attempt >= MAX_CONFLICT_ATTEMPTS) {
        throw new LedgerError('storage_conflict', `partition stayed contended after ${attempt} attempts`, {
          retryable: true,
          context: { ...context, partitionKey },
          cause: error,
        });
      }
      await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt));
    }
  }
}

/** Reads the given rows of one partition (absent rows are simply not in the map). */
export async function readRows(
  table: TableClient,
  partitionKey: string,
  rowKeys: readonly string[],
  io: StorageIo,
  context: ErrorContext,
): Promise<Map<string, StoredRow>> {
  const groups = pointReadGroups(partitionKey, rowKeys);
  const results = await Promise.all(
    groups.map((keys) =>
      withStorageRetry(
        'read rows',
        async (abortSignal) => {
          const rowFilter = keys.map((key) => odata`RowKey eq ${key}`).join(' or ');
          const filter = `${odata`PartitionKey eq ${partitionKey}`} and (${rowFilter})`;
          const found: StoredRow[] = [];
          try {
            for await (const entity of table.listEntities({ queryOptions: { filter }, abortSignal })) found.push(toStoredRow(entity));
          } catch (error) {
            throw urlTooLong(error, filter, { ...context, partitionKey }) ?? error;
          }
          return found;
        },
        { ...io, context: { ...context, partitionKey } },
      ),
    ),
  );
  return new Map(results.flat().map((row) => [row.rowKey, row]));
}

/** Reads every row of a partition whose RowKey starts with `prefix`. */
export async function readRowsWithPrefix(
  table: TableClient,
  partitionKey: string,
  prefix: string,
  io: StorageIo,
  context: ErrorContext,
): Promise<StoredRow[]> {
  return withStorageRetry(
    'read partition',
    async (abortSignal) => {
      const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${prefix} and RowKey lt ${prefix + '\uffff'}`;
      const found: StoredRow[] = [];
      for await (const entity of table.listEntities({ queryOptions: { filter }, abortSignal })) found.push(toStoredRow(entity));
      return found;
    },
    { ...io, context: { ...context, partitionKey } },
  );
}

/** A 414/431 (URL or headers too long) said plainly, as a refusal that isolating the records can get round. */
function urlTooLong(error: unknown, filter: string, context: ErrorContext): LedgerError | undefined {
  const status = statusCodeOf(error);
  if (status !== 414 && status !== 431) return undefined;
  return new LedgerError('storage_rejected', `storage refused a point read as too long (HTTP ${status}, $filter of ${Buffer.byteLength(filter)} bytes)`, {
    context,
    cause: error,
  });
}

function toStoredRow(entity: TableEntityResult<Record<string, unknown>>): StoredRow {
  const { partitionKey: _pk, rowKey, etag, timestamp: _ts, ...properties } = entity;
  return { rowKey: rowKey ?? '', etag, properties };
}

/** Property carrying the id of the commit that last wrote a row. */
export const COMMIT_ID = 'commitId';

/**
 * Azure limits a string property to 64 KiB (32 K UTF-16 units). Fields that can grow (free text from a
 * mail server, URLs) are bounded where they are built; this is the last line, so that no record can
 * make a whole batch fail with PropertyValueTooLarge. Nulls are dropped (Table Storage has none).
 */
export const MAX_STRING_UNITS = 30_000;

/** Cuts to at most `max` UTF-16 units including the ellipsis, never between the halves of a surrogate pair. */
export function cutText(value: string, max: number): string {
  let end = max - 1;
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

export function fitForTable(properties: RowProperties): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value === null) continue;
    out[key] = typeof value === 'string' && value.length > MAX_STRING_UNITS ? cutText(value, MAX_STRING_UNITS) : value;
  }
  return out;
}

function isConflict(error: unknown): boolean {
  const status = statusCodeOf(error);
  if (status === 409 || status === 412) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'EntityAlreadyExists' || code === 'UpdateConditionNotSatisfied';
}
