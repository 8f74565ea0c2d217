/**
 * Overview: recipients by final status per hour or day (stacked bars, a click opens that bucket's
 * messages), the window's totals, each a link to its list, and per sender domain the delivery and
 * hard-bounce rates with the guardrail's lines and its level at the window's end (overviewGuardrail.ts).
 */
import { getJson } from '../api.js';
import { FINAL_STATUSES, STATUS_COLORS, chartBox } from '../charts.js';
import { el } from '../dom.js';
import { hrefOf } from '../route.js';
import { bucketLabel, bucketRange } from '../time.js';
import type { StatsDocument } from '../types.js';
import { countLink, heading, percent, type View } from '../view.js';
import { emptyWindowNote, windowControl, windowOf, windowParams } from '../window.js';
import { guardrailSection } from './overviewGuardrail.js';

export const overviewView: View = {
  name: 'overview',
  nav: 'Overview',
  title: 'Overview',
  async render({ route, root, signal }) {
    const w = windowOf(route);
    root.append(heading('Overview'), windowControl(route, w));
    // Both asked at once: the guardrail part waits only for the stats answer's emptiness check.
    const guard = guardrailSection(w, signal);
    guard.catch(() => undefined);
    const doc = await getJson<StatsDocument>('stats', { ...windowParams(w), by: w.by, group: 'none' }, signal);
    if (doc.totals.recipients === 0) {
      root.append(await emptyWindowNote(route, w, 'recipients', signal));
      return;
    }
    const base = windowParams(w);
    const card = (label: string, value: HTMLElement | string): HTMLElement => el('div', { class: 'card' }, el('div', { class: 'metric' }, value), el('div', { class: 'metric-label' }, label));
    root.append(
      el(
        'div',
        { class: 'cards' },
        card('recipients', countLink(doc.totals.recipients, base)),
        ...FINAL_STATUSES.map((s) => card(s, countLink(doc.totals.statuses[s] ?? 0, { ...base, status: s }, { 'data-count': s }))),
        card('delivery rate', percent(doc.totals.deliveryRate)),
        card('hard-bounce rate', percent(doc.totals.hardBounceRate)),
      ),
    );
    const statuses = [...FINAL_STATUSES.filter((s) => doc.rows.some((r) => (r.statuses[s] ?? 0) > 0))];
    const labels = doc.rows.map((r) => bucketLabel(r.bucket, doc.by));
    const { box } = chartBox(
      'status-over-time',
      {
        type: 'bar',
        data: {
          labels,
          datasets: statuses.map((s) => ({ label: s, data: doc.rows.map((r) => r.statuses[s] ?? 0), backgroundColor: STATUS_COLORS[s] ?? '#999', stack: 'status' })),
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'recipients' } } } },
      },
      (datasetIndex, index) => {
        const bucket = doc.rows[index]?.bucket;
        const status = statuses[datasetIndex];
        return bucket === undefined || status === undefined ? null : hrefOf('messages', [], { ...bucketRange(bucket, doc.by), status });
      },
      signal,
    );
    root.append(el('h2', null, `Recipients by final status, per ${doc.by}`), el('div', { class: 'card' }, box), el('p', { class: 'note' }, 'Click a bar to list its messages.'));
    root.append(...(await guard));
  },
};
