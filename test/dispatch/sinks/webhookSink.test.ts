import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryResult } from '../../../src/alerts/alert.js';
import { sampleBounceRate, sampleHardBounce } from '../../helpers/sampleAlerts.js';
import { LedgerError } from '../../../src/errors.js';
import { createWebhookSink, parseRetryAfter, type WebhookSinkOptions } from '../../../src/dispatch/sinks/webhookSink.js';
import { startWebhookReceiver, type WebhookReceiver, type WebhookReceiverOptions } from '../../helpers/webhookReceiver.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const hardBounce = sampleHardBounce({
  recipient: 'zoë.müller@contoso.example',
  failureMessage: '550 5.1.1 Mailbox unavailable \u{1F4ED}',
});

const bounceRate = sampleBounceRate();

const open: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function receiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(options);
  open.push(started);
  return started;
}

function sinkFor(url: string, options: Partial<WebhookSinkOptions> = {}) {
  return createWebhookSink({ url, secret: SECRET, format: 'standard', timeoutMs: 2_000, ...options });
}

describe('webhook sink against a real receiver', () => {
  it('delivers the alert with headers the reference library verifies', async () => {
    const server = await receiver({ secret: SECRET });
    const result = await sinkFor(server.url).deliver(hardBounce);

    expect(result).toEqual({ outcome: 'delivered', status: 204 });
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request?.method).toBe('POST');
    expect(request?.signatureValid).toBe(true);
    expect(request?.id).toBe(hardBounce.id);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe(`acs-email-ledger/${VERSION}`);
    expect(Math.abs(Number(request?.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(request?.parsed).toEqual(hardBounce);
    expect(server.deliveredIds()).toEqual([hardBounce.id]);
  });

  it('signs the exact bytes of Teams and Slack bodies too', async () => {
    const server = await receiver({ secret: SECRET });
    expect(await sinkFor(server.url, { format: 'teams' }).deliver(hardBounce)).toEqual({ outcome: 'delivered', status: 204 });
    expect(await sinkFor(server.url, { format: 'slack' }).deliver(bounceRate)).toEqual({ outcome: 'delivered', status: 204 });

    const [teams, slack] = server.received;
    expect(teams?.signatureValid).toBe(true);
    expect(teams?.parsed).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
    expect(teams?.body).toContain('zoë.müller@contoso.example');
    expect(slack?.signatureValid).toBe(true);
    expect(Object.keys(slack?.parsed as object).sort()).toEqual(['blocks', 'text']);
  });

  it('is caught by the receiver when signed with another secret', async () => {
    const server = await receiver({ secret: `whsec_${randomBytes(32).toString('base64')}` });
    await sinkFor(server.url).deliver(hardBounce);
    expect(server.received[0]?.signatureValid).toBe(false);
  });

  it('sends no signature headers without a secret', async () => {
    const server = await receiver();
    expect(await sinkFor(server.url, { secret: undefined }).deliver(hardBounce)).toMatchObject({ outcome: 'delivered' });
    const headers = server.received[0]?.headers ?? {};
    expect(Object.keys(headers).filter((h) => h.startsWith('webhook-'))).toEqual([]);
    expect(server.received[0]?.parsed).toEqual(hardBounce);
  });

  it('asks for a retry on 503 and delivers the retry under the same webhook-id', async () => {
    const server = await receiver({ secret: SECRET, failFirst: 1 });
    const sink = sinkFor(server.url);

    const first = await sink.deliver(hardBounce);
    expect(first).toEqual({ outcome: 'retry', reason: `webhook 127.0.0.1:${new URL(server.url).port} answered HTTP 503 Service Unavailable`, status: 503 });
    expect(await sink.deliver(hardBounce)).toEqual({ outcome: 'delivered', status: 204 });

    expect(server.received.map((r) => [r.id, r.attempt, r.signatureValid])).toEqual([
      [hardBounce.id, 1, true],
      [hardBounce.id, 2, true],
    ]);
    expect(server.deliveredIds()).toEqual([hardBounce.id]);
  });

  it.each([408, 500, 502, 504])('asks for a retry on %i', async (status) => {
    const server = await receiver({ respond: () => status });
    expect(await sinkFor(server.url).deliver(hardBounce)).toMatchObject({ outcome: 'retry', status });
    expect(server.deliveredIds()).toEqual([]);
  });

  it('passes on Retry-After in seconds from a 429', async () => {
    const server = await receiver({ respond: () => ({ status: 429, headers: { 'retry-after': '7' } }) });
    expect(await sinkFor(server.url).deliver(hardBounce)).toMatchObject({ outcome: 'retry', status: 429, retryAfterMs: 7_000 });
  });

  it('passes on Retry-After as an HTTP date', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 30_000);
    const server = await receiver({ respond: () => ({ status: 503, headers: { 'retry-after': at.toUTCString() } }) });
    const result = await sinkFor(server.url).deliver(hardBounce);
    expect(result.outcome).toBe('retry');
    const retryAfterMs = result.outcome === 'retry' ? result.retryAfterMs : undefined;
    expect(retryAfterMs).toBeGreaterThan(25_000);
    expect(retryAfterMs).toBeLessThanOrEqual(31_000);
  });

  it('reports a 400 as rejected, with what the receiver said', async () => {
    const server = await receiver({ respond: () => ({ status: 400, body: 'invalid_payload: blocks[2] too long' }) });
    const result = await sinkFor(server.url).deliver(hardBounce);
    expect(result).toMatchObject({ outcome: 'rejected', status: 400, responseBody: 'invalid_payload: blocks[2] too long' });
    expect(result.outcome === 'rejected' && result.reason).toMatch(/HTTP 400 Bad Request/);
  });

  it('keeps only the first 2 KiB of a rejecting body, without splitting a character', async () => {
    // 'a' then two-byte characters: byte 2048 is the first half of an 'é', which must be dropped, not garbled.
    const server = await receiver({ respond: () => ({ status: 422, body: `a${'é'.repeat(50_000)}` }) });
    const result = await sinkFor(server.url).deliver(hardBounce);
    expect(result).toMatchObject({ outcome: 'rejected', status: 422 });
    const body = result.outcome === 'rejected' ? (result.responseBody ?? '') : '';
    expect(body).toBe(`a${'é'.repeat(1_023)}`);
    expect(Buffer.byteLength(body)).toBe(2_047);
  });

  it('does not follow a redirect: a 3xx is rejected and nothing is sent on', async () => {
    const server = await receiver({ respond: (req) => (req.path === '/moved' ? 204 : { status: 302, headers: { location: '/moved' } }) });
    const result = await sinkFor(server.url).deliver(hardBounce);
    expect(result).toMatchObject({ outcome: 'rejected', status: 302 });
    expect(result.outcome === 'rejected' && result.reason).toMatch(/redirects are not followed/);
    expect(server.received.map((r) => r.path)).toEqual(['/hooks/alerts']);
  });

  it('gives up on a server that hangs after timeoutMs, asking for a retry', async () => {
    const server = await receiver({ respond: () => new Promise<number>(() => undefined) });
    const started = performance.now();
    const result = await sinkFor(server.url, { timeoutMs: 200 }).deliver(hardBounce);
    const elapsed = performance.now() - started;

    expect(result).toEqual({ outcome: 'retry', reason: `webhook POST to 127.0.0.1:${new URL(server.url).port} got no answer within 200 ms` });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_500);
    expect(server.received).toHaveLength(1);
  });

  it('asks for a retry when the connection is refused', async () => {
    const server = await startWebhookReceiver();
    await server.close(); // the port is now closed: nothing listens there
    const result = await sinkFor(server.url).deliver(hardBounce);
    expect(result.outcome).toBe('retry');
    expect(result).not.toHaveProperty('status');
    expect(result.outcome === 'retry' && result.reason).toMatch(/^webhook POST to 127\.0\.0\.1:\d+ failed: fetch failed: .*ECONNREFUSED/);
  });

  it('asks for a retry, without sending, when the caller has already aborted', async () => {
    const server = await receiver();
    const result = await sinkFor(server.url).deliver(hardBounce, AbortSignal.abort());
    expect(result).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/aborted by the caller/) as unknown });
    expect(server.received).toHaveLength(0);
  });

  it('stops when the caller aborts mid-request', async () => {
    const server = await receiver({ respond: () => new Promise<number>(() => undefined) });
    const result = await sinkFor(server.url, { timeoutMs: 10_000 }).deliver(hardBounce, AbortSignal.timeout(100));
    expect(result).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/aborted by the caller/) as unknown });
  });

  it('never reveals the secret or the secret parts of the URL', async () => {
    const server = await receiver({ respond: (req) => ({ status: 401, body: `bad signature ${req.headers['webhook-signature']} for ${SECRET} at ${req.path}` }) });
    const urlWithToken = `${server.url}/T000/B000/XXXXtokenXXXX?sig=QUERYSECRET123`;
    const results: DeliveryResult[] = [await sinkFor(urlWithToken).deliver(hardBounce)];
    await server.close();
    results.push(await sinkFor(urlWithToken).deliver(hardBounce));

    expect(results.map((r) => r.outcome)).toEqual(['rejected', 'retry']);
    const everything = JSON.stringify(results);
    for (const secretPart of [SECRET, SECRET.slice('whsec_'.length), 'XXXXtokenXXXX', 'QUERYSECRET123']) {
      expect(everything).not.toContain(secretPart);
    }
    expect(results[0]).toMatchObject({ responseBody: expect.stringContaining('bad signature v1,') as unknown });
  });
});

describe('createWebhookSink configuration', () => {
  it.each([
    ['a malformed secret', { url: 'https://example.test/hook', secret: 'whsec_***' }],
    ['a non-http URL', { url: 'ftp://example.test/hook' }],
    ['an unparseable URL', { url: 'not a url' }],
    ['a zero timeout', { url: 'https://example.test/hook', timeoutMs: 0 }],
  ])('refuses %s at creation', (_, options) => {
    expect(() => createWebhookSink({ format: 'standard', timeoutMs: 1_000, ...options })).toThrow(LedgerError);
  });

  it('is named "webhook"', () => {
    expect(createWebhookSink({ url: 'https://example.test/hook', format: 'slack', timeoutMs: 1_000 }).name).toBe('webhook');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-02T10:00:00Z');
  it.each([
    [null, undefined],
    ['0', 0],
    ['120', 120_000],
    [' 5 ', 5_000],
    ['Mon, 02 Mar 2026 10:01:30 GMT', 90_000],
    ['Mon, 02 Mar 2026 09:00:00 GMT', 0],
    ['1.5', undefined],
    ['-3', undefined],
    ['2026', 2_026_000],
    ['Mon, 99 Foo 2026 99:00:00 GMT', undefined],
    ['soon', undefined],
  ])('%j -> %j', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
