import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { replayCommand } from '../../src/cli/commands/replayCommand.js';
import { serveCommand } from '../../src/cli/commands/serveCommand.js';
import type { Output } from '../../src/cli/output.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../../src/eventgrid/webhookProtocol.js';
import { startLocalApiServer, type LocalApiServer } from '../../src/serve/localApiServer.js';
import { toSourcedBodies } from '../../src/functions/eventHubBatch.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listDeadLetters } from '../../src/store/deadLetterStore.js';
import { openLedgerTables, type LedgerTables } from '../../src/store/ledgerTables.js';
import type { LedgerConfig } from '../../src/config.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faultyStorageProxy.js';
import { dumpLedger, testConfig } from '../helpers/ledgerFixture.js';

/**
 * POST /api/eventgrid on `serve`: the node:http adapter on a real loopback port, called with fetch, over
 * a real ledger on Azurite (through the fault-injecting proxy where storage must fail). Event Grid's
 * delivery itself is the part we cannot run: the requests below are shaped as it sends them.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'eg-test-secret-0123456789abcdef0123456789';
const fixture = (name: string) => readFileSync(path.join(root, 'test/fixtures', name), 'utf8');
const silent: Output = { json: true, result: () => undefined, note: () => undefined };

interface Served {
  readonly server: LocalApiServer;
  readonly ledger: { config: LedgerConfig; tables: LedgerTables };
  readonly logs: string[];
  readonly alertLines: string[];
}
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(env: Record<string, string> = { LEDGER_EVENTGRID_SECRET: SECRET }): Promise<Served> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-egwebhook-'));
  const config = testConfig({ LEDGER_DATA_DIR: dataDir, ...env });
  const tables = await openLedgerTables(config, { allowEmbedded: false });
  const logs: string[] = [];
  const alertLines: string[] = [];
  const server = await startLocalApiServer({ config, tables }, { host: '127.0.0.1', port: 0, log: (m) => logs.push(m), alertLine: (l) => alertLines.push(l) });
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => tables.close(), () => server.close());
  return { server, ledger: { config, tables }, logs, alertLines };
}

const post = async (served: Served, body: string | Uint8Array, init: { query?: string; headers?: Record<string, string>; method?: string } = {}) => {
  const response = await fetch(`${served.server.url}/api/eventgrid${init.query ?? `?secret=${encodeURIComponent(SECRET)}`}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.method === 'OPTIONS' ? {} : { body }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
};

const buckets = (r: Record<string, unknown>) => ({
  records: r['records'],
  applied: r['applied'],
  duplicates: r['duplicates'],
  ignored: r['ignored'],
  deadLettered: r['deadLettered'],
  ignoredByCategory: { ...(r['ignoredByCategory'] as object) },
  deadLettersByReason: { ...(r['deadLettersByReason'] as object) },
});
const sum = (reports: Record<string, unknown>[]) =>
  reports.map(buckets).reduce((a, b) => ({
    records: Number(a.records) + Number(b.records),
    applied: Number(a.applied) + Number(b.applied),
    duplicates: Number(a.duplicates) + Number(b.duplicates),
    ignored: Number(a.ignored) + Number(b.ignored),
    deadLettered: Number(a.deadLettered) + Number(b.deadLettered),
    ignoredByCategory: merge(a.ignoredByCategory, b.ignoredByCategory),
    deadLettersByReason: merge(a.deadLettersByReason, b.deadLettersByReason),
  }));
const merge = (a: object, b: object) => {
  const out: Record<string, number> = { ...(a as Record<string, number>) };
  for (const [k, v] of Object.entries(b as Record<string, number>)) out[k] = (out[k] ?? 0) + v;
  return out;
};

describe('POST /api/eventgrid on serve', () => {
  it('answers both handshakes over HTTP, with or without the secret, and writes nothing for them', async () => {
    const served = await serve();
    const validation = JSON.stringify([
      { id: 'v1', topic: '/subscriptions/x', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: '2025-03-14T10:00:00Z', dataVersion: '1', metadataVersion: '1', data: { validationCode: 'CODE-6f0e', validationUrl: 'https://rp.eventgrid.azure.net/validate?id=1' } },
    ]);
    const ok = await post(served, validation, { headers: { 'aeg-event-type': 'SubscriptionValidation' } });
    expect([ok.status, ok.body]).toEqual([200, { validationResponse: 'CODE-6f0e' }]);
    expect(served.logs.some((l) => l.includes('https://rp.eventgrid.azure.net/validate?id=1'))).toBe(true);
    expect((await post(served, validation, { query: '' })).body).toEqual({ validationResponse: 'CODE-6f0e' });

    const options = await post(served, '', { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(options.headers.get('webhook-allowed-rate')).toBe('*');
    expect((await post(served, '', { method: 'OPTIONS', query: '', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } })).status).toBe(200);
    expect(await dumpLedger(served.ledger.tables)).toEqual({ messages: [], usage: [], deadLetters: [], bounces: [], index: [] });
  });

  it('refuses a wrong or missing secret with 401 and writes nothing; takes it from the query or the header', async () => {
    const served = await serve();
    const body = fixture('sample-event-1.json');
    for (const init of [{ query: '' }, { query: '?secret=wrong' }, { query: '', headers: { 'x-ledger-eventgrid-secret': `${SECRET}x` } }]) {
      const refused = await post(served, body, init);
      expect(refused.status, JSON.stringify(init)).toBe(401);
    }
    expect(await dumpLedger(served.ledger.tables)).toEqual({ messages: [], usage: [], deadLetters: [], bounces: [], index: [] });
    expect((await post(served, body, { query: '', headers: { 'x-ledger-eventgrid-secret': SECRET } })).body).toMatchObject({ records: 8, deadLettered: 0 });
    expect((await post(served, body)).body).toMatchObject({ records: 8, applied: 0, duplicates: 8 });
  });

  it('405 for GET, 413 past the limit (nothing written), 503 naming the setting without a secret', async () => {
    const served = await serve();
    const get = await fetch(`${served.server.url}/api/eventgrid?secret=${SECRET}`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST, OPTIONS']);
    const big = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES + 1, 0x20);
    const tooLarge = await post(served, big);
    expect([tooLarge.status, tooLarge.body['limit']]).toEqual([413, MAX_WEBHOOK_BODY_BYTES]);
    expect(await dumpLedger(served.ledger.tables)).toEqual({ messages: [], usage: [], deadLetters: [], bounces: [], index: [] });

    const unconfigured = await serve({});
    const off = await post(unconfigured, fixture('sample-event-1.json'));
    expect(off.status).toBe(503);
    expect(off.body).toMatchObject({ setting: 'LEDGER_EVENTGRID_SECRET', error: expect.stringContaining('LEDGER_EVENTGRID_SECRET is not set') });
    // The rest of the server is unaffected.
    expect((await fetch(`${unconfigured.server.url}/api/openapi.json`)).status).toBe(200);
    // entra trusts a header only App Service can set: never on the local server.
    const entra = await post(await serve({ LEDGER_EVENTGRID_AUTH: 'entra' }), '{}', { headers: { 'x-ms-client-principal': 'e30=' } });
    expect([entra.status, entra.body['setting']]).toEqual([503, 'LEDGER_EVENTGRID_AUTH']);
  });

  it('applies diagnostic-log bodies exactly as replay does (same buckets, same ledger), dead-letters what never parses with 200, and alerts after commit', async () => {
    const served = await serve();
    const bodies = [fixture('sample-event-1.json'), fixture('sample-event-2.json')];
    const reports: Record<string, unknown>[] = [];
    for (const body of bodies) {
      const answer = await post(served, body, { headers: { 'aeg-delivery-count': '0' } });
      expect(answer.status).toBe(200);
      reports.push(answer.body);
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-egreplay-'));
    const replayConfig = testConfig({ LEDGER_DATA_DIR: dataDir });
    const replayTables = await openLedgerTables(replayConfig, { allowEmbedded: false });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => replayTables.close());
    const replayed = await replayCommand([path.join(root, 'test/fixtures/sample-event-1.json'), path.join(root, 'test/fixtures/sample-event-2.json')], { config: replayConfig, tables: replayTables }, silent, { progress: false });
    expect(sum(reports)).toEqual(buckets(replayed.report as unknown as Record<string, unknown>));
    expect(sum(reports)).toMatchObject({ records: 15, deadLettered: 0 });
    expect(await dumpLedger(served.ledger.tables)).toEqual(await dumpLedger(replayTables));
    // The hard bounces of sample 1 were dispatched right after the commit, through the log sink.
    expect(served.alertLines.filter((l) => l.startsWith('LEDGER_ALERT '))).toHaveLength(2);

    const broken = '{"records":[{"time":"2025-03-14T09:21:07Z"';
    const dead = await post(served, broken);
    expect([dead.status, dead.body['deadLettered'], dead.body['deadLettersByReason']]).toEqual([200, 1, { invalid_json: 1 }]);
    const letters = [];
    for await (const letter of listDeadLetters(served.ledger.tables.deadLetters)) letters.push(letter);
    expect(letters).toEqual([expect.objectContaining({ reasonCode: 'invalid_json', raw: broken, location: expect.stringMatching(/^webhook POST \/api\/eventgrid at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) })]);
  });
});

describe('serve says where the webhook is', () => {
  it('prints its URL (never the secret) when configured, nothing when unset, and a note naming the setting when wrong', async () => {
    const cases = [
      [{ LEDGER_EVENTGRID_SECRET: SECRET }, true, 0],
      [{}, false, 0],
      [{ LEDGER_EVENTGRID_SECRET: 'short' }, false, 1],
    ] as const;
    for (const [env, listed, noteCount] of cases) {
      const config = testConfig(env);
      const tables = await openLedgerTables(config, { allowEmbedded: false });
      const notes: string[] = [];
      let printed: Record<string, unknown> = {};
      let text = '';
      const out: Output = { json: false, result: (json, render) => ((printed = json as Record<string, unknown>), (text = render())), note: (n) => notes.push(n) };
      const server = await serveCommand({ config, tables }, { host: '127.0.0.1', port: 0 }, out);
      cleanups.push(() => tables.close(), () => server.close());
      expect(printed['eventgrid'], JSON.stringify(env)).toBe(listed ? `${server.url}/api/eventgrid` : null);
      expect(text.includes('Event Grid webhook: POST'), JSON.stringify(env)).toBe(listed);
      expect(text).not.toContain(SECRET);
      expect(notes, JSON.stringify(env)).toHaveLength(noteCount);
      if (noteCount > 0) expect(notes[0]).toContain('LEDGER_EVENTGRID_SECRET must be at least 32 characters');
    }
  });
});

describe('POST /api/eventgrid when storage fails', () => {
  let proxy: FaultyProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('answers 503 with Retry-After; the same POST once storage is back applies every record exactly once', async () => {
    proxy = await startFaultyProxy(inject('azuriteConnectionString'));
    const served = await serve({ LEDGER_EVENTGRID_SECRET: SECRET, LEDGER_STORAGE: proxy.connectionString, LEDGER_STORAGE_MAX_ATTEMPTS: '2' });
    const body = fixture('sample-event-1.json');
    // Let the first two writes through (the bounce registry's write-ahead), then fail every write: a partial commit.
    let writes = 0;
    proxy.fault = { kind: '503', remaining: 10_000, only: (req) => req.method !== 'GET' && ++writes > 2 };
    const failed = await post(served, body, { headers: { 'aeg-delivery-count': '0' } });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('30');
    expect(failed.body).toMatchObject({ code: 'storage_unavailable', retryable: true });
    expect(proxy.faultsInjected).toBeGreaterThan(0);
    expect(served.logs.some((l) => l.includes('"event":"ledger.webhook_failed"') && l.includes('"deliveryCount":0'))).toBe(true);

    proxy.fault = { kind: 'none' };
    const again = await post(served, body, { headers: { 'aeg-delivery-count': '1' } });
    expect(again.status).toBe(200);
    // Whatever committed before the failure now counts as a duplicate, the rest is applied now (the split depends on timing).
    expect(again.body).toMatchObject({ records: 8, deadLettered: 0 });
    const third = await post(served, body, { headers: { 'aeg-delivery-count': '2' } });
    expect(third.body).toMatchObject({ records: 8, applied: 0, duplicates: 8, deadLettered: 0 });

    // Exactly once: the ledger equals a clean single replay of the same body.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-egclean-'));
    const cleanConfig = testConfig({ LEDGER_DATA_DIR: dataDir });
    const clean = await openLedgerTables(cleanConfig, { allowEmbedded: false });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => clean.close());
    const replayed = await replayCommand([path.join(root, 'test/fixtures/sample-event-1.json')], { config: cleanConfig, tables: clean }, silent, { progress: false });
    expect(Number(again.body['applied']) + Number(again.body['duplicates'])).toBe(replayed.report.records);
    expect(await dumpLedger(served.ledger.tables)).toEqual(await dumpLedger(clean));
  }, 60_000);

  it('every write carried out but its answer lost: 503, and the redelivery finds every record a duplicate and completes the indexes', async () => {
    proxy = await startFaultyProxy(inject('azuriteConnectionString'));
    const served = await serve({ LEDGER_EVENTGRID_SECRET: SECRET, LEDGER_STORAGE: proxy.connectionString, LEDGER_STORAGE_MAX_ATTEMPTS: '1' });
    const body = fixture('sample-event-1.json');
    proxy.fault = { kind: 'dropResponse', remaining: 10_000, only: (req) => req.method !== 'GET' };
    expect((await post(served, body)).status).toBe(503);
    proxy.fault = { kind: 'none' };
    const again = await post(served, body);
    expect([again.status, again.body['records']]).toEqual([200, 8]);
    expect(Number(again.body['duplicates'])).toBeGreaterThan(0);

    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-egclean-'));
    const cleanConfig = testConfig({ LEDGER_DATA_DIR: dataDir });
    const clean = await openLedgerTables(cleanConfig, { allowEmbedded: false });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => clean.close());
    await replayCommand([path.join(root, 'test/fixtures/sample-event-1.json')], { config: cleanConfig, tables: clean }, silent, { progress: false });
    expect(await dumpLedger(served.ledger.tables)).toEqual(await dumpLedger(clean));
  }, 60_000);
});

/** Event Grid's own reports through the webhook, recognised by src/eventgrid/classifyEventGridEvent.ts. */
describe('POST /api/eventgrid with Event Grid delivery and engagement reports', () => {
  it('applies a delivery report as a recipient status, then counts its redelivery as a duplicate', async () => {
    const served = await serve();
    const messageId = '7c5d4e1a-9b2f-4c3d-8e6f-0a1b2c3d4e5f';
    const report = JSON.stringify([
      {
        id: '0f4b3d2e-1a5c-4e6f-9b8a-7c6d5e4f3a2b',
        topic: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs',
        subject: `sender/DoNotReply@example.com/message/${messageId}`,
        eventType: 'Microsoft.Communication.EmailDeliveryReportReceived',
        eventTime: '2025-03-14T10:00:05Z',
        dataVersion: '1.0',
        metadataVersion: '1',
        data: { sender: 'DoNotReply@example.com', recipient: 'a@example.org', messageId, status: 'Delivered', deliveryStatusDetails: { statusMessage: 'No error.', recipientMailServerHostName: 'mx.example.org' }, deliveryAttemptTimestamp: '2025-03-14T10:00:04Z' },
      },
    ]);
    const first = await post(served, report, { headers: { 'aeg-delivery-count': '0' } });
    expect(first.body).toMatchObject({ records: 1, applied: 1, duplicates: 0, ignored: 0, deadLettered: 0 });
    const message = (await (await fetch(`${served.server.url}/api/messages/${messageId}`)).json()) as { recipients: { address: string; status: string | null }[] };
    expect(message.recipients).toEqual([expect.objectContaining({ address: 'a@example.org', status: 'Delivered' })]);
    expect((await post(served, report, { headers: { 'aeg-delivery-count': '1' } })).body).toMatchObject({ records: 1, applied: 0, duplicates: 1 });
  });

  it('applies a CloudEvents engagement report, and dead-letters a malformed report with the webhook as its location (200)', async () => {
    const served = await serve();
    const messageId = '8d6e5f2b-0c3a-4d4e-9f70-1b2c3d4e5f60';
    const engagement = JSON.stringify([
      {
        specversion: '1.0',
        type: 'Microsoft.Communication.EmailEngagementTrackingReportReceived',
        source: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs',
        id: '1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d',
        time: '2025-03-14T10:05:00Z',
        subject: `sender/DoNotReply@example.com/message/${messageId}`,
        data: { sender: 'DoNotReply@example.com', recipient: 'b@example.org', messageId, userActionTimestamp: '2025-03-14T10:04:59Z', engagementContext: '', userAgent: 'Mozilla/5.0', engagementType: 'view' },
      },
    ]);
    expect((await post(served, engagement, { headers: { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' } })).body).toMatchObject({ records: 1, applied: 1, deadLettered: 0 });
    const message = (await (await fetch(`${served.server.url}/api/messages/${messageId}`)).json()) as { recipients: { address: string; views: number }[] };
    expect(message.recipients).toEqual([expect.objectContaining({ address: 'b@example.org', views: 1 })]);

    const malformed = JSON.stringify([{ id: 'x', eventType: 'Microsoft.Communication.EmailDeliveryReportReceived', eventTime: '2025-03-14T10:00:05Z', data: { status: 'Delivered' } }]);
    const answer = await post(served, malformed);
    expect([answer.status, answer.body['deadLettered']]).toEqual([200, 1]);
    const letters = [];
    for await (const letter of listDeadLetters(served.ledger.tables.deadLetters)) letters.push(letter);
    expect(letters).toEqual([expect.objectContaining({ location: expect.stringMatching(/^webhook POST \/api\/eventgrid at \S+, record 0$/) })]);
  });
});

describe('the Event Grid fixtures, by webhook, by replay and by the Event Hub trigger\'s adapter', () => {
  const dir = path.join(root, 'test/fixtures/eventgrid');
  // The validation event is a handshake on the webhook (answered, not ingested) and an ignored event elsewhere.
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'eg-subscription-validation.json').sort();

  it('gives the same buckets and the same ledger on all three paths, both schemas and every status included', async () => {
    const served = await serve();
    const reports: Record<string, unknown>[] = [];
    for (const file of files) {
      const answer = await post(served, readFileSync(path.join(dir, file)));
      expect(answer.status, file).toBe(200);
      reports.push(answer.body);
    }
    const viaWebhook = sum(reports);
    expect(viaWebhook).toMatchObject({ ignored: 1, ignoredByCategory: { 'Microsoft.Communication.SMSReceived': 1 } });
    expect(Number(viaWebhook.duplicates)).toBeGreaterThanOrEqual(1);
    expect(Object.keys(viaWebhook.deadLettersByReason).sort()).toEqual(['data_not_object', 'invalid_time', 'missing_correlation_id', 'missing_delivery_status', 'missing_recipient']);

    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-egfixtures-'));
    const replayConfig = testConfig({ LEDGER_DATA_DIR: dataDir });
    const replayTables = await openLedgerTables(replayConfig, { allowEmbedded: false });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => replayTables.close());
    const replayed = await replayCommand(files.map((f) => path.join(dir, f)), { config: replayConfig, tables: replayTables }, silent, { progress: false });
    expect(buckets(replayed.report as unknown as Record<string, unknown>)).toEqual(viaWebhook);

    // The Event Hub trigger's path (the host itself is faked: its batch as it hands it over, one event per
    // fixture as an Event Grid subscription to the hub delivers them, through the trigger's own adapter).
    const hubTables = await openLedgerTables(testConfig({ LEDGER_DATA_DIR: dataDir }), { allowEmbedded: false });
    cleanups.push(() => hubTables.close());
    const hostBatch = files.map((f) => readFileSync(path.join(dir, f), 'utf8'));
    const { bodies } = toSourcedBodies(hostBatch, { partitionContext: { partitionId: '0' }, sequenceNumberArray: hostBatch.map((_, i) => i) });
    const viaHub = await processBatch(bodies, pipelineDepsFrom(served.ledger.config, hubTables));
    expect(buckets(viaHub.report as unknown as Record<string, unknown>)).toEqual(viaWebhook);

    // Dead letters name their origin, so the three ledgers differ there and only there.
    const withoutDeadLetters = async (t: LedgerTables) => ({ ...(await dumpLedger(t)), deadLetters: [] });
    expect(await withoutDeadLetters(served.ledger.tables)).toEqual(await withoutDeadLetters(replayTables));
    expect(await withoutDeadLetters(hubTables)).toEqual(await withoutDeadLetters(replayTables));
  });
});
