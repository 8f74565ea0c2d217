import { createHash } from 'node:crypto';
import { ALERT_SCHEMA, type BounceRateAlert } from './alert.js';

/**
 * The bounce-rate guardrail, per sender domain: hard bounces over sends in a rolling window of hourly
 * buckets. AWS SES reviews an account at a 5% bounce rate and asks senders to stay under 2%; ACS
 * publishes no threshold, so those are our defaults. An alert fires when the level rises (ok → warning,
 * ok/warning → critical), once per crossing; falling back below the warning line re-arms it.
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
  /** The level just crossed into, when this evaluation should alert. */
  readonly crossed: 'warning' | 'critical' | null;
  readonly windowEnd: string;
}

const LEVEL_ORDER: Record<RateLevel, number> = { ok: 0, warning: 1, critical: 2 };

export function hourOf(time: string): string {
  return time.slice(0, 13);
}

/** The window's hours, newest last: the `windowHours` hours ending with `windowEndHour`. */
export function windowHours(windowEndHour: string, hours: number): string[] {
  const end = Date.parse(`${windowEndHour}:00:00Z`);
  return Array.from({ length: hours }, (_, i) => new Date(end - (hours - 1 - i) * 3_600_000).toISOString().slice(0, 13));
}

export function evaluateBounceRate(
  buckets: readonly RateBucket[],
  windowEndHour: string,
  thresholds: RateThresholds,
  previous: RateLevel,
): RateEvaluation {
  const inWindow = new Set(windowHours(windowEndHour, thresholds.windowHours));
  let sends = 0;
  let hardBounces = 0;
  for (const b of buckets) {
    if (!inWindow.has(b.hour)) continue;
    sends += b.sends;
    hardBounces += b.hardBounces;
  }
  const rate = sends === 0 ? 0 : hardBounces / sends;
  // Below the minimum volume a few bounces say nothing: hold the previous level, neither raise nor re-arm.
  if (sends < thresholds.minSends) return { sends, hardBounces, rate, level: previous, crossed: null, windowEnd: windowEndHour };
  const level: RateLevel = rate >= thresholds.critical ? 'critical' : rate >= thresholds.warning ? 'warning' : 'ok';
  const crossed = LEVEL_ORDER[level] > LEVEL_ORDER[previous] && level !== 'ok' ? level : null;
  return { sends, hardBounces, rate, level, crossed, windowEnd: windowEndHour };
}

/** One id per (domain, level, window end hour): a crossing re-detected in the same hour is the same alert. */
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
