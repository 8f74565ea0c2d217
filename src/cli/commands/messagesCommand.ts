import type { MessagesDocument } from '../../queries/documents.js';
import { messagesInWindow } from '../../queries/indexQueries.js';
import { parseMessagesQuery, QUERY_PARAMS, type MessagesQuery } from '../../queries/queryParams.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { table } from '../output.js';
import type { ProviderGrouping } from '../../queries/providers.js';
import { ioOf, nextPageHint, paramsOf, queryOrUsage, shellWord, usageOnParamError } from './queryFlags.js';

/** The flags of `messages` as a query; a bad one is a usage error naming it, before storage is opened. */
export const messagesQueryOf = (opts: Readonly<Record<string, unknown>>, now: Date): MessagesQuery =>
  queryOrUsage(parseMessagesQuery(paramsOf(opts, QUERY_PARAMS.messages), now));

/** `messages`: the messages of a time window, newest first, filtered (the time index). */
export function messagesCommand(tables: LedgerTables, query: MessagesQuery, providers?: ProviderGrouping): Promise<MessagesDocument> {
  return usageOnParamError(() => messagesInWindow(tables.index, query, ioOf(tables), providers === undefined ? {} : { providers }));
}

/** `Delivered 2, Bounced 1`: a message's recipients by status. */
export const statusSummary = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');

export function renderMessages(doc: MessagesDocument, opts: Readonly<Record<string, unknown>> = {}): string {
  const window = `from ${doc.from} to ${doc.to}`;
  if (doc.messages.length === 0) {
    return [`No messages ${window}${doc.continuation ? ' on this page (the page stopped at its row cap)' : ''}.`, ...nextPageHint(hintCommand(opts), doc.continuation)].join('\n');
  }
  const lines = [`Messages ${window}, newest first (${doc.messages.length}${doc.continuation ? ', more below' : ''}; ${doc.rowsRead} index rows read):`, ''];
  lines.push(
    table(
      ['time', 'sender domain', 'recipients', 'statuses', 'hard bounces', 'views', 'clicks', 'message id'],
      doc.messages.map((m) => [m.time, m.senderDomain ?? '?', m.recipients, statusSummary(m.statusCounts), m.hardBounces, m.views, m.clicks, m.messageId]),
    ),
  );
  lines.push(...nextPageHint(hintCommand(opts), doc.continuation));
  return lines.join('\n');
}

/** The same query with the flags as given (a relative window is kept by the token, so the flags must repeat). */
function hintCommand(opts: Readonly<Record<string, unknown>>): string {
  const flags = [...paramsOf(opts, QUERY_PARAMS.messages)].filter(([name]) => name !== 'continuation').map(([name, value]) => `--${name} ${shellWord(value)}`);
  return ['npx acs-email-ledger messages', ...flags].join(' ');
}
