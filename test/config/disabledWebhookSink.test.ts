import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertSinks } from '../../src/dispatch/createAlertSinks.js';
import { dispatchAlerts } from '../../src/dispatch/dispatchAlerts.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listAlertDeliveries } from '../../src/store/alertDeliveryStore.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { openTestTables, testConfig } from '../helpers/ledgerFixture.js';
import { syntheticStream } from '../helpers/syntheticStream.js';
import { startWebhookReceiver } from '../helpers/webhookReceiver.js';

/**
 * Issue 8 §5: a broken optional setting never stops ingestion. With the webhook URL left as an
 * unresolved Key Vault reference the batch still commits, the log sink still delivers, the alert waits
 * as pending with one error line for the whole process, and the same alert reaches the real local
 * receiver once the setting is fixed.
 */
const secret = `whsec_${randomBytes(24).toString('base64')}`;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function bodies(records: readonly unknown[]): SourcedBody[] {
  return records.map((r, i) => ({ body: JSON.stringify({ records: [r] }), source: { kind: 'eventHub', partitionId: '0', sequenceNumber: i, eventIndex: i } }));
}

describe('a webhook setting that fails validation', () => {
  it('leaves ingestion and the log sink running, keeps alerts pending, and delivers them once fixed', async () => {
    const receiver = await startWebhookReceiver({ secret });
    const brokenUrl = `@Microsoft.KeyVault(SecretUri=https://kv-${randomBytes(3).toString('hex')}.vault.azure.net/secrets/webhook-url/)`;
    const { tables, config } = await openTestTables({ LEDGER_ALERT_WEBHOOK_URL: brokenUrl, LEDGER_ALERT_WEBHOOK_SECRET: secret });
    cleanups.push(() => tables.close(), () => receiver.close());
    const io = () => ({ policy: tables.retryPolicy, meter: new StorageMeter() });

    const { report } = await processBatch(bodies(syntheticStream()), pipelineDepsFrom(config, tables));
    expect(report.applied).toBeGreaterThan(0);
    expect(report.alertsCreated).toBeGreaterThan(0);

    const errorLines: string[] = [];
    const logLines: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      // A worker builds its sinks per invocation: the error is still written once per process.
      const sinks = createAlertSinks(config, (line) => logLines.push(line), (line) => errorLines.push(line));
      await dispatchAlerts({ tables, sinks, io: io(), now: () => new Date(Date.now() + round * 7_200_000) });
    }
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain('LEDGER_ALERT_WEBHOOK_URL');
    expect(errorLines[0]).toContain('unresolved Key Vault reference');
    expect(receiver.received).toHaveLength(0);
    const pending = await listAlertDeliveries(tables.alerts, io());
    expect(pending.length).toBe(report.alertsCreated);
    for (const delivery of pending) {
      expect(delivery.state).toBe('pending');
      expect(delivery.sinks['log']?.state).toBe('delivered');
      expect(delivery.sinks['webhook']?.state).toBe('pending');
    }
    // The log sink wrote each alert exactly once, although three rounds ran.
    expect(logLines).toHaveLength(report.alertsCreated);

    // The setting is fixed (in Azure: the reference resolves, the worker restarts with the new value).
    const fixed = testConfig({ LEDGER_ALERT_WEBHOOK_URL: receiver.url, LEDGER_ALERT_WEBHOOK_SECRET: secret, LEDGER_TABLE_PREFIX: config.tablePrefix });
    expect(fixed.alerts.webhookDisabled).toBeUndefined();
    // Past the backoff the pending rounds scheduled (at most an hour after the last, simulated 4 h ahead).
    const later = () => new Date(Date.now() + 6 * 3_600_000);
    const outcome = await dispatchAlerts({ tables, sinks: createAlertSinks(fixed, (line) => logLines.push(line)), io: io(), now: later });
    expect(outcome.delivered).toBe(report.alertsCreated);
    expect(receiver.deliveredIds().sort()).toEqual(pending.map((d) => d.id).sort());
    expect(receiver.received.every((r) => r.signatureValid === true)).toBe(true);
    expect(logLines).toHaveLength(report.alertsCreated);
    const after = await listAlertDeliveries(tables.alerts, io());
    expect(after.map((d) => d.state)).toEqual(Array(report.alertsCreated).fill('delivered'));
  });
});
