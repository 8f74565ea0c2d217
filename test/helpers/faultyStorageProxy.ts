import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP proxy in front of Azurite that injects storage faults: 503 answers, 429 throttling (both
 * with an optional Retry-After), connection resets,
 * lost answers, held requests, or hung connections (accepted, never answered, never forwarded).
 * Storage code is tested against real Azurite; this only makes Azurite misbehave on demand.
 */
export interface FaultyProxy {
  /** Connection string pointing the Table client at the proxy. */
  readonly connectionString: string;
  /** What to do with the next requests. */
  fault:
    | { kind: 'none' }
    | { kind: '503' | 'reset' | 'dropResponse' | 'hang'; remaining: number; only?: (req: http.IncomingMessage) => boolean; retryAfter?: string }
    /** Throttles: 429 with the given Retry-After value (seconds or an HTTP date). */
    | { kind: '429'; remaining: number; only?: (req: http.IncomingMessage) => boolean; retryAfter: string }
    /** Holds matching requests until `release` resolves, then forwards them. */
    | { kind: 'hold'; remaining: number; only?: (req: http.IncomingMessage) => boolean; release: Promise<void>; onHeld?: () => void };
  readonly faultsInjected: number;
  close(): Promise<void>;
}

export async function startFaultyProxy(azuriteConnectionString: string): Promise<FaultyProxy> {
  const endpoint = /TableEndpoint=([^;]+)/.exec(azuriteConnectionString)?.[1];
  if (endpoint === undefined) throw new Error('connection string has no TableEndpoint');
  const target = new URL(endpoint);
  let injected = 0;
  const state: { fault: FaultyProxy['fault'] } = { fault: { kind: 'none' } };

  /** Sends the request on to Azurite; by default its answer goes back to the client. */
  const forward = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    onAnswer: (up: http.IncomingMessage) => void = (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  ): http.ClientRequest => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      onAnswer,
    );
    upstream.on('error', () => res.destroy());
    return upstream;
  };

  const server = http.createServer((req, res) => {
    const fault = state.fault;
    const applies = fault.kind !== 'none' && fault.remaining > 0 && (fault.only?.(req) ?? true);
    if (fault.kind === 'none' || !applies) {
      req.pipe(forward(req, res));
      return;
    }
    fault.remaining -= 1;
    injected += 1;
    switch (fault.kind) {
      case 'hold': {
        fault.onHeld?.();
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => void fault.release.then(() => forward(req, res).end(Buffer.concat(chunks))));
        return;
      }
      case 'dropResponse':
        // The request reaches Azurite and is carried out; its answer is lost on the way back.
        req.pipe(
          forward(req, res, (up) => {
            up.resume();
            up.on('end', () => req.socket.destroy());
          }),
        );
        return;
      case 'hang':
        // Read the request, never answer: only the client's timeout (or close()) ends it.
        req.resume();
        return;
      case 'reset':
        req.resume();
        req.socket.destroy();
        return;
      case '503':
      case '429': {
        req.resume();
        const code = fault.kind === '503' ? 'ServerBusy' : 'TooManyRequests';
        const retryAfter = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter };
        res.writeHead(Number(fault.kind), { 'content-type': 'application/json', 'x-ms-error-code': code, ...retryAfter });
        res.end(JSON.stringify({ 'odata.error': { code, message: { value: 'injected by test proxy' } } }));
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxied = `http://127.0.0.1:${port}${target.pathname}`;
  return {
    connectionString: azuriteConnectionString.replace(endpoint, proxied),
    get fault() {
      return state.fault;
    },
    set fault(value) {
      state.fault = value;
    },
    get faultsInjected() {
      return injected;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
