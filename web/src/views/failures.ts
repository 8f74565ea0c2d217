/**
 * Failures: the window's failures by status, SMTP code, enhanced code and reason, biggest first; each
 * count links to its messages, and the top rows show a few example messages.
 */
import { getJson } from '../api.js';
import { el } from '../dom.js';
import { hrefOf } from '../route.js';
import type { FailuresDocument, MessagesDocument } from '../types.js';
import { countLink, heading, table, type View } from '../view.js';
import { emptyWindowNote, windowControl, windowOf, windowParams } from '../window.js';

const EXAMPLE_ROWS = 5;

export const failuresView: View = {
  name: 'failures',
  nav: 'Failures',
  title: 'Failures',
  async render({ route, root, signal }) {
    const w = windowOf(route);
    root.append(heading('Failures'), windowControl(route, w));
    const base = windowParams(w);
    const doc = await getJson<FailuresDocument>('failures', base, signal);
    if (doc.failures.length === 0) {
      root.append(await emptyWindowNote(route, w, 'failures', signal));
      return;
    }
    const examples = await Promise.all(
      doc.failures.slice(0, EXAMPLE_ROWS).map((f) => getJson<MessagesDocument>('messages', { ...base, failure: f.failure, limit: 3 }, signal).then((m) => m.messages.slice(0, 3).map((x) => x.messageId))),
    );
    const rows = doc.failures.map((f, i) =>
      el(
        'tr',
        { 'data-failure': f.failure },
        el('td', null, f.status),
        el('td', null, f.smtpStatusCode ?? '—'),
        el('td', null, f.enhancedSmtpStatusCode ?? '—'),
        el('td', null, f.failureReason ?? '—'),
        el('td', { class: 'numeric' }, countLink(f.recipients, { failure: f.failure, ...base })),
        el(
          'td',
          null,
          (examples[i] ?? []).flatMap((id, j) => [j > 0 ? ', ' : null, el('a', { href: hrefOf('message', [id]), 'data-message-id': id }, id)]),
        ),
      ),
    );
    root.append(
      el('p', null, 'Recipients in a failure status: ', countLink(doc.totalFailed, base, { 'data-count': 'total-failed' })),
      table('failures', ['Status', 'SMTP code', 'Enhanced code', 'Failure reason', 'Recipients', 'Examples'], rows),
      el('p', { class: 'note' }, `Examples for the top ${EXAMPLE_ROWS} rows.`),
    );
  },
};
