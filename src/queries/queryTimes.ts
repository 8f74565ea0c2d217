import { toCanonicalUtc } from '../ingest/looseScalars.js';

/**
 * Times of query parameters. The index keys need canonical UTC (7 fractional digits, src/indexes/indexKeys.ts),
 * so every accepted form is turned into it:
 * - ISO 8601 with or without a zone (no zone = UTC), e.g. `2026-11-30T14:00:00Z`, `2026-11-30T15:00+01:00`;
 * - a bare date, `2026-11-30` = 00:00Z that day;
 * - `now`, or a time relative to now: `-90m`, `-1h`, `-7d`, `-2w` (minutes, hours, days, weeks before now).
 */
export interface ResolvedTime {
  readonly time: string;
  /** Relative forms depend on the clock: a continuation token keeps the window its first page resolved. */
  readonly relative: boolean;
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const RELATIVE = /^-(\d{1,6})([mhdw])$/;
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The canonical form of an instant. */
export function canonicalOfMs(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}0000Z`;
}

/** Milliseconds of a canonical time (the digits below 1 ms are dropped). */
export function msOfCanonical(time: string): number {
  return Date.parse(`${time.slice(0, 23)}Z`);
}

/** The time, or a reason it is not one. */
export function resolveTime(text: string, now: Date): ResolvedTime | { readonly reason: string } {
  const raw = text.trim();
  if (raw.toLowerCase() === 'now') return { time: canonicalOfMs(now.getTime()), relative: true };
  const relative = RELATIVE.exec(raw);
  if (relative) {
    const ms = now.getTime() - Number(relative[1]) * (UNIT_MS[relative[2] ?? 'h'] ?? HOUR_MS);
    if (!Number.isFinite(ms) || ms < Date.UTC(0, 0, 1)) return { reason: `${JSON.stringify(text)} reaches before year 0` };
    return { time: canonicalOfMs(ms), relative: true };
  }
  const canonical = toCanonicalUtc(BARE_DATE.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (canonical === null) {
    return { reason: `expected an ISO 8601 time (2026-11-30T14:00:00Z), a date (2026-11-30), now, or -<n>m|h|d|w; got ${JSON.stringify(text)}` };
  }
  return { time: canonical, relative: false };
}

/** The start of the hour or UTC day holding `time`. */
export function bucketStart(time: string, by: 'hour' | 'day'): string {
  return by === 'hour' ? `${time.slice(0, 13)}:00:00.0000000Z` : `${time.slice(0, 10)}T00:00:00.0000000Z`;
}

/** The first bucket start at or after `time`. */
export function bucketEnd(time: string, by: 'hour' | 'day'): string {
  const start = bucketStart(time, by);
  if (start === time) return time;
  return canonicalOfMs(msOfCanonical(start) + (by === 'hour' ? HOUR_MS : DAY_MS));
}
