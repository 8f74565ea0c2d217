import { createHash } from 'node:crypto';
import type { MessageEvent } from '../ingest/ledgerEvent.js';

/**
 * Soft-bounce escalation (issue 13): an address that keeps failing temporarily is treated like one that
 * hard-bounced. Defaults from the peers (docs/soft-bounces.md): listmonk acts on the 2nd soft bounce of a
 * subscriber (`bounce.actions` soft count 2), Postal forgets a suppressed address after 30 days and takes
 * it off its suppression list on the next successful delivery.
 *
 * Everything here is a pure function of the SET of an address's observations, never of their order:
 * - a soft failure is a `Failed` status record without IsHardBounce whose code is 4.x.x or absent; a
 *   `Failed` with a 5.x.x code and no IsHardBounce is a permanent failure, reported in the ledger as it
 *   is, neither counted here nor resetting the count;
 * - each message counts once, at its earliest soft failure (logs and Event Grid report one failure);
 * - a `Delivered` at time d resets the count: the failures after d (strictly) form a new run, the run's
 *   "epoch" d. A failure at the same instant as a Delivered belongs to the run before it;
 * - a run crosses when N of its failures lie within W of each other; a run crosses at most once (the
 *   address stays escalated until a Delivered starts a new run), so a crossing is (address, epoch).
 * The epoch, not the first failed message, names the crossing: a failure arriving late into a run can
 * only move the crossing's time, never its identity, so it never raises a second alert. A Delivered
 * arriving late, into a run that already crossed, splits it: the alert raised stays raised, and the
 * Delivered resets the counting after it (the part after it is a run of its own, that may cross again).
 */
export interface SoftBounceRule {
  /** N: failures of distinct messages; at least 1. */
  readonly count: number;
  readonly windowMs: number;
}

export const DAY_MS = 86_400_000;

export type SoftOutcome = 'soft' | 'permanent' | 'delivered';

/** How a record counts for the address's soft-bounce run; null when it does not. */
export function softOutcomeOf(event: MessageEvent): SoftOutcome | null {
  if (event.kind !== 'status' || event.recipient === null || event.isHardBounce) return null;
  if (event.deliveryStatus === 'Delivered') return 'delivered';
  if (event.deliveryStatus !== 'Failed') return null;
  return isPermanentCode(event.enhancedSmtpStatusCode, event.smtpStatusCode) ? 'permanent' : 'soft';
}

/** The enhanced code decides (RFC 3463 class 5 = permanent); without one, the basic SMTP reply code does. */
export function isPermanentCode(enhanced: string | null, smtp: string | null): boolean {
  const code = enhanced?.trim() || smtp?.trim() || '';
  return code.startsWith('5');
}

/** One message's earliest soft failure (or delivery) at the address. */
export interface SoftPoint {
  readonly time: string;
  readonly messageId: string;
  /** Of the record chosen (earliest time, then least fingerprint): a tie-break, so the choice is a set function. */
  readonly fingerprint: string;
  readonly code: string | null;
}

/** A soft failure or a delivery of one record, for the address's history. */
export interface SoftObservation {
  readonly address: string;
  readonly outcome: 'soft' | 'delivered';
  readonly point: SoftPoint;
}

/** The records that count for soft-bounce escalation (permanent failures do not: see softOutcomeOf). */
export function softObservationsOf(events: readonly MessageEvent[]): SoftObservation[] {
  return events.flatMap((e): SoftObservation[] => {
    const outcome = softOutcomeOf(e);
    if (e.kind !== 'status' || e.recipient === null || (outcome !== 'soft' && outcome !== 'delivered')) return [];
    const code = outcome === 'soft' ? (e.enhancedSmtpStatusCode ?? e.smtpStatusCode) : null;
    return [{ address: e.recipient.trim().toLowerCase(), outcome, point: { time: e.time, messageId: e.messageId, fingerprint: e.fingerprint, code } }];
  });
}

export interface SoftHistory {
  readonly failures: readonly SoftPoint[];
  readonly deliveries: readonly SoftPoint[];
  /** Some older delivery was left out to bound the history: runs before the oldest kept one are unknown. */
  readonly truncated: boolean;
}

export interface SoftCrossing {
  /** The Delivered time that opened the run, or '' for the address's first run. */
  readonly epoch: string;
  readonly firstFailureAt: string;
  /** The time of the N-th failure within the window: when the run crossed. */
  readonly crossedAt: string;
  /** The N messages that made the crossing, oldest first. */
  readonly messageIds: readonly string[];
  readonly code: string | null;
}

export const comparePoints = (a: SoftPoint, b: SoftPoint): number =>
  a.time < b.time ? -1 : a.time > b.time ? 1 : a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;

/** Per message, the least point by (time, fingerprint): the same whichever records arrived first. */
export function earliestPerMessage(points: Iterable<SoftPoint>): SoftPoint[] {
  const best = new Map<string, SoftPoint>();
  for (const p of points) {
    const known = best.get(p.messageId);
    if (known === undefined || comparePoints(p, known) < 0) best.set(p.messageId, p);
  }
  return [...best.values()].sort(comparePoints);
}

/** The epoch a failure belongs to: the latest delivery strictly before it, '' when there is none. */
function epochOf(time: string, deliveryTimes: readonly string[]): string {
  let epoch = '';
  for (const d of deliveryTimes) if (d < time) epoch = d;
  return epoch;
}

/** Every run that crossed, oldest first. */
export function softBounceCrossings(history: SoftHistory, rule: SoftBounceRule): SoftCrossing[] {
  const deliveryTimes = earliestPerMessage(history.deliveries).map((d) => d.time).sort();
  const floor = history.truncated ? (deliveryTimes[0] ?? '') : '';
  const runs = new Map<string, SoftPoint[]>();
  for (const f of earliestPerMessage(history.failures)) {
    // Before the oldest kept delivery of a truncated history, the runs are not known: not counted.
    if (history.truncated && f.time <= floor) continue;
    const epoch = epochOf(f.time, deliveryTimes);
    runs.set(epoch, [...(runs.get(epoch) ?? []), f]);
  }
  const crossings: SoftCrossing[] = [];
  for (const [epoch, run] of runs) {
    for (let j = rule.count - 1; j < run.length; j += 1) {
      const first = run[j - rule.count + 1];
      const last = run[j];
      if (first === undefined || last === undefined) continue;
      if (Date.parse(last.time) - Date.parse(first.time) > rule.windowMs) continue;
      const members = run.slice(j - rule.count + 1, j + 1);
      crossings.push({ epoch, firstFailureAt: first.time, crossedAt: last.time, messageIds: members.map((m) => m.messageId), code: last.code });
      break;
    }
  }
  return crossings.sort((a, b) => (a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0));
}

/** Where the address stands now: its latest run (after the latest delivery). */
export function currentRun(history: SoftHistory): { readonly epoch: string; readonly failures: number; readonly lastFailureAt: string | null; readonly lastDeliveredAt: string | null } {
  const deliveryTimes = earliestPerMessage(history.deliveries).map((d) => d.time).sort();
  const lastDeliveredAt = deliveryTimes[deliveryTimes.length - 1] ?? null;
  const after = earliestPerMessage(history.failures).filter((f) => lastDeliveredAt === null || f.time > lastDeliveredAt);
  return { epoch: lastDeliveredAt ?? '', failures: after.length, lastFailureAt: after[after.length - 1]?.time ?? null, lastDeliveredAt };
}

/** One id per (address, epoch): every replay, order and consumer computes the same id for a crossing. */
export function softBounceAlertId(address: string, epoch: string): string {
  return `sb_${createHash('sha256').update(`soft_bounce_escalation\n${address.trim().toLowerCase()}\n${epoch}`).digest('base64url').slice(0, 26)}`;
}
