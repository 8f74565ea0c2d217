import type { SourcedBody } from '../../ingest/recordSource.js';
import { addReports, emptyReport, type BatchReport } from '../../pipeline/batchReport.js';
import { pipelineDepsFrom, processBatch, type PipelineDeps } from '../../pipeline/processBatch.js';
import { settleBounceRates } from '../../store/bounceRateStore.js';
import { settleSoftBounces } from '../../store/softBounceStore.js';
import { softBounceRuleOf } from '../../config/softBounceSetting.js';
import { createAlertSinks } from '../../dispatch/createAlertSinks.js';
import { dispatchWithQuickRetries, type DispatchReport } from '../../dispatch/dispatchAlerts.js';
import { StorageMeter } from '../../store/storageRetry.js';
import { listAlertDeliveries } from '../../store/alertDeliveryStore.js';
import { LedgerError } from '../../errors.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import type { LedgerConfig } from '../../config.js';
import { summarizeLedger, type LedgerSummary } from '../../store/ledgerSummary.js';
import { alertLogWriter } from '../alertLogFile.js';
import type { Output } from '../output.js';
import { table } from '../output.js';
import { readSizedInputs } from '../readInputs.js';
import { DEFAULT_BATCH_LIMITS, replayBatches, type BatchLimits } from '../input/replayBatches.js';
import { renderReplayQueries, replayQueries, type ReplayQueries } from './replaySummaryQueries.js';

/**
 * `replay <path...>`: streams files, folders or stdin through the same pipeline the function runs, in
 * batches bounded by records and by size (src/cli/input/replayBatches.ts), so memory stays flat
 * whatever the input size and layout.
 */
const PROGRESS_EVERY_MS = 2_000;

export interface ReplayResult {
  readonly report: BatchReport;
  readonly alerts: DispatchReport;
  readonly dispatch: DispatchOutcome;
  readonly alertLog: string;
  readonly summary: LedgerSummary;
  /** The summary's stats table and example queries, from the index (replaySummaryQueries.ts). */
  readonly queries: ReplayQueries;
  readonly storage: string;
}

/**
 * What the replay's dispatch left behind: alerts it delivered, and alerts in the store (from this run
 * or earlier ones) still pending (will be retried) or parked as failed (need `--retry-failed`).
 */
export interface DispatchOutcome {
  readonly delivered: number;
  readonly pending: number;
  readonly failed: number;
}

/** Exit code 4 (after the report is printed) when alerts remain pending or failed: a script must not read "done". */
export function assertAlertsDelivered(outcome: DispatchOutcome): void {
  if (outcome.pending === 0 && outcome.failed === 0) return;
  throw new LedgerError(
    'alerts_undelivered',
    `${outcome.pending} alerts still pending and ${outcome.failed} failed after the replay's dispatch; ` +
      'pending ones are retried by the next run or `alerts --dispatch`, failed ones by `alerts --dispatch --retry-failed`',
    { context: { pending: outcome.pending, failed: outcome.failed } },
  );
}

export async function replayCommand(
  paths: readonly string[],
  ledger: { config: LedgerConfig; tables: LedgerTables },
  out: Output,
  options: { stdin?: NodeJS.ReadableStream; progress?: boolean; batch?: BatchLimits } = {},
): Promise<ReplayResult> {
  const { config, tables } = ledger;
  let total = emptyReport();
  const started = Date.now();
  let lastProgress = started;
  let currentFile = '';
  let fileProgress = '';

  const apply = async (batch: readonly SourcedBody[]) => {
    const { report } = await processBatch(batch, replayPipelineDeps(config, tables));
    total = addReports(total, report);
    const now = Date.now();
    if (options.progress !== false && now - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = now;
      const rate = Math.round(total.records / ((now - started) / 1000));
      out.note(`replay: ${total.records} records (${rate}/s), ${currentFile}${fileProgress}`);
    }
  };

  const bodies = readSizedInputs(paths, {
    ...(options.stdin ? { stdin: options.stdin } : {}),
    onProgress: (p) => {
      currentFile = p.file;
      fileProgress = p.bytesTotal ? ` ${Math.floor((100 * p.bytesRead) / p.bytesTotal)}%` : '';
    },
  });
  for await (const batch of replayBatches(bodies, options.batch ?? DEFAULT_BATCH_LIMITS)) await apply(batch);
  return finishReplay(ledger, { ...total, durationMs: Date.now() - started });
}

/**
 * The CLI replays archives, whose hours are long past: the guardrail's windows would be due the moment
 * their first records land and be judged on partial counts. So a replay defers every evaluation and
 * settles the windows once, after its last batch, on the counts the whole input gives (the same for any
 * order of that input).
 */
export function replayPipelineDeps(config: LedgerConfig, tables: LedgerTables): PipelineDeps {
  return { ...pipelineDepsFrom(config, tables), bounceRateSettleMs: Number.POSITIVE_INFINITY, softBounceSettleMs: Number.POSITIVE_INFINITY };
}

/**
 * After the last batch of a replay (files or parked batches): settles the guardrail's due windows,
 * delivers what is pending (from this replay or left by an earlier run) and summarises. What still fails
 * stays pending for the next run, the timer function, or `alerts --dispatch`.
 */
export async function finishReplay(ledger: { config: LedgerConfig; tables: LedgerTables }, report: BatchReport): Promise<ReplayResult> {
  const { config, tables } = ledger;
  const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
  const rateAlerts = await settleBounceRates(tables.bounces, tables.alerts, config.bounceRate, { now: new Date(), settleMs: 0 }, io);
  // Soft-bounce crossings likewise: evaluated once, on the whole input's history of each address.
  const softRule = softBounceRuleOf(config.softBounce);
  const softAlerts = softRule === undefined ? [] : await settleSoftBounces(tables, softRule, { now: new Date(), settleMs: 0 }, io);
  const total = { ...report, alertsCreated: report.alertsCreated + rateAlerts.length + softAlerts.length };
  const alerts = await dispatchWithQuickRetries({ tables, sinks: createAlertSinks(config, alertLogWriter(config).write, undefined, { bounces: tables.bounces, io }), io });
  const left = await listAlertDeliveries(tables.alerts, io, { states: ['pending', 'failed'] });
  const dispatch: DispatchOutcome = {
    delivered: alerts.delivered,
    pending: left.filter((d) => d.state === 'pending').length,
    failed: left.filter((d) => d.state === 'failed').length,
  };
  const summary = await summarizeLedger(tables);
  const queries = await replayQueries(ledger, summary);
  return { report: total, alerts, dispatch, alertLog: alertLogWriter(config).file, summary, queries, storage: tables.description };
}

export function renderReplay(result: ReplayResult): string {
  const r = result.report;
  const lines = [
    `Replayed ${r.records} records in ${(r.durationMs / 1000).toFixed(1)} s into ${result.storage}:`,
    `  applied ${r.applied}, duplicates ${r.duplicates}, ignored ${r.ignored}, dead-lettered ${r.deadLettered}`,
    `  ${r.messagesTouched} message updates, ${r.storageRoundTrips} storage round trips, ${r.alertsCreated} new alerts`,
    `  alerts: ${result.dispatch.delivered} delivered, ${result.dispatch.pending} still pending, ${result.dispatch.failed} failed (log lines in ${result.alertLog})`,
  ];
  if (Object.keys(r.ignoredByCategory).length > 0) {
    lines.push(`  ignored (not email): ${Object.entries(r.ignoredByCategory).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  lines.push('', renderSummary(result.summary));
  const queries = renderReplayQueries(result.queries);
  if (queries !== '') lines.push('', queries);
  return lines.join('\n');
}

export function renderSummary(summary: LedgerSummary): string {
  const statuses = [...new Set(summary.domains.flatMap((d) => Object.keys(d.statusCounts)))].sort();
  const lines = [`Ledger: ${summary.messages} messages`, ''];
  lines.push('Recipient statuses per sender domain:');
  lines.push(
    table(
      ['sender domain', 'messages', 'complete', ...statuses],
      summary.domains.map((d) => [d.senderDomain, d.messages, d.complete, ...statuses.map((s) => d.statusCounts[s] ?? 0)]),
    ),
  );
  lines.push('', `Hard bounces: ${summary.hardBounces.length}`);
  const shown = summary.hardBounces.slice(0, 10);
  if (shown.length > 0) {
    lines.push(
      table(
        ['address', 'status', 'smtp', 'enhanced', 'message id'],
        shown.map((b) => [b.address, b.status ?? '', b.smtpStatusCode ?? '', b.enhancedSmtpStatusCode ?? '', b.messageId]),
      ),
    );
    if (summary.hardBounces.length > shown.length) lines.push(`  … and ${summary.hardBounces.length - shown.length} more`);
  }
  lines.push('', `Dead letters: ${summary.deadLetters.total}`);
  for (const [reason, n] of Object.entries(summary.deadLetters.byReason).sort()) lines.push(`  ${reason}: ${n}`);
  const example = summary.hardBounces[0]?.messageId;
  lines.push('', 'Look up a message:', `  npx acs-email-ledger message ${example ?? '<messageId>'}`);
  lines.push('Inspect dead letters:', '  npx acs-email-ledger deadletters');
  return lines.join('\n');
}
