/**
 * `#/alerts?state&continuation`: alerts (hard bounces, bounce-rate guardrails) and their delivery state
 * per sink, oldest first; filter buttons for pending / delivered / failed.
 */
import { getJson } from '../api.js';
import { el } from '../dom.js';
import { hrefOf, withParams } from '../route.js';
import { timeEl } from '../time.js';
import { pageOf, type AlertEntry, type Paged } from '../types.js';
import { emptyNote, heading, row, table, type View } from '../view.js';

const STATES = ['pending', 'delivered', 'failed'] as const;

function filterBar(route: Parameters<typeof withParams>[0], state: string): HTMLElement {
  const chip = (label: string, value: string | null): HTMLElement =>
    el('a', { class: (value ?? '') === state ? 'chip active' : 'chip', href: withParams(route, { state: value, continuation: null }), 'data-state': value ?? 'all' }, label);
  return el('div', { class: 'window-control' }, chip('all', null), ...STATES.map((s) => chip(s, s)));
}

function subject(a: AlertEntry): (Node | string)[] {
  if (a.alert.type === 'bounce_rate') return [`sender domain ${a.alert.senderDomain} (${a.alert.level})`];
  return [el('a', { href: hrefOf('recipient', [a.alert.recipient]) }, a.alert.recipient)];
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
        { 'data-sink': name },
        `${name}: `,
        el('span', { class: `badge ${s.state}` }, s.state),
        s.state === 'delivered' ? [' ', timeEl(s.at, 'short')] : null,
        s.state !== 'delivered' && s.lastError !== undefined && s.lastError !== '' ? ` — ${s.lastError}` : null,
        s.state === 'failed' && s.status !== undefined ? ` (HTTP ${s.status})` : null,
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
    const continuation = route.params.get('continuation') ?? '';
    root.append(heading('Alerts', el('span', { class: 'muted' }, 'oldest first')), filterBar(route, state));
    const body = await getJson<Paged<'alerts', AlertEntry>>('alerts', { state, continuation, limit: 50 }, signal);
    const page = pageOf(body, 'alerts');
    if (page.items.length === 0) {
      root.append(emptyNote(state === '' ? 'No alerts yet: none of the hard-bounce or bounce-rate rules has fired.' : `No ${state} alerts. Pick “all” to see every alert.`));
      return;
    }
    const rows = page.items.map((a) =>
      row(
        timeEl(a.createdAt, 'short'),
        a.type,
        el('span', null, ...subject(a)),
        a.messageId === null || a.messageId === '' ? '—' : el('a', { href: hrefOf('message', [a.messageId]), 'data-message-id': a.messageId }, a.messageId),
        a.attempts,
        a.lastError === '' ? '—' : a.lastError,
        el('span', { class: `badge ${a.state}` }, a.state),
        sinks(a),
      ),
    );
    root.append(table('alerts', ['Created', 'Type', 'Recipient / sender domain', 'Message', 'Attempts', 'Last error', 'State', 'Sinks'], rows));
    if (page.continuation !== null) {
      root.append(el('div', { class: 'pager' }, el('a', { href: withParams(route, { continuation: page.continuation }), 'data-next': 'true' }, 'Next page →')));
    }
  },
};
