/**
 * Providers: totals per mailbox provider (or recipient domain) over the window, sortable by any column,
 * with a per-day delivery-rate sparkline. Every count links to the messages behind it.
 */
import { getJson } from '../api.js';
import { el, svg } from '../dom.js';
import { withParams } from '../route.js';
import type { StatsDocument, StatsRow } from '../types.js';
import { countLink, heading, percent, table, type View } from '../view.js';
import { emptyWindowNote, windowControl, windowOf, windowParams } from '../window.js';

type Group = 'provider' | 'recipient-domain';
const STATUSES = ['Delivered', 'Bounced', 'Failed', 'Suppressed', 'Quarantined', 'FilteredSpam'] as const;

interface GroupTotals {
  readonly group: string;
  recipients: number;
  finalRecipients: number;
  hardBounces: number;
  readonly statuses: Record<string, number>;
  /** Per day bucket: [delivered, final]. */
  readonly days: Map<string, [number, number]>;
}

/** Pure: the rows of a grouped stats document summed per group. */
export function totalsByGroup(rows: readonly StatsRow[]): GroupTotals[] {
  const groups = new Map<string, GroupTotals>();
  for (const r of rows) {
    const key = r.group ?? '';
    let g = groups.get(key);
    if (g === undefined) {
      g = { group: key, recipients: 0, finalRecipients: 0, hardBounces: 0, statuses: Object.create(null) as Record<string, number>, days: new Map() };
      groups.set(key, g);
    }
    g.recipients += r.recipients;
    g.finalRecipients += r.finalRecipients;
    g.hardBounces += r.hardBounces;
    for (const [s, n] of Object.entries(r.statuses)) g.statuses[s] = (g.statuses[s] ?? 0) + n;
    const day = g.days.get(r.bucket) ?? [0, 0];
    g.days.set(r.bucket, [day[0] + (r.statuses['Delivered'] ?? 0), day[1] + r.finalRecipients]);
  }
  return [...groups.values()];
}

const rateOf = (n: number, d: number): number | null => (d === 0 ? null : n / d);

type Column = { readonly key: string; readonly label: string; readonly value: (g: GroupTotals) => number | string };
const COLUMNS: readonly Column[] = [
  { key: 'group', label: 'Group', value: (g) => g.group },
  { key: 'sent', label: 'Sent', value: (g) => g.recipients },
  ...STATUSES.map((s) => ({ key: s, label: s === 'FilteredSpam' ? 'Filtered spam' : s, value: (g: GroupTotals) => g.statuses[s] ?? 0 })),
  { key: 'deliveryRate', label: 'Delivery rate', value: (g) => rateOf(g.statuses['Delivered'] ?? 0, g.finalRecipients) ?? -1 },
  { key: 'hardBounceRate', label: 'Hard-bounce rate', value: (g) => rateOf(g.hardBounces, g.finalRecipients) ?? -1 },
];

function sparkline(g: GroupTotals, days: readonly string[]): SVGSVGElement {
  const width = 80;
  const height = 20;
  const points: string[] = [];
  days.forEach((day, i) => {
    const [delivered, final] = g.days.get(day) ?? [0, 0];
    if (final === 0) return;
    const x = days.length === 1 ? width / 2 : (i / (days.length - 1)) * width;
    const y = height - 1 - (delivered / final) * (height - 2);
    points.push(`${points.length === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`);
  });
  return svg(
    'svg',
    { class: 'sparkline', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'delivery rate per day', 'data-sparkline': g.group },
    points.length > 0 ? svg('path', { d: points.join(' '), fill: 'none', stroke: '#2e9d57', 'stroke-width': 1.5 }) : null,
    points.length === 1 ? svg('circle', { cx: points[0]?.slice(1).split(',')[0] ?? 0, cy: points[0]?.split(',')[1] ?? 0, r: 2, fill: '#2e9d57' }) : null,
  );
}

export const providersView: View = {
  name: 'providers',
  nav: 'Providers',
  title: 'Providers',
  async render({ route, root, signal }) {
    const w = windowOf(route);
    const group: Group = route.params.get('group') === 'recipient-domain' ? 'recipient-domain' : 'provider';
    const toggle = el(
      'div',
      { class: 'window-control', 'data-group-toggle': 'true' },
      el('a', { href: withParams(route, { group: 'provider' }), class: group === 'provider' ? 'chip active' : 'chip', 'data-group': 'provider' }, 'by provider'),
      el('a', { href: withParams(route, { group: 'recipient-domain' }), class: group === 'recipient-domain' ? 'chip active' : 'chip', 'data-group': 'recipient-domain' }, 'by recipient domain'),
    );
    root.append(heading('Providers'), windowControl(route, w), toggle);
    const doc = await getJson<StatsDocument>('stats', { ...windowParams(w), by: 'day', group }, signal);
    if (doc.totals.recipients === 0) {
      root.append(await emptyWindowNote(route, w, 'recipients', signal));
      return;
    }
    const groups = totalsByGroup(doc.rows);
    const days = [...new Set(doc.rows.map((r) => r.bucket))].sort();
    const base = windowParams(w);
    const filterOf = (g: GroupTotals): Record<string, string> => ({ ...base, [group]: g.group });
    let sortKey = route.params.get('sort') ?? 'sent';
    let descending = route.params.get('dir') !== 'asc';
    const holder = el('div', null);
    const draw = (): void => {
      const column = COLUMNS.find((c) => c.key === sortKey) ?? COLUMNS[1];
      const sorted = [...groups].sort((a, b) => {
        const x = column?.value(a) ?? 0;
        const y = column?.value(b) ?? 0;
        const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return descending ? -order : order;
      });
      const head = [...COLUMNS.map((c) => {
        const th = el('span', { 'data-sort': c.key, role: 'button', tabindex: 0 }, c.label);
        th.addEventListener('click', () => {
          if (sortKey === c.key) descending = !descending;
          else {
            sortKey = c.key;
            descending = c.key !== 'group';
          }
          draw();
        });
        return th;
      }), 'Trend'];
      const rows = sorted.map((g) =>
        el(
          'tr',
          { 'data-group-row': g.group },
          el('td', null, g.group === '' ? '(unknown)' : g.group),
          el('td', { class: 'numeric' }, countLink(g.recipients, filterOf(g))),
          STATUSES.map((s) => el('td', { class: 'numeric' }, countLink(g.statuses[s] ?? 0, { ...filterOf(g), status: s }, { 'data-count': s }))),
          el('td', { class: 'numeric' }, percent(rateOf(g.statuses['Delivered'] ?? 0, g.finalRecipients))),
          el('td', { class: 'numeric' }, percent(rateOf(g.hardBounces, g.finalRecipients))),
          el('td', null, sparkline(g, days)),
        ),
      );
      const t = table(group === 'provider' ? 'providers' : 'recipient-domains', head, rows);
      // table() builds the th cells: mark them sortable (and the sorted one) for the header arrows.
      for (const span of t.querySelectorAll<HTMLElement>('th > [data-sort]')) {
        const th = span.parentElement;
        if (th === null) continue;
        th.classList.add('sortable');
        if (span.dataset['sort'] === sortKey) th.classList.add(descending ? 'sorted-desc' : 'sorted-asc');
      }
      holder.replaceChildren(t);
    };
    draw();
    root.append(holder, el('p', { class: 'note' }, 'Click a column header to sort. Trend: delivery rate per UTC day.'));
  },
};
