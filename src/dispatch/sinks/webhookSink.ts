import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeliveryResult, LedgerAlert } from '../../alerts/alert.js';
import type { AlertSink } from '../alertSink.js';
import { ensureError, LedgerError } from '../../errors.js';
import { renderWebhookBody, type WebhookFormat } from './messageFormats.js';
import { decodeWebhookSecret, signStandardWebhook, WEBHOOK_SECRET_PREFIX } from './standardWebhookSignature.js';

/**
 * The webhook sink: one HTTP POST per `deliver`, classified into the DeliveryResult the dispatcher
 * acts on. It never retries and never throws for a failed delivery: retries, backoff and the outbox
 * belong to the dispatcher.
 *
 *   2xx                                   -> delivered
 *   network error, timeout, 408, 429, 5xx -> retry (with retryAfterMs from Retry-After when given)
 *   3xx, other 4xx                        -> rejected (the first 2 KiB of the response body kept)
 *
 * Redirects are not followed: a redirected POST can turn into a GET, or carry a signed alert to a
 * host nobody configured. A 3xx means the configured URL is wrong, which only a person can fix.
 *
 * Webhook URLs are secrets too (a Teams Workflows URL carries `sig=`, a Slack one its token in the
 * path), so reasons name only the host, and the secret and URL are scrubbed from any text we pass on.
 */

export interface WebhookSinkOptions {
  readonly url: string;
  /** `whsec_...`: when set, every request carries Standard Webhooks signature headers. */
  readonly secret?: string | undefined;
  readonly format: WebhookFormat;
  /** Bound on the whole attempt: connecting, the response head and (for a rejection) its body. */
  readonly timeoutMs: number;
  /** For a fetch with a custom dispatcher (proxy); defaults to the global fetch. */
  readonly fetchImpl?: typeof fetch;
}

/** How much of a rejecting server's answer is kept: enough to read its error, not to fill a table row. */
export const MAX_RESPONSE_BODY_BYTES = 2_048;

export function createWebhookSink(options: WebhookSinkOptions): AlertSink {
  const target = parseTargetUrl(options.url);
  if (options.secret !== undefined) decodeWebhookSecret(options.secret); // fail at startup, not on the first alert
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new LedgerError('config_invalid', `The webhook timeout must be a positive whole number of milliseconds, got ${options.timeoutMs}`);
  }
  const attempt: Attempt = {
    url: target.href,
    host: target.host,
    secret: options.secret,
    format: options.format,
    timeoutMs: options.timeoutMs,
    fetchImpl: options.fetchImpl ?? ((input, init) => fetch(input, init)),
    userAgent: `acs-email-ledger/${packageVersion()}`,
    scrub: scrubberFor(options.url, target, options.secret),
  };
  return {
    name: 'webhook',
    timeoutMs: options.timeoutMs,
    deliver: (alert, signal) => deliverOnce(attempt, alert, signal),
  };
}

interface Attempt {
  readonly url: string;
  readonly host: string;
  readonly secret: string | undefined;
  readonly format: WebhookFormat;
  readonly timeoutMs: number;
  readonly fetchImpl: typeof fetch;
  readonly userAgent: string;
  readonly scrub: (text: string) => string;
}

async function deliverOnce(attempt: Attempt, alert: LedgerAlert, callerSignal: AbortSignal | undefined): Promise<DeliveryResult> {
  const request = buildRequest(attempt, alert);
  if (request instanceof Error) {
    // Only an alert this code cannot render gets here; sending it again cannot help.
    return { outcome: 'rejected', reason: attempt.scrub(`could not build the webhook request: ${request.message}`) };
  }

  const timeout = AbortSignal.timeout(attempt.timeoutMs);
  const signal = callerSignal === undefined ? timeout : AbortSignal.any([timeout, callerSignal]);
  let response: Response;
  try {
    response = await attempt.fetchImpl(attempt.url, { method: 'POST', headers: request.headers, body: request.body, signal, redirect: 'manual' });
  } catch (thrown) {
    return { outcome: 'retry', reason: attempt.scrub(failureReason(attempt, thrown, timeout, callerSignal)) };
  }
  return classifyResponse(attempt, response, signal);
}

interface WebhookRequest {
  readonly headers: Record<string, string>;
  /** The exact bytes sent, and signed: re-encoding between signing and sending would break the signature. */
  readonly body: Uint8Array;
}

function buildRequest(attempt: Attempt, alert: LedgerAlert): WebhookRequest | Error {
  try {
    const body = Buffer.from(renderWebhookBody(alert, attempt.format), 'utf8');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': attempt.userAgent };
    if (attempt.secret !== undefined) {
      // A fresh timestamp per attempt (receivers reject stale ones); the id stays the alert's, so a
      // receiver that dedupes on webhook-id sees each retry as the same message.
      Object.assign(headers, signStandardWebhook({ id: alert.id, timestamp: Date.now() / 1000, body, secret: attempt.secret }));
    }
    return { headers, body };
  } catch (thrown) {
    return ensureError(thrown);
  }
}

async function classifyResponse(attempt: Attempt, response: Response, signal: AbortSignal): Promise<DeliveryResult> {
  const status = response.status;
  const answered = `webhook ${attempt.host} answered HTTP ${status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;

  if (status >= 200 && status < 300) {
    discardBody(response);
    return { outcome: 'delivered', status };
  }
  if (status === 408 || status === 429 || status >= 500) {
    discardBody(response);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    const reason = attempt.scrub(answered);
    return retryAfterMs === undefined ? { outcome: 'retry', reason, status } : { outcome: 'retry', reason, status, retryAfterMs };
  }

  const why =
    status >= 300 && status < 400
      ? `${answered}: redirects are not followed, point the webhook URL at the final address`
      : `${answered}: the receiver refused the alert, resending it unchanged cannot help`;
  const responseBody = await readBodyPrefix(response, MAX_RESPONSE_BODY_BYTES, signal);
  return responseBody === undefined
    ? { outcome: 'rejected', reason: attempt.scrub(why), status }
    : { outcome: 'rejected', reason: attempt.scrub(why), status, responseBody: attempt.scrub(responseBody) };
}

function failureReason(attempt: Attempt, thrown: unknown, timeout: AbortSignal, callerSignal: AbortSignal | undefined): string {
  if (callerSignal?.aborted === true) return `webhook POST to ${attempt.host} was aborted by the caller`;
  if (timeout.aborted) return `webhook POST to ${attempt.host} got no answer within ${attempt.timeoutMs} ms`;
  return `webhook POST to ${attempt.host} failed: ${describeNetworkError(thrown)}`;
}

/** fetch says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND, a TLS error) is in `cause`. */
function describeNetworkError(thrown: unknown): string {
  const parts: string[] = [];
  let current: unknown = thrown;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth += 1) {
    const error = ensureError(current);
    const code = (error as { code?: unknown }).code;
    const text = error.message !== '' ? error.message : typeof code === 'string' ? code : error.name;
    if (!parts.includes(text)) parts.push(text);
    current = error.cause;
  }
  return parts.join(': ');
}

/**
 * Retry-After as milliseconds from now: delay-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT"). A date in the past means "now" (0). Anything else is ignored,
 * and the dispatcher's own backoff applies. Not capped here: the dispatcher decides how long is too long.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // Date.parse alone would also take "1.5" or "2024" as dates; HTTP-dates all start with a day name.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Up to `maxBytes` of the body as text. Stops reading there (a misbehaving server may send megabytes),
 * and keeps what arrived if the timeout cuts the body short.
 */
async function readBodyPrefix(response: Response, maxBytes: number, signal: AbortSignal): Promise<string | undefined> {
  if (response.body === null || signal.aborted) return undefined;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    while (received < maxBytes) {
      const next = await reader.read();
      if (next.done) break;
      const chunk: unknown = next.value;
      if (!(chunk instanceof Uint8Array)) break;
      chunks.push(chunk);
      received += chunk.byteLength;
    }
  } catch {
    // The body broke off (timeout, reset): what arrived is still worth keeping.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (received === 0) return undefined;
  // `stream: true` holds back a multi-byte character cut at the limit instead of emitting U+FFFD.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks).subarray(0, maxBytes), { stream: true });
}

/** Lets the connection go back to the pool without reading a body nobody needs. */
function discardBody(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

function parseTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LedgerError('config_invalid', 'The alert webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LedgerError('config_invalid', `The alert webhook URL must be http or https, got ${url.protocol}`);
  }
  return url;
}

/** Replaces every form of the secret and the URL's secret-bearing parts with ***. */
function scrubberFor(raw: string, url: URL, secret: string | undefined): (text: string) => string {
  const sensitive = [
    raw,
    url.href,
    secret,
    secret?.startsWith(WEBHOOK_SECRET_PREFIX) === true ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : undefined,
    url.search.length > 1 ? url.search : undefined,
    url.pathname.length > 1 ? url.pathname : undefined,
    url.password === '' ? undefined : url.password,
  ]
    .filter((s): s is string => s !== undefined && s.length >= 4)
    .sort((a, b) => b.length - a.length); // longest first, so a whole URL goes before its path
  return (text) => sensitive.reduce((out, s) => out.replaceAll(s, '***'), text);
}

let cachedVersion: string | undefined;

/**
 * This package's version, for the User-Agent. Read from the nearest package.json named
 * acs-email-ledger above this file, which works both from src/ (tests, tsx) and dist/src/ (deployed).
 */
function packageVersion(): string {
  cachedVersion ??= findPackageVersion(dirname(fileURLToPath(import.meta.url))) ?? '0.0.0';
  return cachedVersion;
}

function findPackageVersion(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && 'version' in pkg) {
        if (pkg.name === 'acs-email-ledger' && typeof pkg.version === 'string') return pkg.version;
      }
    } catch {
      // No readable package.json here: keep walking up.
    }
    if (dirname(dir) === dir) return undefined;
  }
}
