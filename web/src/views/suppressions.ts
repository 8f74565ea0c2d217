/**
 * `#/suppressions?q&since&continuation`: the bounce registry, newest bounce first, with the forecast ACS
 * suppression lease. The search box filters by address; the CSV link downloads the same list.
 */
import { apiHref, getJson } from '../api.js';
import { el } from '../dom.js';
import { hrefOf, navigate, withParams } from '../route.js';
import { msOf, timeEl } from '../time.js';
import { pageOf, type BounceRecord, type Paged } from '../types.js';
import { emptyNote, heading, row, table, type View } from '../view.js';

const LEASE_LENGTHS = ['24 h', '48 h', '4 days', '7 days', '14 days'];

function searchForm(q: string, since: string, go: (q: string) => void): HTMLFormElement {
  const input = el('input', { type: 'search', name: 'q', value: q, placeholder: 'address or part of it', 'aria-label': 'Search addresses' });
  const form = el('form', { class: 'search-form', role: 'search' }, input, el('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go(input.value.trim());
  });
  const csv = apiHref('bounces', { format: 'csv', q, since });
  form.append(el('a', { href: csv, download: 'bounces.csv', 'data-csv': 'true' }, 'Download CSV'));
  return form;
}

function codes(b: BounceRecord): string {
  const parts = [b.lastSmtpStatusCode, b.lastEnhancedSmtpStatusCode].filter((c): c is string => c !== null && c !== '');
  return parts.length === 0 ? '—' : parts.join(' ');
}

function leaseCell(b: BounceRecord, now: number): (Node | string)[] {
  if (b.lease === null) return ['—'];
  const length = LEASE_LENGTHS[b.lease.level] ?? `level ${b.lease.level}`;
  return [`level ${b.lease.level} (${length}) until `, timeEl(b.lease.end)];
}

export const suppressionsView: View = {
  name: 'suppressions',
  nav: 'Suppressions',
  title: 'Suppressions',
  async render({ route, root, signal }) {
    const q = route.params.get('q') ?? '';
    const since = route.params.get('since') ?? '';
    const continuation = route.params.get('continuation') ?? '';
    root.append(
      heading('Suppressions', el('span', { class: 'muted' }, 'addresses that hard-bounced, newest bounce first')),
      searchForm(q, since, (next) => navigate(withParams(route, { q: next, continuation: null }))),
    );
    const body = await getJson<Paged<'bounces', BounceRecord>>('bounces', { q, since, continuation, limit: 50 }, signal);
    const page = pageOf(body, 'bounces');
    // The API (1.x) ignores q and answers the whole registry; filtering here keeps the search working
    // either way (a no-op when the API has already filtered).
    const needle = q.toLowerCase();
    const items = needle === '' ? page.items : page.items.filter((b) => b.address.includes(needle));
    if (items.length === 0) {
      root.append(
        emptyNote(
          q === '' ? 'No address has hard-bounced yet: nothing is suppressed.' : `No bounced address contains “${q}”. Try a shorter part of the address, or clear the search.`,
        ),
      );
      return;
    }
    const now = Date.now();
    const rows = items.map((b) => {
      const suppressed = b.lease !== null && msOf(b.lease.end) > now;
      return row(
        el('a', { href: hrefOf('recipient', [b.address]), 'data-address': b.address }, b.address),
        b.hardBounces,
        timeEl(b.firstBounceAt, 'short'),
        timeEl(b.lastBounceAt, 'short'),
        codes(b),
        b.lastFailureMessage ?? b.lastFailureReason ?? '—',
        el('span', null, ...leaseCell(b, now)),
        suppressed ? el('span', { class: 'badge bad', 'data-suppressed': 'true' }, 'suppressed now') : el('span', { class: 'muted' }, 'no'),
      );
    });
    root.append(table('suppressions', ['Address', 'Hard bounces', 'First bounce', 'Last bounce', 'Last codes', 'Failure message', 'Forecast lease', 'Suppressed now'], rows));
    if (page.continuation !== null) {
      root.append(el('div', { class: 'pager' }, el('a', { href: withParams(route, { continuation: page.continuation }), 'data-next': 'true' }, 'Next page →')));
    }
  },
};
