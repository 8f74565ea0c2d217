import { createHash, timingSafeEqual } from 'node:crypto';
import { CLIENT_PRINCIPAL_HEADER, signedInPrincipal } from '../config/apiAuth.js';
import { EVENTGRID_AUTH_SETTING, EVENTGRID_SECRET_SETTING, type EventGridWebhookSetting } from '../config/eventGridWebhook.js';

/**
 * POST /api/eventgrid, the protocol part, pure: a request → what to answer, or "ingest this body".
 * No storage, no clock, no logging here (a decision carries the log line it wants written); the one
 * handler (webhookHandler.ts) runs the pipeline, and two thin adapters (the Functions host, `serve`)
 * translate HTTP. Event Grid's side of the protocol:
 *   https://learn.microsoft.com/azure/event-grid/webhook-event-delivery
 *   https://learn.microsoft.com/azure/event-grid/delivery-and-retry
 */
export interface WebhookRequest {
  readonly method: string;
  /** Header value by lower-case name, null when absent. */
  readonly header: (name: string) => string | null;
  /** Every name=value pair of the query string, in order. */
  readonly query: readonly (readonly [string, string])[];
  /** The body's bytes (decoded by the pipeline, strictly), or null when the adapter stopped reading past MAX_WEBHOOK_BODY_BYTES. */
  readonly body: Uint8Array | null;
  /** The body's length in bytes (at least MAX_WEBHOOK_BODY_BYTES + 1 when `body` is null). */
  readonly bodyBytes: number;
}

export interface WebhookAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export type WebhookDecision =
  /** `log`: a line for the invocation's log (the handshakes are worth a trace: who subscribed, and the manual validation URL). */
  | { readonly kind: 'answer'; readonly answer: WebhookAnswer; readonly log?: string }
  | { readonly kind: 'ingest'; readonly body: Uint8Array; readonly deliveryCount: number | undefined };

/**
 * 4 MiB. Event Grid sends an event of at most 1 MB, and a batch of at most the subscription's preferred
 * batch size (at most 1,024 KB) unless one event alone is larger, then that event alone: so about 1 MiB
 * is the largest body it sends. A 413 is one of the answers Event Grid never retries (it dead-letters at
 * once), so the limit keeps four times that in hand (escaping, CloudEvents encoding, a hand-made batch
 * of diagnostic-log bodies), while one POST still parses in well under Event Grid's 30 s timeout and
 * bounds what an authenticated caller can make the worker hold.
 */
export const MAX_WEBHOOK_BODY_BYTES = 4 * 1024 * 1024;

export const SECRET_QUERY_PARAMETER = 'secret';
export const SECRET_HEADER = 'x-ledger-eventgrid-secret';
export const VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const ALLOW = 'POST, OPTIONS';

const json = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): WebhookAnswer => ({ status, headers, body });
const answer = (a: WebhookAnswer, log?: string): WebhookDecision => ({ kind: 'answer', answer: a, ...(log === undefined ? {} : { log }) });

export function decideWebhook(request: WebhookRequest, setting: EventGridWebhookSetting): WebhookDecision {
  const method = request.method.toUpperCase();
  if (method !== 'POST' && method !== 'OPTIONS') return answer(json(405, { error: 'only POST (events) and OPTIONS (the CloudEvents handshake) are accepted' }, { allow: ALLOW }));
  // Event Grid retries a 503 for up to its event time-to-live (24 h by default): fixing the setting within it loses nothing.
  if (setting.mode === 'off') return answer(json(503, { error: setting.reason, setting: setting.setting, retryable: true }));
  // The handshakes come before the secret: no source says Event Grid sends a subscription's static
  // delivery headers with them, and answering one grants nothing (it only consents to receive events,
  // every one of which must then carry the secret). Nothing is ingested from a handshake.
  if (method === 'OPTIONS') return abuseProtectionHandshake(request);
  if (request.body === null || request.bodyBytes > MAX_WEBHOOK_BODY_BYTES) {
    return answer(json(413, { error: `the body is over ${MAX_WEBHOOK_BODY_BYTES} bytes`, limit: MAX_WEBHOOK_BODY_BYTES }));
  }
  const validation = validationEvent(request.body);
  if (validation !== null) return validationHandshake(validation);
  if (!authenticated(request, setting)) {
    const expected =
      setting.mode === 'secret'
        ? `the ${EVENTGRID_SECRET_SETTING} value in the query parameter "${SECRET_QUERY_PARAMETER}" or the header "${SECRET_HEADER}"`
        : `App Service authentication (Entra ID) in front of this app (${EVENTGRID_AUTH_SETTING}=entra)`;
    return answer(json(401, { error: `not authenticated: expected ${expected}`, retryable: false }));
  }
  return { kind: 'ingest', body: request.body, deliveryCount: deliveryCountOf(request.header('aeg-delivery-count')) };
}

function authenticated(request: WebhookRequest, setting: Exclude<EventGridWebhookSetting, { mode: 'off' }>): boolean {
  if (setting.mode === 'entra') return signedInPrincipal(request.header(CLIENT_PRINCIPAL_HEADER)) !== null;
  const offered = [request.header(SECRET_HEADER), ...request.query.filter(([name]) => name === SECRET_QUERY_PARAMETER).map(([, value]) => value)];
  // Every candidate is compared (no early exit), each in constant time.
  return offered.reduce((ok, candidate) => sameSecret(candidate, setting.secret) || ok, false);
}

/**
 * Constant time whatever the lengths: both sides are hashed first, so timingSafeEqual always compares
 * 32 bytes and neither the secret's length nor a matching prefix shows in the timing.
 */
export function sameSecret(offered: string | null, secret: string): boolean {
  if (offered === null) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(secret));
}

/** CloudEvents 1.0 abuse protection: Event Grid's OPTIONS before delivering CloudEvents, answered synchronously. */
function abuseProtectionHandshake(request: WebhookRequest): WebhookDecision {
  const origin = request.header('webhook-request-origin');
  if (origin === null || origin.trim() === '') {
    return answer(json(400, { error: 'OPTIONS is only the CloudEvents abuse-protection handshake: the WebHook-Request-Origin header is missing' }, { allow: ALLOW }));
  }
  return answer(
    json(200, { allowedOrigin: origin.trim() }, { 'webhook-allowed-origin': origin.trim(), 'webhook-allowed-rate': '*', allow: ALLOW }),
    JSON.stringify({ event: 'ledger.eventgrid_handshake', schema: 'cloudEvents', origin: origin.trim() }),
  );
}

interface ValidationEvent {
  readonly code: unknown;
  readonly url: unknown;
  readonly topic: unknown;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const VALIDATION_EVENT_BYTES = Buffer.from(VALIDATION_EVENT_TYPE, 'utf8');

/** The subscription validation event of the Event Grid schema, when the body is (or holds) one. */
function validationEvent(body: Uint8Array): ValidationEvent | null {
  // Cheap test first: every other body is decoded and parsed once, by the pipeline (which dead-letters what does not decode).
  if (Buffer.from(body.buffer, body.byteOffset, body.byteLength).indexOf(VALIDATION_EVENT_BYTES) === -1) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(STRICT_UTF8.decode(body));
  } catch {
    return null;
  }
  const events: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  for (const event of events) {
    if (!isObject(event) || event['eventType'] !== VALIDATION_EVENT_TYPE) continue;
    const data = isObject(event['data']) ? event['data'] : {};
    return { code: data['validationCode'], url: data['validationUrl'], topic: event['topic'] };
  }
  return null;
}

function validationHandshake(event: ValidationEvent): WebhookDecision {
  if (typeof event.code !== 'string' || event.code === '') {
    return answer(json(400, { error: `a ${VALIDATION_EVENT_TYPE} without data.validationCode` }));
  }
  // The URL is the other way to validate (a GET on it within 5 minutes): logged for whoever must do it by hand.
  const line = JSON.stringify({
    event: 'ledger.eventgrid_handshake',
    schema: 'eventGrid',
    topic: typeof event.topic === 'string' ? event.topic : null,
    validationUrl: typeof event.url === 'string' ? event.url : null,
  });
  return answer(json(200, { validationResponse: event.code }), line);
}

function deliveryCountOf(header: string | null): number | undefined {
  if (header === null || !/^\d{1,9}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
