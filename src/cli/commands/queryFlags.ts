import { LedgerError } from '../../errors.js';
import { QueryParamError, type QueryParse } from '../../queries/queryParams.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { StorageMeter, type StorageCallIo } from '../../store/storageRetry.js';

/**
 * What the query commands share: flags become the query parameters of the same name (the HTTP API's),
 * and a bad one becomes a usage error (exit 2) naming the flag.
 */
export function paramsOf(opts: Readonly<Record<string, unknown>>, names: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const name of names) {
    // commander camel-cases --sender-domain to senderDomain.
    const value = opts[name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
    if (typeof value === 'string') params.set(name, value);
  }
  return params;
}

/** The parsed query, or a usage error naming the flag (`<address>` for the argument). */
export function queryOrUsage<T>(parse: QueryParse<T>): T {
  if (parse.ok) return parse.query;
  throw asUsage(parse.error);
}

export function asUsage(error: QueryParamError): LedgerError {
  const flag = error.param === 'address' ? '<address>' : `--${error.param}`;
  return new LedgerError('usage', `${flag}: ${error.reason}`);
}

/** Runs a query, turning a parameter error raised while answering (group=provider switched off) into a usage error. */
export async function usageOnParamError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof QueryParamError) throw asUsage(error);
    throw error;
  }
}

export const ioOf = (tables: Pick<LedgerTables, 'retryPolicy'>): StorageCallIo => ({ policy: tables.retryPolicy, meter: new StorageMeter() });

export const percent = (rate: number | null): string => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

/** How the next page is asked for, on the command line. */
export function nextPageHint(command: string, continuation: string | null): string[] {
  return continuation === null ? [] : ['', `More: ${command} --continuation ${continuation}`];
}

/** An argument as the shell needs it, for the hints printed. */
export const shellWord = (word: string): string => (/^[A-Za-z0-9@._:+=,/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
