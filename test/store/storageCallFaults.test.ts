import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { LedgerAlert } from '../../src/alerts/alert.js';
import type { AlertSink } from '../../src/dispatch/alertSink.js';
import { dispatchAlerts } from '../../src/dispatch/dispatchAlerts.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listAlertDeliveries } from '../../src/store/alertDeliveryStore.js';
import { listBounceRecords } from '../../src/store/bounceRegistry.js';
import { listDeadLetters } from '../../src/store/deadLetterStore.js';
import { listUsage, summarizeLedger } from '../../src/store/ledgerSummary.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { getMessage } from '../../src/store/messageQueries.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faultyStorageProxy.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/**
 * Every storage call outside the ingest commit (which storageFaults.test.ts covers) survives a 503, a
 * connection reset and a hung connection, injected by a real proxy in front of the test Azurite: table
 * creation, the post-replay summary scan, the reads behind the CLI commands, the dispatcher's reads and
 * writes. A hang costs one per-attempt timeout (250 ms here), then the attempt is retried.
 */
const sample = readFileSync(new URL('../fixtures/sample-event-1.json', import.meta.url), 'utf8');
const batch: SourcedBody[] = [{ body: sample, source: { kind: 'eventHub', partitionId: '1', sequenceNumber: 7, eventIndex: 0 } }];
const FAULTS = ['503', 'reset', 'hang'] as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Faults every other request that `match` selects: each call's first attempt fails, its retry passes. */
function everyOther(match: (req: http.IncomingMessage) => boolean): (req: http.IncomingMessage) => boolean {
  let seen = 0;
  return (req) => match(req) && (seen += 1) % 2 === 1;
}

async function proxiedTables(prefix: string, proxy: FaultyProxy): Promise<LedgerTables> {
  const { tables } = await openTestTables({
    LEDGER_STORAGE: proxy.connectionString,
    LEDGER_TABLE_PREFIX: prefix,
    LEDGER_STORAGE_MAX_ATTEMPTS: '4',
    LEDGER_STORAGE_TIMEOUT_MS: '250',
  });
  cleanups.push(() => tables.close());
  return { ...tables, retryPolicy: { ...tables.retryPolicy, baseDelayMs: 5, maxDelayMs: 20 } };
}

async function startProxy(): Promise<FaultyProxy> {
  const proxy = await startFaultyProxy(inject('azuriteConnectionString'));
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A ledger holding sample 1 (two hard bounces, so two pending alerts), written without faults. */
async function seeded(): Promise<{ prefix: string; direct: LedgerTables }> {
  const prefix = `t${randomBytes(6).toString('hex')}`;
  const { tables, config } = await openTestTables({ LEDGER_TABLE_PREFIX: prefix });
  cleanups.push(() => tables.close());
  await processBatch(batch, pipelineDepsFrom(config, tables));
  return { prefix, direct: tables };
}

async function cliReads(tables: LedgerTables, messageId: string) {
  const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
  const letters = [];
  for await (const letter of listDeadLetters(tables.deadLetters, io)) letters.push(letter);
  return {
    summary: await summarizeLedger(tables),
    message: await getMessage(tables.messages, messageId, io),
    deadLetters: letters,
    bounces: await listBounceRecords(tables.bounces, {}, io),
    usage: await listUsage(tables),
    alerts: (await listAlertDeliveries(tables.alerts, io)).map(({ etag: _e, ...rest }) => rest),
  };
}

function capturingSink(): AlertSink & { readonly sent: string[] } {
  const sent: string[] = [];
  return {
    name: 'capture',
    sent,
    deliver: (alert: LedgerAlert) => {
      sent.push(alert.id);
      return Promise.resolve({ outcome: 'delivered' });
    },
  };
}

describe.each(FAULTS)('storage calls under a %s', (kind) => {
  it('table creation is retried, and the tables open', async () => {
    const proxy = await startProxy();
    proxy.fault = { kind, remaining: 3, only: (req) => req.method === 'POST' && (req.url ?? '').endsWith('/Tables') };
    const tables = await proxiedTables(`t${randomBytes(6).toString('hex')}`, proxy);
    expect(proxy.faultsInjected).toBe(3);
    proxy.fault = { kind: 'none' };
    expect(await listAlertDeliveries(tables.alerts, { policy: tables.retryPolicy, meter: new StorageMeter() })).toEqual([]);
  });

  it('the summary scan and every CLI read return what they return without faults', async () => {
    const { prefix, direct } = await seeded();
    const proxy = await startProxy();
    const tables = await proxiedTables(prefix, proxy);
    const messageId = (await summarizeLedger(direct)).hardBounces[0]?.messageId ?? '';
    expect(messageId).not.toBe('');
    const expected = await cliReads(direct, messageId);
    expect(expected.message).not.toBeNull();
    expect(expected.alerts).toHaveLength(2);
    proxy.fault = { kind, remaining: 1_000, only: everyOther((req) => req.method === 'GET') };
    const actual = await cliReads(tables, messageId);
    // summary: 3 scans; then message, dead letters, bounces, usage, alerts: each at least one faulted GET.
    expect(proxy.faultsInjected).toBeGreaterThanOrEqual(8);
    expect(actual).toEqual(expected);
  });

  it("the dispatcher's reads and writes are retried, and each alert is delivered once", async () => {
    const { prefix, direct } = await seeded();
    const proxy = await startProxy();
    const tables = await proxiedTables(prefix, proxy);
    const sink = capturingSink();
    proxy.fault = { kind, remaining: 1_000, only: everyOther(() => true) };
    const report = await dispatchAlerts({ tables, sinks: [sink], io: { policy: tables.retryPolicy, meter: new StorageMeter() } });
    proxy.fault = { kind: 'none' };
    expect(report.delivered).toBe(2);
    // list, then per alert: outbox check, claim, save.
    expect(proxy.faultsInjected).toBeGreaterThanOrEqual(7);
    expect(new Set(sink.sent).size).toBe(2);
    expect(sink.sent).toHaveLength(2);
    const rows = await listAlertDeliveries(direct.alerts, { policy: direct.retryPolicy, meter: new StorageMeter() });
    expect(rows.map((r) => r.state)).toEqual(['delivered', 'delivered']);
  });
});

describe('storage that never answers', () => {
  it('fails after its attempts with a retryable error that names the operation and the timeout', async () => {
    const proxy = await startProxy();
    proxy.fault = { kind: 'hang', remaining: 1_000, only: (req) => (req.url ?? '').endsWith('/Tables') };
    const started = Date.now();
    const failure = await proxiedTables(`t${randomBytes(6).toString('hex')}`, proxy).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 'storage_unavailable', retryable: true });
    expect((failure as Error).message).toMatch(/create table failed 4 times \(TimeoutError: no answer within 250 ms\)/);
    // 4 attempts of 250 ms each: it gave up rather than waiting for ever.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 250);
    expect(proxy.faultsInjected).toBeGreaterThanOrEqual(4);
  });
});
