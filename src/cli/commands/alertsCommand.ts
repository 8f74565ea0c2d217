import { createAlertSinks } from '../../dispatch/createAlertSinks.js';
import { dispatchWithQuickRetries, type DispatchReport } from '../../dispatch/dispatchAlerts.js';
import type { LedgerConfig } from '../../config.js';
import type { AlertState } from '../../store/alertOutbox.js';
import { readAlerts, type AlertListItem } from '../../api/ledgerReads.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { StorageMeter } from '../../store/storageRetry.js';
import { alertLogWriter } from '../alertLogFile.js';
import { table } from '../output.js';

/** `alerts`: what was raised and where each alert stands; `--dispatch` delivers what is due. */
export type { AlertListItem } from '../../api/ledgerReads.js';

export async function alertsCommand(
  ledger: { config: LedgerConfig; tables: LedgerTables },
  options: { state?: AlertState; dispatch?: boolean; retryFailed?: boolean },
): Promise<{ alerts: AlertListItem[]; dispatch: DispatchReport | null }> {
  const { config, tables } = ledger;
  const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
  const dispatch = options.dispatch
    ? await dispatchWithQuickRetries(
        { tables, sinks: createAlertSinks(config, alertLogWriter(config).write), io },
        { ignoreSchedule: true, ...(options.retryFailed ? { retryFailed: true } : {}) },
      )
    : null;
  return { alerts: await readAlerts(tables, options.state ? { state: options.state } : {}), dispatch };
}

export function renderAlerts(result: { alerts: readonly AlertListItem[]; dispatch: DispatchReport | null }): string {
  const lines: string[] = [];
  if (result.dispatch) {
    const d = result.dispatch;
    lines.push(`Dispatched: ${d.delivered} delivered, ${d.retrying} still pending, ${d.failed} failed, ${d.orphansRemoved} orphans removed`, '');
  }
  if (result.alerts.length === 0) return [...lines, 'No alerts.'].join('\n');
  lines.push(
    table(
      ['state', 'type', 'recipient / domain', 'status', 'attempts', 'id', 'last error'],
      result.alerts.map((a) => [
        a.state,
        a.type,
        a.recipient ?? a.senderDomain ?? '',
        a.type === 'hard_bounce' ? `${a.status ?? ''}${a.suppressed ? ' (suppressed)' : ''}` : a.alert.type === 'bounce_rate' ? `${a.alert.level} ${(a.alert.rate * 100).toFixed(1)}%` : '',
        a.attempts,
        a.id,
        a.lastError.slice(0, 80),
      ]),
    ),
  );
  return lines.join('\n');
}
