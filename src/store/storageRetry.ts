import { setTimeout as sleep } from 'node:timers/promises';
import type { ListTableEntitiesOptions, TableClient, TableEntityResult } from '@azure/data-tables';
import type { ErrorContext } from '../errors.js';
import { LedgerError, ensureError } from '../errors.js';

/**
 * Retries for Table Storage calls. The SDK's own retries are switched off (see openLedgerTables) so
 * that this is the one place that decides: throttling (429, 503), 5xx, timeouts and connection resets
 * are retried, after the Retry-After storage sends (capped by maxDelayMs) or else with exponential
 * backoff and full jitter; anything else is a typed, non-retryable error. Every attempt
 * has a timeout: its AbortSignal is handed to the SDK call, and the attempt is abandoned (and retried)
 * when it fires even if the call ignores the signal, so a hung connection costs one timeout, not for
 * ever. When the
 * attempts run out the error is `retryable: true`, so the Functions retry policy redelivers the batch
 * (safe, because applying a batch is idempotent).
 */
export interface StorageRetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per-attempt timeout (LEDGER_STORAGE_TIMEOUT_MS). */
  readonly timeoutMs: number;
}

export const DEFAULT_STORAGE_RETRY: StorageRetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5_000, timeoutMs: 30_000 };

/** What every storage function needs to call storage: the retry policy and the request counter. */
export interface StorageCallIo {
  readonly policy: StorageRetryPolicy;
  readonly meter: StorageMeter;
}

/** An attempt that got no answer within the policy's timeout. Retryable like any other timeout. */
export class StorageTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly operation: string, readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** Counts requests sent to storage, for the per-invocation log line and the benchmarks. */
export class StorageMeter {
  roundTrips = 0;
  retries = 0;
  conflicts = 0;
  /** Commits planned on remembered rows that storage refused as outdated (then read and planned again). */
  optimisticMisses = 0;
  /** Round trips per operation name ("read row", "commit transaction", ...), for the benchmarks. */
  readonly byOperation = new Map<string, number>();
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
  call: (abortSignal: AbortSignal) => Promise<T>,
  options: { policy: StorageRetryPolicy; meter: StorageMeter; context: ErrorContext },
): Promise<T> {
  const { policy, meter, context } = options;
  for (let attempt = 1; ; attempt += 1) {
    meter.roundTrips += 1;
    meter.byOperation.set(operation, (meter.byOperation.get(operation) ?? 0) + 1);
    try {
      return await attemptWithTimeout(operation, call, policy.timeoutMs);
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
      await sleep(retryDelayMs(thrown, attempt, policy, Date.now()));
    }
  }
}

/**
 * How long to wait before the next attempt: what storage asked for with Retry-After on a 429 or 503
 * (throttling: Azure answers 503 ServerBusy, or 429, when a partition or the account is over its
 * target), capped by the policy's maximum delay; otherwise exponential backoff with full jitter.
 */
export function retryDelayMs(error: unknown, attempt: number, policy: StorageRetryPolicy, now: number): number {
  const asked = retryAfterMs(error, now);
  if (asked !== null) return Math.min(policy.maxDelayMs, asked + Math.random() * policy.baseDelayMs);
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/** The wait a 429 or 503 answer asks for (Retry-After in seconds or as an HTTP date, or in ms), or null. */
export function retryAfterMs(error: unknown, now: number): number | null {
  const status = statusCodeOf(error);
  if (status !== 429 && status !== 503) return null;
  const header = (name: string): string | undefined => headerOf(error, name);
  const ms = header('retry-after-ms') ?? header('x-ms-retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms.trim());
  const value = header('retry-after')?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** A response header of an SDK error (RestError.response.headers is an HttpHeaders, or a plain record). */
function headerOf(error: unknown, name: string): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const headers: unknown = (error as { response?: { headers?: unknown } }).response?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  const value: unknown = typeof getter === 'function' ? (getter as (n: string) => unknown).call(headers, name) : (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

async function attemptWithTimeout<T>(operation: string, call: (abortSignal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StorageTimeoutError(operation, timeoutMs);
      reject(error);
      controller.abort(error);
    }, timeoutMs);
  });
  const pending = call(controller.signal);
  // The losing side of the race must not surface later as an unhandled rejection.
  pending.catch(() => undefined);
  try {
    return await Promise.race([pending, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A query, page by page, each page one retried request with its own timeout: a fault in the middle of
 * a long scan repeats that page (from its continuation token), not the whole scan.
 */
export async function* listEntitiesWithRetry(
  table: TableClient,
  operation: string,
  queryOptions: ListTableEntitiesOptions['queryOptions'],
  io: StorageCallIo & { readonly context?: ErrorContext },
): AsyncGenerator<TableEntityResult<Record<string, unknown>>> {
  let continuationToken: string | undefined;
  do {
    const token = continuationToken;
    const page = await withStorageRetry(
      operation,
      async (abortSignal) => {
        const pages = table
          .listEntities<Record<string, unknown>>({ ...(queryOptions ? { queryOptions } : {}), abortSignal })
          .byPage({ maxPageSize: 1_000, ...(token !== undefined ? { continuationToken: token } : {}) });
        const next = await pages.next();
        return next.done === true ? { entities: [], continuationToken: undefined } : { entities: [...next.value], continuationToken: next.value.continuationToken };
      },
      { policy: io.policy, meter: io.meter, context: { table: table.tableName, ...io.context } },
    );
    yield* page.entities;
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
}

/** Io for read paths whose callers give none: the default policy. */
export function defaultStorageIo(): StorageCallIo {
  return { policy: DEFAULT_STORAGE_RETRY, meter: new StorageMeter() };
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
