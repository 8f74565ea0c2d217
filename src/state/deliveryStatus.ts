/**
 * Ranking and finality of DeliveryStatus values. A recipient's status is the one from its status record
 * with the latest `time`; records with equal times (ACS stamps some at the same instant) are resolved by
 * rank, so the outcome never depends on arrival order: the worse, more informative news wins.
 */
const RANK: ReadonlyMap<string, number> = new Map([
  ['Bounced', 7],
  ['Suppressed', 6],
  ['Failed', 5],
  ['FilteredSpam', 4],
  ['Quarantined', 3],
  ['Delivered', 2],
  ['Expanded', 1],
]);

export function statusRank(status: string): number {
  return RANK.get(status) ?? 0;
}

/** Recipient statuses after which ACS reports nothing more for the recipient (normally). */
const FINAL_STATUSES: ReadonlySet<string> = new Set(['Delivered', 'Bounced', 'Suppressed', 'Failed', 'Quarantined', 'FilteredSpam']);

export function isFinalStatus(status: string | null): boolean {
  return status !== null && FINAL_STATUSES.has(status);
}

/** A status as observed: which record said it, and when. */
export interface StatusObservation {
  readonly status: string;
  readonly time: string;
  readonly fingerprint: string;
}

/**
 * Total order over observations: time, then rank, then the status text, then the record fingerprint.
 * Totality is what makes "keep the greatest" commutative, hence order-independent.
 */
export function compareObservations(a: StatusObservation, b: StatusObservation): number {
  return (
    compareText(a.time, b.time) ||
    statusRank(a.status) - statusRank(b.status) ||
    compareText(a.status, b.status) ||
    compareText(a.fingerprint, b.fingerprint)
  );
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
