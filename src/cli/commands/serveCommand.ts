import type { LedgerConfig } from '../../config.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { isLoopback, startLocalApiServer, type LocalApiServer } from '../../serve/localApiServer.js';
import type { Output } from '../output.js';
import { alertLogWriter } from '../alertLogFile.js';
import { localWebhookSetting } from '../../serve/eventGridRoute.js';

export const DEFAULT_SERVE_PORT = 7077;

/** `serve`: the HTTP API on a local port until Ctrl-C (withLedger saves and releases the data folder then). */
export async function serveCommand(
  ledger: { config: LedgerConfig; tables: LedgerTables },
  options: { readonly host: string; readonly port: number },
  out: Output,
): Promise<LocalApiServer> {
  if (!isLoopback(options.host)) {
    out.note(`warning: serving on ${options.host}: anyone who can reach this address can read the ledger (the local server has no keys).`);
  }
  // Silent when no LEDGER_EVENTGRID_* is set (most runs do not want the webhook; it answers 503 saying why); loud when one is set but wrong.
  const webhook = localWebhookSetting(ledger.config.eventGrid);
  if (webhook.mode === 'off' && !webhook.unset) out.note(`${webhook.reason} (POST /api/eventgrid answers 503; the rest is served)`);
  // Alerts from webhook posts go where replay's go: LEDGER_DATA_DIR/alerts.log, not into the terminal.
  const server = await startLocalApiServer(ledger, { ...options, log: (message) => out.note(message), alertLine: alertLogWriter(ledger.config).write });
  const dashboard = `${server.url}/api/dashboard/`;
  const eventgrid = webhook.mode === 'off' ? null : `${server.url}/api/eventgrid`;
  const webhookLines = eventgrid === null ? [] : [`Event Grid webhook: POST ${eventgrid}?secret=<LEDGER_EVENTGRID_SECRET> (point a tunnel at it)`];
  out.result({ url: server.url, dashboard, api: `${server.url}/api/`, openapi: `${server.url}/api/openapi.json`, eventgrid }, () =>
    [`Dashboard: ${dashboard}`, `Serving the ledger's HTTP API at ${server.url}/api/ (Ctrl-C to stop)`, `  ${server.url}/api/openapi.json`, `  ${server.url}/api/stats?group=provider`, ...webhookLines].join('\n'),
  );
  return server;
}
