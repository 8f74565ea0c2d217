import { HttpRequest, InvocationContext } from '@azure/functions';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';

/**
 * The HTTP and timer functions called as the host calls them (the host itself cannot run here); the
 * ledger behind them is real, on Azurite.
 */
const sample = readFileSync(new URL('../fixtures/sample-event-1.json', import.meta.url), 'utf8');
const logs: string[] = [];
const ctx = () => new InvocationContext({ invocationId: randomBytes(4).toString('hex'), logHandler: (_l, ...a) => logs.push(a.map(String).join(' ')) });

describe('HTTP and timer functions', () => {
  beforeAll(() => {
    vi.stubEnv('LEDGER_STORAGE', inject('azuriteConnectionString'));
    vi.stubEnv('LEDGER_TABLE_PREFIX', `http${randomBytes(5).toString('hex')}`);
    vi.stubEnv('LEDGER_ALERT_LOG', 'true');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('the ingest function alerts through the log sink, the timer finds nothing left, and the HTTP API answers', async () => {
    const { ingestDiagnostics } = await import('../../src/functions/ingestDiagnostics.js');
    const { dispatchAlertsOnTimer } = await import('../../src/functions/dispatchAlertsTimer.js');
    const { httpHandler } = await import('../../src/functions/httpApi.js');
    const { API_ROUTES } = await import('../../src/api/routes.js');
    const handlerOf = (name: string) => httpHandler(API_ROUTES.find((r) => r.name === name) ?? expect.unreachable(name), { mode: 'key', problem: null });
    const getSuppression = handlerOf('getSuppression');
    const getMessageState = handlerOf('getMessageState');

    await ingestDiagnostics([sample], ctx());
    const alertLines = logs.filter((l) => l.startsWith('LEDGER_ALERT '));
    expect(alertLines).toHaveLength(2);
    expect(JSON.parse(alertLines[0]?.slice('LEDGER_ALERT '.length) ?? '{}')).toMatchObject({ type: 'hard_bounce', schema: 'acs-email-ledger.alert/v1' });

    logs.length = 0;
    await dispatchAlertsOnTimer({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, ctx());
    expect(logs.filter((l) => l.startsWith('LEDGER_ALERT '))).toHaveLength(0);

    const bob = await getSuppression(new HttpRequest({ method: 'GET', url: 'http://localhost/api/suppressions/Bob%40Example.org', params: { address: 'Bob@Example.org' } }), ctx());
    expect(bob.status).toBe(200);
    expect(bob.jsonBody).toMatchObject({ address: 'bob@example.org', hardBounced: true, suppressedUntil: '2025-03-15T09:21:13.012Z' });

    const nobody = await getSuppression(new HttpRequest({ method: 'GET', url: 'http://localhost/api/suppressions/x', params: { address: 'nobody@example.org' } }), ctx());
    expect(nobody.jsonBody).toMatchObject({ hardBounced: false, likelySuppressedNow: false });

    const bad = await getSuppression(new HttpRequest({ method: 'GET', url: 'http://localhost/api/suppressions/x', params: { address: 'not-an-address' } }), ctx());
    expect(bad.status).toBe(400);
    expect(bad.jsonBody).toEqual({ error: 'expected an email address (local-part@domain)', param: 'address' });

    const message = await getMessageState(new HttpRequest({ method: 'GET', url: 'http://localhost/api/messages/x', params: { messageId: '6f2a1c3e-4b5d-4e7f-9a01-23456789abcd' } }), ctx());
    expect(message.status).toBe(200);
    expect((message.jsonBody as { recipients: unknown[] }).recipients).toHaveLength(2);

    const missing = await getMessageState(new HttpRequest({ method: 'GET', url: 'http://localhost/api/messages/x', params: { messageId: 'nope' } }), ctx());
    expect(missing.status).toBe(404);
    expect(missing.jsonBody).toEqual({ error: 'no such message in the ledger', param: 'messageId' });

    // The query string as the host hands it over: the key (?code=) is the host's, anything else unknown is a 400.
    const listBounces = handlerOf('listBounces');
    const keyed = 'http://localhost/api/bounces?code=secret';
    const bounces = await listBounces(new HttpRequest({ method: 'GET', url: `${keyed}&since=2025-03-01` }), ctx());
    expect(bounces.status).toBe(200);
    expect((bounces.jsonBody as { bounces: { address: string }[] }).bounces.map((b) => b.address)).toContain('bob@example.org');
    const typo = await listBounces(new HttpRequest({ method: 'GET', url: `${keyed}&snce=2025-03-01` }), ctx());
    expect(typo).toMatchObject({ status: 400, jsonBody: { param: 'snce' } });

    // An index route with hyphenated flags as query names, read from the index the ingest function wrote.
    const listMessages = handlerOf('listMessages');
    const window = 'http://localhost/api/messages?code=secret&from=2025-03-01&to=2025-04-01&sender-domain=Example.com';
    const page = await listMessages(new HttpRequest({ method: 'GET', url: window }), ctx());
    expect(page.status).toBe(200);
    expect((page.jsonBody as { messages: { messageId: string }[] }).messages.map((m) => m.messageId)).toEqual(['0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b', '6f2a1c3e-4b5d-4e7f-9a01-23456789abcd']);
    const limitZero = await listMessages(new HttpRequest({ method: 'GET', url: `${window}&limit=0` }), ctx());
    expect(limitZero).toMatchObject({ status: 400, jsonBody: { param: 'limit' } });
  });
});
