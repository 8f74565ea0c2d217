import { afterEach, describe, expect, it } from 'vitest';
import type { HardBounceAlert } from '../../src/alerts/alert.js';
import { createAlertSinks } from '../../src/dispatch/createAlertSinks.js';
import { dispatchAlerts, dispatchWithQuickRetries } from '../../src/dispatch/dispatchAlerts.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listAlertDeliveries } from '../../src/store/alertDeliveryStore.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { createArmSuppressionClient, suppressionAddressId } from '../../src/suppression/suppressionListClient.js';
import { armError, fakeArmCredential, startFakeArm } from '../helpers/fakeArm.js';
import { openTestTables } from '../helpers/ledgerFixture.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/**
 * The suppression sink through the real pipeline and dispatcher on Azurite, against a FAKE of ARM
 * (test/helpers/fakeArm.ts): every hard-bounced address lands on its sender domain's list, once.
 */
const LIST = (domain: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-mail/providers/Microsoft.Communication/emailServices/svc-mail/domains/${domain}/suppressionLists/bounces`;
const LISTS = { 'example.com': LIST('example.com'), 'example.net': LIST('example.net') };
const HARD_BOUNCED = ['bob@example.org', 'carol@example.com', 'erin@example.org', 'we/ird#1?\\x@example.org'];
const stream = syntheticStream();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function bodies(records: readonly unknown[], partitionId: string): SourcedBody[] {
  return records.map((r, i) => ({ body: JSON.stringify({ records: [r] }), source: { kind: 'eventHub', partitionId, sequenceNumber: i, eventIndex: i } }));
}

async function setup() {
  const arm = await startFakeArm();
  const { tables, config } = await openTestTables({ LEDGER_SUPPRESSION_LISTS: JSON.stringify(LISTS), LEDGER_ALERT_LOG: 'false', LEDGER_SUPPRESSION_TIMEOUT_MS: '3000' });
  cleanups.push(() => tables.close(), () => arm.close());
  const client = createArmSuppressionClient({ endpoint: arm.endpoint, credential: fakeArmCredential, timeoutMs: 3_000, maxRetries: 0, trustedCa: arm.ca });
  const io = () => ({ policy: tables.retryPolicy, meter: new StorageMeter() });
  const dispatcher = (now?: () => Date) => {
    const shared = io();
    return { tables, sinks: createAlertSinks(config, () => undefined, () => undefined, { bounces: tables.bounces, io: shared, suppressionClient: client }), io: shared, ...(now ? { now } : {}) };
  };
  return { arm, tables, config, io, dispatcher };
}

/** Email of every PUT, in order. */
const puts = (arm: Awaited<ReturnType<typeof startFakeArm>>) =>
  arm.requests.filter((r) => r.method === 'PUT').map((r) => (r.body as { properties: { email: string } }).properties.email.toLowerCase());

describe('suppression lists through the outbox: exactly once in effect', () => {
  it('two pipelines and two dispatchers racing put each hard-bounced address on its list with one PUT', async () => {
    const { arm, tables, config, dispatcher } = await setup();
    const run = async (records: readonly unknown[], partition: string) => {
      for (const b of bodies(records, partition)) {
        await processBatch([b], pipelineDepsFrom(config, tables));
        await dispatchAlerts(dispatcher());
      }
    };
    await Promise.all([run(stream, 'a'), run([...stream].reverse(), 'b')]);
    await dispatchWithQuickRetries(dispatcher(), {}, [50]);

    expect(puts(arm).sort()).toEqual(HARD_BOUNCED);
    const alerts = await listAlertDeliveries(tables.alerts, { policy: tables.retryPolicy, meter: new StorageMeter() });
    const hard = alerts.filter((a) => a.alert.type === 'hard_bounce');
    expect(hard.map((a) => a.sinks['suppression']?.state)).toEqual(Array(HARD_BOUNCED.length).fill('delivered'));
    // Each address on the list of the domain that sent to it, under its hashed id.
    for (const a of hard) {
      const alert = a.alert as HardBounceAlert;
      const list = arm.lists.get(LIST(alert.senderDomain ?? '').toLowerCase());
      expect(list?.get(suppressionAddressId(alert.recipient))).toBe(alert.recipient);
    }
  });

  it('a 429 waits for its Retry-After, a 503 is retried, a 400 parks the alert as failed', async () => {
    const { arm, tables, config, dispatcher, io } = await setup();
    const { alerts } = await processBatch(bodies(stream, '0'), pipelineDepsFrom(config, tables));
    const ids = alerts.filter((a) => a.type === 'hard_bounce').map((a) => a.id).sort();
    // Alerts go out in creation order; the first meets 429, the second 503, the third 400, the fourth goes through.
    arm.script(armError(429, 'TooManyRequests', 'throttled', { 'retry-after': '120' }), armError(503, 'ServiceUnavailable', 'busy'), armError(400, 'BadRequest', 'no'));
    const startedAt = Date.now();
    const first = await dispatchAlerts(dispatcher(), { ids });
    expect(first).toMatchObject({ delivered: 1, retrying: 2, failed: 1 });
    const after = await listAlertDeliveries(tables.alerts, io());
    const byState = (s: string) => after.filter((d) => ids.includes(d.id) && d.state === s);
    const throttled = byState('pending').find((d) => d.sinks['suppression']?.state === 'pending' && d.lastError.includes('429'));
    expect(Date.parse(throttled?.nextAttemptAt ?? '') - startedAt).toBeGreaterThanOrEqual(120_000);
    expect(byState('failed')[0]?.sinks['suppression']).toMatchObject({ state: 'failed', status: 400 });
    // Due again (the clock past the Retry-After): the two pending ones go through, the parked one waits for --retry-failed.
    const later = await dispatchAlerts(dispatcher(() => new Date(Date.now() + 3_600_000)), { ids });
    expect(later).toMatchObject({ delivered: 2 });
    const retried = await dispatchAlerts(dispatcher(), { ids, retryFailed: true });
    expect(retried.delivered).toBe(1);
    expect(new Set(puts(arm)).size).toBe(HARD_BOUNCED.length);
    expect([...(arm.lists.values())].reduce((n, l) => n + l.size, 0)).toBe(HARD_BOUNCED.length);
  });
});
