import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { eventGridWebhookSetting, type EventGridWebhookSetting } from '../config/eventGridWebhook.js';
import { answerWebhook } from '../eventgrid/webhookHandler.js';
import { MAX_WEBHOOK_BODY_BYTES, type WebhookRequest } from '../eventgrid/webhookProtocol.js';
import { getLedgerRuntime } from './ledgerRuntime.js';

/**
 * POST /api/eventgrid on the Functions host: Event Grid's delivery and engagement reports (or any
 * diagnostic-log body) into the one pipeline. Anonymous at the host on purpose: Event Grid cannot send
 * a function key in a header, and the webhook authenticates every request itself (src/eventgrid/).
 * This file only translates the host's request and response.
 */
export async function toWebhookRequest(request: HttpRequest): Promise<WebhookRequest> {
  // The host has buffered the body already (up to its own 100 MB limit); a longer one is refused whole.
  const bytes = Buffer.from(await request.arrayBuffer());
  return {
    method: request.method,
    header: (name) => request.headers.get(name),
    query: [...request.query.entries()],
    body: bytes.length > MAX_WEBHOOK_BODY_BYTES ? null : bytes,
    bodyBytes: bytes.length,
  };
}

export function eventGridWebhookHandler(setting: EventGridWebhookSetting): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const answer = await answerWebhook(await toWebhookRequest(request), { setting, ledger: getLedgerRuntime, now: () => new Date(), log: context });
    return { status: answer.status, headers: { 'content-type': 'application/json; charset=utf-8', ...answer.headers }, jsonBody: answer.body };
  };
}

/** Read once, when the module loads (like LEDGER_API_AUTH): a webhook that is off says so once, loudly, and answers 503. */
export const webhookSetting = eventGridWebhookSetting(process.env);
if (webhookSetting.mode === 'off') {
  const line = `${webhookSetting.reason} (POST /api/eventgrid answers 503; everything else runs)`;
  if (webhookSetting.unset) console.warn(line);
  else console.error(line);
}

app.http('eventGridWebhook', { route: 'eventgrid', methods: ['POST', 'OPTIONS'], authLevel: 'anonymous', handler: eventGridWebhookHandler(webhookSetting) });
