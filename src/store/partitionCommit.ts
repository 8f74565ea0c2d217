import { odata, type TableClient, type TableEntityResult, type TableTransactionEntityResponse, type TransactionAction } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorContext } from '../errors.js';
import { LedgerError } from '../errors.js';
import type { RowCache } from './rowCache.js';
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
  /**
   * Default: conditional on what was read (replace on its ETag, or create if absent). The blind modes
   * write or remove a row unconditionally (a transaction cannot make a delete conditional), so they are
   * only for rows that a conditional row of the same transaction vouches for: the index pointer names
   * exactly the index rows of its message (indexCommit.ts).
   */
  readonly mode?: 'blindUpsert' | 'blindDelete';
}

export interface CommitPlan<T> {
  readonly writes: readonly RowWrite[];
  readonly result: T;
  /**
   * Runs after planning and before the transaction is sent, on every attempt. Used to write the
   * alert index ahead of the outbox row (write-ahead), so a crash after the commit cannot hide an alert.
   */
  readonly beforeCommit?: () => Promise<void>;
  /**
   * Set by a plan that writes nothing because every record it was given is already applied. Applied
   * records never become unapplied, so that answer holds even when planned on remembered rows.
   */
  readonly allApplied?: boolean;
}

export interface StorageIo {
  readonly policy: StorageRetryPolicy;
  readonly meter: StorageMeter;
  /** What this process remembers of rows, to plan commits without reading them first; omitted = read. */
  readonly rowCache?: RowCache;
}

/** Azure allows 100 operations per entity-group transaction. */
export const MAX_TRANSACTION_ROWS = 100;
const MAX_CONFLICT_ATTEMPTS = 25;

export async function commitPartition<T>(
  table: TableClient,
  partitionKey: string,
  rowKeys: readonly string[],
  plan: (rows: ReadonlyMap<string, StoredRow>) => CommitPlan<T>,
  io: StorageIo,
  context: ErrorContext,
  followUpKeys?: (rows: ReadonlyMap<string, StoredRow>) => readonly string[],
): Promise<T> {
  const cache = io.rowCache?.enabled === true ? io.rowCache : undefined;
  const tableName = table.tableName;
  // The first attempt may be planned on what this process last saw of the rows (rowCache.ts), which
  // saves the reads; any refusal or doubt plans again on what storage holds.
  let fromMemory = cache !== undefined;
  // Set when a transaction may have landed although we saw an error (a timeout or reset after the
  // server committed): the next read tells, by our commit id on the rows, whether it did.
  let unconfirmed: { commitId: string; result: T } | undefined;
  for (let attempt = 1; ; ) {
    const rows = cache !== undefined && fromMemory ? remembered(cache, tableName, partitionKey, rowKeys) : await readRows(table, partitionKey, rowKeys, io, context);
    // Rows whose keys only the first read can tell (de-duplication overflow rows): a second round, rare,
    // and always from storage.
    const more = followUpKeys?.(rows).filter((key) => !rows.has(key)) ?? [];
    if (more.length > 0) for (const [key, row] of await readRows(table, partitionKey, more, io, context)) rows.set(key, row);
    if (cache !== undefined && !fromMemory) rememberRead(cache, tableName, partitionKey, [...rowKeys, ...more], rows);
    if (unconfirmed !== undefined && [...rows.values()].some((row) => row.properties[COMMIT_ID] === unconfirmed?.commitId)) {
      return unconfirmed.result;
    }
    unconfirmed = undefined;
    const { writes, result, beforeCommit, allApplied } = plan(rows);
    // A plan made from memory is trusted where the transaction itself checks it (every write is
    // conditional), or where it cannot be outdated (all applied). A plan that writes nothing for another
    // reason is made again on what storage holds. Its write-ahead (alert intents) may run on an outdated
    // plan: that is the lost race every concurrent writer can have, and an intent whose outbox row is
    // never committed is never sent (alertOutbox.ts).
    if (fromMemory && writes.length === 0 && allApplied !== true) {
      fromMemory = false;
      continue;
    }
    if (writes.length === 0) return result;
    const commitId = randomUUID();
    if (writes.length > MAX_TRANSACTION_ROWS) {
      throw new LedgerError('storage_rejected', `a commit of ${writes.length} rows exceeds the ${MAX_TRANSACTION_ROWS}-row transaction limit`, {
        context: { ...context, partitionKey },
      });
    }
    const entities = writes.map((write) => ({ partitionKey, rowKey: write.rowKey, ...fitForTable(write.properties), [COMMIT_ID]: commitId }));
    const actions: TransactionAction[] = entities.map((entity, index) => {
      const existing = rows.get(entity.rowKey);
      const mode = writes[index]?.mode;
      if (mode === 'blindDelete') return ['delete', { partitionKey, rowKey: entity.rowKey }];
      if (mode === 'blindUpsert') return ['upsert', entity, 'Replace'];
      return existing === undefined ? ['create', entity] : ['update', entity, 'Replace', { etag: existing.etag }];
    });
    await beforeCommit?.();
    try {
      const response = await withStorageRetry(
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
      if (cache !== undefined) {
        rememberWrites(cache, tableName, entities, response.subResponses);
        // Blind rows are never read back by a commit (their pointer vouches for them): no room spent on them.
        for (const write of writes) if (write.mode !== undefined) cache.forget(tableName, partitionKey, write.rowKey);
      }
      return result;
    } catch (error) {
      if (cache !== undefined) for (const key of [...rowKeys, ...more, ...writes.map((w) => w.rowKey)]) cache.forget(tableName, partitionKey, key);
      if (!isConflict(error)) throw error;
      if (fromMemory) {
        // Not contention: what this process remembered was older than storage. Read and plan again now.
        io.meter.optimisticMisses += 1;
        fromMemory = false;
        continue;
      }
      fromMemory = false;
      io.meter.conflicts += 1;
      if (attempt >= MAX_CONFLICT_ATTEMPTS) {
        throw new LedgerError('storage_conflict', `partition stayed contended after ${attempt} attempts`, {
          retryable: true,
          context: { ...context, partitionKey },
          cause: error,
        });
      }
      attempt += 1;
      await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt));
    }
  }
}

/** The rows as this process last saw them; a row it has no memory of is taken as absent. */
function remembered(cache: RowCache, tableName: string, partitionKey: string, rowKeys: readonly string[]): Map<string, StoredRow> {
  const rows = new Map<string, StoredRow>();
  for (const rowKey of rowKeys) {
    const row = cache.get(tableName, partitionKey, rowKey);
    if (row !== undefined) rows.set(rowKey, { rowKey, etag: row.etag, properties: row.properties });
  }
  return rows;
}

function rememberRead(cache: RowCache, tableName: string, partitionKey: string, rowKeys: readonly string[], rows: ReadonlyMap<string, StoredRow>): void {
  for (const rowKey of rowKeys) {
    const row = rows.get(rowKey);
    if (row === undefined) cache.forget(tableName, partitionKey, rowKey);
    else cache.set(tableName, partitionKey, rowKey, { etag: row.etag, properties: row.properties });
  }
}

/**
 * Each written row as storage now holds it, under the ETag of its sub-response. Sub-responses come in
 * the order of the operations (OData batch); their row keys are not used, since a service may return
 * them percent-encoded from the Location header. Any doubt forgets the rows instead.
 */
function rememberWrites(
  cache: RowCache,
  tableName: string,
  entities: readonly (Record<string, unknown> & { partitionKey: string; rowKey: string })[],
  subResponses: readonly TableTransactionEntityResponse[],
): void {
  const inOrder = subResponses.length === entities.length;
  for (const [index, { partitionKey, rowKey, ...properties }] of entities.entries()) {
    const sub = inOrder ? subResponses[index] : undefined;
    if (sub?.etag === undefined || sub.status < 200 || sub.status >= 300) cache.forget(tableName, partitionKey, rowKey);
    else cache.set(tableName, partitionKey, rowKey, { etag: sub.etag, properties });
  }
}

/** A commit reads a few dozen rows; a caller naming hundreds (alert deliveries) must not open hundreds of sockets. */
const POINT_READS_IN_FLIGHT = 64;

/**
 * Reads the given rows of one partition (absent rows are simply not in the map): one point read
 * (`getEntity`, a Point Query on Azure: one billed transaction, constant time on Azure and Azurite at
 * any table size) per key, up to POINT_READS_IN_FLIGHT of them in flight together. A 404 means absent.
 */
export async function readRows(
  table: TableClient,
  partitionKey: string,
  rowKeys: readonly string[],
  io: StorageIo,
  context: ErrorContext,
): Promise<Map<string, StoredRow>> {
  const limit = pLimit(POINT_READS_IN_FLIGHT);
  const readOne = (rowKey: string) =>
    withStorageRetry(
      'read row',
      async (abortSignal) => {
        try {
          return toStoredRow(await table.getEntity<Record<string, unknown>>(partitionKey, rowKey, { abortSignal }));
        } catch (error) {
          if (statusCodeOf(error) === 404) return undefined;
          throw urlTooLong(error, rowKey, { ...context, partitionKey }) ?? error;
        }
      },
      { ...io, context: { ...context, partitionKey } },
    );
  const results = await Promise.all([...new Set(rowKeys)].map((rowKey) => limit(() => readOne(rowKey))));
  return new Map(results.flatMap((row) => (row === undefined ? [] : [[row.rowKey, row] as const])));
}

/**
 * Reads every row of a partition whose RowKey starts with `prefix`: a range query within one partition
 * (on Azure a Range Query, billed per page of up to 1,000 entities; Azurite evaluates it by scanning the
 * table, so its cost grows with the table). Used only on rare paths (retracting a bounce, listing a
 * partition for a report), never on every commit.
 */
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

/**
 * A 414/431 (URL or headers too long) said plainly, as a refusal that isolating the records can get
 * round. A point read names one key of at most 1 KiB (tableKeys.ts), so its URL stays near 3 KB even
 * fully percent-encoded: this is the last line, should a server's limit be lower than documented.
 */
function urlTooLong(error: unknown, rowKey: string, context: ErrorContext): LedgerError | undefined {
  const status = statusCodeOf(error);
  if (status !== 414 && status !== 431) return undefined;
  return new LedgerError('storage_rejected', `storage refused a point read as too long (HTTP ${status}, row key of ${Buffer.byteLength(rowKey)} bytes)`, {
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
  // A row the plan read was deleted since (a zero sum another writer removed): plan again, like a 412.
  if (status === 404 && code === 'ResourceNotFound') return true;
  return code === 'EntityAlreadyExists' || code === 'UpdateConditionNotSatisfied';
}
