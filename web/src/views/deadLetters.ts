/**
 * `#/deadletters?reason&continuation`: records the ledger rejected, with their reason, origin and raw
 * text, one page at a time. The raw text is attacker-controlled: it goes into a <pre> as a text node
 * only, collapsed in a <details> so a long record does not push the table apart.
 */
import { getJson } from '../api.js';
import { el } from '../dom.js';
import { navigate, withParams, type Route } from '../route.js';
import { timeEl } from '../time.js';
import type { DeadLetter, DeadLetterList } from '../types.js';
import { emptyNote, heading, pager, pageSize, row, table, type View } from '../view.js';

function reasonForm(route: Route, reason: string): HTMLFormElement {
  const input = el('input', { type: 'search', name: 'reason', value: reason, placeholder: 'reason code, e.g. missing_correlation_id', 'aria-label': 'Reason code' });
  const form = el('form', { class: 'search-form', role: 'search' }, input, el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(withParams(route, { reason: input.value.trim(), continuation: null }));
  });
  if (reason !== '') form.append(' ', el('a', { href: withParams(route, { reason: null, continuation: null }), 'data-all-reasons': 'true' }, 'all reasons'));
  return form;
}

function rawCell(d: DeadLetter): HTMLElement {
  const kept = d.truncated ? `, the first ${d.raw.length.toLocaleString()} kept` : '';
  const label = `raw record: ${d.rawLength.toLocaleString()} characters${kept}`;
  return el(
    'details',
    null,
    el('summary', null, label, d.truncated ? [' ', el('span', { class: 'badge warning', 'data-truncated': 'true', title: 'the ledger kept only the start of this record' }, 'truncated')] : null),
    el('pre', { 'data-raw': 'true' }, el('code', null, d.raw)),
  );
}

export const deadLettersView: View = {
  name: 'deadletters',
  nav: 'Dead letters',
  title: 'Dead letters',
  async render({ route, root, signal }) {
    const reason = (route.params.get('reason') ?? '').trim();
    const continuation = route.params.get('continuation') ?? '';
    root.append(heading('Dead letters', el('span', { class: 'muted' }, 'records the ledger could not take, in the order of their origin')), reasonForm(route, reason));
    const page = await getJson<DeadLetterList>('deadletters', { reason, continuation, limit: pageSize(route.params.get('limit')) }, signal);
    if (page.deadLetters.length === 0) {
      root.append(
        emptyNote(
          reason === ''
            ? 'No dead letters: every record read so far was taken.'
            : `No dead letters with reason code “${reason}”. Check the code (a click on one in the full list fills it in), or show all reasons.`,
        ),
      );
      return;
    }
    // The raw record gets a full-width row under its dead letter: opened in a narrow cell it would squeeze
    // every other column.
    const rows = page.deadLetters.flatMap((d) => [
      row(
        el('a', { href: withParams(route, { reason: d.reasonCode, continuation: null }), 'data-reason': d.reasonCode }, d.reasonCode),
        el('span', null, d.reason, d.path === null || d.path === '' ? null : [' ', el('code', null, d.path)]),
        d.location,
        d.category ?? '—',
        timeEl(d.deadLetteredAt, 'short'),
      ),
      el('tr', { class: 'raw-row', 'data-raw-of': d.id }, el('td', { colspan: 5 }, rawCell(d))),
    ]);
    root.append(table('deadletters', ['Reason code', 'Reason', 'Location', 'Category', 'Dead-lettered at'], rows));
    root.append(...pager(route, continuation, page.continuation));
  },
};
