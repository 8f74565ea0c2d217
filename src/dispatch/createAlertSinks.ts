import type { TableClient } from '@azure/data-tables';
import type { DisabledSink, LedgerConfig } from '../config.js';
import type { StorageIo } from '../store/partitionCommit.js';
import { workerCredential } from '../store/workerCredential.js';
import { createArmSuppressionClient, type SuppressionListClient } from '../suppression/suppressionListClient.js';
import type { AlertSink } from './alertSink.js';
import { createLogSink } from './sinks/logSink.js';
import { createSuppressionSink, SUPPRESSION_SINK } from './sinks/suppressionSink.js';
import { createWebhookSink } from './sinks/webhookSink.js';

/** What the suppression sink needs besides configuration; without it (a caller with no tables) the sink is left out. */
export interface SinkContext {
  readonly bounces: TableClient;
  readonly io: StorageIo;
  /** Defaults to ARM with the worker's credential (the app's managed identity in Azure). Tests pass their fake's. */
  readonly suppressionClient?: SuppressionListClient;
}

/**
 * The sinks the configuration asks for, in delivery order: the log line first (it cannot fail for long).
 * A webhook or suppression sink switched off by a bad setting still takes part, as a sink that always asks to retry later:
 * its alerts stay pending (the log sink still delivers) and go out once the setting is fixed.
 */
export function createAlertSinks(
  config: LedgerConfig,
  writeLogLine: (line: string) => void,
  writeErrorLine: (line: string) => void = (line) => console.error(line),
  context?: SinkContext,
): AlertSink[] {
  const sinks: AlertSink[] = [];
  if (config.alerts.logSink) sinks.push(createLogSink(writeLogLine));
  const disabled = config.alerts.webhookDisabled;
  if (disabled !== undefined) {
    reportOnce(disabled, writeErrorLine);
    sinks.push(disabledSink(disabled));
  } else if (config.alerts.webhookUrl !== undefined) {
    sinks.push(
      createWebhookSink({
        url: config.alerts.webhookUrl,
        secret: config.alerts.webhookSecret,
        format: config.alerts.webhookFormat,
        timeoutMs: config.alerts.webhookTimeoutMs,
      }),
    );
  }
  const suppression = config.suppression;
  if (suppression.kind === 'disabled') {
    const disabledSuppression: DisabledSink = { sink: SUPPRESSION_SINK, settings: suppression.settings, reason: suppression.reason };
    reportOnce(disabledSuppression, writeErrorLine);
    sinks.push(disabledSink(disabledSuppression));
  } else if (suppression.kind === 'on' && context !== undefined) {
    const client =
      context.suppressionClient ??
      createArmSuppressionClient({ endpoint: suppression.armEndpoint, credential: workerCredential(), timeoutMs: suppression.timeoutMs, maxRetries: 0 });
    sinks.push(createSuppressionSink({ lists: suppression.lists, client, bounces: context.bounces, io: context.io, timeoutMs: suppression.timeoutMs }));
  }
  return sinks;
}

/** Reasons already reported by this process: one error line per worker (or CLI run), not one per dispatch. */
const reported = new Set<string>();

function reportOnce(disabled: DisabledSink, writeErrorLine: (line: string) => void): void {
  const key = `${disabled.sink}\u0000${disabled.reason}`;
  if (reported.has(key)) return;
  reported.add(key);
  writeErrorLine(
    `ledger.sink_disabled: the ${disabled.sink} alert sink is off until ${disabled.settings.join(' and ')} ${disabled.settings.length > 1 ? 'are' : 'is'} fixed; ` +
      `ingestion goes on and alerts stay pending meanwhile. ${disabled.reason}`,
  );
}

function disabledSink(disabled: DisabledSink): AlertSink {
  return {
    name: disabled.sink,
    deliver: () => Promise.resolve({ outcome: 'retry', reason: `sink disabled by configuration: ${disabled.reason}` }),
  };
}
