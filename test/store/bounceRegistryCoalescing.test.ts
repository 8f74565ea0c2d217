import { afterEach, describe, expect, it } from 'vitest';
import type { BounceObservation } from '../../src/state/bounceRecord.js';
import { getBounceRecord, listBounceRecords, recordBounceObservations, registryPartitionKey, retractBounceObservations } from '../../src/store/bounceRegistry.js';
import { MAX_KEPT } from '../../src/store/bounceMessageRows.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';
import { shuffled } from '../helpers/seededShuffle.js';

/**
 * The registry is written once per batch with all its hard bounces: one call must coalesce them per
 * address (no conflicts with itself), and give exactly the rows and summaries that one call per
 * observation, in any order, gives (real Azurite).
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function tables(): Promise<LedgerTables> {
  const opened = await openTestTables();
  cleanups.push(() => opened.tables.close());
  return opened.tables;
}

function observation(address: string, message: number, minute: number, status = 'Bounced'): BounceObservation {
  const time = `2025-04-01T${String(10 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00.0000000Z`;
  return {
    address, messageId: `msg-${message}`, fingerprint: `fp-${address}-${message}-${minute}-${status}`, status, time,
    smtpStatusCode: status === 'Bounced' ? '550' : null, enhancedSmtpStatusCode: status === 'Bounced' ? '5.1.1' : null,
    failureReason: 'BadMailbox', failureMessage: `no such user "${address}" on ${message}\n`,
  };
}

// Three addresses (one in another case), 130 messages on the first (more than one transaction's worth
// of message rows), Suppressed records after Bounced ones, and one message with two Bounced records.
const many: BounceObservation[] = [
  ...Array.from({ length: 130 }, (_, i) => observation('Ann@Example.org', i, i % 50)),
  ...Array.from({ length: 40 }, (_, i) => observation('ann@example.org', i, 55 + (i % 5), 'Suppressed')),
  ...Array.from({ length: 60 }, (_, i) => observation('bob@example.org', i, (i * 7) % 120)),
  observation('bob@example.org', 3, 119),
  ...Array.from({ length: 20 }, (_, i) => observation('cy@example.org', 1_000 + i, i)),
];

describe('recording a whole batch of bounces in one call', () => {
  it('does not conflict with itself and equals one call per observation, in any order', async () => {
    const batched = await tables();
    const meter = new StorageMeter();
    await recordBounceObservations(batched.bounces, shuffled(many, 7), { policy: batched.retryPolicy, meter });
    expect(meter.conflicts).toBe(0);

    const oneByOne = await tables();
    for (const o of shuffled(many, 11)) await recordBounceObservations(oneByOne.bounces, [o], { policy: oneByOne.retryPolicy, meter: new StorageMeter() });

    const ann = await getBounceRecord(batched.bounces, 'ann@example.org', { policy: batched.retryPolicy, meter });
    expect(ann).toMatchObject({ hardBounces: 130, suppressedSends: 40, firstBounceAt: '2025-04-01T10:00:00.0000000Z', lastStatus: 'Suppressed' });
    expect((await getBounceRecord(batched.bounces, 'bob@example.org', { policy: batched.retryPolicy, meter }))?.hardBounces).toBe(60);
    expect(await listBounceRecords(batched.bounces)).toEqual(await listBounceRecords(oneByOne.bounces));
    expect((await dumpLedger(batched)).bounces).toEqual((await dumpLedger(oneByOne)).bounces);
  });

  it('counts an observation given twice in one call, or again in a later call, once', async () => {
    const t = await tables();
    const io = { policy: t.retryPolicy, meter: new StorageMeter() };
    const o = observation('dee@example.org', 1, 0);
    await recordBounceObservations(t.bounces, [o, o, { ...o, address: ' DEE@example.org' }], io);
    const before = await dumpLedger(t);
    const etag = async () => (await t.bounces.getEntity(registryPartitionKey('dee@example.org'), 'summary')).etag;
    const etagBefore = await etag();
    await recordBounceObservations(t.bounces, [o], io);
    expect((await getBounceRecord(t.bounces, 'dee@example.org', io))?.hardBounces).toBe(1);
    // Nothing new: nothing written.
    expect(await etag()).toBe(etagBefore);
    expect(await dumpLedger(t)).toEqual(before);
  });

  it('keeps a message row bounded, the same rows whatever the order, and still retracts', async () => {
    const crowd = Array.from({ length: MAX_KEPT + 12 }, (_, i) => observation('eve@example.org', 1, i));
    const [a, b] = [await tables(), await tables()];
    await recordBounceObservations(a.bounces, crowd, { policy: a.retryPolicy, meter: new StorageMeter() });
    for (const o of shuffled(crowd, 3)) await recordBounceObservations(b.bounces, [o], { policy: b.retryPolicy, meter: new StorageMeter() });
    const rows = (await dumpLedger(a)).bounces as Record<string, unknown>[];
    expect(rows).toEqual((await dumpLedger(b)).bounces);
    const messageRow = rows.find((r) => String(r['rowKey']).startsWith('m|'));
    expect(JSON.parse(String(messageRow?.['observations']))).toHaveLength(MAX_KEPT);
    expect(messageRow?.['truncated']).toBe(true);
    expect(rows).toHaveLength(2);

    const io = { policy: a.retryPolicy, meter: new StorageMeter() };
    const newest = crowd.at(-1) as BounceObservation;
    await retractBounceObservations(a.bounces, [newest], io);
    expect(await getBounceRecord(a.bounces, 'eve@example.org', io)).toMatchObject({ hardBounces: 1, lastBounceAt: crowd.at(-2)?.time });
    await recordBounceObservations(a.bounces, [newest], io);
    expect(await getBounceRecord(a.bounces, 'eve@example.org', io)).toMatchObject({ hardBounces: 1, lastBounceAt: newest.time });
  });

  it('retracts observations spread over more message rows than one transaction takes', async () => {
    const [t, clean] = [await tables(), await tables()];
    const io = { policy: t.retryPolicy, meter: new StorageMeter() };
    const annOnly = many.filter((o) => o.address.toLowerCase() === 'ann@example.org');
    const refused = annOnly.filter((o) => o.status === 'Bounced' && Number(o.messageId.slice(4)) >= 20);
    await recordBounceObservations(t.bounces, annOnly, io);
    await retractBounceObservations(t.bounces, refused, io);
    await recordBounceObservations(clean.bounces, annOnly.filter((o) => !refused.includes(o)), { policy: clean.retryPolicy, meter: new StorageMeter() });
    expect(refused.length).toBeGreaterThan(100);
    expect(await listBounceRecords(t.bounces)).toEqual(await listBounceRecords(clean.bounces));
    expect(await getBounceRecord(t.bounces, 'ann@example.org', io)).toMatchObject({ hardBounces: 40, suppressedSends: 40 });
  });
});
