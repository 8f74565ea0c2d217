import { afterEach, describe, expect, it } from 'vitest';
import type { BounceObservation } from '../../src/state/bounceRecord.js';
import { getBounceRecord, listBounceRecords, recordBounceObservations, retractBounceObservations } from '../../src/store/bounceRegistry.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/**
 * The registry is written ahead of the message commit; when storage refuses that commit the record is
 * dead-lettered, and its bounce must not stay counted. Retracting leaves exactly the registry of a
 * run that never saw the refused record (real Azurite, compared with such a run).
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

const io = (t: LedgerTables) => ({ policy: t.retryPolicy, meter: new StorageMeter() });

function bounce(messageId: string, time: string, overrides: Partial<BounceObservation> = {}): BounceObservation {
  return {
    address: 'Dana@Example.org', messageId, fingerprint: `fp-${messageId}-${time}`, status: 'Bounced', time,
    smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1', failureReason: 'BadMailbox', failureMessage: `no such user (${messageId})`, ...overrides,
  };
}

const early = bounce('m1', '2025-03-01T10:00:00.0000000Z');
const suppressed = bounce('m2', '2025-03-02T10:00:00.0000000Z', { status: 'Suppressed', smtpStatusCode: null, enhancedSmtpStatusCode: null });
const refused = bounce('m3', '2025-03-05T10:00:00.0000000Z', { enhancedSmtpStatusCode: '5.4.1', failureMessage: 'refused record' });

describe('retracting a bounce whose record storage refused', () => {
  it('leaves the registry a run without that record would have', async () => {
    const withRefusal = await tables();
    await recordBounceObservations(withRefusal.bounces, [early, suppressed, refused], io(withRefusal));
    expect((await getBounceRecord(withRefusal.bounces, 'dana@example.org', io(withRefusal)))?.lastMessageId).toBe('m3');
    await retractBounceObservations(withRefusal.bounces, [refused], io(withRefusal));

    const clean = await tables();
    await recordBounceObservations(clean.bounces, [early, suppressed], io(clean));
    const expected = await getBounceRecord(clean.bounces, 'dana@example.org', io(clean));
    expect(expected).toMatchObject({ hardBounces: 2, suppressedSends: 1, lastMessageId: 'm2' });
    expect(await getBounceRecord(withRefusal.bounces, 'dana@example.org', io(withRefusal))).toEqual(expected);
    // Retracting again changes nothing.
    await retractBounceObservations(withRefusal.bounces, [refused], io(withRefusal));
    expect(await listBounceRecords(withRefusal.bounces)).toEqual(await listBounceRecords(clean.bounces));
  });

  it('an address whose only bounce was refused is not listed or found at all', async () => {
    const t = await tables();
    await recordBounceObservations(t.bounces, [refused], io(t));
    await retractBounceObservations(t.bounces, [refused], io(t));
    expect(await getBounceRecord(t.bounces, 'dana@example.org', io(t))).toBeNull();
    expect(await listBounceRecords(t.bounces)).toEqual([]);
  });

  it('the refused record, accepted on a later replay, counts again', async () => {
    const t = await tables();
    await recordBounceObservations(t.bounces, [early, refused], io(t));
    await retractBounceObservations(t.bounces, [refused], io(t));
    expect((await getBounceRecord(t.bounces, 'dana@example.org', io(t)))?.hardBounces).toBe(1);
    await recordBounceObservations(t.bounces, [refused], io(t));
    expect(await getBounceRecord(t.bounces, 'dana@example.org', io(t))).toMatchObject({ hardBounces: 2, lastMessageId: 'm3', lastEnhancedSmtpStatusCode: '5.4.1' });
  });
});
