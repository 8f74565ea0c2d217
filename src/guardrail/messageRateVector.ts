import { hourOf, type RateBucket } from '../alerts/bounceRate.js';
import { isFinalStatus } from '../state/deliveryStatus.js';
import type { MessageState, RecipientState } from '../state/messageState.js';

/**
 * What one message contributes to the bounce-rate guardrail, as a pure function of its merged state:
 * per hour, how many of its recipients count as sent and how many of those hard-bounced.
 *
 * A recipient counts as sent once it holds a final status, in the hour of that status's time (the
 * latest status record by the merge's total order), and as hard-bounced, in the same hour, once its
 * hardBounce flag is on. Both are fields of the merged recipient state, so the hour does not depend on
 * the order records arrived in. The vector lives in the message row itself (its "rate*" properties), so
 * it is read and written with the state it is derived from, in the same transaction; its version is the message's applied-record count, which
 * grows with every commit and ends at the same value in any order.
 */
export interface MessageRateVector {
  readonly messageId: string;
  /** The message's sender domain, lower-cased; "(unknown)" until a status record names it. */
  readonly domain: string;
  /** Every domain this vector was ever assigned to (a later record can change the sender): sorted. */
  readonly domains: readonly string[];
  readonly version: number;
  /** Sorted by hour; only hours with a contribution. */
  readonly buckets: readonly RateBucket[];
}

export const UNKNOWN_DOMAIN = '(unknown)';

export function domainOf(message: MessageState): string {
  return (message.senderDomain ?? UNKNOWN_DOMAIN).toLowerCase();
}

function contributionOf(r: RecipientState | undefined): RateBucket | null {
  if (r === undefined || !isFinalStatus(r.status) || r.statusTime === null) return null;
  return { hour: hourOf(r.statusTime), sends: 1, hardBounces: r.hardBounce ? 1 : 0 };
}

/**
 * The vector after a merge: the stored one, minus what the changed recipients contributed before, plus
 * what they contribute now, at the message's new applied-record count (rewritten on every commit that
 * applies records, so that the version, too, ends the same in any order). Undefined while the message
 * has never contributed.
 */
export function nextRateVector(
  stored: MessageRateVector | undefined,
  message: MessageState,
  before: ReadonlyMap<string, RecipientState>,
  changed: readonly RecipientState[],
): MessageRateVector | undefined {
  const counts = new Map<string, { sends: number; hardBounces: number }>();
  for (const b of stored?.buckets ?? []) counts.set(b.hour, { sends: b.sends, hardBounces: b.hardBounces });
  const add = (c: RateBucket | null, sign: 1 | -1) => {
    if (c === null) return;
    const current = counts.get(c.hour) ?? { sends: 0, hardBounces: 0 };
    counts.set(c.hour, { sends: current.sends + sign * c.sends, hardBounces: current.hardBounces + sign * c.hardBounces });
  };
  for (const r of changed) {
    add(contributionOf(before.get(r.address)), -1);
    add(contributionOf(r), 1);
  }
  const buckets = [...counts]
    // Never below zero: only a partition written before the guardrail kept vectors can get there.
    .map(([hour, c]) => ({ hour, sends: Math.max(0, c.sends), hardBounces: Math.max(0, c.hardBounces) }))
    .filter((b) => b.sends > 0 || b.hardBounces > 0)
    .sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0));
  const domain = domainOf(message);
  if (stored === undefined && buckets.length === 0) return undefined;
  const domains = [...new Set([...(stored?.domains ?? []), ...(buckets.length > 0 ? [domain] : [])])].sort();
  return { messageId: message.messageId, domain, domains, version: message.appliedRecords, buckets };
}

export function bucketsText(buckets: readonly RateBucket[]): string {
  return JSON.stringify(buckets.map((b) => [b.hour, b.sends, b.hardBounces]));
}

/** The vector as properties of the message row (beside the message's own fields). */
export function rateVectorFields(v: MessageRateVector): Record<string, string | number> {
  return { rateDomain: v.domain, rateDomains: JSON.stringify(v.domains), rateVersion: v.version, rateBuckets: bucketsText(v.buckets) };
}

/** The vector a message row holds; undefined while the message has never contributed. */
export function rateVectorOfFields(messageId: string, p: Readonly<Record<string, unknown>>): MessageRateVector | undefined {
  const domain = typeof p['rateDomain'] === 'string' ? p['rateDomain'] : undefined;
  const version = typeof p['rateVersion'] === 'number' ? p['rateVersion'] : undefined;
  if (domain === undefined || version === undefined) return undefined;
  return { messageId, domain, version, domains: parseDomains(p['rateDomains']), buckets: parseBuckets(p['rateBuckets']) };
}

export function parseBuckets(value: unknown): RateBucket[] {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((entry: unknown) => {
      if (!Array.isArray(entry)) return [];
      const [hour, sends, hardBounces] = entry as unknown[];
      return typeof hour === 'string' && typeof sends === 'number' && typeof hardBounces === 'number' ? [{ hour, sends, hardBounces }] : [];
    });
  } catch {
    return [];
  }
}

function parseDomains(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}
