/**
 * `#/alerts?state&messageId&continuation`: alerts (hard bounces, bounce-rate guardrails) and their
 * delivery state per sink, oldest first, one page at a time; filter chips for pending / delivered / failed.
 */
import { getJson } from '../api.js';
import { el } from '../dom.js';
import { hrefOf, withParams, type Route } from '../route.js';
import { timeEl } from '../time.js';
import type { AlertEntry, AlertList } from '../types.js';
import { emptyNote, heading, pager, pageSize, percent, row, table, type View } from '../view.js';

const STATES = ['pending', 'delivered', 'failed'] as const;

function filterBar(route: Route, state: string): HTMLElement {
  const chip = (label: string, value: string | null): HTMLElement =>
    el('a', { class: (value ?? '') === state ? 'chip active' : 'chip', href: withParams(route, { state: value, continuation: null }), 'data-state': value ?? 'all' }, label);
  return el('div', { class: 'window-control' }, chip('all', null), ...STATES.map((s) => chip(s, s)));
}

function subject(a: AlertEntry): HTMLElement {
  if (a.alert.type === 'bounce_rate') {
    const r = a.alert;
    return el('span', null, `sender domain ${r.senderDomain}: ${percent(r.rate)} hard bounces (${r.hardBounces}/${r.sends}) in ${r.windowHours} h, ${r.level}`);
  }
  const recipient = a.recipient ?? a.alert.recipient;
  return el('a', { href: hrefOf('recipient', [recipient]), 'data-address': recipient }, recipient);
}

function sinks(a: AlertEntry): HTMLElement {
  const entries = Object.entries(a.sinks);
  if (entries.length === 0) return el('span', { class: 'muted' }, 'no sink');
  return el(
    'ul',
    { class: 'timeline' },
    entries.map(([name, s]) =>
      el(
        'li',
        { 'data-sink': name, 'data-sink-state': s.state },
        `${name}: `,
        el('span', { class: `badge ${s.state}` }, s.state),
        s.state === 'delivered' ? [' ', timeEl(s.at, 'short')] : null,
        s.state === 'failed' && s.status !== undefined ? ` HTTP ${s.status}` : null,
        s.state !== 'delivered' && s.lastError !== undefined && s.lastError !== '' ? ` — ${s.lastError}` : null,
      ),
    ),
  );
}

export const alertsView: View = {
  name: 'alerts',
  nav: 'Alerts',
  title: 'Alerts',
  async render({ route, root, signal }) {
    const raw = route.params.get('state') ?? '';
    const state = (STATES as readonly string[]).includes(raw) ? raw : '';
    const messageId = route.params.get('messageId') ?? '';
    const continuation = route.params.get('continuation') ?? '';
    root.append(
      heading(
        'Alerts',
        el(
          'span',
          { class: 'muted' },
          'oldest first',
          messageId === '' ? null : [` · message ${messageId} · `, el('a', { href: withParams(route, { messageId: null, continuation: null }) }, 'all messages')],
        ),
      ),
      filterBar(route, state),
    );
    const page = await getJson<AlertList>('alerts', { state, messageId, continuation, limit: pageSize(route.params.get('limit')) }, signal);
    if (page.alerts.length === 0) {
      root.append(
        emptyNote(
          state === '' && messageId === ''
            ? 'No alerts yet: no hard bounce was detected and no sender domain crossed the bounce-rate guardrail.'
            : 'No alert matches this filter. Pick “all” (or drop the message filter) to see every alert.',
        ),
      );
      return;
    }
    const rows = page.alerts.map((a) =>
      row(
        a.type.replace(/_/g, ' '),
        a.messageId === null || a.messageId === ''
          ? '—'
          : el('a', { href: hrefOf('message', [a.messageId]), 'data-message-id': a.messageId, title: a.messageId }, a.messageId.slice(0, 8)),
        subject(a),
        el('span', { class: `badge ${a.state}`, 'data-alert-state': a.state }, a.state),
        sinks(a),
        a.attempts,
        a.lastError === '' ? '—' : a.lastError,
        timeEl(a.createdAt, 'short'),
        timeEl(a.deliveredAt, 'short'),
      ),
    );
    root.append(table('alerts', ['Type', 'Message', 'Recipient / sender domain', 'State', 'Delivery per sink', 'Attempts', 'Last error', 'Created', 'Delivered'], rows));
    root.append(...pager(route, continuation, page.continuation));
  },
};
