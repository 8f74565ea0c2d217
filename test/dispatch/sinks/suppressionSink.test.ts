import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSuppressionListId, type SuppressionListTarget } from '../../../src/config/suppressionLists.js';
import { createSuppressionSink } from '../../../src/dispatch/sinks/suppressionSink.js';
import type { LedgerTables } from '../../../src/store/ledgerTables.js';
import { StorageMeter } from '../../../src/store/storageRetry.js';
import { markUnsuppressed } from '../../../src/store/unsuppressedMarks.js';
import { createArmSuppressionClient, suppressionAddressId } from '../../../src/suppression/suppressionListClient.js';
import { armError, fakeArmCredential, FAKE_ARM_TOKEN, startFakeArm, type FakeArm } from '../../helpers/fakeArm.js';
import { openTestTables } from '../../helpers/ledgerFixture.js';
import { sampleBounceRate, sampleHardBounce } from '../../helpers/sampleAlerts.js';

/** The suppression sink against a FAKE of ARM (test/helpers/fakeArm.ts: a real HTTPS server on 127.0.0.1), with the unsuppress markers on Azurite. */
const LIST_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-mail/providers/Microsoft.Communication/emailServices/svc-mail/domains/mail.fabrikam.example/suppressionLists/bounces';
const target = parseSuppressionListId(LIST_ID) as SuppressionListTarget;
const addressPath = (address: string) => `${LIST_ID}/suppressionListAddresses/${suppressionAddressId(address)}`;

let arm: FakeArm;
let tables: LedgerTables;
beforeAll(async () => {
  arm = await startFakeArm();
  ({ tables } = await openTestTables());
});
afterAll(async () => {
  await arm.close();
  await tables.close();
});
afterEach(() => {
  arm.requests.length = 0;
  arm.lists.clear();
});

const io = () => ({ policy: tables.retryPolicy, meter: new StorageMeter() });
function sink(options: { timeoutMs?: number } = {}) {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const client = createArmSuppressionClient({ endpoint: arm.endpoint, credential: fakeArmCredential, timeoutMs, maxRetries: 0, trustedCa: arm.ca });
  return createSuppressionSink({ lists: new Map([['mail.fabrikam.example', target]]), client, bounces: tables.bounces, io: io(), timeoutMs });
}

describe('suppression sink against a fake of ARM', () => {
  it('PUTs the address under its hashed id, with api-version and a bearer token', async () => {
    const alert = sampleHardBounce({ recipient: 'Nobody@Contoso.example' });
    expect(await sink().deliver(alert)).toEqual({ outcome: 'delivered' });

    expect(arm.requests).toHaveLength(1);
    const [put] = arm.requests;
    expect(put?.method).toBe('PUT');
    expect(put?.path).toBe(addressPath('nobody@contoso.example'));
    expect(put?.apiVersion).toBe('2025-09-01');
    expect(put?.authorization).toBe(`Bearer ${FAKE_ARM_TOKEN}`);
    expect(put?.body).toEqual({
      properties: { email: 'Nobody@Contoso.example', notes: `acs-email-ledger: hard bounce (Bounced 5.1.1) on message ${alert.messageId} at ${alert.recordTime}` },
    });
  });

  it('makes a repeat harmless: the same address is the same resource', async () => {
    await sink().deliver(sampleHardBounce({ recipient: 'a@contoso.example' }));
    await sink().deliver(sampleHardBounce({ id: 'hb_other', recipient: 'A@CONTOSO.example', messageId: 'm2' }));
    expect(arm.requests.map((r) => r.path)).toEqual([addressPath('a@contoso.example'), addressPath('a@contoso.example')]);
    expect([...(arm.lists.get(LIST_ID.toLowerCase())?.keys() ?? [])]).toEqual([suppressionAddressId('a@contoso.example')]);
  });

  it('asks to retry after a 429 with the Retry-After ARM sent, making one request only (the dispatcher waits)', async () => {
    arm.script(armError(429, 'TooManyRequests', 'slow down', { 'retry-after': '17' }));
    const result = await sink().deliver(sampleHardBounce());
    expect(result).toMatchObject({ outcome: 'retry', status: 429, retryAfterMs: 17_000 });
    expect(arm.requests).toHaveLength(1);
    // ...and the next attempt, once the wait is over, goes through.
    expect(await sink().deliver(sampleHardBounce())).toEqual({ outcome: 'delivered' });
    expect(arm.requests).toHaveLength(2);
  });

  it('retries a 503 and parks a 400 with ARM\'s error', async () => {
    arm.script(armError(503, 'ServiceUnavailable', 'try later'), armError(400, 'InvalidRequestContent', 'bad email'));
    expect(await sink().deliver(sampleHardBounce())).toMatchObject({ outcome: 'retry', status: 503 });
    const parked = await sink().deliver(sampleHardBounce());
    expect(parked).toMatchObject({ outcome: 'rejected', status: 400 });
    expect(parked.outcome === 'rejected' ? parked.responseBody : '').toContain('bad email');
  });

  it('parks a 403 (the identity lacks the role) and retries when ARM does not answer in time', async () => {
    arm.script(armError(403, 'AuthorizationFailed', 'no role'));
    expect(await sink().deliver(sampleHardBounce())).toMatchObject({ outcome: 'rejected', status: 403 });
    const slow = createArmSuppressionClient({ endpoint: 'https://127.0.0.1:9', credential: fakeArmCredential, timeoutMs: 500, maxRetries: 0, trustedCa: arm.ca });
    const result = await createSuppressionSink({ lists: new Map([['mail.fabrikam.example', target]]), client: slow, bounces: tables.bounces, io: io(), timeoutMs: 500 }).deliver(sampleHardBounce());
    expect(result.outcome).toBe('retry');
  });

  it('skips, with a note, what it has nothing to do for', async () => {
    expect(await sink().deliver(sampleBounceRate())).toEqual({ outcome: 'delivered', note: 'not a hard bounce (bounce_rate)' });
    expect(await sink().deliver(sampleHardBounce({ senderDomain: 'other.example' }))).toEqual({
      outcome: 'delivered',
      note: 'skipped: no suppression list for sender domain "other.example"',
    });
    await markUnsuppressed(tables.bounces, 'kept@contoso.example', new Date('2026-03-03T00:00:00Z'), io());
    expect(await sink().deliver(sampleHardBounce({ recipient: 'Kept@contoso.example' }))).toMatchObject({ outcome: 'delivered', note: expect.stringContaining('unsuppressed by hand') as unknown });
    expect(arm.requests).toHaveLength(0);
    // A bounce after the unsuppress puts it back.
    expect(await sink().deliver(sampleHardBounce({ recipient: 'kept@contoso.example', recordTime: '2026-03-04T00:00:00.000Z' }))).toEqual({ outcome: 'delivered' });
    expect(arm.requests).toHaveLength(1);
  });
});
