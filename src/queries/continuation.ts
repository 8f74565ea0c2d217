import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Continuation tokens: base64url of a small JSON object. Opaque to callers, not secret: nothing in it
 * is private, and whatever a forger writes can only name a position inside the window of the query it
 * came with (the key-range check in queryParams.ts), so a forged token never widens a read.
 *
 *   v  format version (1)
 *   q  hash of the query's canonical parameters (the token belongs to this query only)
 *   k  the last RowKey the previous page consumed: the next page reads keys after it
 *   f, t  the window the first page resolved (relative times like -1h move with the clock; the pages
 *         of one query must not)
 */
export interface Continuation {
  readonly queryHash: string;
  readonly afterKey: string;
  readonly window: { readonly from: string; readonly to: string } | null;
}

const MAX_TOKEN_CHARS = 4_096;

const tokenSchema = z.strictObject({
  v: z.literal(1),
  q: z.string().regex(/^[0-9a-f]{32}$/),
  k: z.string().min(1).max(1_024),
  f: z.string().optional(),
  t: z.string().optional(),
});

/** 128 bits of SHA-256 over the canonical parameters: a different query has a different hash. */
export function queryHash(kind: string, canonicalParams: readonly (string | null)[]): string {
  return createHash('sha256').update(JSON.stringify([kind, ...canonicalParams]), 'utf8').digest('hex').slice(0, 32);
}

export function encodeContinuation(c: Continuation): string {
  const body = { v: 1, q: c.queryHash, k: c.afterKey, ...(c.window ? { f: c.window.from, t: c.window.to } : {}) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** The token read back, or why it is not one of ours (never an exception). */
export function decodeContinuation(token: string): Continuation | { readonly reason: string } {
  const text = token.trim();
  if (text.length === 0 || text.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) return { reason: 'is not a continuation token of this ledger' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return { reason: 'is not a continuation token of this ledger' };
  }
  const parsed = tokenSchema.safeParse(json);
  if (!parsed.success) return { reason: 'is not a continuation token of this ledger' };
  const { q, k, f, t } = parsed.data;
  if ((f === undefined) !== (t === undefined)) return { reason: 'is not a continuation token of this ledger' };
  return { queryHash: q, afterKey: k, window: f !== undefined && t !== undefined ? { from: f, to: t } : null };
}
