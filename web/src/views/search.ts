/**
 * `#/search?q=`: one box. A message id shows that message (the nav box goes straight to it); an address
 * lists its messages, one page at a time; a miss, or anything else, says what the box takes.
 */
import { apiPath, getJsonOrNull } from '../api.js';
import { el } from '../dom.js';
import { hrefOf } from '../route.js';
import { timeEl } from '../time.js';
import type { MessageDocument } from '../types.js';
import { emptyNote, heading, type View } from '../view.js';
import { facts, looksLikeAddress, looksLikeMessageId, messageLink, recipientLink, recipientMessages, searchForm } from './ledgerBits.js';

const HOW = 'Enter a message id (a GUID such as 3f7e01b4-8604-43a9-9859-e2b46f60bcaf, the correlationId of its log records) or a whole recipient address (name@example.com).';

export const searchView: View = {
  name: 'search',
  nav: 'Search',
  title: 'Search',
  async render({ route, root, signal }) {
    const q = (route.params.get('q') ?? '').trim();
    root.append(heading('Search'), searchForm(q, { 'data-search': 'view' }));
    if (q === '') {
      root.append(emptyNote(HOW));
      return;
    }
    if (looksLikeAddress(q)) {
      root.append(el('p', null, 'Recipient ', recipientLink(q), el('span', { class: 'muted' }, ' (its bounce and suppression state)')), await recipientMessages(q, route, signal));
      return;
    }
    // ACS ids are GUIDs: anything else is not asked for (the 404 would only say so).
    const doc = looksLikeMessageId(q) ? await getJsonOrNull<MessageDocument>(apiPath('messages', q), {}, signal) : null;
    if (doc === null) {
      root.append(
        emptyNote(
          `Nothing found for “${q}”: ${looksLikeMessageId(q) ? 'no message with this id is in the ledger (it may not have arrived yet). ' : 'it is neither a message id in the ledger nor an address. '}${HOW} `,
          'For part of an address, search the ',
          el('a', { href: hrefOf('suppressions') }, 'Suppressions'),
          ' view.',
        ),
      );
      return;
    }
    const m = doc.message;
    root.append(
      el('h2', null, 'Message'),
      el(
        'div',
        { class: 'card', 'data-result': 'message' },
        facts('search-message', [
          ['Message', messageLink(doc.messageId)],
          ['Sent', timeEl(m?.sendTime ?? m?.firstRecordTime)],
          ['Sender', m === null ? null : [m.senderUsername, m.senderDomain].filter((p) => p !== null).join('@')],
          ['Recipients', doc.recipients.length],
          ['Statuses', m === null ? null : Object.entries(m.statusCounts).map(([s, n]) => `${s} ${n}`).join(', ')],
        ]),
        el('p', null, el('a', { href: hrefOf('message', [doc.messageId]), 'data-open': 'message' }, 'Open the message →')),
      ),
    );
  },
};
