import { afterEach, describe, expect, it } from 'vitest';
import { commitPartition, readRows, type RowWrite, type StorageIo } from '../../src/store/partitionCommit.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { RowCache } from '../../src/store/rowCache.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/**
 * Commits planned on remembered rows (src/store/rowCache.ts), against Azurite: they save the reads when
 * the memory is right, and when it is wrong (another writer, an earlier run) storage refuses the
 * transaction and the commit reads and plans again, so no update is lost and nothing is applied twice.
 */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

// Keys as tableKeys.ts writes them (escaped with %): a service may echo them decoded in its sub-responses.
const KEYS = ['r|a%7Cb@example.org', 'r|%25c@example.org', 'message'];
const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 30_000 };

async function setup() {
  const { tables } = await openTestTables();
  opened.push(tables);
  const ioWith = (rowCache: RowCache | undefined): StorageIo => ({ policy, meter: new StorageMeter(), ...(rowCache === undefined ? {} : { rowCache }) });
  /** Adds 1 to counters a, b and c, or creates them at 1; `extra` rows are created once. */
  const bump = (io: StorageIo, keys: readonly string[] = KEYS) =>
    commitPartition(
      tables.messages,
      'p1',
      keys,
      (rows) => {
        const writes: RowWrite[] = keys.map((key) => ({ rowKey: key, properties: { n: Number(rows.get(key)?.properties['n'] ?? 0) + 1 } }));
        return { writes, result: undefined };
      },
      io,
      { test: 'row cache' },
    );
  const values = async (keys: readonly string[] = KEYS) => {
    const rows = await readRows(tables.messages, 'p1', keys, ioWith(undefined), {});
    return keys.map((key) => Number(rows.get(key)?.properties['n'] ?? 0));
  };
  return { bump, values, ioWith };
}

describe('commits planned on remembered rows', () => {
  it('after its own writes, a process commits again without reading, under the ETags the transaction returned', async () => {
    const { bump, values, ioWith } = await setup();
    const cache = new RowCache(100);
    await bump(ioWith(cache), KEYS.slice(0, 2));
    // Then updates (sub-responses without a row key) and a create in one transaction, and updates again.
    const io = ioWith(cache);
    await bump(io, KEYS);
    await bump(io);
    expect(io.meter.byOperation.get('read row') ?? 0).toBe(0);
    expect(io.meter.optimisticMisses).toBe(0);
    expect(io.meter.roundTrips).toBe(2);
    expect(await values()).toEqual([3, 3, 2]);
  });

  it('a process that never saw the rows takes them as absent; storage refuses, it reads, and no update is lost', async () => {
    const { bump, values, ioWith } = await setup();
    await bump(ioWith(new RowCache(100)));
    const cold = ioWith(new RowCache(100));
    await bump(cold);
    expect(cold.meter.optimisticMisses).toBe(1);
    expect(cold.meter.conflicts).toBe(0);
    expect(await values()).toEqual([2, 2, 2]);
  });

  it('a remembered row that another writer changed since is refused by its ETag and planned again', async () => {
    const { bump, values, ioWith } = await setup();
    const mine = new RowCache(100);
    await bump(ioWith(mine));
    await bump(ioWith(new RowCache(100))); // another instance
    await bump(ioWith(undefined)); // and one without memory
    const io = ioWith(mine);
    await bump(io);
    expect(io.meter.optimisticMisses).toBe(1);
    expect(await values()).toEqual([4, 4, 4]);
  });

  it('a plan from memory that writes nothing is made again on what storage holds', async () => {
    const { values, ioWith } = await setup();
    const { tables } = { tables: opened[0] as LedgerTables };
    const cache = new RowCache(100);
    // Storage has n=5 that this process never saw: from memory the row is absent, and "create if absent
    // only when n is unknown" writes nothing; storage's row must then be read and the plan made on it.
    await tables.messages.createEntity({ partitionKey: 'p1', rowKey: 'a', n: 5 });
    const seen: number[] = [];
    const io = ioWith(cache);
    await commitPartition(
      tables.messages,
      'p1',
      ['a'],
      (rows) => {
        const n = rows.get('a')?.properties['n'];
        seen.push(typeof n === 'number' ? n : -1);
        return { writes: typeof n === 'number' ? [{ rowKey: 'a', properties: { n: n + 1 } }] : [], result: undefined };
      },
      io,
      {},
    );
    expect(seen).toEqual([-1, 5]);
    expect(await values(['a'])).toEqual([6]);
  });

  it('remembers at most its capacity, least recently used out first', () => {
    const cache = new RowCache(2);
    cache.set('t', 'p', 'a', { etag: '1', properties: {} });
    cache.set('t', 'p', 'b', { etag: '2', properties: {} });
    cache.get('t', 'p', 'a');
    cache.set('t', 'p', 'c', { etag: '3', properties: {} });
    expect([cache.get('t', 'p', 'a')?.etag, cache.get('t', 'p', 'b')?.etag, cache.get('t', 'p', 'c')?.etag]).toEqual(['1', undefined, '3']);
    const off = new RowCache(0);
    off.set('t', 'p', 'a', { etag: '1', properties: {} });
    expect(off.size).toBe(0);
  });
});
