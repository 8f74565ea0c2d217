import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorContext } from '../errors.js';
import { LedgerError, ensureError } from '../errors.js';

/**
 * Retries for Table Storage calls. The SDK's own retries are switched off (see openLedgerTables) so
 * that this is the one place that decides: throttling, 5xx, timeouts and connection resets are retried
 * with exponential backoff and full jitter; anything else is a typed, non-retryable error. When the
 * attempts run out the error is `retryable: true`, so the Functions retry policy redelivers the batch
 * (safe, because applying a batch is idempotent).
 */
export interface StorageRetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_STORAGE_RETRY: StorageRetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Counts requests sent to storage, for the per-invocation log line and the benchmarks. */
export class StorageMeter {
  roundTrips = 0;
  retries = 0;
  conflicts = 0;
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'REQUEST_SEND_ERROR',
]);

export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const value = (error as { statusCode?: unknown }).statusCode;
    return typeof value === 'number' ? value : undefined;
  }
  return undefined;
}

export function isTransientStorageError(error: unknown): boolean {
  const status = statusCodeOf(error);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  if (typeof error !== 'object' || error === null) return false;
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return name === 'AbortError' || name === 'TimeoutError';
}

export async function withStorageRetry<T>(
  operation: string,
  call: () => Promise<T>,
  options: { policy: StorageRetryPolicy; meter: StorageMeter; context: ErrorContext },
): Promise<T> {
  const { policy, meter, context } = options;
  for (let attempt = 1; ; attempt += 1) {
    meter.roundTrips += 1;
    try {
      return await call();
    } catch (thrown) {
      if (!isTransientStorageError(thrown)) throw thrown;
      if (attempt >= policy.maxAttempts) {
        const error = ensureError(thrown);
        throw new LedgerError(
          'storage_unavailable',
          `${operation} failed ${attempt} times (${statusCodeOf(thrown) ?? error.name}: ${error.message.split('\n')[0]})`,
          { retryable: true, context: { ...context, operation, attempts: attempt }, cause: thrown },
        );
      }
      meter.retries += 1;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling);
    }
  }
}

/**
 * Storage refused the request itself (400 bad request, 413 too large): retrying the same write cannot
 * help, so the records behind it are dead-lettered instead of failing the batch for ever.
 */
export function isRejectedByStorage(error: unknown): boolean {
  const status = statusCodeOf(error);
  if (status === 400 || status === 413) return true;
  return error instanceof LedgerError && error.code === 'storage_rejected';
}
