import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/identity';

/**
 * A FAKE of Azure Resource Manager's suppression-list address routes (Microsoft.Communication, API
 * 2025-09-01): we cannot run ARM here, so a real HTTPS server on 127.0.0.1 plays it. It keeps the
 * addresses of each list in memory (PUT creates or replaces, DELETE removes, GET lists them), records
 * every request, and answers as a test tells it to (429 with Retry-After, 5xx, 400).
 *
 * HTTPS because the SDK sends bearer tokens over https only; the certificate is self-signed, made with
 * openssl for each run, and trusted by the client through its `trustedCa` option alone.
 */
export interface ArmRequest {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly apiVersion: string | null;
  readonly authorization: string;
  readonly body: unknown;
}

export interface ArmReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export interface FakeArm {
  /** https://127.0.0.1:<port> */
  readonly endpoint: string;
  /** The PEM the client must trust. */
  readonly ca: string;
  readonly requests: ArmRequest[];
  /** List resource path (lower-cased) -> address id -> email. */
  readonly lists: Map<string, Map<string, string>>;
  /** Answer the next requests with these, in order, before the fake's own behaviour. */
  script(...replies: ArmReply[]): void;
  close(): Promise<void>;
}

export const FAKE_ARM_TOKEN = 'fake-arm-token';

/** The static credential the client uses against the fake. */
export const fakeArmCredential: TokenCredential = {
  getToken: () => Promise.resolve({ token: FAKE_ARM_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

const ADDRESS_PATH = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.communication\/emailservices\/[^/]+\/domains\/[^/]+\/suppressionlists\/[^/]+)\/suppressionlistaddresses(?:\/([^/]+))?$/;

export async function startFakeArm(): Promise<FakeArm> {
  const { key, cert } = selfSignedCertificate();
  const requests: ArmRequest[] = [];
  const lists = new Map<string, Map<string, string>>();
  const scripted: ArmReply[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readAll(req);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const body: unknown = raw.length === 0 ? undefined : JSON.parse(raw);
    const request: ArmRequest = { method: req.method ?? '', path: url.pathname, apiVersion: url.searchParams.get('api-version'), authorization: req.headers.authorization ?? '', body };
    requests.push(request);
    const reply = scripted.shift() ?? behave(request, lists);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  };

  const server = createServer({ key, cert }, (req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    ca: cert,
    requests,
    lists,
    script: (...replies) => scripted.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function behave(request: ArmRequest, lists: Map<string, Map<string, string>>): ArmReply {
  if (request.authorization !== `Bearer ${FAKE_ARM_TOKEN}`) return armError(401, 'AuthenticationFailed', 'no bearer token');
  if (request.apiVersion !== '2025-09-01') return armError(400, 'InvalidApiVersionParameter', `api-version ${request.apiVersion ?? ''}`);
  const m = ADDRESS_PATH.exec(request.path.toLowerCase());
  if (m === null) return armError(404, 'NotFound', request.path);
  const listPath = m[1] ?? '';
  const id = m[2];
  const list = lists.get(listPath) ?? new Map<string, string>();
  lists.set(listPath, list);
  const resource = (addressId: string, email: string) => ({
    id: `${listPath}/suppressionListAddresses/${addressId}`,
    name: addressId,
    type: 'Microsoft.Communication/emailServices/domains/suppressionLists/suppressionListAddresses',
    properties: { email },
  });
  if (request.method === 'GET' && id === undefined) return { status: 200, body: { value: [...list].map(([i, e]) => resource(i, e)) } };
  if (id === undefined) return armError(405, 'MethodNotAllowed', request.method);
  if (request.method === 'PUT') {
    const email = (request.body as { properties?: { email?: unknown } } | undefined)?.properties?.email;
    if (typeof email !== 'string' || !email.includes('@')) return armError(400, 'InvalidRequestContent', 'properties.email must be an email address');
    const existed = list.has(id);
    list.set(id, email);
    return { status: existed ? 200 : 201, body: resource(id, email) };
  }
  if (request.method === 'DELETE') return { status: list.delete(id) ? 200 : 204 };
  if (request.method === 'GET') {
    const email = list.get(id);
    return email === undefined ? armError(404, 'NotFound', id) : { status: 200, body: resource(id, email) };
  }
  return armError(405, 'MethodNotAllowed', request.method);
}

export function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): ArmReply {
  return { status, headers, body: { error: { code, message } } };
}

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-arm-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
