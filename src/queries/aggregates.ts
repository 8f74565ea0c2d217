import type { TableClient } from '@azure/data-tables';
import { dayOf, hourOf, sumKeyRange, urlSumKeyRange, type SumLevel } from '../indexes/indexKeys.js';
import { fromSumRow, type SumEntry } from '../indexes/indexRows.js';
import { failurePartsOf } from '../indexes/sumCounts.js';
import { readAllShards } from '../store/indexReads.js';
import type { StorageCallIo } from '../store/storageRetry.js';
import type { ClicksDocument, FailureRow, FailuresDocument } from './documents.js';
import type { ClicksQuery, FailuresQuery } from './aggregateParams.js';
import { MAX_SUM_ROWS } from './computeStats.js';
import { providerOf, type ProviderGrouping } from './providers.js';
import { QueryParamError } from './queryParams.js';
import { bucketEnd, bucketStart } from './queryTimes.js';

/**
 * `failures` and `clicks`: exact counts folded from the sum rows of the window (src/indexes/), the one
 * implementation the CLI and the HTTP API call. Like `stats`, they read sum rows, whose number grows
 * with buckets x domain pairs (x links for clicks), never with the messages.
 */

interface SumWindow {
  readonly entries: SumEntry[];
  readonly rowsRead: number;
}

/**
 * The sums of the hours [from, to) (hour-aligned): the daily rows of the whole days inside, the hourly
 * rows of the partial days at either end. So a window of 30 days and a few hours reads about the rows
 * of 32 days, not of 720 hours.
 */
export function segmentsOf(from: string, to: string): { level: SumLevel; from: string; to: string }[] {
  const firstWholeDay = bucketEnd(from, 'day');
  const lastWholeDayEnd = bucketStart(to, 'day');
  if (firstWholeDay >= lastWholeDayEnd) return [{ level: 'hour', from, to }];
  return [
    { level: 'hour' as const, from, to: firstWholeDay },
    { level: 'day' as const, from: firstWholeDay, to: lastWholeDayEnd },
    { level: 'hour' as const, from: lastWholeDayEnd, to },
  ].filter((s) => s.from < s.to);
}

async function readSumWindow(index: TableClient, from: string, to: string, io: StorageCallIo, maxRows: number): Promise<SumWindow> {
  const reads = await Promise.all(
    segmentsOf(from, to).map(async (s) => {
      const bucket = s.level === 'hour' ? hourOf : dayOf;
      const rows = await readAllShards(index, sumKeyRange(s.level, bucket(s.from), bucket(s.to)), io, maxRows);
      return rows === null ? null : rows.map(({ row }) => fromSumRow(row)).filter((e) => e.level === s.level);
    }),
  );
  if (reads.some((r) => r === null) || reads.reduce((n, r) => n + (r?.length ?? 0), 0) > maxRows) {
    throw new QueryParamError('from', `the window holds more than ${maxRows.toLocaleString('en')} sum rows (buckets x sender and recipient domains); narrow it`);
  }
  const entries = reads.flatMap((r) => r ?? []);
  return { entries, rowsRead: entries.length };
}

/** Recipients by failure (status, SMTP code, enhanced code, reason) in the window, biggest first. */
export async function failuresInWindow(
  index: TableClient,
  query: FailuresQuery,
  providers: ProviderGrouping,
  io: StorageCallIo,
  options: { readonly maxSumRows?: number } = {},
): Promise<FailuresDocument> {
  if (query.provider !== null && providers.kind === 'disabled') throw new QueryParamError('provider', `provider grouping is off: ${providers.reason}`);
  const window = await readSumWindow(index, query.from, query.to, io, options.maxSumRows ?? MAX_SUM_ROWS);
  const byDomain = providers.kind === 'enabled' ? providers.byDomain : new Map<string, string>();
  return { from: query.from, to: query.to, ...foldFailures(window.entries, query, byDomain), rowsRead: window.rowsRead };
}

/** Pure: the failures of the entries that pass the filters, biggest first (ties by key), and their total. */
export function foldFailures(
  entries: readonly SumEntry[],
  filters: Pick<FailuresQuery, 'senderDomain' | 'recipientDomain' | 'provider' | 'limit'>,
  byDomain: ReadonlyMap<string, string>,
): { failures: FailureRow[]; totalFailed: number } {
  const provider = filters.provider?.toLowerCase() ?? null;
  const totals = new Map<string, number>();
  for (const e of entries) {
    if (filters.senderDomain !== null && e.senderDomain !== filters.senderDomain) continue;
    if (filters.recipientDomain !== null && e.recipientDomain !== filters.recipientDomain) continue;
    if (provider !== null && providerOf(byDomain, e.recipientDomain).toLowerCase() !== provider) continue;
    for (const [key, n] of e.counts.failures) totals.set(key, (totals.get(key) ?? 0) + n);
  }
  let totalFailed = 0;
  const rows: FailureRow[] = [];
  for (const [failure, recipients] of totals) {
    const parts = failurePartsOf(failure);
    if (parts === null || recipients <= 0) continue;
    totalFailed += recipients;
    rows.push({ ...parts, failure, recipients });
  }
  rows.sort((a, b) => b.recipients - a.recipients || compare(a.failure, b.failure));
  return { failures: rows.slice(0, filters.limit), totalFailed };
}

/** The links most recipients clicked, of messages in the window's days, biggest first. */
export async function clicksInWindow(index: TableClient, query: ClicksQuery, io: StorageCallIo, options: { readonly maxSumRows?: number } = {}): Promise<ClicksDocument> {
  const maxRows = options.maxSumRows ?? MAX_SUM_ROWS;
  const rows = await readAllShards(index, urlSumKeyRange(dayOf(query.from), dayOf(query.to)), io, maxRows);
  if (rows === null) throw new QueryParamError('from', `the window holds more than ${maxRows.toLocaleString('en')} link sum rows (days x sender domains x links); narrow it`);
  const entries = rows.map(({ row }) => fromSumRow(row)).filter((e) => e.level === 'url');
  return { from: query.from, to: query.to, urls: foldClicks(entries, query), rowsRead: rows.length };
}

/** Pure: clickers per link over the entries of the sender domain (or all), biggest first (ties by link). */
export function foldClicks(entries: readonly SumEntry[], filters: Pick<ClicksQuery, 'senderDomain' | 'limit'>): { url: string; clickers: number }[] {
  const totals = new Map<string, number>();
  for (const e of entries) {
    if (filters.senderDomain !== null && e.senderDomain !== filters.senderDomain) continue;
    const url = e.url ?? '';
    totals.set(url, (totals.get(url) ?? 0) + e.counts.clickers);
  }
  return [...totals]
    .filter(([, clickers]) => clickers > 0)
    .map(([url, clickers]) => ({ url, clickers }))
    .sort((a, b) => b.clickers - a.clickers || compare(a.url, b.url))
    .slice(0, filters.limit);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
