import { z } from 'zod';
import { LedgerError } from '../errors.js';
import { toCanonicalUtc } from '../ingest/looseScalars.js';
import { addressKeyPrefix, KEY_END, normalizedAddress, timeKeyRange } from '../indexes/indexKeys.js';
import { failurePartsOf } from '../indexes/sumCounts.js';
import { decodeContinuation, queryHash } from './continuation.js';
import { bucketEnd, bucketStart, canonicalOfMs, DAY_MS, msOfCanonical, resolveTime, type ResolvedTime } from './queryTimes.js';

/**
 * The parameters of the queries, named as the CLI flags (the HTTP API uses the same names in its query
 * string): a `ReadonlyMap<string, string>` in, a typed query or a QueryParamError out. One schema per
 * query; an unknown parameter is an error naming it, except `code` (the Azure Functions key travels as
 * `?code=`: the host checks it, the query never sees it).
 */

/** A bad parameter: the HTTP API answers 400 `{"error": reason, "param": param}`, the CLI exits 2 naming the flag. */
export class QueryParamError extends LedgerError {
  constructor(
    readonly param: string,
    readonly reason: string,
  ) {
    super('usage', `${param}: ${reason}`, { context: { param } });
    this.name = 'QueryParamError';
  }
}

export type QueryParse<T> = { readonly ok: true; readonly query: T } | { readonly ok: false; readonly error: QueryParamError };

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1_000;
/** Longest stats windows: the rows read grow with the buckets, so hours are capped where days are not. */
export const MAX_STATS_DAYS: Readonly<Record<StatsBy, number>> = { hour: 93, day: 3_700 };

export type StatsBy = 'hour' | 'day';
export type StatsGroup = 'none' | 'sender-domain' | 'recipient-domain' | 'provider';
export const STATS_GROUPS: readonly StatsGroup[] = ['none', 'sender-domain', 'recipient-domain', 'provider'];

export interface RecipientQuery {
  /** As given (trimmed); the index is looked up lower-cased. */
  readonly address: string;
  readonly limit: number;
  /** Read keys after this one (from a continuation token), or from the start. */
  readonly afterKey: string | null;
  readonly queryHash: string;
}

export interface MessagesQuery {
  /** Canonical UTC; from inclusive, to exclusive. */
  readonly from: string;
  readonly to: string;
  readonly status: string | null;
  readonly senderDomain: string | null;
  readonly recipientDomain: string | null;
  /** A failure key (sumCounts.ts failureKeyOf): messages with a recipient that failed so. */
  readonly failure: string | null;
  /** A provider group (providers.ts), matched case-insensitively: messages with a recipient there. */
  readonly provider: string | null;
  readonly limit: number;
  readonly afterKey: string | null;
  readonly queryHash: string;
}

export interface StatsQuery {
  /** Bucket-aligned: the buckets [from, to) of `by`. */
  readonly from: string;
  readonly to: string;
  readonly by: StatsBy;
  readonly group: StatsGroup;
}

/** `stats --verify`: the UTC days holding the stats window (sums are per hour and day, so whole days compare exactly). */
export interface VerifyQuery {
  readonly from: string;
  readonly to: string;
}

export const text = z.string().optional();
export const limitField = text.transform((raw, ctx) => {
  if (raw === undefined || raw.trim() === '') return DEFAULT_LIMIT;
  const n = /^\d{1,7}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(n >= 1 && n <= MAX_LIMIT)) {
    ctx.addIssue({ code: 'custom', message: `must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(raw)}` });
    return z.NEVER;
  }
  return n;
});
export const domainField = text.transform((raw, ctx) => {
  if (raw === undefined) return null;
  const domain = raw.trim().toLowerCase();
  if (domain.length === 0 || domain.length > 255 || /\s|@/.test(domain)) {
    ctx.addIssue({ code: 'custom', message: `expected a domain such as contoso.com, got ${JSON.stringify(raw)}` });
    return z.NEVER;
  }
  return domain;
});
const statusField = text.transform((raw, ctx) => {
  if (raw === undefined) return null;
  const status = raw.trim();
  if (status.length === 0 || status.length > 64) {
    ctx.addIssue({ code: 'custom', message: `expected a delivery status such as Delivered or Bounced, got ${JSON.stringify(raw)}` });
    return z.NEVER;
  }
  return status;
});
export const failureField = text.transform((raw, ctx) => {
  if (raw === undefined) return null;
  if (raw.length > 1_000 || failurePartsOf(raw.trim()) === null) {
    ctx.addIssue({ code: 'custom', message: `expected a failure key as GET /api/failures lists it (status/smtp/enhanced/reason, each percent-encoded), got ${JSON.stringify(raw)}` });
    return z.NEVER;
  }
  return raw.trim();
});
export const providerField = text.transform((raw, ctx) => {
  if (raw === undefined) return null;
  const provider = raw.trim();
  if (provider.length === 0 || provider.length > 100) {
    ctx.addIssue({ code: 'custom', message: `expected a provider group such as Microsoft or Google, got ${JSON.stringify(raw)}` });
    return z.NEVER;
  }
  return provider;
});
const byField = text.transform((raw, ctx) => {
  const v = (raw ?? 'day').trim().toLowerCase();
  if (v === 'hour' || v === 'day') return v;
  ctx.addIssue({ code: 'custom', message: `must be hour or day, got ${JSON.stringify(raw)}` });
  return z.NEVER;
});
const groupField = text.transform((raw, ctx) => {
  const v = (raw ?? 'sender-domain').trim().toLowerCase();
  const group = STATS_GROUPS.find((g) => g === v);
  if (group !== undefined) return group;
  ctx.addIssue({ code: 'custom', message: `must be one of ${STATS_GROUPS.join(', ')}, got ${JSON.stringify(raw)}` });
  return z.NEVER;
});

const recipientSchema = z.strictObject({ limit: limitField, continuation: text, code: text });
const messagesSchema = z.strictObject({
  from: text,
  to: text,
  status: statusField,
  'sender-domain': domainField,
  'recipient-domain': domainField,
  failure: failureField,
  provider: providerField,
  limit: limitField,
  continuation: text,
  code: text,
});
const statsSchema = z.strictObject({ from: text, to: text, by: byField, group: groupField, code: text });

/** The names each query accepts (for help texts and the OpenAPI document). */
export const QUERY_PARAMS = {
  recipient: ['limit', 'continuation'],
  messages: ['from', 'to', 'status', 'sender-domain', 'recipient-domain', 'failure', 'provider', 'limit', 'continuation'],
  stats: ['from', 'to', 'by', 'group'],
  failures: ['from', 'to', 'sender-domain', 'recipient-domain', 'provider', 'limit'],
  clicks: ['from', 'to', 'sender-domain', 'limit'],
  guardrail: ['at'],
} as const;

export function fromZod(error: z.ZodError): QueryParamError {
  const issue = error.issues[0];
  if (issue === undefined) return new QueryParamError('query', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') return new QueryParamError(String(issue.keys[0] ?? 'query'), 'is not a parameter of this query');
  const param = String(issue.path[0] ?? 'query');
  return new QueryParamError(param, issue.code === 'invalid_type' ? 'must be given once, as text' : issue.message);
}

export function objectOf(params: ReadonlyMap<string, string>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(params));
}

const fail = <T>(param: string, reason: string): QueryParse<T> => ({ ok: false, error: new QueryParamError(param, reason) });

export function parseRecipientQuery(address: string, params: ReadonlyMap<string, string>): QueryParse<RecipientQuery> {
  const trimmed = address.trim();
  if (trimmed.length === 0 || trimmed.length > 1_000) return fail('address', `expected an email address, got ${JSON.stringify(address)}`);
  const parsed = recipientSchema.safeParse(objectOf(params));
  if (!parsed.success) return { ok: false, error: fromZod(parsed.error) };
  const hash = queryHash('recipient', [normalizedAddress(trimmed)]);
  let afterKey: string | null = null;
  if (parsed.data.continuation !== undefined) {
    const token = decodeContinuation(parsed.data.continuation);
    if ('reason' in token) return fail('continuation', token.reason);
    if (token.queryHash !== hash) return fail('continuation', 'belongs to another query');
    const prefix = addressKeyPrefix(trimmed);
    if (!(token.afterKey.startsWith(prefix) && token.afterKey < `${prefix}${KEY_END}`)) return fail('continuation', "points outside this address's rows");
    afterKey = token.afterKey;
  }
  return { ok: true, query: { address: trimmed, limit: parsed.data.limit, afterKey, queryHash: hash } };
}

interface Window {
  readonly from: ResolvedTime;
  readonly to: ResolvedTime;
}

export function resolveWindow(raw: { from?: string | undefined; to?: string | undefined }, defaultDays: number, now: Date): Window | QueryParamError {
  const to = raw.to === undefined ? { time: canonicalOfMs(now.getTime()), relative: true } : resolveTime(raw.to, now);
  if ('reason' in to) return new QueryParamError('to', to.reason);
  const from = raw.from === undefined ? { time: canonicalOfMs(msOfCanonical(to.time) - defaultDays * DAY_MS), relative: to.relative } : resolveTime(raw.from, now);
  if ('reason' in from) return new QueryParamError('from', from.reason);
  if (!(from.time < to.time)) return new QueryParamError('from', `must be before to (from ${from.time}, to ${to.time})`);
  return { from, to };
}

/** How a window parameter enters the query hash: its canonical time, or the relative text (which moves with the clock). */
const specOf = (raw: string | undefined, resolved: ResolvedTime): string => (resolved.relative ? `rel:${(raw ?? 'default').trim().toLowerCase()}` : resolved.time);

export function parseMessagesQuery(params: ReadonlyMap<string, string>, now: Date): QueryParse<MessagesQuery> {
  const parsed = messagesSchema.safeParse(objectOf(params));
  if (!parsed.success) return { ok: false, error: fromZod(parsed.error) };
  const p = parsed.data;
  const window = resolveWindow(p, 1, now);
  if (window instanceof QueryParamError) return { ok: false, error: window };
  const filters = { status: p.status, senderDomain: p['sender-domain'], recipientDomain: p['recipient-domain'], failure: p.failure, provider: p.provider };
  const hash = queryHash('messages', [
    specOf(p.from, window.from), specOf(p.to, window.to), filters.status?.toLowerCase() ?? null, filters.senderDomain, filters.recipientDomain,
    // Appended only when given, so that the tokens of queries without them stay valid.
    ...(filters.failure === null && filters.provider === null ? [] : [filters.failure, filters.provider?.toLowerCase() ?? null]),
  ]);
  let from = window.from.time;
  let to = window.to.time;
  let afterKey: string | null = null;
  if (p.continuation !== undefined) {
    const token = decodeContinuation(p.continuation);
    if ('reason' in token) return fail('continuation', token.reason);
    if (token.queryHash !== hash || token.window === null) return fail('continuation', 'belongs to another query');
    // Relative bounds keep the first page's window; absolute ones must be the token's exactly.
    const { from: keptFrom, to: keptTo } = token.window;
    // A relative bound resolved earlier is at or before its resolution now; two relative bounds keep their distance.
    const kept = (bound: ResolvedTime, time: string) => (bound.relative ? toCanonicalUtc(time) === time && time <= bound.time : bound.time === time);
    const span = (a: string, b: string) => msOfCanonical(b) - msOfCanonical(a);
    const sameSpan = !(window.from.relative && window.to.relative) || span(keptFrom, keptTo) === span(window.from.time, window.to.time);
    if (!kept(window.from, keptFrom) || !kept(window.to, keptTo) || !(keptFrom < keptTo) || !sameSpan) return fail('continuation', 'belongs to another query');
    const range = timeKeyRange(keptFrom, keptTo);
    if (!(token.afterKey >= range.ge && token.afterKey < range.lt)) return fail('continuation', "points outside this query's time window");
    [from, to, afterKey] = [keptFrom, keptTo, token.afterKey];
  }
  return { ok: true, query: { from, to, ...filters, limit: p.limit, afterKey, queryHash: hash } };
}

export function parseStatsQuery(params: ReadonlyMap<string, string>, now: Date): QueryParse<StatsQuery> {
  const parsed = statsSchema.safeParse(objectOf(params));
  if (!parsed.success) return { ok: false, error: fromZod(parsed.error) };
  const p = parsed.data;
  const window = resolveWindow(p, 30, now);
  if (window instanceof QueryParamError) return { ok: false, error: window };
  const from = bucketStart(window.from.time, p.by);
  const to = bucketEnd(window.to.time, p.by);
  const days = (msOfCanonical(to) - msOfCanonical(from)) / DAY_MS;
  if (days > MAX_STATS_DAYS[p.by]) {
    return fail('from', `a window of ${Math.ceil(days)} days is longer than the ${MAX_STATS_DAYS[p.by]} days allowed with by=${p.by}${p.by === 'hour' ? ' (use by=day)' : ''}`);
  }
  return { ok: true, query: { from, to, by: p.by, group: p.group } };
}

/** The whole UTC days holding a stats window. */
export function verifyWindowOf(query: Pick<StatsQuery, 'from' | 'to'>): VerifyQuery {
  return { from: bucketStart(query.from, 'day'), to: bucketEnd(query.to, 'day') };
}

/** The parsed query, or the error thrown (the CLI's way: exit 2 naming the flag). */
export function queryOrThrow<T>(parse: QueryParse<T>): T {
  if (parse.ok) return parse.query;
  throw parse.error;
}

/** The 400 body of the HTTP API. */
export const queryErrorDocument = (error: QueryParamError): { error: string; param: string } => ({ error: error.reason, param: error.param });
