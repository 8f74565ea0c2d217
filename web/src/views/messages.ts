/**
 * `#/messages?from&to&status&sender-domain&recipient-domain&provider&failure`: the list every number
 * links to. One page of the API's messages at a time; Next follows its continuation.
 */
import { getJson } from '../api.js';
import { el } from '../dom.js';
import { hrefOf } from '../route.js';
import { timeEl } from '../time.js';
import type { MessagesDocument } from '../types.js';
import { emptyNote, heading, pager, row, table, type View } from '../view.js';

const FILTERS = ['from', 'to', 'status', 'sender-domain', 'recipient-domain', 'provider', 'failure', 'continuation'] as const;

export const messagesView: View = {
  name: 'messages',
  nav: null,
  title: 'Messages',
  async render({ route, root, signal }) {
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const name of FILTERS) {
      const value = route.params.get(name);
      if (value !== null && value !== '') params[name] = value;
    }
    const doc = await getJson<MessagesDocument>('messages', { ...params, limit: 50 }, signal);
    const filters = FILTERS.filter((f) => f !== 'from' && f !== 'to' && f !== 'continuation' && params[f] !== undefined).map((f) => `${f} = ${params[f] ?? ''}`);
    root.append(
      heading('Messages', el('span', { class: 'muted' }, timeEl(doc.from, 'short'), ' – ', timeEl(doc.to, 'short'), filters.length > 0 ? ` · ${filters.join(', ')}` : '')),
    );
    if (doc.messages.length === 0) {
      root.append(emptyNote('No messages match in this window. Widen the window or drop a filter.'));
      return;
    }
    const rows = doc.messages.map((m) =>
      row(
        timeEl(m.time),
        el('a', { href: hrefOf('message', [m.messageId]), 'data-message-id': m.messageId }, m.messageId),
        m.senderDomain,
        m.recipients,
        Object.entries(m.statusCounts)
          .map(([status, n]) => `${status} ${n}`)
          .join(', '),
        m.hardBounces,
        `${m.views} / ${m.clicks}`,
      ),
    );
    root.append(table('messages', ['Time', 'Message', 'Sender domain', 'Recipients', 'Statuses', 'Hard bounces', 'Views / clicks'], rows));
    root.append(...pager(route, route.params.get('continuation'), doc.continuation));
  },
};
