import { z } from 'zod';
import { decodeContinuation, encodeContinuation, queryHash } from '../queries/continuation.js';
import { paramOk, paramProblem, zodParams, type ParamReader } from './params.js';

/**
 * Paging of the ledger's own lists (alerts, bounces, dead letters): `limit` (default 100, at most 1000)
 * and an opaque `continuation`. The token holds the sort key of the last item given (a keyset cursor),
 * bound to its query by the hash of the other parameters, so a token never moves to another query and a
 * forged one can only name a position. Bounces read their page from storage in key order (listReads.ts);
 * alerts and dead letters, whose key order is no useful order, have their page cut from the whole
 * sorted list here (pageOf).
 */
export const LIST_DEFAULT_LIMIT = 100;
export const LIST_MAX_LIMIT = 1_000;
/** A token's key is at most 1,024 characters (src/queries/continuation.ts); a longer key has its longest part cut. */
const MAX_KEY_CHARS = 1_000;

export interface ListPaging {
  readonly limit: number;
  /** `limit` was given (not the default): an export of every page refuses it. */
  readonly limitGiven: boolean;
  /** The sort key of the last item of the previous page, or null for the first page. */
  readonly after: readonly string[] | null;
  readonly queryHash: string;
}

export interface Page<T> {
  readonly items: T[];
  /** The next page's token, or null when this page is the last. */
  readonly continuation: string | null;
}

const limitParam = z
  .string()
  .trim()
  .regex(/^\d{1,7}$/, `must be a whole number from 1 to ${LIST_MAX_LIMIT}`)
  .transform(Number)
  .refine((n) => n >= 1 && n <= LIST_MAX_LIMIT, `must be a whole number from 1 to ${LIST_MAX_LIMIT}`)
  .optional()
  .describe(`items per page, 1 to ${LIST_MAX_LIMIT} (default ${LIST_DEFAULT_LIMIT})`);
const continuationParam = z.string().optional().describe('the `continuation` of the previous page, with the same other parameters');

export const PAGING_PARAMS = ['limit', 'continuation'] as const;

/**
 * A reader of a list's filters plus limit and continuation: `canonical` gives the filters as they
 * enter the query hash (normalised, so equal queries share tokens); `keyParts` is the arity of the key.
 */
export function listReader<S extends z.ZodRawShape, F>(
  kind: string,
  filters: S,
  keyParts: number,
  canonical: (values: z.output<z.ZodObject<S>>) => F & { readonly hashParts: readonly (string | null)[] },
): ParamReader<{ readonly filters: F; readonly paging: ListPaging }> {
  const base = zodParams('query', z.object({ ...filters, limit: limitParam, continuation: continuationParam }));
  return {
    docs: base.docs,
    read(values, context) {
      const parsed = base.read(values, context);
      if (!parsed.ok) return parsed;
      const { limit, continuation, ...rest } = parsed.value as { limit?: number; continuation?: string } & Record<string, unknown>;
      const { hashParts, ...f } = canonical(rest as z.output<z.ZodObject<S>>);
      const hash = queryHash(kind, hashParts);
      let after: string[] | null = null;
      if (continuation !== undefined) {
        const token = decodeContinuation(continuation);
        if ('reason' in token) return paramProblem('continuation', token.reason);
        if (token.queryHash !== hash || token.window !== null) return paramProblem('continuation', 'belongs to another query');
        after = keyOfToken(token.afterKey, keyParts);
        if (after === null) return paramProblem('continuation', 'is not a continuation token of this ledger');
      }
      return paramOk({ filters: f as unknown as F, paging: { limit: limit ?? LIST_DEFAULT_LIMIT, limitGiven: limit !== undefined, after, queryHash: hash } });
    },
  };
}

function keyOfToken(afterKey: string, parts: number): string[] | null {
  try {
    const key: unknown = JSON.parse(afterKey);
    return Array.isArray(key) && key.length === parts && key.every((p) => typeof p === 'string') ? key : null;
  } catch {
    return null;
  }
}

/**
 * The page after `paging.after` of a list sorted by the order `isAfter` agrees with: `isAfter(item, key)`
 * says the item sorts after the key. `keyOf` gives an item's key (parts cut to fit a token). `start`
 * may find the position faster or more exactly (an id in the list); it returns -1 when it cannot.
 */
export function pageOf<T>(
  sorted: readonly T[],
  paging: ListPaging,
  order: {
    readonly keyOf: (item: T) => readonly string[];
    readonly isAfter: (item: T, key: readonly string[]) => boolean;
    readonly indexOf?: (key: readonly string[]) => number;
  },
): Page<T> {
  const { after } = paging;
  let start = 0;
  if (after !== null) {
    const found = order.indexOf?.(after) ?? -1;
    start = found >= 0 ? found + 1 : firstAfter(sorted, after, order.isAfter);
  }
  const items = sorted.slice(start, start + paging.limit);
  const last = items[items.length - 1];
  const more = last !== undefined && start + items.length < sorted.length;
  const key = last === undefined ? '[]' : fitKey(order.keyOf(last));
  return { items, continuation: more ? encodeContinuation({ queryHash: paging.queryHash, afterKey: key, window: null }) : null };
}

/**
 * The key as token text. Only hostile values (a dead letter's location of thousands of characters) need
 * cutting; a cut part is a prefix, which `indexOf` (an exact id) resumes after exactly.
 */
function fitKey(parts: readonly string[]): string {
  const cut = [...parts];
  for (let text = JSON.stringify(cut); text.length > MAX_KEY_CHARS; text = JSON.stringify(cut)) {
    const longest = cut.reduce((best, part, i) => (part.length > (cut[best]?.length ?? 0) ? i : best), 0);
    const part = cut[longest] ?? '';
    // Never between the halves of a surrogate pair: the token is UTF-8 on the wire.
    let end = Math.floor(part.length / 2);
    const code = part.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1;
    cut[longest] = part.slice(0, end);
  }
  return JSON.stringify(cut);
}

/** Binary search: the items after the key are a suffix of the sorted list. */
function firstAfter<T>(sorted: readonly T[], key: readonly string[], isAfter: (item: T, key: readonly string[]) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isAfter(sorted[mid] as T, key)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
