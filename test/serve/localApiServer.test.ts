import { get as get_ } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/api/routes.js';
import { serveCommand } from '../../src/cli/commands/serveCommand.js';
import type { Output } from '../../src/cli/output.js';
import { matchRoute, type LocalApiServer } from '../../src/serve/localApiServer.js';
import { DASHBOARD_CSP } from '../../src/serve/staticFiles.js';
import { callRoute, useReplayedSamples } from '../api/apiFixture.js';

/** `serve` over real HTTP on loopback, on the samples replayed through the pipeline (real Azurite). */
const fixtureOf = useReplayedSamples();
let server: LocalApiServer;
const notes: string[] = [];
let printed: unknown;
const out: Output = { json: true, result: (json) => (printed = json), note: (text) => notes.push(text) };

beforeAll(async () => {
  server = await serveCommand(fixtureOf().ledger, { host: '127.0.0.1', port: 0 }, out);
}, 120_000);
afterAll(async () => {
  await server.close();
});

const get = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, body: (await response.json()), type: response.headers.get('content-type') };
};

describe('serve', () => {
  it('listens on loopback and says where', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed).toMatchObject({ url: server.url, openapi: `${server.url}/api/openapi.json` });
    expect(notes).toEqual([]);
  });

  it('answers every kind of route as the route itself does', async () => {
    const cases: [string, string, { path?: Record<string, string>; query?: string }][] = [
      ['/api/stats?from=2025-03-14&to=2025-03-15&group=provider', 'getStats', { query: 'from=2025-03-14&to=2025-03-15&group=provider' }],
      ['/api/recipients/Peggy%40Example.org/messages?limit=5', 'listRecipientMessages', { path: { address: 'Peggy@Example.org' }, query: 'limit=5' }],
      ['/api/messages?from=2025-03-14T13:00:00Z&to=2025-03-14T14:00:00Z', 'listMessages', { query: 'from=2025-03-14T13:00:00Z&to=2025-03-14T14:00:00Z' }],
      ['/api/bounces', 'listBounces', {}],
      ['/api/openapi.json', 'getOpenApi', {}],
    ];
    for (const [path, name, request] of cases) {
      const [overHttp, direct] = await Promise.all([get(path), callRoute(fixtureOf(), name, request)]);
      expect(overHttp.status, path).toBe(200);
      expect(overHttp.type).toMatch(/^application\/json/);
      expect(overHttp.body, path).toEqual(JSON.parse(JSON.stringify(direct.body)));
    }
    const recipient = (await get('/api/recipients/Peggy%40Example.org/messages')).body as { messages: unknown[] };
    expect(recipient.messages.length).toBeGreaterThan(0);
  });

  it('a message by id, a bad parameter, an unknown path and a write each get their own status', async () => {
    const { bounces } = (await get('/api/bounces')).body as { bounces: { lastMessageId: string }[] };
    const id = bounces[0]?.lastMessageId ?? '';
    expect((await get(`/api/messages/${id}`)).status).toBe(200);
    expect((await get('/api/messages/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(await get('/api/messages?limit=0')).toMatchObject({ status: 400, body: { param: 'limit' } });
    expect((await get('/api/nothing')).status).toBe(404);
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/api/dashboard/']);
    expect((await get('/api/stats', { method: 'POST' })).status).toBe(405);
  });

  it('refuses path traversal below /api/dashboard/ and 404s missing files', async () => {
    for (const bad of ['..%2Fpackage.json', '%2E%2E/%2E%2E/package.json', 'assets/..%5C..%5Cpackage.json', '%00.js', '%E0%A4%A']) {
      // node:http sends the path as written (fetch would normalise the dot segments away first).
      const status = await new Promise<number | undefined>((resolve, reject) => {
        get_({ host: '127.0.0.1', port: new URL(server.url).port, path: `/api/dashboard/${bad}` }, (r) => (r.resume(), resolve(r.statusCode))).on('error', reject);
      });
      expect(status, bad).toBe(400);
    }
    expect((await fetch(`${server.url}/api/dashboard/assets/none-such.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/dashboard/secret.txt`)).status).toBe(404);
  });

  it('serves the built page with its type, cache and CSP headers (after `npm run build`)', async () => {
    const page = await fetch(`${server.url}/api/dashboard/`);
    if (page.status === 404) return; // not built in this checkout: the browser tests build it
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
  });

  it('matches route templates by whole segments only', () => {
    expect(matchRoute(API_ROUTES, 'messages')?.route.name).toBe('listMessages');
    expect(matchRoute(API_ROUTES, 'messages/abc')?.path.get('messageId')).toBe('abc');
    expect(matchRoute(API_ROUTES, 'recipients/a%40b.c/messages')?.path.get('address')).toBe('a@b.c');
    expect(matchRoute(API_ROUTES, 'recipients/%E0%A4%A/messages')).toBeNull();
    expect(matchRoute(API_ROUTES, 'messages/abc/extra')).toBeNull();
  });

  it('warns when told to listen beyond loopback', async () => {
    const warned: string[] = [];
    const other = await serveCommand(fixtureOf().ledger, { host: '0.0.0.0', port: 0 }, { json: true, result: () => undefined, note: (t) => warned.push(t) });
    await other.close();
    expect(warned.join('\n')).toMatch(/anyone who can reach this address can read the ledger/);
  });
});
