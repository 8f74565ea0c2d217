/**
 * The log sink: one line per alert, so that Azure Monitor can alert without any webhook at all.
 *
 * The line is exactly `LEDGER_ALERT ` followed by the alert as compact JSON, with the alert's own keys
 * (see alert.ts). In Azure the Functions host sends it to Application Insights as a trace, and a
 * log search (scheduled query) alert rule matches it with
 *
 *   AppTraces | where Message startswith "LEDGER_ALERT "
 *   | extend alert = parse_json(substring(Message, strlen("LEDGER_ALERT ")))
 *
 * That prefix and shape are a public contract, like the alert schema: changing either silently
 * breaks every alert rule built on it.
 */
import type { DeliveryResult, LedgerAlert } from '../../alerts/alert.js';
import type { AlertSink } from '../alertSink.js';
import { ensureError } from '../../errors.js';

export const LOG_ALERT_PREFIX = 'LEDGER_ALERT ';

/**
 * The single line for an alert. JSON.stringify already escapes \n and \r; U+2028 and U+2029 are
 * legal raw inside JSON strings but end a line for some log pipelines, so they are escaped too
 * (the JSON still parses back to the same alert).
 */
export function formatAlertLogLine(alert: LedgerAlert): string {
  const json = JSON.stringify(alert).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
  return `${LOG_ALERT_PREFIX}${json}`;
}

/** `write` is where a line goes: `context.log` in a function, `console.log` in the CLI. */
export function createLogSink(write: (line: string) => void): AlertSink {
  return {
    name: 'log',
    deliver(alert: LedgerAlert): Promise<DeliveryResult> {
      try {
        write(formatAlertLogLine(alert));
        return Promise.resolve({ outcome: 'delivered' });
      } catch (thrown) {
        // A logger that throws is a transient fault of the host (a closed stream), not of the alert.
        return Promise.resolve({ outcome: 'retry', reason: `log sink could not write the alert line: ${ensureError(thrown).message}` });
      }
    },
  };
}
