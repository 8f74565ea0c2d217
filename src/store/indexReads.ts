import { odata, type TableClient } from '@azure/data-tables';
import { ALL_SHARDS } from '../indexes/indexKeys.js';
import { readOnePage } from './keyOrderPages.js';
import type { StorageCallIo } from './storageRetry.js';

/**
 * Reads of the index table (src/indexes/): RowKey ranges inside the shard partitions, never a scan of
 * the table. Every shard orders its rows by the same keys, so a page is the merge of the four shards'
 * ranges; each page of a shard is one retried request.
 */

export interface IndexRow {
  readonly rowKey: string;
  readonly row: Readonly<Record<string, unknown>>;
}

export interface KeyRange {
  /** Inclusive lower bound. */
  readonly ge: string;
  /** Exclusive upper bound. */
  readonly lt: string;
}

interface RangeRead {
  readonly rows: IndexRow[];
  /** Storage said there are rows beyond these (it may say so wrongly once: the next read is then empty). */
  readonly more: boolean;
}

/** At most `top` rows of one partition with RowKey in the range (after `after`, when given), in RowKey order. */
async function readRange(index: TableClient, partitionKey: string, range: KeyRange, after: string | null, top: number, io: StorageCallIo): Promise<RangeRead> {
  const filter =
    after === null
      ? odata`PartitionKey eq ${partitionKey} and RowKey ge ${range.ge} and RowKey lt ${range.lt}`
      : odata`PartitionKey eq ${partitionKey} and RowKey gt ${after} and RowKey lt ${range.lt}`;
  const rows: IndexRow[] = [];
  let token: string | undefined;
  do {
    const from = token;
    const want = top - rows.length;
    const page = await readOnePage(index, 'read index range', filter, want, from, io, { partition: partitionKey });
    for (const entity of page.entities) rows.push({ rowKey: entity.rowKey ?? '', row: entity });
    token = page.token;
    // An empty page with a token (storage stopped at a boundary) goes on; a full one stops.
  } while (token !== undefined && rows.length < top);
  return { rows, more: token !== undefined };
}

/**
 * Every row of the range in every shard (sum rows: their count is bounded by buckets x domain pairs, not
 * by messages), or null once more than `maxRows` were read: the caller refuses the query instead of
 * scanning on.
 */
export async function readAllShards(index: TableClient, range: KeyRange, io: StorageCallIo, maxRows = Number.POSITIVE_INFINITY): Promise<IndexRow[] | null> {
  let total = 0;
  const perShard = await Promise.all(
    ALL_SHARDS.map(async (partitionKey) => {
      const rows: IndexRow[] = [];
      let after: string | null = null;
      for (;;) {
        const read = await readRange(index, partitionKey, range, after, 1_000, io);
        rows.push(...read.rows);
        total += read.rows.length;
        const last = read.rows.at(-1);
        if (!read.more || last === undefined || total > maxRows) return rows;
        after = last.rowKey;
      }
    }),
  );
  return total > maxRows ? null : perShard.flat();
}

export interface MergedPage<T> {
  readonly items: T[];
  /** Where the next page starts (the last key this page consumed), or null: nothing is left. */
  readonly afterKey: string | null;
  readonly rowsRead: number;
}

export interface PageOptions<T> {
  readonly limit: number;
  /** Rows read before the page stops, full or not, with a continuation: a page is never a scan. */
  readonly maxRowsRead: number;
  /** Kept rows become items; null skips the row (a filter). */
  readonly select: (row: IndexRow) => T | null;
}

interface ShardCursor {
  readonly partitionKey: string;
  buffer: IndexRow[];
  /** The last key read from this shard (rows up to it are in the buffer or consumed). */
  cursor: string | null;
  done: boolean;
}

/**
 * One page of a range read across the shards, in RowKey order: up to `limit` selected rows. The merge
 * consumes rows only up to the smallest key any unfinished shard has reached, so no row of a shard that
 * was not read that far yet is skipped; the page's position is the last key it consumed.
 */
export async function readMergedPage<T>(index: TableClient, range: KeyRange, afterKey: string | null, options: PageOptions<T>, io: StorageCallIo): Promise<MergedPage<T>> {
  const shards: ShardCursor[] = ALL_SHARDS.map((partitionKey) => ({ partitionKey, buffer: [], cursor: afterKey, done: false }));
  const items: T[] = [];
  let rowsRead = 0;
  // The first read asks each shard for one more row than the page needs: an unfiltered page is then one round.
  let chunk = options.limit + 1;
  for (;;) {
    const empty = shards.filter((s) => s.buffer.length === 0 && !s.done);
    if (empty.length > 0) {
      const budget = options.maxRowsRead - rowsRead;
      if (budget <= 0) return { items, afterKey: frontierOf(shards), rowsRead };
      const top = Math.max(1, Math.min(chunk, 1_000, Math.floor(budget / empty.length)));
      await Promise.all(
        empty.map(async (shard) => {
          const read = await readRange(index, shard.partitionKey, range, shard.cursor, top, io);
          rowsRead += read.rows.length;
          shard.buffer = read.rows;
          shard.cursor = read.rows.at(-1)?.rowKey ?? shard.cursor;
          shard.done = !read.more;
        }),
      );
      // A filter that matches little needs more rows a round: grow the reads, up to a storage page.
      chunk = Math.min(1_000, chunk * 4);
    }
    const frontier = frontierOf(shards);
    const ready = shards
      .flatMap((s) => s.buffer)
      .filter((r) => frontier === null || r.rowKey <= frontier)
      .sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
    for (const s of shards) s.buffer = s.buffer.filter((r) => frontier !== null && r.rowKey > frontier);
    for (const [i, row] of ready.entries()) {
      const item = options.select(row);
      if (item === null) continue;
      items.push(item);
      if (items.length === options.limit) {
        const left = i + 1 < ready.length || shards.some((s) => !s.done || s.buffer.length > 0);
        return { items, afterKey: left ? row.rowKey : null, rowsRead };
      }
    }
    if (shards.every((s) => s.done && s.buffer.length === 0)) return { items, afterKey: null, rowsRead };
  }
}

/** The smallest key an unfinished shard has read to (null: every shard is finished). */
function frontierOf(shards: readonly ShardCursor[]): string | null {
  let frontier: string | null = null;
  for (const s of shards) {
    if (s.done || s.cursor === null) continue;
    if (frontier === null || s.cursor < frontier) frontier = s.cursor;
  }
  return frontier;
}
