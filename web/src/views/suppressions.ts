/**
 * `#/suppressions?q&since&continuation`: the bounce registry by address (the registry's key order), one page at a time,
 * with the forecast ACS suppression lease of each address and when it ends. The search box filters by
 * address substring (the API's `q`); the CSV link downloads the same list, every page.
 */
import { apiHref, getJson } from '../api.js';
import { el } from '../dom.js';
import { hrefOf, navigate, withParams } from '../route.js';
import { msOf, timeEl } from '../time.js';
import type { BounceList, BounceRecord } from '../types.js';
import { emptyNote, heading, pager, pageSize, row, table, type View } from '../view.js';

/** ACS's suppression lease lengths by level (src/api/documents.ts: 0 = 24 h ... 4 = 14 days). */
const LEASE_LENGTHS = ['24 h', '48 h', '4 days', '7 days', '14 days'];

function searchForm(q: string, since: string, go: (q: string) => void): HTMLFormElement {
  const input = el('input', { type: 'search', name: 'q', value: q, placeholder: 'address or part of it', 'aria-label': 'Search addresses' });
  const form = el('form', { class: 'search-form', role: 'search' }, input, el('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go(input.value.trim());
  });
  // Relative to the page (/api/dashboard/ -> /api/bounces): the whole registry matching q, as text/csv.
  const csv = apiHref('bounces', { format: 'csv', q, since });
  form.append(' ', el('a', { href: csv, download: 'bounces.csv', 'data-csv': 'true' }, 'Export CSV'));
  return form;
}

function codes(b: BounceRecord): string {
  const parts = [b.lastSmtpStatusCode, b.lastEnhancedSmtpStatusCode].filter((c): c is string => c !== null && c !== '');
  return parts.join(' ');
}

function leaseCell(b: BounceRecord): HTMLElement {
  if (b.lease === null) return el('span', { class: 'muted' }, 'none');
  const length = LEASE_LENGTHS[b.lease.level] ?? `level ${b.lease.level}`;
  return el('span', { 'data-lease-level': b.lease.level, title: `from ${b.lease.start} (UTC)` }, `level ${b.lease.level} (${length})`);
}

function leaseEnd(b: BounceRecord, now: number): HTMLElement {
  if (b.lease === null) return el('span', { class: 'muted' }, '—');
  const inForce = msOf(b.lease.end) > now;
  return el(
    'span',
    null,
    timeEl(b.lease.end, 'short'),
    ' ',
    inForce ? el('span', { class: 'badge bad', 'data-suppressed': 'true' }, 'in force') : el('span', { class: 'muted', 'data-suppressed': 'false' }, 'ended'),
  );
}

export const suppressionsView: View = {
  name: 'suppressions',
  nav: 'Suppressions',
  title: 'Suppressions',
  async render({ route, root, signal }) {
    const q = (route.params.get('q') ?? '').trim();
    const since = route.params.get('since') ?? '';
    const continuation = route.params.get('continuation') ?? '';
    root.append(
      heading('Suppressions', el('span', { class: 'muted' }, 'addresses that hard-bounced, by address, with the forecast ACS suppression lease')),
      searchForm(q, since, (next) => navigate(withParams(route, { q: next, continuation: null }))),
    );
    const page = await getJson<BounceList>('bounces', { q, since, continuation, limit: pageSize(route.params.get('limit')) }, signal);
    if (page.bounces.length === 0) {
      root.append(
        emptyNote(
          q === ''
            ? 'No address has hard-bounced: nothing is suppressed. Addresses appear here once delivery reports with hard bounces are ingested (replay an archive, or let the Event Hubs function run).'
            : `No bounced address contains “${q}”. Try a shorter part of the address (a domain works), or clear the search.`,
        ),
      );
      return;
    }
    const now = Date.now();
    const rows = page.bounces.map((b) =>
      row(
        el('a', { href: hrefOf('recipient', [b.address]), 'data-address': b.address }, b.address),
        b.hardBounces,
        b.suppressedSends,
        el('span', null, timeEl(b.firstBounceAt, 'short'), b.hardBounces > 1 ? [' – ', timeEl(b.lastBounceAt, 'short')] : null),
        el('span', null, b.lastStatus, codes(b) === '' ? null : ` ${codes(b)}`),
        b.lastFailureMessage ?? b.lastFailureReason ?? '—',
        // The id's first 8 characters are enough to tell messages apart on screen; the full id is in the link and title.
        el('a', { href: hrefOf('message', [b.lastMessageId]), 'data-message-id': b.lastMessageId, title: b.lastMessageId }, b.lastMessageId.slice(0, 8)),
        leaseCell(b),
        leaseEnd(b, now),
      ),
    );
    root.append(
      table('suppressions', ['Address', 'Hard bounces', 'Sends ACS suppressed', 'Bounced (first – last)', 'Last status', 'Failure message', 'Last message', 'Forecast lease', 'Lease ends'], rows),
    );
    root.append(...pager(route, continuation, page.continuation));
  },
};
