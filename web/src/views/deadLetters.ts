/**
 * `#/deadletters?reason&continuation`: records the ledger rejected, with their reason, origin and raw
 * text. The raw text is attacker-controlled: it goes into a <pre> as a text node only.
 */
import { getJson } from '../api.js';
import { el } from '../dom.js';
import { withParams } from '../route.js';
import { timeEl } from '../time.js';
import { pageOf, type DeadLetter, type Paged } from '../types.js';
import { emptyNote, heading, row, table, type View } from '../view.js';

function rawCell(d: DeadLetter): HTMLElement {
  const label = `${d.rawLength.toLocaleString()} characters${d.truncated ? ' (truncated)' : ''}`;
  return el('details', null, el('summary', null, label), el('pre', { 'data-raw': 'true' }, d.raw));
}

export const deadLettersView: View = {
  name: 'deadletters',
  nav: 'Dead letters',
  title: 'Dead letters',
  async render({ route, root, signal }) {
    const reason = route.params.get('reason') ?? '';
    const continuation = route.params.get('continuation') ?? '';
    root.append(
      heading(
        'Dead letters',
        el('span', { class: 'muted' }, reason === '' ? 'records the ledger could not take' : [`reason code ${reason} · `, el('a', { href: withParams(route, { reason: null, continuation: null }) }, 'all reasons')]),
      ),
    );
    const body = await getJson<Paged<'deadLetters', DeadLetter>>('deadletters', { reason, continuation, limit: 50 }, signal);
    const page = pageOf(body, 'deadLetters');
    if (page.items.length === 0) {
      root.append(emptyNote(reason === '' ? 'No dead letters: every record was taken.' : `No dead letters with reason code ${reason}. Show all reasons instead.`));
      return;
    }
    const rows = page.items.map((d) =>
      row(
        el('a', { href: withParams(route, { reason: d.reasonCode, continuation: null }), 'data-reason': d.reasonCode }, d.reasonCode),
        d.reason,
        d.location,
        d.category ?? '—',
        timeEl(d.deadLetteredAt, 'short'),
        rawCell(d),
      ),
    );
    root.append(table('deadletters', ['Reason code', 'Reason', 'Location', 'Category', 'Dead-lettered at', 'Raw'], rows));
    if (page.continuation !== null) {
      root.append(el('div', { class: 'pager' }, el('a', { href: withParams(route, { continuation: page.continuation }), 'data-next': 'true' }, 'Next page →')));
    }
  },
};
