/**
 * Engagement: views and clicks per bucket (a line chart), open and click rates over the window, and the
 * most clicked links. The URLs come from tracking records, so they are shown as text, never as links.
 */
import { getJson } from '../api.js';
import { chartBox } from '../charts.js';
import { el } from '../dom.js';
import { hrefOf } from '../route.js';
import { bucketLabel, bucketRange } from '../time.js';
import type { ClicksDocument, StatsDocument } from '../types.js';
import { countLink, emptyNote, heading, percent, table, type View } from '../view.js';
import { emptyWindowNote, windowControl, windowOf, windowParams } from '../window.js';

export const engagementView: View = {
  name: 'engagement',
  nav: 'Engagement',
  title: 'Engagement',
  async render({ route, root, signal }) {
    const w = windowOf(route);
    root.append(heading('Engagement'), windowControl(route, w));
    const base = windowParams(w);
    const [doc, clicks] = await Promise.all([
      getJson<StatsDocument>('stats', { ...base, by: w.by, group: 'none' }, signal),
      getJson<ClicksDocument>('clicks', { ...base, limit: 20 }, signal),
    ]);
    if (doc.totals.recipients === 0) {
      root.append(await emptyWindowNote(route, w, 'recipients', signal));
      return;
    }
    const t = doc.totals;
    const card = (label: string, value: HTMLElement | string): HTMLElement => el('div', { class: 'card' }, el('div', { class: 'metric' }, value), el('div', { class: 'metric-label' }, label));
    root.append(
      el(
        'div',
        { class: 'cards' },
        card('delivered', countLink(t.statuses['Delivered'] ?? 0, { ...base, status: 'Delivered' }, { 'data-count': 'Delivered' })),
        card('views', t.views.toLocaleString()),
        card('clicks', t.clicks.toLocaleString()),
        card('open rate', percent(t.openRate)),
        card('click rate', percent(t.clickRate)),
      ),
    );
    const { box } = chartBox(
      'engagement-over-time',
      {
        type: 'line',
        data: {
          labels: doc.rows.map((r) => bucketLabel(r.bucket, doc.by)),
          datasets: [
            { label: 'views', data: doc.rows.map((r) => r.views), borderColor: '#0b5cad', backgroundColor: '#0b5cad' },
            { label: 'clicks', data: doc.rows.map((r) => r.clicks), borderColor: '#f07c2b', backgroundColor: '#f07c2b' },
          ],
        },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'events' } } } },
      },
      (_dataset, index) => {
        const bucket = doc.rows[index]?.bucket;
        return bucket === undefined ? null : hrefOf('messages', [], bucketRange(bucket, doc.by));
      },
      signal,
    );
    root.append(el('h2', null, `Views and clicks, per ${doc.by}`), el('div', { class: 'card' }, box), el('p', { class: 'note' }, 'Click a point to list that bucket’s messages.'));
    root.append(el('h2', null, 'Top clicked links'));
    if (clicks.urls.length === 0) {
      root.append(emptyNote('No clicks in this window. Click tracking must be on for the sender domain, or try a longer window.'));
      return;
    }
    const rows = clicks.urls.map((u) => el('tr', null, el('td', null, el('code', { 'data-url': 'true' }, u.url)), el('td', { class: 'numeric' }, u.clickers.toLocaleString())));
    root.append(table('clicks', ['Link (as text)', 'Clickers'], rows));
  },
};
