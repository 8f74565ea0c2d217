/**
 * Typed errors. Every error the ledger raises carries a stable `code`, whether a retry can help
 * (`retryable`), and the context that locates the problem (partition, sequence number, file and
 * line, message id). Whether a failure is retried is decided by `retryable`, never by the class.
 */

export type ErrorContext = Readonly<Record<string, string | number | boolean | undefined>>;

export type LedgerErrorCode =
  | 'config_invalid'
  | 'storage_unavailable'
  | 'storage_conflict'
  | 'storage_rejected'
  | 'input_unreadable'
  | 'not_found'
  | 'alert_delivery_failed'
  | 'alerts_undelivered'
  | 'usage'
  | 'index_inconsistent';

export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(
    code: LedgerErrorCode,
    message: string,
    options: { retryable?: boolean; context?: ErrorContext; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LedgerError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

/** Turns anything thrown into an Error without losing it. */
export function ensureError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}

const SECRET_PATTERNS: readonly RegExp[] = [
  /(AccountKey|SharedAccessKey|SharedAccessSignature|sig|whsec_)[=_]?[^;&\s"']+/gi,
];

/** Scrubs keys and signatures from text that may reach logs or dead letters. */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, pattern) => out.replace(pattern, '$1=***'), text);
}
