/**
 * A forecast of ACS's managed suppression list for one address. ACS documents that a hard bounce puts
 * the address on a lease of 24 hours, that bouncing again within the lease escalates it to 48 h, 96 h,
 * 7 days and at most 14 days, and that sends during the lease are dropped as "Suppressed". ACS does not
 * expose the list, so we replay the address's hard bounces through those rules. A forecast, not a fact:
 * ACS's exact clock (from the bounce, from the send) is not documented.
 *
 * Only Bounced records escalate: a Suppressed record is the lease at work, not a new bounce.
 */
const HOUR = 3_600_000;
export const LEASE_STEPS_MS: readonly number[] = [24 * HOUR, 48 * HOUR, 96 * HOUR, 7 * 24 * HOUR, 14 * 24 * HOUR];

export interface SuppressionLease {
  /** 0 = 24 h, 1 = 48 h, ... 4 = 14 days. */
  readonly level: number;
  readonly start: string;
  readonly end: string;
}

/** `bounceTimes`: ISO times of the address's Bounced records, any order, duplicates allowed. */
export function forecastSuppressionLease(bounceTimes: readonly string[]): SuppressionLease | null {
  const times = [...new Set(bounceTimes)].map((t) => Date.parse(t)).filter(Number.isFinite).sort((a, b) => a - b);
  let lease: { level: number; start: number; end: number } | null = null;
  for (const t of times) {
    if (lease === null || t >= lease.end) {
      lease = { level: 0, start: t, end: t + (LEASE_STEPS_MS[0] ?? 0) };
    } else {
      const level = Math.min(lease.level + 1, LEASE_STEPS_MS.length - 1);
      lease = { level, start: lease.start, end: t + (LEASE_STEPS_MS[level] ?? 0) };
    }
  }
  return lease === null ? null : { level: lease.level, start: new Date(lease.start).toISOString(), end: new Date(lease.end).toISOString() };
}

export function isLeaseActive(lease: SuppressionLease | null, at: Date): boolean {
  return lease !== null && Date.parse(lease.end) > at.getTime();
}
