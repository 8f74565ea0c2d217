import { app, trigger, type InvocationContext, type RetryOptions } from '@azure/functions';
import { HOST_BINDING_SETTINGS } from '../config.js';
import { LedgerError, ensureError, redactSecrets } from '../errors.js';
import { pipelineDepsFrom, processBatch } from '../pipeline/processBatch.js';
import { toSourcedBodies } from './eventHubBatch.js';
import { getLedgerRuntime, readLedgerConfig } from './ledgerRuntime.js';
import { dispatchAfterCommit } from '../dispatch/dispatchAfterCommit.js';
import { isFinalAttempt } from '../parking/parkedBatch.js';
import { parkFailedBatch } from './parkFailedBatch.js';

/**
 * The Event Hub trigger: receives the diagnostic-log batches ACS streams through a diagnostic setting,
 * runs the one pipeline, and logs one structured line per invocation.
 *
 * Failure policy: a bad record never fails the batch (it is dead-lettered). A storage outage does: we
 * throw, the retry policy below redelivers the whole batch, and because processing is idempotent the
 * records applied before the failure simply count as duplicates the second time. When the last retry
 * fails too, the batch is parked in a blob (parkFailedBatch.ts) and the invocation succeeds, because
 * the host advances the checkpoint after the last attempt whatever the outcome.
 */
export async function ingestDiagnostics(events: unknown, context: InvocationContext): Promise<void> {
  const { bodies, origin } = toSourcedBodies(events, context.triggerMetadata);
  const where = { partition: origin.partitionId, firstSequence: origin.firstSequenceNumber, lastSequence: origin.lastSequenceNumber };
  try {
    const { config, tables } = await getLedgerRuntime();
    const { report, alerts } = await processBatch(bodies, pipelineDepsFrom(config, tables));
    context.log(JSON.stringify({ event: 'ledger.batch', invocationId: context.invocationId, ...where, events: bodies.length, ...report }));
    await dispatchAfterCommit(alerts, config, tables, context);
  } catch (thrown) {
    const error = ensureError(thrown);
    const retry = context.retryContext;
    const code = error instanceof LedgerError ? error.code : 'unexpected';
    const attempt = retry ? retry.retryCount + 1 : 1;
    const finalAttempt = isFinalAttempt(retry);
    context.error(
      JSON.stringify({
        event: 'ledger.batch_failed',
        invocationId: context.invocationId,
        ...where,
        events: bodies.length,
        code,
        retryable: error instanceof LedgerError ? error.retryable : true,
        attempt,
        maxAttempts: retry ? retry.maxRetryCount + 1 : undefined,
        finalAttempt,
        message: redactSecrets(error.message),
      }),
    );
    if (!finalAttempt) throw error;
    await parkFailedBatch({ error, code, attempt }, { bodies, origin }, readLedgerConfig, context);
  }
}

/**
 * Finite on purpose: an infinite policy (-1) would stall the partition for ever on a permanent fault.
 * 8 retries from 5 s doubling to 5 min cover roughly 20 minutes of storage outage. The host keeps the
 * checkpoint until the retries end, so nothing is skipped meanwhile; after the last one the batch is
 * parked (see above).
 */
export const ingestRetryPolicy: RetryOptions = {
  strategy: 'exponentialBackoff',
  maxRetryCount: 8,
  minimumInterval: { seconds: 5 },
  maximumInterval: { minutes: 5 },
};

/**
 * Registered through `trigger.generic` because the typed eventHub options have no `dataType`, and
 * without `dataType: 'string'` one non-JSON event fails the whole batch at binding time (the host
 * deserialises with Json.NET before our code runs).
 */
export const ingestTrigger = trigger.generic({
  type: 'eventHubTrigger',
  connection: HOST_BINDING_SETTINGS.connection,
  eventHubName: `%${HOST_BINDING_SETTINGS.eventHubName}%`,
  consumerGroup: `%${HOST_BINDING_SETTINGS.consumerGroup}%`,
  cardinality: 'many',
  dataType: 'string',
});

app.generic('ingestDiagnostics', { trigger: ingestTrigger, retry: ingestRetryPolicy, handler: ingestDiagnostics });
