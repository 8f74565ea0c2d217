import pLimit from 'p-limit';
import type { LedgerAlert } from '../alerts/alert.js';
import type { RateThresholds } from '../alerts/bounceRate.js';
import type { MessageRateVector } from '../guardrail/messageRateVector.js';
import { evaluateDomainRate, syncRateVectors } from '../store/bounceRateStore.js';
import type { LedgerConfig } from '../config.js';
import type { SourcedBody } from '../ingest/recordSource.js';
import { toDeadLetter } from '../ingest/deadLetter.js';
import { EMAIL_CATEGORIES, type LedgerEvent } from '../ingest/ledgerEvent.js';
import type { Rejected } from './isolateRejected.js';
import { writeDeadLetters } from '../store/deadLetterStore.js';
import type { LedgerTables } from '../store/ledgerTables.js';
import { StorageMeter } from '../store/storageRetry.js';
import { applyMessageEvents, bounceObservationsOf } from './applyMessageEvents.js';
import { recordBounceObservations } from '../store/bounceRegistry.js';
import { applyUsageEvents } from './applyUsageEvents.js';
import { projectMessages } from '../store/indexCommit.js';
import { counts, type BatchReport } from './batchReport.js';
import { triageBatch } from './triageBatch.js';
import { softObservationsOf, type SoftBounceRule } from '../alerts/softBounce.js';
import { softBounceRuleOf, warnSoftBounceOnce } from '../config/softBounceSetting.js';
import { recordSoftObservations } from '../store/softBounceStore.js';

/**
 * The one pipeline. The Event Hub trigger and the CLI both call this with a batch of event bodies:
 *
 *   bodies ─ decode ─ classify ─ de-duplicate in batch ─┬─ bounce registry (write-ahead), then
 *                                                       │  per message: read, merge, one transaction
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
  /** The bounce-rate guardrail; omitted = off. */
  readonly bounceRate?: RateThresholds;
  /** How long after an hour ends its window is evaluated (records still arriving for it); default 15 min. */
  readonly bounceRateSettleMs?: number;
  /** Soft-bounce escalation; omitted = off. */
  readonly softBounce?: SoftBounceRule;
  /** How old a crossing must be before it alerts (out-of-order records still arriving); default 15 min, like the guardrail's. */
  readonly softBounceSettleMs?: number;
  /** Keep the time and recipient indexes and the sums (src/indexes/); default on. Off only for benchmarks. */
  readonly indexes?: boolean;
}

export const DEFAULT_BOUNCE_RATE_SETTLE_MS = 15 * 60_000;

/** The pipeline settings taken from the validated configuration (the function and the CLI share this). */
export function pipelineDepsFrom(config: LedgerConfig, tables: LedgerTables): PipelineDeps {
  warnSoftBounceOnce(config.softBounce);
  return {
    softBounce: softBounceRuleOf(config.softBounce),
    tables,
    deadLetterRawLimit: config.deadLetterRawLimit,
    maxClickedUrls: config.maxClickedUrls,
    bounceRate: config.bounceRate,
    concurrency: config.commitConcurrency,
  };
}

export interface BatchOutcome {
  readonly report: BatchReport;
  /** Alerts created (and committed) by this batch, ready to dispatch. */
  readonly alerts: readonly LedgerAlert[];
}

export async function processBatch(bodies: readonly SourcedBody[], deps: PipelineDeps): Promise<BatchOutcome> {
  const started = performance.now();
  const now = deps.now ?? (() => new Date());
  const meter = new StorageMeter();
  const io = { policy: deps.tables.retryPolicy, meter, rowCache: deps.tables.rowCache };
  const triaged = triageBatch(bodies, deps.deadLetterRawLimit);
  const limit = pLimit(deps.concurrency ?? 16);

  // The bounce registry, written ahead of the message commits that apply the bounces (so it never
  // misses one the ledger applied), once for the whole batch: one commit per address, never several
  // commits of this batch racing on one address partition. Idempotent by fingerprint, so bounces that
  // turn out to be duplicates change nothing; those storage refuses are retracted by applyMessageEvents.
  const observations = bounceObservationsOf([...triaged.messageGroups.values()].flat());
  const applyMessages = async () => {
    if (observations.length > 0) await recordBounceObservations(deps.tables.bounces, observations, io);
    return Promise.all(
      [...triaged.messageGroups].map(([messageId, events]) =>
        limit(() =>
          applyMessageEvents(messageId, events, {
            messages: deps.tables.messages,
            alerts: deps.tables.alerts,
            bounces: deps.tables.bounces,
            io,
            maxClickedUrls: deps.maxClickedUrls,
            now,
          }),
        ),
      ),
    );
  };
  const messageResults = applyMessages();
  const usageResults = Promise.all(
    [...triaged.usageGroups.values()].map((group) =>
      limit(() => applyUsageEvents(group.resourceId, group.day, group.events, { usage: deps.tables.usage, io })),
    ),
  );
  const deadLettersWritten = writeDeadLetters(deps.tables.deadLetters, triaged.deadLetters, io, now());
  const [messages, usage] = await Promise.all([messageResults, usageResults, deadLettersWritten]);
  // After the message commits, from the states they committed (or, for duplicates, found): a crash in
  // between fails the batch, and its redelivery brings the indexes up to the same states.
  const indexed = deps.indexes === false ? { projected: 0, notIndexable: 0 } : await projectMessages(deps.tables.index, messages.flatMap((m) => (m.state === undefined ? [] : [m.state])), io);

  const refused = [...messages, ...usage].flatMap((m) =>
    m.rejected.flatMap(({ events, reason }: Rejected<LedgerEvent>) =>
      events.map((e) =>
        toDeadLetter(
          { code: 'storage_rejected', message: `storage refused the write: ${reason}` },
          JSON.stringify({ ...e, source: undefined }),
          e.source,
          e.recordIndex,
          EMAIL_CATEGORIES[e.kind],
          deps.deadLetterRawLimit,
        ),
      ),
    ),
  );
  if (refused.length > 0) await writeDeadLetters(deps.tables.deadLetters, refused, io, now());
  const deadLetters = [...triaged.deadLetters, ...refused];
  const deadLettersByReason = counts(deadLetters.map((letter) => [letter.issue.code, 1] as const));
  const all = [...messages, ...usage];
  const rateAlerts = deps.bounceRate === undefined ? [] : await applyBounceRate(messages.flatMap((m) => (m.rateVector === undefined ? [] : [m.rateVector])), deps, deps.bounceRate, io, now());
  // After the message commits, from every record of the batch they took (duplicates too: a replay
  // repairs a write a crash cut off), so records storage refused never count and need no retraction.
  const refusedFingerprints = new Set(messages.flatMap((m) => m.rejected.flatMap((r) => r.events.map((e) => e.fingerprint))));
  const softObservations = deps.softBounce === undefined ? [] : softObservationsOf([...triaged.messageGroups.values()].flat().filter((e) => !refusedFingerprints.has(e.fingerprint)));
  const softAlerts =
    deps.softBounce === undefined || softObservations.length === 0
      ? []
      : await recordSoftObservations(deps.tables, softObservations, deps.softBounce, { now: now(), settleMs: deps.softBounceSettleMs ?? DEFAULT_BOUNCE_RATE_SETTLE_MS }, io);
  const alerts: LedgerAlert[] = [...messages.flatMap((m) => m.alerts), ...rateAlerts, ...softAlerts];
  return {
    alerts,
    report: {
      records: triaged.records,
      applied: all.reduce((n, r) => n + r.applied, 0),
      duplicates: triaged.batchDuplicates + all.reduce((n, r) => n + r.duplicates, 0),
      ignored: triaged.ignored,
      deadLettered: deadLetters.length,
      messagesTouched: triaged.messageGroups.size,
      usagePartitionsTouched: triaged.usageGroups.size,
      messagesIndexed: indexed.projected,
      messagesNotIndexable: indexed.notIndexable,
      alertsCreated: alerts.length,
      hardBounceAlerts: alerts.filter((a) => a.type === 'hard_bounce').length,
      storageRoundTrips: meter.roundTrips,
      storageRetries: meter.retries,
      storageConflicts: meter.conflicts,
      storageOptimisticMisses: meter.optimisticMisses,
      durationMs: Math.round(performance.now() - started),
      ignoredByCategory: counts(Object.entries(triaged.ignoredByCategory)),
      deadLettersByReason,
    },
  };
}

/**
 * Brings the guardrail's per-domain counters up to the message vectors this batch committed or read
 * (duplicates included: a replay repairs a sync that a crash cut off), then evaluates the windows of
 * those domains that are due. At most one read and one transaction per domain and 30 messages, plus one
 * read, one range query and one transaction per domain for the evaluation.
 */
async function applyBounceRate(
  vectors: readonly MessageRateVector[],
  deps: PipelineDeps,
  thresholds: RateThresholds,
  io: { policy: PipelineDeps['tables']['retryPolicy']; meter: StorageMeter },
  now: Date,
): Promise<LedgerAlert[]> {
  if (vectors.length === 0) return [];
  const domains = await syncRateVectors(deps.tables.bounces, vectors, thresholds.windowHours, io);
  const timing = { now, settleMs: deps.bounceRateSettleMs ?? DEFAULT_BOUNCE_RATE_SETTLE_MS };
  const alerts: LedgerAlert[] = [];
  for (const domain of domains) alerts.push(...(await evaluateDomainRate(deps.tables.bounces, deps.tables.alerts, domain, thresholds, timing, io)));
  return alerts;
}
