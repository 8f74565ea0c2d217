import { LedgerError, ensureError, redactSecrets } from '../errors.js';
import { isTransientStorageError } from '../store/storageRetry.js';
import type { ApiResponse } from './apiRoute.js';
import type { ParamProblem } from './params.js';

/**
 * The API's responses. Bodies are JSON; failures say what to do and never carry a stack trace or a
 * storage error's text (that goes to the function's log, secrets scrubbed).
 */
const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' } as const;

/** Seconds a client should wait after a 503: the storage retries already spent several. */
export const RETRY_AFTER_SECONDS = 5;

export const jsonResponse = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): ApiResponse => ({
  status,
  body,
  headers: { ...JSON_HEADERS, ...headers },
});

export const paramProblemResponse = (status: 400 | 404, problem: ParamProblem): ApiResponse =>
  jsonResponse(status, { error: problem.reason, param: problem.param });

/**
 * A thrown error as a response: a usage error naming a parameter is a 400; storage that stayed unavailable through its retries (or a transient
 * fault that escaped them) is a 503 with Retry-After, which the caller may retry; anything else is a
 * fault of the app, a 500 without detail. Both are logged with their context.
 */
export function failureResponse(thrown: unknown, options: { route: string; log: (message: string) => void }): ApiResponse {
  const error = ensureError(thrown);
  const problem = paramProblemOf(error);
  if (problem !== null) return paramProblemResponse(400, problem);
  const retryable = (error instanceof LedgerError && error.retryable) || isTransientStorageError(thrown);
  const context = error instanceof LedgerError ? ` ${JSON.stringify(error.context)}` : '';
  options.log(redactSecrets(`api ${options.route}: ${error.name}${error instanceof LedgerError ? ` ${error.code}` : ''}: ${error.message}${context}`));
  if (retryable) {
    return jsonResponse(503, { error: 'the ledger storage did not answer in time; retry later', retryable: true }, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
  }
  const misconfigured = error instanceof LedgerError && error.code === 'config_invalid';
  return jsonResponse(500, { error: misconfigured ? 'the function app is misconfigured; see its log' : 'internal error; see the function log', retryable: false });
}

/**
 * A usage error naming a parameter (the queries' QueryParamError, thrown where a query can tell only
 * late, e.g. a grouping switched off by configuration) is bad input, not a fault: a 400.
 */
function paramProblemOf(error: Error): ParamProblem | null {
  if (!(error instanceof LedgerError) || error.code !== 'usage' || typeof error.context['param'] !== 'string') return null;
  const reason: unknown = 'reason' in error ? error.reason : error.message;
  return { param: error.context['param'], reason: typeof reason === 'string' ? reason : error.message };
}
