import type { LedgerConfig } from '../config.js';
import type { AlertSink } from './alertSink.js';
import { createLogSink } from './sinks/logSink.js';
import { createWebhookSink } from './sinks/webhookSink.js';

/** The sinks the configuration asks for, in delivery order: the log line first (it cannot fail for long). */
export function createAlertSinks(config: LedgerConfig, writeLogLine: (line: string) => void): AlertSink[] {
  const sinks: AlertSink[] = [];
  if (config.alerts.logSink) sinks.push(createLogSink(writeLogLine));
  if (config.alerts.webhookUrl !== undefined) {
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
