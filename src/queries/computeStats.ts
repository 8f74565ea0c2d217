import type { TableClient } from '@azure/data-tables';
import { dayOf, hourOf, sumKeyRange } from '../indexes/indexKeys.js';
import { fromSumRow, type SumEntry } from '../indexes/indexRows.js';
import { addCounts, finalRecipientsOf, ZERO_COUNTS, type SumCounts } from '../indexes/sumCounts.js';
import { readAllShards } from '../store/indexReads.js';
import type { StorageCallIo } from '../store/storageRetry.js';
import type { StatsCounts, StatsDocument, StatsRow } from './documents.js';
import { providerOf, type ProviderGrouping } from './providers.js';
import { QueryParamError, type StatsGroup, type StatsQuery } from './queryParams.js';

/**
 * `stats`: the hourly or daily sum rows of the window (src/indexes/sumCounts.ts), folded by bucket and
 * group, with the derived rates. It reads the sum rows of the range in the four shards: their number
 * grows with buckets x (sender domain, recipient domain) pairs, never with the messages.
 */
export async function computeStats(index: TableClient, query: StatsQuery, providers: ProviderGrouping, io: StorageCallIo): Promise<StatsDocument> {
  if (query.group === 'provider' && providers.kind === 'disabled') throw new QueryParamError('group', `provider grouping is off: ${providers.reason}`);
  const level = query.by;
  const bucketOf = level === 'hour' ? hourOf : dayOf;
  const rows = await readAllShards(index, sumKeyRange(level, bucketOf(query.from), bucketOf(query.to)), io);
  const entries = rows.map(({ row }) => fromSumRow(row)).filter((e) => e.level === level);
  const byDomain = providers.kind === 'enabled' ? providers.byDomain : new Map<string, string>();
  return { from: query.from, to: query.to, by: query.by, group: query.group, ...foldStats(entries, query.group, byDomain), rowsRead: rows.length };
}

/** The sum entries folded by bucket and group, and their totals: pure, shared with the tests and the replay summary. */
export function foldStats(entries: readonly SumEntry[], group: StatsGroup, byDomain: ReadonlyMap<string, string>): { rows: StatsRow[]; totals: StatsCounts } {
  const folded = new Map<string, { bucket: string; group: string | null; counts: SumCounts }>();
  let total = ZERO_COUNTS;
  for (const entry of entries) {
    const key = groupOf(entry, group, byDomain);
    const id = `${entry.bucket}\u0000${key ?? ''}`;
    const current = folded.get(id);
    folded.set(id, { bucket: entry.bucket, group: key, counts: addCounts(current?.counts ?? ZERO_COUNTS, entry.counts) });
    total = addCounts(total, entry.counts);
  }
  const rows = [...folded.values()]
    .sort((a, b) => compare(a.bucket, b.bucket) || compare(a.group ?? '', b.group ?? ''))
    .map((r): StatsRow => ({ bucket: r.bucket, group: r.group, ...statsCountsOf(r.counts) }));
  return { rows, totals: statsCountsOf(total) };
}

function groupOf(entry: SumEntry, group: StatsGroup, byDomain: ReadonlyMap<string, string>): string | null {
  switch (group) {
    case 'none':
      return null;
    case 'sender-domain':
      return entry.senderDomain;
    case 'recipient-domain':
      return entry.recipientDomain;
    case 'provider':
      return providerOf(byDomain, entry.recipientDomain);
  }
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/**
 * The counts with the rates (README, "Rates"): delivery and hard-bounce rates over recipients with a
 * final status (one still in flight is in neither numerator nor denominator), open and click rates over
 * delivered recipients; null when the denominator is 0.
 */
export function statsCountsOf(counts: SumCounts): StatsCounts {
  const statuses = Object.create(null) as Record<string, number>;
  for (const [status, n] of [...counts.statuses].sort(([a], [b]) => compare(a, b))) statuses[status] = n;
  const finalRecipients = finalRecipientsOf(counts);
  const delivered = counts.statuses.get('Delivered') ?? 0;
  return {
    recipients: counts.recipients,
    statuses,
    finalRecipients,
    hardBounces: counts.hardBounces,
    viewers: counts.viewers,
    clickers: counts.clickers,
    views: counts.views,
    clicks: counts.clicks,
    deliveryRate: ratio(delivered, finalRecipients),
    hardBounceRate: ratio(counts.hardBounces, finalRecipients),
    openRate: ratio(counts.viewers, delivered),
    clickRate: ratio(counts.clickers, delivered),
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
