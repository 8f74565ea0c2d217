import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { EventGridWebhookSetting } from '../../src/config/eventGridWebhook.js';

/**
 * FAKE OF THE FUNCTIONS HOST: the host cannot run here, so the eventGridWebhook handler is called the
 * way the host calls it, with @azure/functions' own HttpRequest and InvocationContext (its registration
 * is checked in hostMetadata.test.ts). App Service authentication is faked the same way: the entra
 * requests carry X-MS-CLIENT-PRINCIPAL as it would inject it. Everything behind the handler is real,
 * down to Azurite.
 */
const SECRET = 'fn-eventgrid-secret-0123456789abcdef0123';
const sample = readFileSync(new URL('../fixtures/sample-event-1.json', import.meta.url), 'utf8');
const logs: { level: string; text: string }[] = [];
const ctx = () => new InvocationContext({ invocationId: `eg-${randomBytes(4).toString('hex')}`, functionName: 'eventGridWebhook', logHandler: (level, ...a) => logs.push({ level, text: a.map(String).join(' ') }) });
const principal = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'appid', val: '4962773b-9cdb-44cf-a8bf-237846a00ab7' }] })).toString('base64');

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
let handlerFor: (setting: EventGridWebhookSetting) => Handler;

const request = (init: { method?: string; query?: string; headers?: Record<string, string>; body?: string }) =>
  new HttpRequest({
    method: init.method ?? 'POST',
    url: `https://ledger.azurewebsites.net/api/eventgrid${init.query ?? ''}`,
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: { string: init.body } }),
  });

describe('eventGridWebhook handler (host faked)', () => {
  beforeAll(async () => {
    vi.stubEnv('LEDGER_STORAGE', inject('azuriteConnectionString'));
    vi.stubEnv('LEDGER_TABLE_PREFIX', `eg${randomBytes(5).toString('hex')}`);
    vi.stubEnv('LEDGER_EVENTGRID_SECRET', SECRET);
    const module = await import('../../src/functions/eventGridWebhook.js');
    handlerFor = module.eventGridWebhookHandler;
    // The registered handler's setting was read from the environment when the module loaded.
    expect(module.webhookSetting).toEqual({ mode: 'secret', secret: SECRET });
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('answers the validation handshake with the code as JSON, and the CloudEvents OPTIONS with the origin', async () => {
    const handler = handlerFor({ mode: 'secret', secret: SECRET });
    const validation = JSON.stringify([{ id: 'v', topic: '/subscriptions/x', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: '2025-03-14T10:00:00Z', dataVersion: '1', metadataVersion: '1', data: { validationCode: 'fn-code-1', validationUrl: 'https://rp.eventgrid.azure.net/v?id=fn' } }]);
    const answer = await handler(request({ query: `?secret=${SECRET}`, body: validation, headers: { 'aeg-event-type': 'SubscriptionValidation' } }), ctx());
    expect([answer.status, answer.jsonBody]).toEqual([200, { validationResponse: 'fn-code-1' }]);
    const options = await handler(request({ method: 'OPTIONS', headers: { 'x-ledger-eventgrid-secret': SECRET, 'webhook-request-origin': 'eventgrid.azure.net' } }), ctx());
    expect(options.status).toBe(200);
    expect(options.headers).toMatchObject({ 'webhook-allowed-origin': 'eventgrid.azure.net', 'webhook-allowed-rate': '*' });
  });

  it('ingests a diagnostic-log body through processBatch, answers the buckets after the commit, and dispatches the alerts', async () => {
    const handler = handlerFor({ mode: 'secret', secret: SECRET });
    logs.length = 0;
    const answer = await handler(request({ headers: { 'x-ledger-eventgrid-secret': SECRET, 'aeg-delivery-count': '0' }, body: sample }), ctx());
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({ records: 8, applied: 8, duplicates: 0, ignored: 0, deadLettered: 0, alertsCreated: 2 });
    const line = logs.find((l) => l.text.includes('"event":"ledger.webhook_batch"'));
    expect(JSON.parse(line?.text ?? '{}')).toMatchObject({ deliveryCount: 0, records: 8, applied: 8 });
    expect(logs.filter((l) => l.text.startsWith('LEDGER_ALERT '))).toHaveLength(2);
    expect(logs.some((l) => l.text.includes('"event":"ledger.alerts_dispatched"'))).toBe(true);
    const again = await handler(request({ query: `?secret=${SECRET}`, body: sample }), ctx());
    expect(again.jsonBody).toMatchObject({ records: 8, applied: 0, duplicates: 8 });
  });

  it('applies an Event Grid delivery report (Event Grid schema) as the Event Hub path would', async () => {
    const handler = handlerFor({ mode: 'secret', secret: SECRET });
    const messageId = '3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7';
    const report = JSON.stringify([
      {
        id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        topic: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs',
        subject: `sender/DoNotReply@example.com/message/${messageId}`,
        eventType: 'Microsoft.Communication.EmailDeliveryReportReceived',
        eventTime: '2025-03-14T10:00:05Z',
        dataVersion: '1.0',
        metadataVersion: '1',
        data: { sender: 'DoNotReply@example.com', recipient: 'a@example.org', messageId, status: 'Delivered', deliveryStatusDetails: { statusMessage: 'No error.', recipientMailServerHostName: 'mx.example.org' }, deliveryAttemptTimestamp: '2025-03-14T10:00:04Z' },
      },
    ]);
    const answer = await handler(request({ headers: { 'x-ledger-eventgrid-secret': SECRET, 'aeg-delivery-count': '0' }, body: report }), ctx());
    expect([answer.status, answer.jsonBody]).toEqual([200, expect.objectContaining({ records: 1, applied: 1, duplicates: 0, ignored: 0, deadLettered: 0 })]);
  });

  it('with entra, takes a request with the App Service principal and refuses one without (401)', async () => {
    const handler = handlerFor({ mode: 'entra' });
    expect((await handler(request({ body: '{"records":[]}', headers: { 'x-ms-client-principal': principal } }), ctx())).status).toBe(200);
    const refused = await handler(request({ body: '{"records":[]}', query: `?secret=${SECRET}` }), ctx());
    expect(refused.status).toBe(401);
  });

  it('401 on a wrong secret, 405 on GET, 503 naming the setting when off', async () => {
    const handler = handlerFor({ mode: 'secret', secret: SECRET });
    expect((await handler(request({ query: '?secret=nope', body: sample }), ctx())).status).toBe(401);
    expect((await handler(request({ method: 'GET', query: `?secret=${SECRET}` }), ctx())).status).toBe(405);
    const off = await handlerFor({ mode: 'off', setting: 'LEDGER_EVENTGRID_SECRET', reason: 'the Event Grid webhook is off: LEDGER_EVENTGRID_SECRET is not set', unset: true })(request({ body: sample }), ctx());
    expect([off.status, (off.jsonBody as { setting: string }).setting]).toEqual([503, 'LEDGER_EVENTGRID_SECRET']);
  });
});

describe('eventGridWebhook handler when storage is down or the app is misconfigured (host faked)', () => {
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('answers 503 with Retry-After on a storage outage (Event Grid redelivers) and logs why', async () => {
    vi.resetModules();
    // A port nothing listens on: every storage call is refused.
    vi.stubEnv('LEDGER_STORAGE', inject('azuriteConnectionString').replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9'));
    vi.stubEnv('LEDGER_STORAGE_MAX_ATTEMPTS', '2');
    const { eventGridWebhookHandler } = await import('../../src/functions/eventGridWebhook.js');
    logs.length = 0;
    const answer = await eventGridWebhookHandler({ mode: 'secret', secret: SECRET })(request({ query: `?secret=${SECRET}`, body: sample, headers: { 'aeg-delivery-count': '4' } }), ctx());
    expect(answer.status).toBe(503);
    expect(answer.headers).toMatchObject({ 'retry-after': '30' });
    expect(answer.jsonBody).toMatchObject({ code: 'storage_unavailable', retryable: true });
    const failed = logs.find((l) => l.text.includes('ledger.webhook_failed'));
    expect(failed?.level).toBe('error');
    expect(JSON.parse(failed?.text ?? '{}')).toMatchObject({ code: 'storage_unavailable', retryable: true, deliveryCount: 4 });
  });

  it('answers 500 when the failure is not retryable (a core setting is invalid)', async () => {
    vi.resetModules();
    vi.stubEnv('LEDGER_STORAGE', inject('azuriteConnectionString'));
    vi.stubEnv('LEDGER_TABLE_PREFIX', '9-not-a-prefix');
    const { eventGridWebhookHandler } = await import('../../src/functions/eventGridWebhook.js');
    const answer = await eventGridWebhookHandler({ mode: 'secret', secret: SECRET })(request({ query: `?secret=${SECRET}`, body: sample }), ctx());
    expect([answer.status, (answer.jsonBody as { code: string }).code]).toEqual([500, 'config_invalid']);
  });
});
