import type { TableClient } from '@azure/data-tables';
import { addressKeyPrefix, KEY_END, normalizedDomain, timeKeyRange } from '../indexes/indexKeys.js';
import { fromRecipientIndexRow, fromTimeIndexRow, type TimeIndexEntry } from '../indexes/indexRows.js';
import { readMergedPage } from '../store/indexReads.js';
import type { StorageCallIo } from '../store/storageRetry.js';
import { encodeContinuation } from './continuation.js';
import type { MessagesDocument, RecipientMessage, RecipientMessagesDocument, WindowMessage } from './documents.js';
import { providerGrouping, providerOf, type ProviderGrouping } from './providers.js';
import { QueryParamError, type MessagesQuery, type RecipientQuery } from './queryParams.js';

/**
 * The by-recipient and by-time queries: the one implementation the CLI and the HTTP API call. Each reads
 * one RowKey range in each of the index's shards (src/store/indexReads.ts) and merges them newest first.
 */

/** Rows a page of `messages` reads at most, matching or not: a filter that matches little pages early instead of scanning. */
export const MAX_ROWS_READ_PER_PAGE = 5_000;

export interface PageLimits {
  /** Rows one page reads at most (default MAX_ROWS_READ_PER_PAGE). */
  readonly maxRowsRead?: number;
  /** The provider groups of `provider=` (default the built-in map). */
  readonly providers?: ProviderGrouping;
}

/** Every message sent to the address (case-insensitively), newest first, with that recipient's state. */
export async function recipientMessages(index: TableClient, query: RecipientQuery, io: StorageCallIo, options: PageLimits = {}): Promise<RecipientMessagesDocument> {
  const prefix = addressKeyPrefix(query.address);
  const page = await readMergedPage(
    index,
    { ge: prefix, lt: `${prefix}${KEY_END}` },
    query.afterKey,
    { limit: query.limit, maxRowsRead: options.maxRowsRead ?? MAX_ROWS_READ_PER_PAGE, select: ({ row }) => recipientMessageOf(row) },
    io,
  );
  return {
    address: query.address,
    messages: page.items,
    continuation: page.afterKey === null ? null : encodeContinuation({ queryHash: query.queryHash, afterKey: page.afterKey, window: null }),
    rowsRead: page.rowsRead,
  };
}

function recipientMessageOf(row: Readonly<Record<string, unknown>>): RecipientMessage {
  const r = fromRecipientIndexRow(row);
  return {
    messageId: r.messageId,
    time: r.time,
    status: r.status,
    statusTime: r.statusTime,
    smtpStatusCode: r.smtpStatusCode,
    enhancedSmtpStatusCode: r.enhancedSmtpStatusCode,
    hardBounce: r.hardBounce,
    senderDomain: r.senderDomain,
    views: r.views,
    clicks: r.clicks,
  };
}

/** Messages with from <= time < to, newest first, filtered by status, sender domain, recipient domain, failure and provider. */
export async function messagesInWindow(index: TableClient, query: MessagesQuery, io: StorageCallIo, options: PageLimits = {}): Promise<MessagesDocument> {
  const providers = options.providers ?? providerGrouping();
  if (query.provider !== null && providers.kind === 'disabled') throw new QueryParamError('provider', `provider grouping is off: ${providers.reason}`);
  const matches = messageFilter(query, providers.kind === 'enabled' ? providers.byDomain : new Map());
  const page = await readMergedPage(
    index,
    timeKeyRange(query.from, query.to),
    query.afterKey,
    {
      limit: query.limit,
      maxRowsRead: options.maxRowsRead ?? MAX_ROWS_READ_PER_PAGE,
      select: ({ row }) => {
        const entry = fromTimeIndexRow(row);
        return matches(entry) ? windowMessageOf(entry) : null;
      },
    },
    io,
  );
  return {
    from: query.from,
    to: query.to,
    messages: page.items,
    continuation:
      page.afterKey === null ? null : encodeContinuation({ queryHash: query.queryHash, afterKey: page.afterKey, window: { from: query.from, to: query.to } }),
    rowsRead: page.rowsRead,
  };
}

/** The filters of a `messages` query as a predicate on time rows; statuses and providers match case-insensitively. */
export function messageFilter(
  query: Pick<MessagesQuery, 'status' | 'senderDomain' | 'recipientDomain'> & Partial<Pick<MessagesQuery, 'failure' | 'provider'>>,
  byDomain: ReadonlyMap<string, string> = new Map(),
): (entry: TimeIndexEntry) => boolean {
  const status = query.status?.toLowerCase() ?? null;
  const provider = query.provider?.toLowerCase() ?? null;
  const failure = query.failure ?? null;
  return (entry) =>
    (status === null || [...entry.statusCounts].some(([s, n]) => n > 0 && s.toLowerCase() === status)) &&
    (query.senderDomain === null || normalizedDomain(entry.senderDomain) === query.senderDomain) &&
    (query.recipientDomain === null || entry.recipientDomains.includes(query.recipientDomain)) &&
    (failure === null || entry.failures.includes(failure)) &&
    (provider === null || entry.recipientDomains.some((d) => providerOf(byDomain, d).toLowerCase() === provider));
}

function windowMessageOf(entry: TimeIndexEntry): WindowMessage {
  const statusCounts = Object.create(null) as Record<string, number>;
  for (const [status, n] of [...entry.statusCounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) statusCounts[status] = n;
  return {
    messageId: entry.messageId,
    time: entry.time,
    timeSource: entry.timeSource,
    senderDomain: entry.senderDomain,
    recipients: entry.recipients,
    statusCounts,
    hardBounces: entry.hardBounces,
    recipientDomains: [...entry.recipientDomains],
    views: entry.views,
    clicks: entry.clicks,
    failures: [...entry.failures],
  };
}
