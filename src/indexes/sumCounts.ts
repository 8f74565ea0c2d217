import { isFinalStatus } from '../state/deliveryStatus.js';
import { isFailureStatus, type RecipientDigest } from '../state/recipientDigest.js';

/**
 * The counts one sum row holds, for one bucket (hour or day), sender domain and recipient domain. Every
 * count is a sum over recipients of a per-recipient contribution, so a sum changes by exactly the
 * difference between a message's old and new contributions, in any order.
 */
export interface SumCounts {
  readonly recipients: number;
  /** Recipients by current status, each status name its own key; NO_STATUS for a recipient with none yet. */
  readonly statuses: ReadonlyMap<string, number>;
  readonly hardBounces: number;
  /** Recipients with at least one view, and with at least one click. */
  readonly viewers: number;
  readonly clickers: number;
  readonly views: number;
  readonly clicks: number;
  /** Recipients by failure key (failureKeyOf): final statuses other than Delivered, with their codes and reason. */
  readonly failures: ReadonlyMap<string, number>;
}

/** The status key of a recipient that only engagement records named. */
export const NO_STATUS = '(none)';

export const ZERO_COUNTS: SumCounts = { recipients: 0, statuses: new Map(), hardBounces: 0, viewers: 0, clickers: 0, views: 0, clicks: 0, failures: new Map() };

/** The parts a failure is counted by; empty codes and reasons are the same as none. */
export interface FailureParts {
  readonly status: string;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failureReason: string | null;
}

/**
 * The failure key of a recipient (null unless its status is final and not Delivered): the parts,
 * each percent-encoded, joined by "/", e.g. "Bounced/550/5.1.1/BadDestinationMailboxAddress". It is
 * the `failure` filter of `messages`, readable and unambiguous.
 */
export function failureKeyOf(recipient: Pick<RecipientDigest, 'status' | 'smtpStatusCode' | 'enhancedSmtpStatusCode' | 'failureReason'>): string | null {
  if (!isFailureStatus(recipient.status)) return null;
  return [recipient.status, recipient.smtpStatusCode, recipient.enhancedSmtpStatusCode, recipient.failureReason].map((p) => encodeURIComponent(p ?? '')).join('/');
}

/** The parts of a failure key; null when the text is not one. */
export function failurePartsOf(key: string): FailureParts | null {
  const parts = key.split('/');
  if (parts.length !== 4) return null;
  try {
    const [status, smtp, enhanced, reason] = parts.map((p) => decodeURIComponent(p));
    if (status === undefined || status === '') return null;
    const orNull = (v: string | undefined) => (v === undefined || v === '' ? null : v);
    return { status, smtpStatusCode: orNull(smtp), enhancedSmtpStatusCode: orNull(enhanced), failureReason: orNull(reason) };
  } catch {
    return null;
  }
}

export function countsOfRecipient(recipient: RecipientDigest): SumCounts {
  const failureKey = failureKeyOf(recipient);
  return {
    recipients: 1,
    statuses: new Map([[recipient.status ?? NO_STATUS, 1]]),
    hardBounces: recipient.hardBounce ? 1 : 0,
    viewers: recipient.views > 0 ? 1 : 0,
    clickers: recipient.clicks > 0 ? 1 : 0,
    views: recipient.views,
    clicks: recipient.clicks,
    failures: new Map(failureKey === null ? [] : [[failureKey, 1]]),
  };
}

/** a + sign * b of two keyed counts; keys that reach 0 disappear, so equal sums have equal maps. */
function addMaps(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, sign: 1 | -1): Map<string, number> {
  const out = new Map(a);
  for (const [key, n] of b) {
    const next = (out.get(key) ?? 0) + sign * n;
    if (next === 0) out.delete(key);
    else out.set(key, next);
  }
  return out;
}

/** a + sign * b; statuses and failures that reach 0 disappear, so equal sums have equal maps. */
export function addCounts(a: SumCounts, b: SumCounts, sign: 1 | -1 = 1): SumCounts {
  return {
    recipients: a.recipients + sign * b.recipients,
    statuses: addMaps(a.statuses, b.statuses, sign),
    hardBounces: a.hardBounces + sign * b.hardBounces,
    viewers: a.viewers + sign * b.viewers,
    clickers: a.clickers + sign * b.clickers,
    views: a.views + sign * b.views,
    clicks: a.clicks + sign * b.clicks,
    failures: addMaps(a.failures, b.failures, sign),
  };
}

export function isZero(counts: SumCounts): boolean {
  return (
    counts.recipients === 0 && counts.statuses.size === 0 && counts.hardBounces === 0 && counts.viewers === 0 &&
    counts.clickers === 0 && counts.views === 0 && counts.clicks === 0 && counts.failures.size === 0
  );
}

export function sameCounts(a: SumCounts, b: SumCounts): boolean {
  return isZero(addCounts(a, b, -1));
}

/** Recipients whose status is final (deliveryStatus.ts): the denominator of the delivery and bounce rates. */
export function finalRecipientsOf(counts: SumCounts): number {
  let n = 0;
  for (const [status, count] of counts.statuses) if (isFinalStatus(status)) n += count;
  return n;
}

/** Sorted by key (status name or failure key), as JSON: equal maps serialise equally. */
export function serializeStatuses(statuses: ReadonlyMap<string, number>): string {
  const out = Object.create(null) as Record<string, number>;
  for (const [status, n] of [...statuses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[status] = n;
  return JSON.stringify(out);
}

export function parseStatuses(json: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (typeof json !== 'string') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return out;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
  for (const [status, n] of Object.entries(parsed)) if (typeof n === 'number' && Number.isFinite(n) && n !== 0) out.set(status, n);
  return out;
}
