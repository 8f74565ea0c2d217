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
  alertsCreated: number;
  /** Of alertsCreated, the hard-bounce alerts (the rest are bounce-rate alerts). */
  hardBounceAlerts: number;
  storageRoundTrips: number;
  storageRetries: number;
  storageConflicts: number;
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
    alertsCreated: 0,
    hardBounceAlerts: 0,
    storageRoundTrips: 0,
    storageRetries: 0,
    storageConflicts: 0,
    durationMs: 0,
    ignoredByCategory: {},
    deadLettersByReason: {},
  };
}

/** Sums reports (the CLI replays a stream as many batches). */
export function addReports(total: BatchReport, next: BatchReport): BatchReport {
  const sumCounts = (a: Record<string, number>, b: Record<string, number>) => {
    const out = { ...a };
    for (const [key, n] of Object.entries(b)) out[key] = (out[key] ?? 0) + n;
    return out;
  };
  return {
    records: total.records + next.records,
    applied: total.applied + next.applied,
    duplicates: total.duplicates + next.duplicates,
    ignored: total.ignored + next.ignored,
    deadLettered: total.deadLettered + next.deadLettered,
    messagesTouched: total.messagesTouched + next.messagesTouched,
    usagePartitionsTouched: total.usagePartitionsTouched + next.usagePartitionsTouched,
    alertsCreated: total.alertsCreated + next.alertsCreated,
    hardBounceAlerts: total.hardBounceAlerts + next.hardBounceAlerts,
    storageRoundTrips: total.storageRoundTrips + next.storageRoundTrips,
    storageRetries: total.storageRetries + next.storageRetries,
    storageConflicts: total.storageConflicts + next.storageConflicts,
    durationMs: total.durationMs + next.durationMs,
    ignoredByCategory: sumCounts(total.ignoredByCategory, next.ignoredByCategory),
    deadLettersByReason: sumCounts(total.deadLettersByReason, next.deadLettersByReason),
  };
}
