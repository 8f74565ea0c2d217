import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A real HTTP server on 127.0.0.1 that plays the webhook receiver in tests: it records every request
 * and answers as told. Signatures are checked with `standardwebhooks`, the spec authors' reference
 * implementation, never with our own signing code, so a signing bug cannot check itself as valid.
 */

export interface ReceivedWebhook {
  /** The `webhook-id` header ('' when absent). */
  readonly id: string;
  readonly method: string;
  readonly path: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The body exactly as received, decoded as UTF-8. */
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly parsed: unknown;
  /** Verified by the reference library; null when the receiver has no secret to check with. */
  readonly signatureValid: boolean | null;
  /** 1 for the first request with this webhook-id, 2 for its first retry, ... */
  readonly attempt: number;
}

export interface ReceiverReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface WebhookReceiverOptions {
  readonly secret?: string;
  /** Answer 503 to the first N requests of each webhook-id, then fall through to `respond`. */
  readonly failFirst?: number;
  /**
   * How to answer (default 204). A status alone, or status + headers + body. A promise that never
   * settles makes the server hang, for timeout tests; close() still ends such requests.
   */
  readonly respond?: (request: ReceivedWebhook) => number | ReceiverReply | Promise<number | ReceiverReply>;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/hooks/alerts */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly received: ReceivedWebhook[];
  /** The webhook-ids of requests answered 2xx, in order (duplicates kept: a duplicate is a finding). */
  deliveredIds(): string[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const verifier = options.secret === undefined ? undefined : new Webhook(options.secret);
  const received: ReceivedWebhook[] = [];
  const delivered: string[] = [];
  const attemptsById = new Map<string, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readAll(req);
    const headers = flattenHeaders(req);
    const id = headers['webhook-id'] ?? '';
    const attempt = (attemptsById.get(id) ?? 0) + 1;
    attemptsById.set(id, attempt);
    const request: ReceivedWebhook = {
      id,
      method: req.method ?? '',
      path: req.url ?? '',
      headers,
      body: raw.toString('utf8'),
      parsed: parseJson(raw.toString('utf8')),
      signatureValid: verifier === undefined ? null : verifies(verifier, raw, headers),
      attempt,
    };
    received.push(request);

    const reply: ReceiverReply =
      attempt <= (options.failFirst ?? 0)
        ? { status: 503, body: 'failing on purpose' }
        : toReply(options.respond === undefined ? 204 : await options.respond(request));
    if (reply.status >= 200 && reply.status < 300) delivered.push(id);
    res.writeHead(reply.status, { ...reply.headers });
    res.end(reply.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((thrown: unknown) => {
      // A bug in a test's `respond` must show up as a failed delivery, not a hung test.
      if (!res.headersSent) res.writeHead(599);
      res.end(String(thrown));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    received,
    deliveredIds: () => [...delivered],
    close: () => {
      // Idempotent: a test may close early (to get a refused connection) and the cleanup close again.
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections(); // ends hanging and keep-alive connections, or close() would wait for them
      });
      return closing;
    },
  };
}

function verifies(verifier: Webhook, raw: Buffer, headers: Readonly<Record<string, string>>): boolean {
  try {
    verifier.verify(raw, headers, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
}

function toReply(answer: number | ReceiverReply): ReceiverReply {
  return typeof answer === 'number' ? { status: answer } : answer;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
