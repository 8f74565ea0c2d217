/**
 * Pieces the search, message and recipient views share: links to a message or a recipient, the paged
 * list of a recipient's messages, a timeline table, and the search form. Every ledger string here
 * (addresses, failure text, URLs, user agents) goes in as a text child of el(): a clicked URL is shown,
 * never made a link, so a `javascript:` or phishing URL in a record cannot be followed from the page.
 */
import { apiPath, getJson } from '../api.js';
import { el } from '../dom.js';
import { hrefOf, navigate, withParams, type Route } from '../route.js';
import { timeEl } from '../time.js';
import type { RecipientMessagesDocument, TimelineEntry } from '../types.js';
import { emptyNote, pager, row, table } from '../view.js';

/** ACS message ids (the correlationId of the log records) are GUIDs. */
export const looksLikeMessageId = (value: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value.trim());

/** What the API's address parameter takes (src/api/params.ts): anything@domain, as ACS reports odd addresses too. */
export const looksLikeAddress = (value: string): boolean => value.trim().length <= 320 && /^.+@[^@]+$/s.test(value.trim());

export function messageLink(messageId: string): HTMLElement {
  return el('a', { href: hrefOf('message', [messageId]), 'data-message-id': messageId }, messageId);
}

export function recipientLink(address: string): HTMLElement {
  return el('a', { href: hrefOf('recipient', [address]), 'data-recipient': address }, address);
}

/** A status as a badge: green when delivered, red for a failure, plain otherwise. */
export function statusBadge(status: string | null | undefined): HTMLElement {
  if (status === null || status === undefined || status === '') return el('span', { class: 'muted' }, '—');
  const tone = status === 'Delivered' ? 'delivered' : /^(Bounced|Suppressed|Failed|Quarantined|FilteredSpam)$/.test(status) ? 'bad' : null;
  return el('span', { class: tone === null ? 'badge' : `badge ${tone}`, 'data-status': status }, status);
}

/** SMTP code and enhanced code in one cell: `550 5.1.1`. */
export function codes(smtp: string | null | undefined, enhanced: string | null | undefined): string | null {
  const parts = [smtp, enhanced].filter((p): p is string => p !== null && p !== undefined && p !== '');
  return parts.length === 0 ? null : parts.join(' ');
}

/** Facts as a definition list; a null value shows as a dash. */
export function facts(name: string, entries: readonly (readonly [string, Node | string | number | null | undefined])[]): HTMLElement {
  return el(
    'dl',
    { class: 'facts', 'data-facts': name },
    entries.flatMap(([label, value]) => [el('dt', null, label), el('dd', null, value === null || value === undefined || value === '' ? '—' : value)]),
  );
}

/** A timeline (oldest first) as a table; the URL and user agent are text, never links. */
export function timelineTable(name: string, entries: readonly TimelineEntry[], attrs: Record<string, string> = {}): HTMLElement {
  if (entries.length === 0) return el('p', { class: 'muted' }, 'No records in this timeline.');
  const rows = entries.map((e) =>
    row(timeEl(e.time), e.kind, statusBadge(e.status), codes(e.smtpStatusCode, e.enhancedSmtpStatusCode), e.failureReason, e.failureMessage, e.url === null ? null : el('code', { class: 'url' }, e.url), e.userAgent, e.origin === 'eventGrid' ? 'Event Grid' : 'logs'),
  );
  const t = table(name, ['Time', 'Kind', 'Status', 'SMTP', 'Failure reason', 'Failure message', 'URL', 'User agent', 'Source'], rows);
  for (const [k, v] of Object.entries(attrs)) t.setAttribute(k, v);
  return t;
}

/** One page of an address's messages (newest first), with Next following the continuation in the hash. */
export async function recipientMessages(address: string, route: Route, signal: AbortSignal): Promise<HTMLElement> {
  const continuation = route.params.get('continuation');
  const doc = await getJson<RecipientMessagesDocument>(apiPath('recipients', address, 'messages'), { limit: 50, continuation }, signal);
  const section = el('section', { 'data-section': 'recipient-messages' }, el('h2', null, 'Messages to ', doc.address));
  if (doc.messages.length === 0) {
    section.append(
      continuation === null
        ? emptyNote(`No message to ${doc.address} in the ledger. Check the address (it is matched whole, case-insensitively), or look for part of it in the Suppressions view.`)
        : emptyNote('No more messages. ', el('a', { href: withParams(route, { continuation: null }) }, 'Back to the first page')),
    );
    return section;
  }
  const rows = doc.messages.map((m) =>
    row(timeEl(m.time), messageLink(m.messageId), m.senderDomain, statusBadge(m.status), timeEl(m.statusTime), codes(m.smtpStatusCode, m.enhancedSmtpStatusCode), m.hardBounce ? 'yes' : 'no', `${m.views} / ${m.clicks}`),
  );
  section.append(table('recipient-messages', ['Time', 'Message', 'Sender domain', 'Status', 'Status time', 'SMTP', 'Hard bounce', 'Views / clicks'], rows));
  section.append(...pager(route, continuation, doc.continuation, { first: true }));
  return section;
}

/** Where a search goes: a message id straight to its message, anything else to the search view. */
export function searchHref(value: string): string {
  const q = value.trim();
  return looksLikeMessageId(q) ? hrefOf('message', [q]) : hrefOf('search', [], { q });
}

/** The search box (the search view's, and the nav bar's). */
export function searchForm(value: string, attrs: Record<string, string> = {}, placeholder = 'message id or recipient address'): HTMLFormElement {
  const input = el('input', { type: 'search', name: 'q', value, placeholder, 'aria-label': 'search by message id or recipient address', autocomplete: 'off' });
  const form = el('form', { class: 'search-form', role: 'search', ...attrs }, input, el('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim() !== '') navigate(searchHref(input.value));
  });
  return form;
}
