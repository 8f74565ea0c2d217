import { afterEach, describe, expect, it } from 'vitest';
import { commitPartition, readRows, type RowWrite, type StorageIo } from '../../src/store/partitionCommit.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { recipientRowKey } from '../../src/store/messageRows.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/** Reads are point reads (getEntity), one round trip per key, on real Azurite. */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});
const io = (): StorageIo => ({ policy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 30_000 }, meter: new StorageMeter() });

describe('point reads', () => {
  it('reads present and absent rows of long internationalised keys, one round trip each', async () => {
    const { tables } = await openTestTables();
    opened.push(tables);
    const keys = Array.from({ length: 40 }, (_, k) => recipientRowKey(`${'ü'.repeat(58)}${k}@${'ドメイン'.repeat(10)}.jp'`));
    const present = keys.filter((_, k) => k % 3 === 0);
    await commitPartition(tables.messages, 'p', present, () => ({ writes: present.map((rowKey) => ({ rowKey, properties: { n: 1 } })), result: null }), io(), {});
    const reading = io();
    const rows = await readRows(tables.messages, 'p', [...keys, ...keys], reading, {});
    expect([...rows.keys()].sort()).toEqual([...present].sort());
    expect(reading.meter.roundTrips).toBe(keys.length);
  });

  it('reads the follow-up keys the first read names, in the same commit', async () => {
    const { tables } = await openTestTables();
    opened.push(tables);
    await commitPartition(tables.messages, 'q', ['head', 'tail'], () => {
      const writes: RowWrite[] = [{ rowKey: 'head', properties: { next: 'tail' } }, { rowKey: 'tail', properties: { n: 7 } }];
      return { writes, result: null };
    }, io(), {});
    const seen = await commitPartition(
      tables.messages,
      'q',
      ['head'],
      (rows) => ({ writes: [], result: rows.get('tail')?.properties['n'] }),
      io(),
      {},
      (rows) => [String(rows.get('head')?.properties['next'])],
    );
    expect(seen).toBe(7);
  });
});
