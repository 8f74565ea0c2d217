import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiLedger } from '../api/apiRoute.js';
import { EVENTGRID_AUTH_SETTING, type EventGridWebhookSetting } from '../config/eventGridWebhook.js';
import { answerWebhook } from '../eventgrid/webhookHandler.js';
import { MAX_WEBHOOK_BODY_BYTES, type WebhookRequest } from '../eventgrid/webhookProtocol.js';

/**
 * POST /api/eventgrid on `serve`, over the CLI's ledger session, so that a tunnel (dev tunnels, ngrok)
 * can point an Event Grid subscription at a laptop. The node:http twin of src/functions/eventGridWebhook.ts:
 * both hand the request to the one handler (src/eventgrid/webhookHandler.ts).
 */
export const EVENTGRID_PATH = '/api/eventgrid';

/**
 * `entra` trusts a header that only App Service authentication can set; nothing sets it here (anyone
 * reaching the port could), so the local route takes only the secret.
 */
export function localWebhookSetting(setting: EventGridWebhookSetting): EventGridWebhookSetting {
  if (setting.mode !== 'entra') return setting;
  return {
    mode: 'off',
    unset: false,
    setting: EVENTGRID_AUTH_SETTING,
    reason: `the Event Grid webhook is off: ${EVENTGRID_AUTH_SETTING}=entra needs App Service authentication in front, which the local server does not have; use secret`,
  };
}

export async function answerEventGridRoute(
  ledger: ApiLedger,
  request: IncomingMessage,
  response: ServerResponse,
  options: { readonly log: (message: string) => void; readonly alertLine?: (line: string) => void },
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const body = await readBody(request);
  const webhookRequest: WebhookRequest = {
    method: request.method ?? 'GET',
    header: (name) => {
      const value = request.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    query: [...url.searchParams.entries()],
    body: body.bytes,
    bodyBytes: body.length,
  };
  const log = { invocationId: `serve-${randomBytes(4).toString('hex')}`, log: options.log, warn: options.log, error: options.log };
  const answer = await answerWebhook(webhookRequest, {
    setting: localWebhookSetting(ledger.config.eventGrid),
    ledger: () => Promise.resolve(ledger),
    now: () => new Date(),
    log,
    ...(options.alertLine === undefined ? {} : { alertLine: options.alertLine }),
  });
  response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', ...answer.headers });
  response.end(JSON.stringify(answer.body));
}

/**
 * Reads the body up to the limit; past it, stops buffering and only counts to the end (the answer is
 * 413), so the client is never cut off mid-send and always gets the answer.
 */
function readBody(request: IncomingMessage): Promise<{ bytes: Uint8Array | null; length: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_WEBHOOK_BODY_BYTES) chunks.push(chunk);
      else if (chunks.length > 0) chunks.length = 0;
    });
    request.on('end', () => resolve({ bytes: length > MAX_WEBHOOK_BODY_BYTES ? null : Buffer.concat(chunks), length }));
    request.on('error', reject);
  });
}
