import type { RecipientMessagesDocument } from '../../queries/documents.js';
import { recipientMessages } from '../../queries/indexQueries.js';
import { parseRecipientQuery, QUERY_PARAMS, type RecipientQuery } from '../../queries/queryParams.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { table } from '../output.js';
import { ioOf, nextPageHint, paramsOf, queryOrUsage, shellWord } from './queryFlags.js';

/** The flags of `recipient <address>` as a query; a bad one is a usage error naming it, before storage is opened. */
export const recipientQueryOf = (address: string, opts: Readonly<Record<string, unknown>>): RecipientQuery =>
  queryOrUsage(parseRecipientQuery(address, paramsOf(opts, QUERY_PARAMS.recipient)));

/** `recipient <address>`: every message sent to the address, newest first (the recipient index). */
export function recipientCommand(tables: LedgerTables, query: RecipientQuery): Promise<RecipientMessagesDocument> {
  return recipientMessages(tables.index, query, ioOf(tables));
}

export function renderRecipient(doc: RecipientMessagesDocument): string {
  if (doc.messages.length === 0) return `No messages to ${doc.address} in the ledger.`;
  const lines = [`Messages to ${doc.address}, newest first (${doc.messages.length}${doc.continuation ? ', more below' : ''}; ${doc.rowsRead} index rows read):`, ''];
  lines.push(
    table(
      ['time', 'status', 'status time', 'smtp', 'enhanced', 'hard bounce', 'sender domain', 'views', 'clicks', 'message id'],
      doc.messages.map((m) => [
        m.time, m.status ?? '-', m.statusTime ?? '', m.smtpStatusCode ?? '', m.enhancedSmtpStatusCode ?? '', m.hardBounce ? 'yes' : '', m.senderDomain ?? '?', m.views, m.clicks, m.messageId,
      ]),
    ),
  );
  lines.push(...nextPageHint(`npx acs-email-ledger recipient ${shellWord(doc.address)}`, doc.continuation));
  return lines.join('\n');
}
