import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { samplesExpected as expected } from '../helpers/samplesExpected.js';
import { callRoute, useReplayedSamples } from './apiFixture.js';
import { expectConforms } from './responseConformance.js';

/**
 * The routes over the indexes (recipient, messages, stats) on the samples replayed through the pipeline:
 * real responses, good and bad, checked against the OpenAPI document's schemas; pages followed by
 * their continuation tokens; forged or foreign tokens refused with a 400 before any storage call.
 */
const fixtureOf = useReplayedSamples();

const noStorage = () => Promise.reject(new Error('bad input must not reach storage'));

// The samples' hours: 2025-03-14 from 08:00 UTC on.
const WINDOW = 'from=2025-03-14T00:00:00Z&to=2025-03-16T00:00:00Z';

describe('index routes: real responses conform to the document', () => {
  it.each([
    ['listMessages', { query: WINDOW }],
    ['listMessages', { query: `${WINDOW}&status=Bounced&limit=5` }],
    ['listMessages', { query: `${WINDOW}&sender-domain=example.com` }],
    ['listRecipientMessages', { path: { address: 'K.Roberts@example.net' } }],
    ['getStats', { query: WINDOW }],
    ['getStats', { query: `${WINDOW}&by=hour&group=recipient-domain` }],
    ['getStats', { query: `${WINDOW}&group=provider` }],
    ['getStats', { query: `${WINDOW}&group=none` }],
  ])('200: %s %j', async (name, request) => {
    const response = await callRoute(fixtureOf(), name, request);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expectConforms(name, response);
  });

  it('answers are not empty on the samples (a schema checked against [] proves nothing)', async () => {
    const messages = (await callRoute(fixtureOf(), 'listMessages', { query: `${WINDOW}&limit=1000` })).body as { messages: unknown[] };
    expect(messages.messages.length).toBe(expected.messages);
    const recipient = (await callRoute(fixtureOf(), 'listRecipientMessages', { path: { address: 'k.roberts@example.net' } })).body as { messages: unknown[] };
    expect(recipient.messages.length).toBeGreaterThan(0);
    const stats = (await callRoute(fixtureOf(), 'getStats', { query: WINDOW })).body as { rows: unknown[]; totals: { recipients: number } };
    expect(stats.rows.length).toBeGreaterThan(0);
    expect(stats.totals.recipients).toBe(expected.recipients);
  });

  it('pages: following the continuation reads every message once, each page conforming', async () => {
    const seen: string[] = [];
    let continuation: string | null = null;
    let pages = 0;
    do {
      const query: string = `${WINDOW}&limit=150${continuation === null ? '' : `&continuation=${encodeURIComponent(continuation)}`}`;
      const response = await callRoute(fixtureOf(), 'listMessages', { query });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expectConforms('listMessages', response);
      const body = response.body as { messages: { messageId: string }[]; continuation: string | null };
      seen.push(...body.messages.map((m) => m.messageId));
      continuation = body.continuation;
      pages += 1;
    } while (continuation !== null && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(expected.messages);
    expect(seen).toHaveLength(expected.messages);
  });

  it('a token is bound to its query: another window, another filter or another address gets a 400 naming continuation', async () => {
    const first = (await callRoute(fixtureOf(), 'listMessages', { query: `${WINDOW}&limit=2` })).body as { continuation: string };
    expect(first.continuation).toEqual(expect.any(String));
    const token = encodeURIComponent(first.continuation);
    for (const query of [`from=2025-03-14T09:00:00Z&to=2025-03-16T00:00:00Z&limit=2&continuation=${token}`, `${WINDOW}&status=Bounced&limit=2&continuation=${token}`]) {
      const response = await callRoute(fixtureOf(), 'listMessages', { query }, noStorage);
      expect(response).toMatchObject({ status: 400, body: { param: 'continuation' } });
      expectConforms('listMessages', response);
    }
    const other = await callRoute(fixtureOf(), 'listRecipientMessages', { path: { address: 'k.roberts@example.net' }, query: `continuation=${token}` }, noStorage);
    expect(other).toMatchObject({ status: 400, body: { param: 'continuation' } });
  });
});

describe('stats by provider with LEDGER_PROVIDER_DOMAINS unreadable', () => {
  it('is a 400 naming group (the setting switched the grouping off), and the other groupings still answer', async () => {
    const { tables } = fixtureOf().ledger;
    const config = loadConfig({ LEDGER_STORAGE: 'UseDevelopmentStorage=true', LEDGER_PROVIDER_DOMAINS: '{not json' });
    expect(config.providers.kind).toBe('disabled');
    const ledger = () => Promise.resolve({ tables, config });
    const provider = await callRoute(fixtureOf(), 'getStats', { query: `${WINDOW}&group=provider` }, ledger);
    expect(provider).toMatchObject({ status: 400, body: { param: 'group' } });
    expectConforms('getStats', provider);
    expect((await callRoute(fixtureOf(), 'getStats', { query: `${WINDOW}&group=recipient-domain` }, ledger)).status).toBe(200);
  });
});

describe('index routes: bad input is a 400 naming the parameter, before any storage call', () => {
  it.each([
    ['listMessages', { query: 'from=yesterday-ish' }, 'from'],
    ['listMessages', { query: 'to=2025-13-45T99:00:00Z' }, 'to'],
    ['listMessages', { query: 'from=2025-03-15&to=2025-03-14' }, 'from'],
    ['listMessages', { query: 'limit=0' }, 'limit'],
    ['listMessages', { query: 'limit=1000000' }, 'limit'],
    ['listMessages', { query: 'limit=ten' }, 'limit'],
    ['listMessages', { query: 'continuation=forged' }, 'continuation'],
    ['listMessages', { query: `continuation=${Buffer.from(JSON.stringify({ v: 1, afterKey: 't|0', queryHash: 'x' })).toString('base64url')}` }, 'continuation'],
    ['listMessages', { query: 'sender-domain=' }, 'sender-domain'],
    ['listMessages', { query: 'recipient-domain=a b' }, 'recipient-domain'],
    ['listMessages', { query: 'limit=5&limit=6' }, 'limit'],
    ['listMessages', { query: 'senderDomain=example.com' }, 'senderDomain'],
    ['listRecipientMessages', { path: { address: 'not-an-address' } }, 'address'],
    ['listRecipientMessages', { path: { address: 'a@example.com' }, query: 'limit=0' }, 'limit'],
    ['listRecipientMessages', { path: { address: 'a@example.com' }, query: 'continuation=%%%' }, 'continuation'],
    ['getStats', { query: 'by=week' }, 'by'],
    ['getStats', { query: 'group=isp' }, 'group'],
    ['getStats', { query: 'from=2020-01-01&by=hour' }, 'from'],
  ])('%s %j → 400 naming %s', async (name, request, param) => {
    const response = await callRoute(fixtureOf(), name, request, noStorage);
    expect(response, JSON.stringify(response.body)).toMatchObject({ status: 400, body: { param } });
    expectConforms(name, response);
  });
});
