import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { LedgerAlert } from '../../src/alerts/alert.js';
import type { AlertSink } from '../../src/dispatch/alertSink.js';
import { createWebhookSink } from '../../src/dispatch/sinks/webhookSink.js';
import { dispatchAlerts, dispatchLeaseMs } from '../../src/dispatch/dispatchAlerts.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { claimDelivery, listAlertDeliveries } from '../../src/store/alertDeliveryStore.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { startFaultyProxy } from '../helpers/faultyStorageProxy.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/**
 * Alerts never stay leased to nobody: a lost answer to a claim is recognised by the claimant at once,
 * and a dispatcher that died holding a lease blocks the alert for at most one lease (3 x the slowest
 * sink's timeout), while a live dispatcher's lease is respected.
 */
const sample = readFileSync(new URL('../fixtures/sample-event-1.json', import.meta.url), 'utf8');
const batch: SourcedBody[] = [{ body: sample, source: { kind: 'eventHub', partitionId: '1', sequenceNumber: 7, eventIndex: 0 } }];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function capturingSink(): AlertSink & { readonly sent: string[] } {
  const sent: string[] = [];
  return {
    name: 'capture',
    timeoutMs: 2_000,
    sent,
    deliver: (alert: LedgerAlert) => {
      sent.push(alert.id);
      return Promise.resolve({ outcome: 'delivered' });
    },
  };
}

async function seeded(env: Record<string, string> = {}): Promise<LedgerTables> {
  const { tables, config } = await openTestTables({ LEDGER_TABLE_PREFIX: `t${randomBytes(6).toString('hex')}`, ...env });
  cleanups.push(() => tables.close());
  await processBatch(batch, pipelineDepsFrom(config, tables));
  return tables;
}

const ioOf = (tables: LedgerTables) => ({ policy: { ...tables.retryPolicy, baseDelayMs: 5, maxDelayMs: 20 }, meter: new StorageMeter() });

describe('alert leases', () => {
  it('is a small multiple of the slowest sink timeout: 30 s with the default 10 s webhook timeout', () => {
    const webhook = createWebhookSink({ url: 'http://127.0.0.1:9/hook', secret: undefined, format: 'standard', timeoutMs: 10_000 });
    expect(dispatchLeaseMs([webhook])).toBe(30_000);
    expect(dispatchLeaseMs([{ ...webhook, timeoutMs: 60_000 }])).toBe(180_000);
    expect(dispatchLeaseMs([])).toBe(15_000);
  });

  it('a claim whose answer was lost after the server applied it is still ours: delivered in the same run', async () => {
    const seededTables = await seeded();
    const proxy = await startFaultyProxy(inject('azuriteConnectionString'));
    cleanups.push(() => proxy.close());
    const connectionString = proxy.connectionString;
    const { tables } = await openTestTables({ LEDGER_STORAGE: connectionString, LEDGER_TABLE_PREFIX: seededTables.alerts.tableName.replace(/Alerts$/, '') });
    cleanups.push(() => tables.close());
    const alertsPath = `/${tables.alerts.tableName}(`;
    // The first write to the alerts table in a dispatch is the claim.
    proxy.fault = { kind: 'dropResponse', remaining: 1, only: (req) => req.method !== 'GET' && (req.url ?? '').includes(alertsPath) };
    const sink = capturingSink();
    const started = Date.now();
    const report = await dispatchAlerts({ tables, sinks: [sink], io: ioOf(tables) });
    const elapsedMs = Date.now() - started;
    expect(proxy.faultsInjected).toBe(1);
    expect(report.delivered).toBe(2);
    expect([...sink.sent].sort()).toEqual([...new Set(sink.sent)].sort());
    expect(sink.sent).toHaveLength(2);
    // Within the stated bound (one lease), here with no wait at all.
    expect(elapsedMs).toBeLessThan(dispatchLeaseMs([sink]));
    const rows = await listAlertDeliveries(seededTables.alerts, ioOf(seededTables));
    expect(rows.map((r) => r.state)).toEqual(['delivered', 'delivered']);
  });

  it('a lease left by a killed dispatcher blocks the alert for one lease, not longer, and a live lease is respected', async () => {
    const tables = await seeded();
    const io = ioOf(tables);
    const [victim] = await listAlertDeliveries(tables.alerts, io);
    if (victim === undefined) throw new Error('sample 1 should leave pending alerts');
    const sink = capturingSink();
    const leaseMs = dispatchLeaseMs([sink]);
    const claimedAt = new Date();
    expect(await claimDelivery(tables.alerts, victim, { holder: 'killed-run', until: new Date(claimedAt.getTime() + leaseMs) }, io)).not.toBeNull();

    const whileAlive = await dispatchAlerts({ tables, sinks: [sink], io, now: () => new Date(claimedAt.getTime() + leaseMs - 1_000) });
    expect(sink.sent).not.toContain(victim.id);
    expect(whileAlive.delivered).toBe(1);

    const afterLease = await dispatchAlerts({ tables, sinks: [sink], io, now: () => new Date(claimedAt.getTime() + leaseMs + 1) });
    expect(afterLease.delivered).toBe(1);
    expect(sink.sent.filter((id) => id === victim.id)).toHaveLength(1);
  });
});
