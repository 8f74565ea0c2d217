import type { LedgerConfig } from '../../config.js';
import { providerWarning } from '../../config/providerDomains.js';
import { LedgerError } from '../../errors.js';
import { computeStats } from '../../queries/computeStats.js';
import type { StatsCounts, StatsDocument, StatsRow, VerifyDocument } from '../../queries/documents.js';
import { parseStatsQuery, QUERY_PARAMS, verifyWindowOf, type StatsQuery } from '../../queries/queryParams.js';
import { verifyStats } from '../../queries/verifyStats.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import type { Output } from '../output.js';
import { table } from '../output.js';
import { ioOf, paramsOf, percent, queryOrUsage, usageOnParamError } from './queryFlags.js';

/** The flags of `stats` as a query; a bad one is a usage error naming it, before storage is opened. */
export const statsQueryOf = (opts: Readonly<Record<string, unknown>>, now: Date): StatsQuery => queryOrUsage(parseStatsQuery(paramsOf(opts, QUERY_PARAMS.stats), now));

/** `stats`: exact counts per hour or day and group, with rates (the sum rows); `verify` recomputes them from the messages table. */
export async function statsCommand(
  ledger: { config: LedgerConfig; tables: LedgerTables },
  query: StatsQuery,
  options: { readonly verify: boolean },
  out: Pick<Output, 'note'>,
): Promise<{ stats: StatsDocument; verify: VerifyDocument | null }> {
  const { config, tables } = ledger;
  const warning = providerWarning(config.providers);
  if (warning !== undefined) out.note(`acs-email-ledger: warning: ${warning}`);
  const stats = await usageOnParamError(() => computeStats(tables.index, query, config.providers, ioOf(tables)));
  const verify = options.verify ? await verifyStats(tables, verifyWindowOf(query), ioOf(tables)) : null;
  return { stats, verify };
}

/** Exit 1 (after the report is printed) when `--verify` found a difference. */
export function assertConsistent(verify: VerifyDocument | null): void {
  if (verify === null || verify.consistent) return;
  throw new LedgerError('index_inconsistent', `stats --verify found ${verify.differences.length} difference(s) between the index and the messages table`, {
    context: { from: verify.from, to: verify.to },
  });
}

const FIXED_STATUSES = ['Delivered', 'Bounced', 'Failed', 'Suppressed', 'Quarantined', 'FilteredSpam', 'Expanded'];

/** The status columns: the ACS statuses that occur, in the usual order, then any other name. */
function statusColumns(rows: readonly StatsCounts[]): string[] {
  const seen = new Set(rows.flatMap((r) => Object.keys(r.statuses)));
  return [...FIXED_STATUSES.filter((s) => seen.has(s)), ...[...seen].filter((s) => !FIXED_STATUSES.includes(s)).sort()];
}

export function renderStatsTable(doc: StatsDocument): string {
  const columns = statusColumns([...doc.rows, doc.totals]);
  const cells = (c: StatsCounts) => [
    c.recipients, ...columns.map((s) => c.statuses[s] ?? 0), c.hardBounces, c.viewers, c.clickers,
    percent(c.deliveryRate), percent(c.hardBounceRate), percent(c.openRate), percent(c.clickRate),
  ];
  const groupName = (r: StatsRow) => (r.group === null ? 'all' : r.group === '' ? '(unknown)' : r.group);
  const heading = doc.group === 'none' ? [] : [doc.group];
  return table(
    [doc.by, ...heading, 'recipients', ...columns, 'hard bounces', 'viewers', 'clickers', 'delivery', 'hard-bounce', 'open', 'click'],
    [
      ...doc.rows.map((r) => [r.bucket, ...(doc.group === 'none' ? [] : [groupName(r)]), ...cells(r)]),
      ['total', ...(doc.group === 'none' ? [] : ['']), ...cells(doc.totals)],
    ],
  );
}

export function renderStats(result: { stats: StatsDocument; verify: VerifyDocument | null }): string {
  const { stats, verify } = result;
  const lines = [`Recipients by ${stats.by}${stats.group === 'none' ? '' : ` and ${stats.group}`}, ${stats.from} to ${stats.to} (${stats.rowsRead} sum rows read):`, ''];
  lines.push(stats.rows.length === 0 ? '(no messages in this window)' : renderStatsTable(stats));
  if (verify !== null) lines.push('', renderVerify(verify));
  return lines.join('\n');
}

export function renderVerify(verify: VerifyDocument): string {
  const head = `Verify ${verify.from} to ${verify.to}: ${verify.messagesChecked} messages recomputed from the messages table (${verify.rowsRead} rows read)`;
  if (verify.consistent) return `${head}: no difference.`;
  const shown = verify.differences.slice(0, 50);
  const lines = [`${head}: ${verify.differences.length} difference(s).`, table(['kind', 'partition', 'row key', 'message id', 'reason'], shown.map((d) => [d.kind, d.partitionKey, d.rowKey, d.messageId ?? '', d.reason]))];
  if (verify.differences.length > shown.length) lines.push(`  … and ${verify.differences.length - shown.length} more (--json lists them all)`);
  return lines.join('\n');
}
