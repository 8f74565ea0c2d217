/**
 * What one batch came to. Every record is exactly one of applied, duplicate, ignored or dead-lettered,
 * so `records = applied + duplicates + ignored + deadLettered` always holds.
 */
export interface BatchReport {
  records: number;
  applied: number;
  duplicates: number;
  ignored: number;
  deadLettered: number;
  messagesTouched: number;
  usagePartitionsTouched: number;
  /** Messages whose index rows and sums this batch changed (src/indexes/). */
  messagesIndexed: number;
  /** Messages the index cannot take yet: rows from before the index (see `reindex`). */
  messagesNotIndexable: number;
  alertsCreated: number;
  /** Of alertsCreated, the hard-bounce alerts (the rest are bounce-rate alerts). */
  hardBounceAlerts: number;
  storageRoundTrips: number;
  storageRetries: number;
  storageConflicts: number;
  /** Commits planned on remembered rows that storage refused as outdated, then read and made again. */
  storageOptimisticMisses: number;
  durationMs: number;
  /** Ignored records per foreign category ("SMSOperational": 12). */
  ignoredByCategory: Record<string, number>;
  /** Dead letters per reason code ("missing_correlation_id": 1). */
  deadLettersByReason: Record<string, number>;
}

export function emptyReport(): BatchReport {
  return {
    records: 0,
    applied: 0,
    duplicates: 0,
    ignored: 0,
    deadLettered: 0,
    messagesTouched: 0,
    usagePartitionsTouched: 0,
    messagesIndexed: 0,
    messagesNotIndexable: 0,
    alertsCreated: 0,
    hardBounceAlerts: 0,
    storageRoundTrips: 0,
    storageRetries: 0,
    storageConflicts: 0,
    storageOptimisticMisses: 0,
    durationMs: 0,
    ignoredByCategory: counts(),
    deadLettersByReason: counts(),
  };
}

/**
 * A count per data-named key, with a null prototype: a category or status named "constructor",
 * "toString" or "__proto__" is counted like any other, never read as an inherited member.
 */
export function counts(entries: Iterable<readonly [string, number]> = []): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const [key, n] of entries) out[key] = (Object.hasOwn(out, key) ? (out[key] ?? 0) : 0) + n;
  return out;
}

/** Sums reports (the CLI replays a stream as many batches). */
export function addReports(total: BatchReport, next: BatchReport): BatchReport {
  const sumCounts = (a: Record<string, number>, b: Record<string, number>) => counts([...Object.entries(a), ...Object.entries(b)]);
  return {
    records: total.records + next.records,
    applied: total.applied + next.applied,
    duplicates: total.duplicates + next.duplicates,
    ignored: total.ignored + next.ignored,
    deadLettered: total.deadLettered + next.deadLettered,
    messagesTouched: total.messagesTouched + next.messagesTouched,
    usagePartitionsTouched: total.usagePartitionsTouched + next.usagePartitionsTouched,
    messagesIndexed: total.messagesIndexed + next.messagesIndexed,
    messagesNotIndexable: total.messagesNotIndexable + next.messagesNotIndexable,
    alertsCreated: total.alertsCreated + next.alertsCreated,
    hardBounceAlerts: total.hardBounceAlerts + next.hardBounceAlerts,
    storageRoundTrips: total.storageRoundTrips + next.storageRoundTrips,
    storageRetries: total.storageRetries + next.storageRetries,
    storageConflicts: total.storageConflicts + next.storageConflicts,
    storageOptimisticMisses: total.storageOptimisticMisses + next.storageOptimisticMisses,
    durationMs: total.durationMs + next.durationMs,
    ignoredByCategory: sumCounts(total.ignoredByCategory, next.ignoredByCategory),
    deadLettersByReason: sumCounts(total.deadLettersByReason, next.deadLettersByReason),
  };
}
