import { afterEach, describe, expect, it } from 'vitest';
import { commitPartition, readRows, type StorageIo } from '../../src/store/partitionCommit.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function setup() {
  const { tables } = await openTestTables();
  opened.push(tables);
  const io = (): StorageIo => ({ policy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 30_000 }, meter: new StorageMeter() });
  const increment = (io: StorageIo, onPlanned?: () => Promise<void>) =>
    commitPartition(
      tables.messages,
      'p1',
      ['counter'],
      (rows) => {
        const current = Number(rows.get('counter')?.properties['n'] ?? 0);
        return { writes: [{ rowKey: 'counter', properties: { n: current + 1 } }], result: current + 1, ...(onPlanned ? { beforeCommit: onPlanned } : {}) };
      },
      io,
      { test: 'race' },
    );
  const counter = async () => Number((await readRows(tables.messages, 'p1', ['counter'], io(), {})).get('counter')?.properties['n']);
  return { increment, counter, io };
}

describe('commitPartition under concurrent writers', () => {
  it('a writer whose read went stale gets a 412, re-reads and loses no update', async () => {
    const { increment, counter, io } = await setup();
    await increment(io());
    const loserIo = io();
    let interleaved = false;
    // Writer A has read n=1 and planned n=2; before it commits, writer B commits n=2.
    await increment(loserIo, async () => {
      if (interleaved) return;
      interleaved = true;
      await increment(io());
    });
    expect(loserIo.meter.conflicts).toBe(1);
    expect(await counter()).toBe(3);
  });

  it('a row created by someone else between read and commit makes the create fail (409) and retry', async () => {
    const { increment, counter, io } = await setup();
    const loserIo = io();
    let interleaved = false;
    await increment(loserIo, async () => {
      if (interleaved) return;
      interleaved = true;
      await increment(io());
    });
    expect(loserIo.meter.conflicts).toBe(1);
    expect(await counter()).toBe(2);
  });

  it('two writers racing 25 increments each end at exactly 50', async () => {
    const { increment, counter, io } = await setup();
    const a = io();
    const b = io();
    const run = async (w: StorageIo) => {
      for (let i = 0; i < 25; i += 1) await increment(w);
    };
    await Promise.all([run(a), run(b)]);
    expect(await counter()).toBe(50);
  });
});
