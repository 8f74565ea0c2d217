import pLimit from 'p-limit';
import type { HardBounceAlert } from '../alerts/alert.js';
import type { SourcedBody } from '../ingest/recordSource.js';
import { writeDeadLetters } from '../store/deadLetterStore.js';
import type { LedgerTables } from '../store/ledgerTables.js';
import { StorageMeter } from '../store/storageRetry.js';
import { applyMessageEvents } from './applyMessageEvents.js';
import { applyUsageEvents } from './applyUsageEvents.js';
import type { BatchReport } from './batchReport.js';
import { triageBatch } from './triageBatch.js';

/**
 * The one pipeline. The Event Hub trigger and the CLI both call this with a batch of event bodies:
 *
 *   bodies ─ decode ─ classify ─ de-duplicate in batch ─┬─ per message: read, merge, one transaction
 *                                                       ├─ per usage resource-day: same
 *                                                       └─ dead letters: upsert
 *
 * Idempotent: running the same batch again changes nothing and reports every record as a duplicate.
 * A poison record never fails the batch (it is dead-lettered); a storage outage does, with a retryable
 * LedgerError, so the caller's retry policy redelivers the batch.
 */
export interface PipelineDeps {
  readonly tables: LedgerTables;
  readonly deadLetterRawLimit: number;
  readonly maxClickedUrls: number;
  readonly now?: () => Date;
  /** Partitions written in parallel. */
  readonly concurrency?: number;
}

export interface BatchOutcome {
  readonly report: BatchReport;
  /** Alerts created (and committed) by this batch, ready to dispatch. */
  readonly alerts: readonly HardBounceAlert[];
}

export async function processBatch(bodies: readonly SourcedBody[], deps: PipelineDeps): Promise<BatchOutcome> {
  const started = performance.now();
  const now = deps.now ?? (() => new Date());
  const meter = new StorageMeter();
  const io = { policy: deps.tables.retryPolicy, meter };
  const triaged = triageBatch(bodies, deps.deadLetterRawLimit);
  const limit = pLimit(deps.concurrency ?? 16);

  const messageResults = Promise.all(
    [...triaged.messageGroups].map(([messageId, events]) =>
      limit(() =>
        applyMessageEvents(messageId, events, {
          messages: deps.tables.messages,
          alerts: deps.tables.alerts,
          io,
          maxClickedUrls: deps.maxClickedUrls,
          now,
        }),
      ),
    ),
  );
  const usageResults = Promise.all(
    [...triaged.usageGroups.values()].map((group) =>
      limit(() => applyUsageEvents(group.resourceId, group.day, group.events, { usage: deps.tables.usage, io })),
    ),
  );
  const deadLettersWritten = writeDeadLetters(deps.tables.deadLetters, triaged.deadLetters, io, now());
  const [messages, usage] = await Promise.all([messageResults, usageResults, deadLettersWritten]);

  const deadLettersByReason: Record<string, number> = {};
  for (const letter of triaged.deadLetters) deadLettersByReason[letter.issue.code] = (deadLettersByReason[letter.issue.code] ?? 0) + 1;
  const all = [...messages, ...usage];
  const alerts = messages.flatMap((m) => m.alerts);
  return {
    alerts,
    report: {
      records: triaged.records,
      applied: all.reduce((n, r) => n + r.applied, 0),
      duplicates: triaged.batchDuplicates + all.reduce((n, r) => n + r.duplicates, 0),
      ignored: triaged.ignored,
      deadLettered: triaged.deadLetters.length,
      messagesTouched: triaged.messageGroups.size,
      usagePartitionsTouched: triaged.usageGroups.size,
      alertsCreated: alerts.length,
      storageRoundTrips: meter.roundTrips,
      storageRetries: meter.retries,
      storageConflicts: meter.conflicts,
      durationMs: Math.round(performance.now() - started),
      ignoredByCategory: { ...triaged.ignoredByCategory },
      deadLettersByReason,
    },
  };
}
