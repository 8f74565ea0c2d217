import { z } from 'zod';
import { bucketEnd, bucketStart, canonicalOfMs, DAY_MS, msOfCanonical, resolveTime } from './queryTimes.js';
import { domainField, fromZod, limitField, objectOf, providerField, QueryParamError, resolveWindow, text, type QueryParse } from './queryParams.js';

/**
 * The parameters of `failures`, `clicks` and `guardrail` (the CLI flags and the HTTP API's query string,
 * as in queryParams.ts): typed queries or a QueryParamError naming the parameter.
 */
export interface FailuresQuery {
  /** Hour-aligned: the hours [from, to). */
  readonly from: string;
  readonly to: string;
  readonly senderDomain: string | null;
  readonly recipientDomain: string | null;
  readonly provider: string | null;
  readonly limit: number;
}

export interface ClicksQuery {
  /** Day-aligned (link sums are daily): the UTC days [from, to). */
  readonly from: string;
  readonly to: string;
  readonly senderDomain: string | null;
  readonly limit: number;
}

export interface GuardrailQuery {
  /** Canonical UTC; the window is the guardrail's hours ending with this one's hour. */
  readonly at: string;
}

/** Longest windows: the rows read grow with the days (and at most two partial days of hours). */
export const MAX_AGGREGATE_DAYS = 3_700;

const failuresSchema = z.strictObject({ from: text, to: text, 'sender-domain': domainField, 'recipient-domain': domainField, provider: providerField, limit: limitField, code: text });
const clicksSchema = z.strictObject({ from: text, to: text, 'sender-domain': domainField, limit: limitField, code: text });
const guardrailSchema = z.strictObject({ at: text, code: text });

const tooLong = (from: string, to: string): QueryParamError | null => {
  const days = (msOfCanonical(to) - msOfCanonical(from)) / DAY_MS;
  return days > MAX_AGGREGATE_DAYS ? new QueryParamError('from', `a window of ${Math.ceil(days)} days is longer than the ${MAX_AGGREGATE_DAYS} days allowed`) : null;
};

/** Default window: the 30 days before `to` (now), as `stats`. */
export function parseFailuresQuery(params: ReadonlyMap<string, string>, now: Date): QueryParse<FailuresQuery> {
  const parsed = failuresSchema.safeParse(objectOf(params));
  if (!parsed.success) return { ok: false, error: fromZod(parsed.error) };
  const p = parsed.data;
  const window = resolveWindow(p, 30, now);
  if (window instanceof QueryParamError) return { ok: false, error: window };
  const from = bucketStart(window.from.time, 'hour');
  const to = bucketEnd(window.to.time, 'hour');
  const error = tooLong(from, to);
  if (error !== null) return { ok: false, error };
  return { ok: true, query: { from, to, senderDomain: p['sender-domain'], recipientDomain: p['recipient-domain'], provider: p.provider, limit: p.limit } };
}

export function parseClicksQuery(params: ReadonlyMap<string, string>, now: Date): QueryParse<ClicksQuery> {
  const parsed = clicksSchema.safeParse(objectOf(params));
  if (!parsed.success) return { ok: false, error: fromZod(parsed.error) };
  const p = parsed.data;
  const window = resolveWindow(p, 30, now);
  if (window instanceof QueryParamError) return { ok: false, error: window };
  const from = bucketStart(window.from.time, 'day');
  const to = bucketEnd(window.to.time, 'day');
  const error = tooLong(from, to);
  if (error !== null) return { ok: false, error };
  return { ok: true, query: { from, to, senderDomain: p['sender-domain'], limit: p.limit } };
}

export function parseGuardrailQuery(params: ReadonlyMap<string, string>, now: Date): QueryParse<GuardrailQuery> {
  const parsed = guardrailSchema.safeParse(objectOf(params));
  if (!parsed.success) return { ok: false, error: fromZod(parsed.error) };
  if (parsed.data.at === undefined) return { ok: true, query: { at: canonicalOfMs(now.getTime()) } };
  const at = resolveTime(parsed.data.at, now);
  if ('reason' in at) return { ok: false, error: new QueryParamError('at', at.reason) };
  return { ok: true, query: { at: at.time } };
}
