import { createHash } from 'node:crypto';
import { ALERT_SCHEMA, type BounceRateAlert } from './alert.js';

/**
 * The bounce-rate guardrail, per sender domain: hard bounces over sends in a rolling window of hourly
 * buckets. AWS SES reviews an account at a 5% bounce rate and asks senders to stay under 2%; ACS
 * publishes no threshold, so those are our defaults.
 *
 * Stateless on purpose: the level of the window ending at hour H is a function of that window's counts
 * only, and a crossing at H (ok → warning, ok/warning → critical) compares it with the window ending at
 * H-1. So the alerts are a pure function of the hourly counts, whatever order the records came in and
 * however often a window is evaluated; falling back below the warning line re-arms the next crossing.
 */
export type RateLevel = 'ok' | 'warning' | 'critical';

export interface RateBucket {
  /** "2025-03-14T09" */
  readonly hour: string;
  readonly sends: number;
  readonly hardBounces: number;
}

export interface RateThresholds {
  readonly windowHours: number;
  readonly minSends: number;
  readonly warning: number;
  readonly critical: number;
}

export interface RateEvaluation {
  readonly sends: number;
  readonly hardBounces: number;
  readonly rate: number;
  readonly level: RateLevel;
  /** The level just crossed into (compared with the window one hour earlier), when this window alerts. */
  readonly crossed: 'warning' | 'critical' | null;
  readonly windowEnd: string;
}

const LEVEL_ORDER: Readonly<Record<RateLevel, number>> = Object.freeze({ ok: 0, warning: 1, critical: 2 });
const HOUR_MS = 3_600_000;

export function hourOf(time: string): string {
  return time.slice(0, 13);
}

/** The hour `n` hours after `hour` (n may be negative). */
export function addHours(hour: string, n: number): string {
  return new Date(Date.parse(`${hour}:00:00Z`) + n * HOUR_MS).toISOString().slice(0, 13);
}

/** The window's hours, newest last: the `windowHours` hours ending with `windowEndHour`. */
export function windowHours(windowEndHour: string, hours: number): string[] {
  return Array.from({ length: hours }, (_, i) => addHours(windowEndHour, i - (hours - 1)));
}

function levelOf(sends: number, hardBounces: number, thresholds: RateThresholds): RateLevel {
  // Below the minimum volume a few bounces say nothing: the window is quiet.
  if (sends < thresholds.minSends || sends === 0) return 'ok';
  const rate = hardBounces / sends;
  return rate >= thresholds.critical ? 'critical' : rate >= thresholds.warning ? 'warning' : 'ok';
}

function totals(byHour: ReadonlyMap<string, RateBucket>, windowEndHour: string, hours: number): { sends: number; hardBounces: number } {
  let sends = 0;
  let hardBounces = 0;
  for (const hour of windowHours(windowEndHour, hours)) {
    const b = byHour.get(hour);
    if (b === undefined) continue;
    sends += b.sends;
    hardBounces += b.hardBounces;
  }
  return { sends, hardBounces };
}

/** The window ending at `windowEndHour`, and whether it crossed a line the window an hour earlier had not. */
export function evaluateBounceRate(buckets: readonly RateBucket[], windowEndHour: string, thresholds: RateThresholds): RateEvaluation {
  const byHour = new Map(buckets.map((b) => [b.hour, b]));
  const now = totals(byHour, windowEndHour, thresholds.windowHours);
  const before = totals(byHour, addHours(windowEndHour, -1), thresholds.windowHours);
  const level = levelOf(now.sends, now.hardBounces, thresholds);
  const previous = levelOf(before.sends, before.hardBounces, thresholds);
  const crossed = level !== 'ok' && LEVEL_ORDER[level] > LEVEL_ORDER[previous] ? level : null;
  const rate = now.sends === 0 ? 0 : now.hardBounces / now.sends;
  return { ...now, rate, level, crossed, windowEnd: windowEndHour };
}

/**
 * Every window end hour whose evaluation the given buckets can influence: a bucket at hour h is in the
 * windows ending h … h+windowHours-1, and the one ending h+windowHours compares with them. Sorted.
 */
export function affectedWindowEnds(bucketHours: Iterable<string>, windowHoursCount: number): string[] {
  const ends = new Set<string>();
  for (const hour of bucketHours) for (let i = 0; i <= windowHoursCount; i += 1) ends.add(addHours(hour, i));
  return [...ends].sort();
}

/** The crossings among the given window ends: a pure function of the hourly counts. */
export function crossingsOf(buckets: readonly RateBucket[], windowEnds: readonly string[], thresholds: RateThresholds): RateEvaluation[] {
  return windowEnds.map((end) => evaluateBounceRate(buckets, end, thresholds)).filter((e) => e.crossed !== null);
}

/** One id per (domain, level, window end hour): the same crossing always has the same id. */
export function bounceRateAlertId(senderDomain: string, level: 'warning' | 'critical', windowEndHour: string): string {
  return `br_${createHash('sha256').update(`bounce_rate\n${senderDomain}\n${level}\n${windowEndHour}`).digest('base64url').slice(0, 26)}`;
}

export function buildBounceRateAlert(
  senderDomain: string,
  evaluation: RateEvaluation & { crossed: 'warning' | 'critical' },
  thresholds: RateThresholds,
  detectedAt: Date,
): BounceRateAlert {
  return {
    schema: ALERT_SCHEMA,
    type: 'bounce_rate',
    id: bounceRateAlertId(senderDomain, evaluation.crossed, evaluation.windowEnd),
    level: evaluation.crossed,
    senderDomain,
    windowHours: thresholds.windowHours,
    windowEnd: `${evaluation.windowEnd}:59:59Z`,
    sends: evaluation.sends,
    hardBounces: evaluation.hardBounces,
    rate: Number(evaluation.rate.toFixed(6)),
    threshold: evaluation.crossed === 'critical' ? thresholds.critical : thresholds.warning,
    detectedAt: detectedAt.toISOString(),
  };
}
