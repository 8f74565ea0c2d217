import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { HardBounceAlert } from '../../src/alerts/alert.js';
import { createAlertSinks } from '../../src/dispatch/createAlertSinks.js';
import { dispatchAlerts, dispatchWithQuickRetries } from '../../src/dispatch/dispatchAlerts.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { writeAlertIntent } from '../../src/store/alertOutbox.js';
import { listAlertDeliveries } from '../../src/store/alertDeliveryStore.js';
import { getBounceRecord } from '../../src/store/bounceRegistry.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import type { LedgerConfig } from '../../src/config.js';
import { openTestTables } from '../helpers/ledgerFixture.js';
import { syntheticStream } from '../helpers/syntheticStream.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.js';

/**
 * The alert promise, end to end against a real local HTTP receiver that verifies Standard Webhooks
 * signatures with the spec authors' library: every hard bounce is delivered, once, never lost.
 */
const secret = `whsec_${randomBytes(24).toString('base64')}`;
const stream = syntheticStream();
const EXPECTED_HARD_BOUNCES = 4; // bob, carol (sample 1), erin, we/ird#1?\x (synthetic)
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function bodies(records: readonly unknown[], partitionId: string): SourcedBody[] {
  return records.map((r, i) => ({ body: JSON.stringify({ records: [r] }), source: { kind: 'eventHub', partitionId, sequenceNumber: i, eventIndex: i } }));
}

async function setup(receiverOptions: Parameters<typeof startWebhookReceiver>[0] = {}) {
  const receiver = await startWebhookReceiver({ secret, ...receiverOptions });
  const { tables, config } = await openTestTables({
    LEDGER_ALERT_WEBHOOK_URL: receiver.url,
    LEDGER_ALERT_WEBHOOK_SECRET: secret,
    LEDGER_ALERT_WEBHOOK_TIMEOUT_MS: '2000',
    LEDGER_ALERT_LOG: 'false',
  });
  cleanups.push(() => tables.close(), () => receiver.close());
  const io = () => ({ policy: tables.retryPolicy, meter: new StorageMeter() });
  const dispatcher = (now?: () => Date) => ({ tables, sinks: createAlertSinks(config, () => undefined), io: io(), ...(now ? { now } : {}) });
  return { receiver, tables, config, io, dispatcher };
}

function hardBounceIds(receiver: WebhookReceiver): string[] {
  return receiver.deliveredIds().filter((id) => id.startsWith('hb_'));
}

describe('hard-bounce alerts: exactly once in effect, never lost', () => {
  it('replaying twice while the webhook fails its first attempts delivers each alert once, signed', async () => {
    const { receiver, tables, config, dispatcher } = await setup({ failFirst: 2 });
    for (const round of [1, 2]) {
      await processBatch(bodies(round === 1 ? stream : [...stream].reverse(), String(round)), pipelineDepsFrom(config, tables));
      await dispatchWithQuickRetries(dispatcher(), {}, [50, 100, 200, 400]);
    }
    const delivered = hardBounceIds(receiver);
    expect(delivered).toHaveLength(EXPECTED_HARD_BOUNCES);
    expect(new Set(delivered).size).toBe(delivered.length);
    // Each id was tried and refused twice (503) before it got through, always with a valid signature.
    for (const id of delivered) expect(receiver.received.filter((r) => r.id === id).map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(receiver.received.every((r) => r.signatureValid === true)).toBe(true);
    const recipients = receiver.received.filter((r) => r.attempt === 3 && r.id.startsWith('hb_')).map((r) => (r.parsed as HardBounceAlert).recipient).sort();
    expect(recipients).toEqual(['bob@example.org', 'carol@example.com', 'erin@example.org', 'we/ird#1?\\x@example.org']);
    const listed = await listAlertDeliveries(tables.alerts, { policy: tables.retryPolicy, meter: new StorageMeter() });
    expect(listed.filter((a) => a.alert.type === 'hard_bounce').map((a) => a.state)).toEqual(Array(EXPECTED_HARD_BOUNCES).fill('delivered'));
  });

  it('two pipelines and two dispatchers racing over the same stream deliver each alert once', async () => {
    const { receiver, tables, config, dispatcher } = await setup();
    const runA = (async () => {
      for (const b of bodies(stream, 'a')) {
        await processBatch([b], pipelineDepsFrom(config, tables));
        await dispatchAlerts(dispatcher());
      }
    })();
    const runB = (async () => {
      for (const b of bodies([...stream].reverse(), 'b')) {
        await processBatch([b], pipelineDepsFrom(config, tables));
        await dispatchAlerts(dispatcher());
      }
    })();
    await Promise.all([runA, runB]);
    await dispatchWithQuickRetries(dispatcher(), {}, [50]);
    const delivered = hardBounceIds(receiver);
    expect(delivered.sort()).toEqual([...new Set(delivered)].sort());
    expect(delivered).toHaveLength(EXPECTED_HARD_BOUNCES);
  });

  it('a crash between commit and dispatch loses nothing: the timer delivers it later', async () => {
    const { receiver, tables, config, dispatcher } = await setup();
    // "Crash": the batch commits (state + outbox + delivery row) and nothing is dispatched.
    const { alerts } = await processBatch(bodies(stream, '0'), pipelineDepsFrom(config, tables));
    expect(alerts.filter((a) => a.type === 'hard_bounce')).toHaveLength(EXPECTED_HARD_BOUNCES);
    expect(receiver.received).toHaveLength(0);
    // Redelivery of the same batch after the crash: duplicates, no new alert.
    const redelivered = await processBatch(bodies(stream, '0'), pipelineDepsFrom(config, tables));
    expect(redelivered.alerts).toHaveLength(0);
    // The timer, a minute later, in a fresh process.
    const report = await dispatchAlerts(dispatcher(() => new Date(Date.now() + 60_000)));
    expect(report.delivered).toBeGreaterThanOrEqual(EXPECTED_HARD_BOUNCES);
    expect(hardBounceIds(receiver)).toHaveLength(EXPECTED_HARD_BOUNCES);
    // The registry was fed on the way.
    const bob = await getBounceRecord(tables.bounces, 'BOB@example.org', { policy: tables.retryPolicy, meter: new StorageMeter() });
    expect(bob).toMatchObject({ address: 'bob@example.org', hardBounces: 1, lastStatus: 'Bounced', lastEnhancedSmtpStatusCode: '5.1.1' });
  });

  it('a crash after the write-ahead delivery row but before the commit never sends a phantom alert', async () => {
    const { receiver, tables, dispatcher } = await setup();
    const phantom: HardBounceAlert = {
      schema: 'acs-email-ledger.alert/v1', type: 'hard_bounce', id: 'hb_phantom', messageId: 'm', recipient: 'x@example.org', status: 'Bounced',
      suppressed: false, smtpStatusCode: null, enhancedSmtpStatusCode: null, failureReason: null, failureMessage: null, senderDomain: null,
      senderUsername: null, resourceId: null, recordTime: '2025-01-01T00:00:00.0000000Z', detectedAt: new Date().toISOString(),
    };
    const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
    await writeAlertIntent(tables.alerts, phantom, { table: 'messages', partitionKey: 'm', rowKey: 'a|x@example.org' }, io, new Date());
    expect((await dispatchAlerts(dispatcher())).skipped).toBe(1);
    const later = await dispatchAlerts(dispatcher(() => new Date(Date.now() + 16 * 60_000)));
    expect(later.orphansRemoved).toBe(1);
    expect(receiver.received).toHaveLength(0);
    expect(await listAlertDeliveries(tables.alerts, io)).toHaveLength(0);
  });

  it('a 4xx parks the alert as failed with the response; --retry-failed delivers it once the receiver is fixed', async () => {
    let accept = false;
    const { receiver, tables, config, dispatcher } = await setup({ respond: () => (accept ? 204 : { status: 410, body: 'endpoint disabled' }) });
    await processBatch(bodies(stream.slice(0, 8), '0'), pipelineDepsFrom(config, tables));
    const first = await dispatchAlerts(dispatcher());
    expect(first.failed).toBe(2);
    const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
    const parked = await listAlertDeliveries(tables.alerts, io, { states: ['failed'] });
    expect(parked[0]?.sinks['webhook']).toMatchObject({ state: 'failed', status: 410, responseBody: 'endpoint disabled' });
    expect((await dispatchAlerts(dispatcher())).failed).toBe(0); // parked: not retried by itself
    accept = true;
    const retried = await dispatchAlerts(dispatcher(), { retryFailed: true });
    expect(retried.delivered).toBe(2);
    expect(hardBounceIds(receiver)).toHaveLength(2);
  });
});

export type { LedgerConfig, LedgerTables };

describe('orphan clean-up racing a slow commit', () => {
  it('a delivery row removed as an orphan while its commit was slow is put back, and the alert is delivered', async () => {
    const { startFaultyProxy } = await import('../helpers/faultyStorageProxy.js');
    const { inject } = await import('vitest');
    const { hardBounceAlertId } = await import('../../src/alerts/hardBounceAlert.js');
    const proxy = await startFaultyProxy(inject('azuriteConnectionString'));
    const receiver = await startWebhookReceiver({ secret });
    const { tables, config } = await openTestTables({ LEDGER_STORAGE: proxy.connectionString, LEDGER_ALERT_WEBHOOK_URL: receiver.url, LEDGER_ALERT_WEBHOOK_SECRET: secret, LEDGER_ALERT_LOG: 'false' });
    cleanups.push(() => tables.close(), () => receiver.close(), () => proxy.close());
    const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
    const bounced = stream.find((r) => JSON.stringify(r).includes('"Bounced"')) as { correlationId: string; properties: { RecipientId: string } };
    const messageId = bounced.correlationId.toLowerCase();
    const recipient = bounced.properties.RecipientId;
    // A first attempt wrote its delivery row ahead, then its commit failed, 20 minutes ago.
    const stale = { ...(await import('../helpers/sampleAlerts.js')).sampleHardBounce({ id: hardBounceAlertId(messageId, recipient), messageId, recipient }) };
    await writeAlertIntent(tables.alerts, stale, { table: 'messages', partitionKey: messageId, rowKey: `a|${recipient}` }, io, new Date(Date.now() - 20 * 60_000));
    // The redelivered batch: its write-ahead finds the row (409), and its commit is held up.
    let release!: () => void;
    let held!: () => void;
    const heldUp = new Promise<void>((resolve) => (held = resolve));
    proxy.fault = { kind: 'hold', remaining: 1, only: (req) => (req.url ?? '').includes('$batch'), release: new Promise<void>((resolve) => (release = resolve)), onHeld: () => held() };
    const batch = processBatch(bodies([bounced], 'r'), pipelineDepsFrom(config, tables));
    await heldUp;
    // Meanwhile the timer sees no outbox row and removes the delivery row as an orphan.
    const sinks = createAlertSinks(config, () => undefined);
    expect((await dispatchAlerts({ tables, sinks, io })).orphansRemoved).toBe(1);
    release();
    await batch;
    const report = await dispatchAlerts({ tables, sinks, io });
    expect(report.delivered).toBe(1);
    expect(hardBounceIds(receiver)).toEqual([hardBounceAlertId(messageId, recipient)]);
  });
});
