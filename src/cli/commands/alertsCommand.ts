import { createAlertSinks } from '../../dispatch/createAlertSinks.js';
import { dispatchWithQuickRetries, type DispatchReport } from '../../dispatch/dispatchAlerts.js';
import type { LedgerConfig } from '../../config.js';
import type { AlertListItem } from '../../api/ledgerReads.js';
import type { ListPaging } from '../../api/listPages.js';
import { alertsListReader, readAlertsPage, type AlertsFilter } from '../../api/listReads.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { StorageMeter } from '../../store/storageRetry.js';
import { alertLogWriter } from '../alertLogFile.js';
import { table } from '../output.js';
import { listQueryOf, nextListPage } from './listFlags.js';

/** `alerts`: what was raised and where each alert stands; `--dispatch` delivers what is due. */
export type { AlertListItem } from '../../api/ledgerReads.js';

export interface AlertsPage {
  readonly alerts: AlertListItem[];
  readonly continuation: string | null;
}

/** The filter and paging flags of `alerts`, as GET /api/alerts reads its parameters. */
export const ALERTS_FLAGS = { messageId: 'message-id' } as const;
export const alertsQueryOf = (opts: { state?: string; messageId?: string; limit?: string; continuation?: string }): { filters: AlertsFilter; paging: ListPaging } =>
  listQueryOf(alertsListReader, { state: opts.state, messageId: opts.messageId, limit: opts.limit, continuation: opts.continuation }, ALERTS_FLAGS);

export async function alertsCommand(
  ledger: { config: LedgerConfig; tables: LedgerTables },
  query: { filters: AlertsFilter; paging: ListPaging },
  options: { dispatch?: boolean; retryFailed?: boolean },
): Promise<{ page: AlertsPage; dispatch: DispatchReport | null }> {
  const { config, tables } = ledger;
  const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
  const dispatch = options.dispatch
    ? await dispatchWithQuickRetries(
        { tables, sinks: createAlertSinks(config, alertLogWriter(config).write, undefined, { bounces: tables.bounces, io }), io },
        { ignoreSchedule: true, ...(options.retryFailed ? { retryFailed: true } : {}) },
      )
    : null;
  return { page: await readAlertsPage(tables, query.filters, query.paging), dispatch };
}

export function renderAlerts(result: { page: AlertsPage; dispatch: DispatchReport | null }, opts: Readonly<Record<string, unknown>> = {}): string {
  const lines: string[] = [];
  if (result.dispatch) {
    const d = result.dispatch;
    lines.push(`Dispatched: ${d.delivered} delivered, ${d.retrying} still pending, ${d.failed} failed, ${d.orphansRemoved} orphans removed`, '');
  }
  const { alerts, continuation } = result.page;
  if (alerts.length === 0) return [...lines, 'No alerts.'].join('\n');
  lines.push(
    table(
      ['state', 'type', 'recipient / domain', 'status', 'attempts', 'id', 'last error'],
      alerts.map((a) => [
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
  lines.push(...nextListPage('alerts', opts, ['state', 'message-id', 'limit'], continuation));
  return lines.join('\n');
}
