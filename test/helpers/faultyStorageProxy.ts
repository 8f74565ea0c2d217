import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP proxy in front of Azurite that injects storage faults: 503 answers or connection resets.
 * Storage code is tested against real Azurite; this only makes Azurite misbehave on demand.
 */
export interface FaultyProxy {
  /** Connection string pointing the Table client at the proxy. */
  readonly connectionString: string;
  /** What to do with the next requests. */
  fault:
    | { kind: 'none' }
    | { kind: '503' | 'reset' | 'dropResponse'; remaining: number; only?: (req: http.IncomingMessage) => boolean }
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

  const server = http.createServer((req, res) => {
    const fault = state.fault;
    const applies = fault.kind !== 'none' && fault.remaining > 0 && (fault.only?.(req) ?? true);
    if (fault.kind === 'hold' && applies) {
      fault.remaining -= 1;
      injected += 1;
      fault.onHeld?.();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void fault.release.then(() => {
          const upstream = http.request(
            { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
            (up) => {
              res.writeHead(up.statusCode ?? 502, up.headers);
              up.pipe(res);
            },
          );
          upstream.on('error', () => res.destroy());
          upstream.end(Buffer.concat(chunks));
        });
      });
      return;
    }
    if (fault.kind === 'dropResponse' && applies) {
      // The request reaches Azurite and is carried out; its answer is lost on the way back.
      fault.remaining -= 1;
      injected += 1;
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up) => {
          up.resume();
          up.on('end', () => req.socket.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    if (fault.kind !== 'none' && applies) {
      fault.remaining -= 1;
      injected += 1;
      req.resume();
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(503, { 'content-type': 'application/json', 'x-ms-error-code': 'ServerBusy' });
      res.end(JSON.stringify({ 'odata.error': { code: 'ServerBusy', message: { value: 'injected by test proxy' } } }));
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
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
