import type { EventGridWebhookSetting } from '../config/eventGridWebhook.js';
import type { LedgerConfig } from '../config.js';
import { LedgerError, ensureError, redactSecrets } from '../errors.js';
import type { RecordSource } from '../ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../pipeline/processBatch.js';
import type { BatchReport } from '../pipeline/batchReport.js';
import type { LedgerTables } from '../store/ledgerTables.js';
import { dispatchAfterCommit, type InvocationLog } from '../dispatch/dispatchAfterCommit.js';
import { decideWebhook, type WebhookAnswer, type WebhookRequest } from './webhookProtocol.js';

/**
 * The one handler of POST /api/eventgrid, behind two thin adapters: src/functions/eventGridWebhook.ts
 * (the Functions host) and src/serve/eventGridRoute.ts (`serve`). The protocol decides (webhookProtocol.ts);
 * a body to ingest goes through the same pipeline as the Event Hub trigger, as one body, and is
 * answered 200 only after processBatch committed it:
 *   - a body that will never parse is dead-lettered by the pipeline and still answered 200: Event Grid
 *     would otherwise retry it for a day and then dead-letter it a second time;
 *   - storage down (a retryable LedgerError) → 503 with Retry-After: Event Grid redelivers on its own
 *     schedule, and because the pipeline is idempotent what committed before the failure counts as
 *     duplicates then;
 *   - anything else → 500, which Event Grid also retries (it gives up at once only on 400, 401, 403 and 413).
 */
export interface WebhookDeps {
  readonly setting: EventGridWebhookSetting;
  /** The ledger, opened only for a request that passed authentication. */
  readonly ledger: () => Promise<{ readonly config: LedgerConfig; readonly tables: LedgerTables }>;
  readonly now: () => Date;
  readonly log: InvocationLog & { error(message: string): void };
  /** Where the log sink's alert lines go (default: the log). */
  readonly alertLine?: (line: string) => void;
}

/** Seconds a storage failure asks the caller to wait; Event Grid keeps its own schedule (10 s, 30 s, 1 min, ...). */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/** The 200 body: the report's buckets, small on purpose (the full report goes to the log). */
export type WebhookReport = Pick<BatchReport, 'records' | 'applied' | 'duplicates' | 'ignored' | 'deadLettered' | 'alertsCreated' | 'ignoredByCategory' | 'deadLettersByReason'>;

export async function answerWebhook(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookAnswer> {
  const decision = decideWebhook(request, deps.setting);
  if (decision.kind === 'answer') {
    if (decision.log !== undefined) deps.log.log(decision.log);
    return decision.answer;
  }
  const receivedAt = deps.now().toISOString();
  const source: RecordSource = { kind: 'webhook', receivedAt, eventIndex: 0, ...(decision.deliveryCount === undefined ? {} : { deliveryCount: decision.deliveryCount }) };
  const where = { invocationId: deps.log.invocationId, receivedAt, deliveryCount: decision.deliveryCount, bytes: request.bodyBytes };
  try {
    const { config, tables } = await deps.ledger();
    const { report, alerts } = await processBatch([{ body: decision.body, source }], pipelineDepsFrom(config, tables));
    deps.log.log(JSON.stringify({ event: 'ledger.webhook_batch', ...where, ...report }));
    await dispatchAfterCommit(alerts, config, tables, deps.log, deps.alertLine);
    return { status: 200, headers: {}, body: smallReport(report) };
  } catch (thrown) {
    const error = ensureError(thrown);
    const retryable = error instanceof LedgerError && error.retryable;
    const code = error instanceof LedgerError ? error.code : 'unexpected';
    deps.log.error(JSON.stringify({ event: 'ledger.webhook_failed', ...where, code, retryable, message: redactSecrets(error.message) }));
    if (retryable) {
      return { status: 503, headers: { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) }, body: { error: 'storage is unavailable: nothing was lost, deliver again', code, retryable: true } };
    }
    return { status: 500, headers: {}, body: { error: 'the body could not be applied', code, retryable: false } };
  }
}

function smallReport(report: BatchReport): WebhookReport {
  const { records, applied, duplicates, ignored, deadLettered, alertsCreated, ignoredByCategory, deadLettersByReason } = report;
  return { records, applied, duplicates, ignored, deadLettered, alertsCreated, ignoredByCategory, deadLettersByReason };
}
