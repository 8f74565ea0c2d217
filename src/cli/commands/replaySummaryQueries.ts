import type { LedgerConfig } from '../../config.js';
import { computeStats } from '../../queries/computeStats.js';
import type { StatsDocument } from '../../queries/documents.js';
import { messagesInWindow } from '../../queries/indexQueries.js';
import { parseMessagesQuery, parseStatsQuery } from '../../queries/queryParams.js';
import { bucketStart, canonicalOfMs, DAY_MS, HOUR_MS, msOfCanonical } from '../../queries/queryTimes.js';
import { KEY_END } from '../../indexes/indexKeys.js';
import { fromSumRow } from '../../indexes/indexRows.js';
import { readMergedPage } from '../../store/indexReads.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import type { LedgerSummary } from '../../store/ledgerSummary.js';
import { ioOf, shellWord } from './queryFlags.js';
import { renderStatsTable } from './statsCommand.js';

/**
 * The end of the replay summary: one `stats` table per sender domain, and the `recipient`, `messages` and
 * `stats` commands with values from this ledger, so the first run shows what to ask next. The window is
 * found from the index, not a scan: the newest message (one row per shard), its hour, and the days from
 * the oldest daily sum row (one row per shard) to the newest message's, 30 at most.
 */
export interface ReplayQueries {
  readonly stats: StatsDocument | null;
  readonly commands: readonly string[];
}

const day = (time: string) => time.slice(0, 10);

export async function replayQueries(ledger: { config: LedgerConfig; tables: LedgerTables }, summary: LedgerSummary): Promise<ReplayQueries> {
  const { config, tables } = ledger;
  const io = ioOf(tables);
  const everything = parseMessagesQuery(new Map([['from', '0001-01-01'], ['to', '9999-12-31'], ['limit', '1']]), new Date());
  const newest = everything.ok ? (await messagesInWindow(tables.index, everything.query, io)).messages[0] : undefined;
  if (newest === undefined) return { stats: null, commands: [] };
  const lastDay = bucketStart(newest.time, 'day');
  // The oldest daily sum row (the first `d|` key of the shards) bounds the window from below.
  const oldest = await readMergedPage(tables.index, { ge: 'd|', lt: `d|${KEY_END}` }, null, { limit: 1, maxRowsRead: 8, select: ({ row }) => fromSumRow(row).bucket }, io);
  const monthBefore = day(canonicalOfMs(msOfCanonical(lastDay) - 29 * DAY_MS));
  const firstDay = oldest.items[0];
  const from = firstDay !== undefined && firstDay > monthBefore ? firstDay : monthBefore;
  const to = day(canonicalOfMs(msOfCanonical(lastDay) + DAY_MS));
  const parsed = parseStatsQuery(new Map([['from', from], ['to', to], ['group', 'sender-domain']]), new Date());
  const stats = parsed.ok ? await computeStats(tables.index, parsed.query, config.providers, io) : null;
  const hour = bucketStart(newest.time, 'hour');
  const hourEnd = canonicalOfMs(msOfCanonical(hour) + HOUR_MS);
  const short = (t: string) => `${t.slice(0, 16)}Z`;
  const address = summary.hardBounces[0]?.address;
  return {
    stats,
    commands: [
      ...(address === undefined ? [] : [`npx acs-email-ledger recipient ${shellWord(address)}`]),
      `npx acs-email-ledger messages --from ${short(hour)} --to ${short(hourEnd)}`,
      `npx acs-email-ledger messages --from ${from} --to ${to} --status Bounced --limit 10`,
      `npx acs-email-ledger stats --from ${from} --to ${to} --group provider`,
      `npx acs-email-ledger stats --from ${from} --to ${to} --by hour --group none --verify`,
    ],
  };
}

export function renderReplayQueries(queries: ReplayQueries): string {
  if (queries.stats === null) return '';
  const s = queries.stats;
  const lines = [`Recipients per sender domain by UTC day, ${s.from.slice(0, 10)} to ${s.to.slice(0, 10)} (stats):`, renderStatsTable(s)];
  lines.push('', 'Ask the indexes:', ...queries.commands.map((c) => `  ${c}`));
  lines.push('', 'Open the dashboard on this ledger:', '  npx acs-email-ledger serve   (then http://127.0.0.1:7077/api/dashboard/)');
  return lines.join('\n');
}
