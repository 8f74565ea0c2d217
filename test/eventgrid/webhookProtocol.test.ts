import { describe, expect, it } from 'vitest';
import { eventGridWebhookSetting, type EventGridWebhookSetting } from '../../src/config/eventGridWebhook.js';
import { decideWebhook, MAX_WEBHOOK_BODY_BYTES, sameSecret, type WebhookRequest } from '../../src/eventgrid/webhookProtocol.js';
import { loadConfig, LEDGER_SETTING_NAMES } from '../../src/config.js';

/** The pure protocol of POST /api/eventgrid: requests in, decisions out (no storage, no HTTP). */
const SECRET = 'k'.repeat(16) + '0123456789abcdef0123';
const secretMode: EventGridWebhookSetting = { mode: 'secret', secret: SECRET };
const principal = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'appid', val: '4962773b-9cdb-44cf-a8bf-237846a00ab7' }] })).toString('base64');

function request(init: { method?: string; headers?: Record<string, string>; query?: [string, string][]; body?: string | Uint8Array | null; bodyBytes?: number } = {}): WebhookRequest {
  const headers = new Map(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const body = init.body === undefined ? Buffer.from('[]') : init.body === null ? null : typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
  return { method: init.method ?? 'POST', header: (n) => headers.get(n) ?? null, query: init.query ?? [['secret', SECRET]], body, bodyBytes: init.bodyBytes ?? body?.byteLength ?? 0 };
}

const validation = JSON.stringify([
  {
    id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
    topic: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs',
    subject: '',
    data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', validationUrl: 'https://rp-eastus2.eventgrid.azure.net/eventsubscriptions/ledger/validate?id=512d38b6&t=2025-03-14T10:00:00Z&apiVersion=2020-06-01&token=abc' },
    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    eventTime: '2025-03-14T10:00:00Z',
    metadataVersion: '1',
    dataVersion: '1',
  },
]);

describe('decideWebhook', () => {
  it('answers the Event Grid validation handshake with exactly the code, and logs the validation URL', () => {
    const decision = decideWebhook(request({ body: validation, headers: { 'aeg-event-type': 'SubscriptionValidation' } }), secretMode);
    expect(decision).toMatchObject({ kind: 'answer', answer: { status: 200, body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' } } });
    if (decision.kind !== 'answer') return expect.unreachable();
    expect(JSON.stringify(decision.answer.body)).toBe('{"validationResponse":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}');
    expect(JSON.parse(decision.log ?? '{}')).toMatchObject({ event: 'ledger.eventgrid_handshake', validationUrl: expect.stringContaining('/validate?id=512d38b6') });
  });

  it('answers a validation event sent alone (not in an array) and refuses one without a code (400, never retried)', () => {
    const single = JSON.stringify((JSON.parse(validation) as unknown[])[0]);
    expect(decideWebhook(request({ body: `\uFEFF${single}` }), secretMode)).toMatchObject({ answer: { status: 200, body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' } } });
    const noCode = validation.replace('"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6",', '');
    expect(decideWebhook(request({ body: noCode }), secretMode)).toMatchObject({ answer: { status: 400 } });
  });

  it('answers the CloudEvents abuse-protection OPTIONS with the origin allowed, and 400 without WebHook-Request-Origin', () => {
    const ok = decideWebhook(request({ method: 'OPTIONS', body: null, bodyBytes: 0, headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } }), secretMode);
    expect(ok).toMatchObject({ kind: 'answer', answer: { status: 200, headers: { 'webhook-allowed-origin': 'eventgrid.azure.net', 'webhook-allowed-rate': '*' } } });
    expect(decideWebhook(request({ method: 'OPTIONS', body: null, bodyBytes: 0 }), secretMode)).toMatchObject({ answer: { status: 400 } });
  });

  it('takes the secret from the query or the header; refuses a wrong, missing or near-miss secret with 401; answers the handshakes without it', () => {
    const body = '{"records":[]}';
    expect(decideWebhook(request({ body }), secretMode)).toMatchObject({ kind: 'ingest' });
    expect(decideWebhook(request({ body, query: [], headers: { 'x-ledger-eventgrid-secret': SECRET } }), secretMode)).toMatchObject({ kind: 'ingest' });
    expect(decideWebhook(request({ body, query: [['secret', 'wrong'], ['secret', SECRET]] }), secretMode)).toMatchObject({ kind: 'ingest' });
    for (const query of [[], [['secret', SECRET.slice(0, -1)]], [['secret', `${SECRET}x`]], [['Secret', SECRET]], [['code', SECRET]]] as [string, string][][]) {
      expect(decideWebhook(request({ body, query }), secretMode), JSON.stringify(query)).toMatchObject({ kind: 'answer', answer: { status: 401 } });
    }
    // Handshakes need no secret (no source says Event Grid sends the static delivery headers with them); they ingest nothing.
    expect(decideWebhook(request({ body: validation, query: [] }), secretMode)).toMatchObject({ kind: 'answer', answer: { status: 200, body: { validationResponse: expect.any(String) } } });
    expect(decideWebhook(request({ method: 'OPTIONS', query: [], headers: { 'webhook-request-origin': 'eventgrid.azure.net' } }), secretMode)).toMatchObject({ answer: { status: 200 } });
  });

  it('with entra, needs the App Service principal (a secret does not stand in for it)', () => {
    const entra: EventGridWebhookSetting = { mode: 'entra' };
    expect(decideWebhook(request({ query: [], headers: { 'x-ms-client-principal': principal } }), entra)).toMatchObject({ kind: 'ingest' });
    expect(decideWebhook(request({ query: [['secret', SECRET]] }), entra)).toMatchObject({ answer: { status: 401, body: { error: expect.stringContaining('LEDGER_EVENTGRID_AUTH=entra') } } });
    expect(decideWebhook(request({ query: [], headers: { 'x-ms-client-principal': 'e30=' } }), entra)).toMatchObject({ answer: { status: 401 } });
  });

  it('405 for other methods (with Allow), 503 naming the setting when off, 413 past the limit', () => {
    expect(decideWebhook(request({ method: 'GET' }), secretMode)).toMatchObject({ answer: { status: 405, headers: { allow: 'POST, OPTIONS' } } });
    const off = eventGridWebhookSetting({});
    expect(decideWebhook(request(), off)).toMatchObject({ answer: { status: 503, body: { setting: 'LEDGER_EVENTGRID_SECRET', error: expect.stringContaining('LEDGER_EVENTGRID_SECRET is not set') } } });
    expect(decideWebhook(request({ body: null, bodyBytes: MAX_WEBHOOK_BODY_BYTES + 1 }), secretMode)).toMatchObject({ answer: { status: 413 } });
    expect(decideWebhook(request({ body: Buffer.alloc(MAX_WEBHOOK_BODY_BYTES, 0x20) }), secretMode)).toMatchObject({ kind: 'ingest' });
    // The size comes before the secret (a handshake is read before it): an oversized body is refused unread either way.
    expect(decideWebhook(request({ body: null, bodyBytes: MAX_WEBHOOK_BODY_BYTES + 1, query: [] }), secretMode)).toMatchObject({ answer: { status: 413 } });
  });

  it('ingests anything else as it came, bytes untouched, with the delivery count when Event Grid sends one', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(decideWebhook(request({ body: bytes, headers: { 'aeg-delivery-count': '3' } }), secretMode)).toEqual({ kind: 'ingest', body: bytes, deliveryCount: 3 });
    expect(decideWebhook(request({ body: 'not json', headers: { 'aeg-delivery-count': 'x' } }), secretMode)).toMatchObject({ kind: 'ingest', deliveryCount: undefined });
  });
});

describe('sameSecret', () => {
  it('matches only the exact secret, whatever the lengths', () => {
    expect(sameSecret(SECRET, SECRET)).toBe(true);
    expect(sameSecret('', SECRET)).toBe(false);
    expect(sameSecret(null, SECRET)).toBe(false);
    expect(sameSecret(SECRET.toUpperCase(), SECRET)).toBe(false);
  });
});

describe('LEDGER_EVENTGRID_AUTH and LEDGER_EVENTGRID_SECRET', () => {
  it('default to secret mode, and the webhook is off (unset) until the secret is set', () => {
    expect(eventGridWebhookSetting({})).toMatchObject({ mode: 'off', unset: true, setting: 'LEDGER_EVENTGRID_SECRET' });
    expect(eventGridWebhookSetting({ LEDGER_EVENTGRID_SECRET: ` ${SECRET} ` })).toEqual({ mode: 'secret', secret: SECRET });
    expect(eventGridWebhookSetting({ LEDGER_EVENTGRID_AUTH: ' Entra ' })).toEqual({ mode: 'entra' });
  });

  it('switch only the webhook off on a bad value, naming the setting, never quoting the secret', () => {
    const short = eventGridWebhookSetting({ LEDGER_EVENTGRID_SECRET: 'too-short-secret' });
    expect(short).toMatchObject({ mode: 'off', unset: false, setting: 'LEDGER_EVENTGRID_SECRET', reason: expect.stringContaining('at least 32 characters') });
    expect(JSON.stringify(short)).not.toContain('too-short-secret');
    expect(eventGridWebhookSetting({ LEDGER_EVENTGRID_SECRET: '@Microsoft.KeyVault(SecretUri=https://kv.example/secrets/eg)' })).toMatchObject({ mode: 'off', reason: expect.stringContaining('Key Vault') });
    expect(eventGridWebhookSetting({ LEDGER_EVENTGRID_AUTH: 'none', LEDGER_EVENTGRID_SECRET: SECRET })).toMatchObject({ mode: 'off', unset: false, setting: 'LEDGER_EVENTGRID_AUTH', reason: expect.stringContaining('secret or entra') });
    // What the infra sets without webhook delivery: off, but as "not wanted", not as an error.
    expect(eventGridWebhookSetting({ LEDGER_EVENTGRID_AUTH: 'secret', LEDGER_EVENTGRID_SECRET: '' })).toMatchObject({ mode: 'off', unset: true });
    // The rest of the configuration loads as before.
    const config = loadConfig({ LEDGER_EVENTGRID_AUTH: 'none' });
    expect(config.eventGrid).toMatchObject({ mode: 'off', setting: 'LEDGER_EVENTGRID_AUTH' });
    expect(config.tablePrefix).toBe('ledger');
    expect(LEDGER_SETTING_NAMES).toEqual(expect.arrayContaining(['LEDGER_EVENTGRID_AUTH', 'LEDGER_EVENTGRID_SECRET']));
  });
});
