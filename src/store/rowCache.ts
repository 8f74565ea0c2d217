/**
 * What this process last saw of rows it read or wrote: their ETag and properties, bounded (least
 * recently used out first).
 *
 * On Azure and on Azurite a point read costs about what a one-row write costs (one request, one billed
 * transaction; bench/RESULTS.md), so reading every row before each commit is most of the ledger's
 * storage traffic. A commit may instead plan its first attempt on this memory: a row found here is taken
 * as it was last seen, and a row not found is taken as absent. That is safe because every write of a
 * commit is conditional: an update on the ETag it was planned on, a new row on its absence. If another
 * writer (another instance, an earlier run) changed any row, the whole transaction is refused (412 or
 * 409), nothing is applied, and the next attempt reads storage as before. So the memory only ever saves
 * requests; it never decides anything.
 *
 * Keys are table name, partition key and row key; values are what storage would return.
 */
export interface CachedRow {
  readonly etag: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export class RowCache {
  private readonly rows = new Map<string, CachedRow>();

  /** At most `capacity` rows are remembered; 0 remembers none (and turns optimistic commits off). */
  constructor(readonly capacity: number) {}

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get size(): number {
    return this.rows.size;
  }

  get(table: string, partitionKey: string, rowKey: string): CachedRow | undefined {
    const key = cacheKey(table, partitionKey, rowKey);
    const row = this.rows.get(key);
    if (row !== undefined) {
      // Map keeps insertion order: re-inserting marks the row most recently used.
      this.rows.delete(key);
      this.rows.set(key, row);
    }
    return row;
  }

  set(table: string, partitionKey: string, rowKey: string, row: CachedRow): void {
    if (!this.enabled) return;
    const key = cacheKey(table, partitionKey, rowKey);
    this.rows.delete(key);
    this.rows.set(key, row);
    while (this.rows.size > this.capacity) {
      const oldest = this.rows.keys().next();
      if (oldest.done === true) break;
      this.rows.delete(oldest.value);
    }
  }

  forget(table: string, partitionKey: string, rowKey: string): void {
    this.rows.delete(cacheKey(table, partitionKey, rowKey));
  }
}

// NUL cannot occur in a Table key (tableKeys.ts escapes control characters), so the joined key is unambiguous.
const cacheKey = (table: string, partitionKey: string, rowKey: string): string => `${table}\u0000${partitionKey}\u0000${rowKey}`;

/** A process without a configured cache remembers nothing. */
export const NO_ROW_CACHE = new RowCache(0);
