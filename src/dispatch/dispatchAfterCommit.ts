import type { LedgerAlert } from '../alerts/alert.js';
import { createAlertSinks } from './createAlertSinks.js';
import { dispatchAlerts } from './dispatchAlerts.js';
import type { LedgerConfig } from '../config.js';
import { ensureError, redactSecrets } from '../errors.js';
import type { LedgerTables } from '../store/ledgerTables.js';
import { StorageMeter } from '../store/storageRetry.js';

/**
 * One delivery attempt for the alerts a batch just committed, so people hear within seconds. It never
 * fails the batch: the records are applied and the alerts are safe in the outbox, so anything not
 * delivered now is picked up by the dispatchAlerts timer.
 */
export async function dispatchAfterCommit(
  alerts: readonly LedgerAlert[],
  config: LedgerConfig,
  tables: LedgerTables,
  context: InvocationLog,
  /** Where the log sink's LEDGER_ALERT lines go: the invocation's log in Azure, a file for `serve` (src/cli/alertLogFile.ts). */
  alertLine: (line: string) => void = (line) => context.log(line),
): Promise<void> {
  if (alerts.length === 0) return;
  try {
    const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
    const report = await dispatchAlerts(
      { tables, sinks: createAlertSinks(config, alertLine, undefined, { bounces: tables.bounces, io }), io },
      { ids: alerts.map((a) => a.id) },
    );
    context.log(JSON.stringify({ event: 'ledger.alerts_dispatched', invocationId: context.invocationId, ...report }));
  } catch (error) {
    context.warn(
      JSON.stringify({ event: 'ledger.alerts_deferred', invocationId: context.invocationId, count: alerts.length, reason: redactSecrets(ensureError(error).message) }),
    );
  }
}

/** What dispatchAfterCommit logs to: an InvocationContext on the host, or a stand-in with the same members (`serve`). */
export interface InvocationLog {
  readonly invocationId: string;
  log(message: string): void;
  warn(message: string): void;
}
