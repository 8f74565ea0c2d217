import type { DisabledSink, LedgerConfig } from '../config.js';
import type { AlertSink } from './alertSink.js';
import { createLogSink } from './sinks/logSink.js';
import { createWebhookSink } from './sinks/webhookSink.js';

/**
 * The sinks the configuration asks for, in delivery order: the log line first (it cannot fail for long).
 * A webhook switched off by a bad setting still takes part, as a sink that always asks to retry later:
 * its alerts stay pending (the log sink still delivers) and go out once the setting is fixed.
 */
export function createAlertSinks(
  config: LedgerConfig,
  writeLogLine: (line: string) => void,
  writeErrorLine: (line: string) => void = (line) => console.error(line),
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
