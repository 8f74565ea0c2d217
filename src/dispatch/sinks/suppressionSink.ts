import type { TableClient } from '@azure/data-tables';
import type { DeliveryResult, HardBounceAlert, LedgerAlert } from '../../alerts/alert.js';
import type { SuppressionListTarget } from '../../config/suppressionLists.js';
import { ensureError } from '../../errors.js';
import type { StorageIo } from '../../store/partitionCommit.js';
import { retryAfterMs, statusCodeOf } from '../../store/storageRetry.js';
import { unsuppressedAt } from '../../store/unsuppressedMarks.js';
import type { SuppressionListClient } from '../../suppression/suppressionListClient.js';
import type { AlertSink } from '../alertSink.js';
import { MAX_RESPONSE_BODY_BYTES } from './webhookSink.js';

/**
 * The suppression-list sink: puts each hard-bounced address on its sender domain's ACS suppression
 * list (one ARM PUT per `deliver`), so ACS drops later sends to it instead of bouncing them again. It
 * rides the alert outbox like the webhook, so it has the same guarantees: claimed by one dispatcher at
 * a time, retried until done, parked as failed when retrying cannot help. The address resource's name
 * is a hash of the address (suppressionAddressId), so a repeat of the PUT is harmless.
 *
 *   2xx                                          -> delivered
 *   network error, timeout, 408, 409, 429, 5xx   -> retry (Retry-After honoured by the dispatcher)
 *   other 4xx (400, 401, 403, 404)               -> rejected: parked as failed with ARM's error
 *
 * 409 retries: ARM answers it while another operation on the resource is under way (two dispatchers).
 * 401/403 park: the app's identity lacks the role (infra grants it only with suppressionLists set);
 * after fixing it, `alerts --dispatch --retry-failed` sends the parked ones.
 *
 * Nothing to do is delivered with a note, kept in the sink's state: a bounce-rate alert, a sender
 * domain with no list, or an address a person took off the list (`unsuppress`) after this bounce.
 */
export interface SuppressionSinkOptions {
  /** Lower-cased sender domain -> its list. */
  readonly lists: ReadonlyMap<string, SuppressionListTarget>;
  readonly client: SuppressionListClient;
  /** The bounces table: where `unsuppress` leaves its marker. */
  readonly bounces: TableClient;
  readonly io: StorageIo;
  readonly timeoutMs: number;
}

export const SUPPRESSION_SINK = 'suppression';

export function createSuppressionSink(options: SuppressionSinkOptions): AlertSink {
  return {
    name: SUPPRESSION_SINK,
    timeoutMs: options.timeoutMs,
    deliver: (alert) => deliverOnce(options, alert),
  };
}

async function deliverOnce(options: SuppressionSinkOptions, alert: LedgerAlert): Promise<DeliveryResult> {
  if (alert.type !== 'hard_bounce') return { outcome: 'delivered', note: `not a hard bounce (${alert.type})` };
  const domain = (alert.senderDomain ?? '').trim().toLowerCase();
  const target = options.lists.get(domain);
  if (target === undefined) return { outcome: 'delivered', note: `skipped: no suppression list for sender domain "${domain}"` };
  try {
    const since = await unsuppressedAt(options.bounces, alert.recipient, options.io);
    if (since !== null && since >= alert.recordTime) return { outcome: 'delivered', note: `skipped: unsuppressed by hand at ${since}, after this bounce` };
  } catch (thrown) {
    return { outcome: 'retry', reason: `suppression sink could not read the unsuppress marker: ${ensureError(thrown).message}` };
  }
  try {
    await options.client.add(target, alert.recipient, notesOf(alert));
    return { outcome: 'delivered' };
  } catch (thrown) {
    return classifyFailure(thrown, target, options.timeoutMs);
  }
}

/** What ARM keeps with the address: why it is there, for whoever reads the list in the portal. */
function notesOf(alert: HardBounceAlert): string {
  const code = [alert.status, alert.enhancedSmtpStatusCode].filter((s) => s !== null && s !== '').join(' ');
  return `acs-email-ledger: hard bounce (${code}) on message ${alert.messageId} at ${alert.recordTime}`.slice(0, 1_000);
}

export function classifyFailure(thrown: unknown, target: SuppressionListTarget, timeoutMs: number): DeliveryResult {
  const error = ensureError(thrown);
  const status = statusCodeOf(thrown);
  const list = `suppression list ${target.domainName}/${target.suppressionListName}`;
  if (status === undefined) {
    const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
    return { outcome: 'retry', reason: timedOut ? `ARM PUT to ${list} got no answer within ${timeoutMs} ms` : `ARM PUT to ${list} failed: ${error.message}` };
  }
  const answered = `ARM answered HTTP ${status} to the PUT on ${list}`;
  if (status === 408 || status === 409 || status === 429 || status >= 500) {
    // Retry-After as ARM sends it with 429 (and 503); other statuses take the dispatcher's backoff.
    const wait = retryAfterMs(thrown, Date.now());
    return wait === null ? { outcome: 'retry', reason: answered, status } : { outcome: 'retry', reason: answered, status, retryAfterMs: wait };
  }
  return {
    outcome: 'rejected',
    reason: `${answered}: ARM refused the request, sending it unchanged cannot help`,
    status,
    responseBody: error.message.slice(0, MAX_RESPONSE_BODY_BYTES),
  };
}
