import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiLedger, ApiRoute } from '../api/apiRoute.js';
import { API_ROUTES } from '../api/routes.js';
import { LedgerError } from '../errors.js';
import { readFile } from 'node:fs/promises';
import { dashboardFile, dashboardRoot } from './staticFiles.js';
import { answerEventGridRoute, EVENTGRID_PATH } from './eventGridRoute.js';

/**
 * `serve`: the HTTP API of src/api/routes.ts on a local port, over the ledger the CLI opened: the same
 * route table the function app registers, translated from node:http instead of the Functions host.
 * Loopback only unless told otherwise: the local server has no keys, so whoever can reach the port can
 * read the ledger.
 */
export interface LocalApiServer {
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

interface CompiledRoute {
  readonly route: ApiRoute;
  readonly segments: readonly string[];
}

/** The route whose template ("recipients/{address}/messages") matches the path below /api, with its parameters. */
export function matchRoute(routes: readonly ApiRoute[], pathBelowApi: string): { route: ApiRoute; path: Map<string, string> } | null {
  const parts = pathBelowApi.split('/');
  for (const { route, segments } of compile(routes)) {
    if (segments.length !== parts.length) continue;
    const params = new Map<string, string>();
    let matched = true;
    for (const [i, segment] of segments.entries()) {
      const part = parts[i] ?? '';
      const name = /^\{(.+)\}$/.exec(segment)?.[1];
      if (name === undefined) {
        if (segment !== part) matched = false;
      } else {
        const value = safeDecode(part);
        if (value === null || value === '') matched = false;
        else params.set(name, value);
      }
      if (!matched) break;
    }
    if (matched) return { route, path: params };
  }
  return null;
}

function compile(routes: readonly ApiRoute[]): CompiledRoute[] {
  return routes.map((route) => ({ route, segments: route.route.split('/') }));
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export async function startLocalApiServer(
  ledger: ApiLedger,
  options: { readonly host: string; readonly port: number; readonly log: (message: string) => void; readonly alertLine?: (line: string) => void },
): Promise<LocalApiServer> {
  const server: Server = createServer((request, response) => {
    void answer(ledger, request, response, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new LedgerError('usage', `cannot listen on ${options.host}:${options.port}: ${error.message}`, { context: { host: options.host, port: options.port }, cause: error })),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function answer(
  ledger: ApiLedger,
  request: IncomingMessage,
  response: ServerResponse,
  options: { readonly log: (message: string) => void; readonly alertLine?: (line: string) => void },
): Promise<void> {
  const { log } = options;
  const send = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}, text?: string) => {
    // Lower-cased, so that a route's Content-Type replaces the default instead of doubling it.
    const named = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', ...named });
    response.end(text ?? JSON.stringify(body));
  };
  try {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // The one write: Event Grid's webhook, authenticated by its own secret (src/eventgrid/).
    if (url.pathname === EVENTGRID_PATH) return await answerEventGridRoute(ledger, request, response, options);
    if (request.method !== 'GET') return send(405, { error: 'only GET is served' }, { allow: 'GET' });
    if (url.pathname === '/' || url.pathname === '/api/dashboard') {
      response.writeHead(302, { location: '/api/dashboard/' });
      return void response.end();
    }
    // The raw path, not url.pathname: URL resolves encoded dot segments, and staticFiles must see them to refuse them.
    const raw = (request.url ?? '/').split('?')[0] ?? '/';
    if (raw.startsWith('/api/dashboard/')) return await sendStatic(raw.slice('/api/dashboard/'.length), response);
    const below = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : null;
    const matched = below === null ? null : matchRoute(API_ROUTES, below);
    if (matched === null) return send(404, { error: 'no such route', path: url.pathname });
    const result = await matched.route.handle(
      { path: matched.path, query: [...url.searchParams.entries()] },
      { ledger: () => Promise.resolve(ledger), now: new Date(), log },
    );
    send(result.status, result.body, result.headers, result.textBody);
  } catch (error) {
    // The routes answer their own failures; this is the last line, so that a request never hangs.
    log(`serve: ${error instanceof Error ? error.message : String(error)}`);
    if (!response.headersSent) send(500, { error: 'internal error' });
  }
}

/** A built dashboard file (src/serve/staticFiles.ts decides), or 404 when it is not there. */
async function sendStatic(below: string, response: ServerResponse): Promise<void> {
  const answer = dashboardFile(dashboardRoot(), below);
  if (answer.file === null) {
    response.writeHead(answer.status, answer.headers);
    return void response.end(answer.text);
  }
  try {
    const body = await readFile(answer.file);
    response.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
    response.end(body);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
    response.end('not found (run `npm run build` to build the dashboard)');
  }
}
