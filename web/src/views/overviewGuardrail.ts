/**
 * The Overview's guardrail part: delivery rate and hard-bounce rate per sender domain over the window
 * (the top domains by recipients, so the chart stays readable), the guardrail's warning and critical
 * rates drawn as dashed lines from GET /api/guardrail (never hard-coded: they are the deployment's
 * settings), and the guardrail's level per domain at the window's end, every count linked.
 */
import { getJson } from '../api.js';
import { chartBox, paletteColor } from '../charts.js';
import { el } from '../dom.js';
import { hrefOf, type Params } from '../route.js';
import { bucketLabel, bucketRange, msOf, timeEl, utcIso } from '../time.js';
import type { GuardrailDocument, StatsDocument, StatsRow } from '../types.js';
import { countLink, emptyNote, percent, row, table } from '../view.js';
import type { TimeWindow } from '../window.js';

/** Sender domains charted at most; the rest are in the table and the messages list. */
export const TOP_DOMAINS = 6;
const HOUR = 3_600_000;

/** A threshold as the settings say it: 0.02 -> "2%", 0.025 -> "2.5%". */
const rateText = (r: number): string => `${Number((r * 100).toFixed(2))}%`;
const domainLabel = (d: string): string => (d === '' ? '(unknown sender)' : d);

/** The guardrail's window: its `windowHours` whole hours ending with the hour of `at`. */
export function guardrailRange(doc: Pick<GuardrailDocument, 'at' | 'windowHours'>): { from: string; to: string } {
  const end = Math.floor(msOf(doc.at) / HOUR) * HOUR + HOUR;
  return { from: utcIso(end - doc.windowHours * HOUR), to: utcIso(end) };
}

/** The guardrail's "now" for a window: its last hour, or now when the window ends later. */
export function guardrailAt(w: TimeWindow, now: number = Date.now()): string {
  return utcIso(Math.min(msOf(w.to) - 1, now));
}

/** Top domains by recipients over the window, biggest first. */
export function topDomains(rows: readonly StatsRow[], n: number): { domains: string[]; total: number } {
  const sends = new Map<string, number>();
  for (const r of rows) sends.set(r.group ?? '', (sends.get(r.group ?? '') ?? 0) + r.recipients);
  const sorted = [...sends.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { domains: sorted.slice(0, n).map(([d]) => d), total: sorted.length };
}

function rateCharts(stats: StatsDocument, guard: GuardrailDocument, signal: AbortSignal): HTMLElement[] {
  const { domains, total } = topDomains(stats.rows, TOP_DOMAINS);
  const buckets = [...new Set(stats.rows.map((r) => r.bucket))].sort();
  const labels = buckets.map((b) => bucketLabel(b, stats.by));
  const cell = new Map<string, StatsRow>();
  for (const r of stats.rows) cell.set(`${r.group ?? ''}\u0000${r.bucket}`, r);
  const series = (pick: (r: StatsRow) => number | null) =>
    domains.map((d, i) => ({
      type: 'line' as const,
      label: domainLabel(d),
      // Explicit: Chart.js binds datasets without one to the first x scale declared.
      xAxisID: 'x',
      data: buckets.map((b) => {
        const r = cell.get(`${d}\u0000${b}`);
        return r === undefined ? null : pick(r);
      }),
      borderColor: paletteColor(i),
      backgroundColor: paletteColor(i),
      pointRadius: 3,
      spanGaps: false,
    }));
  const guideline = (value: number, name: string, color: string) => ({
    type: 'line' as const,
    label: `${rateText(value)} ${name}`,
    // On a hidden 0..1 axis of its own, so the line spans the chart even with a single bucket.
    data: [
      { x: 0, y: value },
      { x: 1, y: value },
    ],
    xAxisID: 'xGuide',
    borderColor: color,
    backgroundColor: color,
    borderDash: [6, 4],
    borderWidth: 1.5,
    pointRadius: 0,
    pointHitRadius: 0,
  });
  const target = (datasetIndex: number, index: number): string | null => {
    const domain = domains[datasetIndex];
    const bucket = buckets[index];
    if (domain === undefined || domain === '' || bucket === undefined) return null;
    return hrefOf('messages', [], { ...bucketRange(bucket, stats.by), 'sender-domain': domain });
  };
  const axis = (text: string, max?: number) => ({ beginAtZero: true, ...(max === undefined ? {} : { max }), title: { display: true, text }, ticks: { callback: (v: string | number) => percent(Number(v)) } });
  const tooltip = { callbacks: { label: (c: { dataset: { label?: string }; parsed: { y: number | null } }) => `${c.dataset.label ?? ''}: ${percent(c.parsed.y)}` } };
  const bounceMax = Math.max(guard.critical * 1.5, ...stats.rows.filter((r) => domains.includes(r.group ?? '')).map((r) => r.hardBounceRate ?? 0));
  const bounce = chartBox(
    'hard-bounce-rate',
    {
      type: 'line',
      data: { labels, datasets: [...series((r) => r.hardBounceRate), guideline(guard.warning, 'warning', '#e0a100'), guideline(guard.critical, 'critical', '#a1242b')] },
      options: { scales: { x: { type: 'category', offset: true }, y: axis('hard-bounce rate', bounceMax * 1.05), xGuide: { type: 'linear', axis: 'x', display: false, min: 0, max: 1 } }, plugins: { tooltip } },
    },
    target,
    signal,
  );
  const delivery = chartBox(
    'delivery-rate',
    { type: 'line', data: { labels, datasets: series((r) => r.deliveryRate) }, options: { scales: { x: { offset: true }, y: axis('delivery rate', 1) }, plugins: { tooltip } } },
    target,
    signal,
  );
  const shown = total > domains.length ? `The ${domains.length} sender domains with the most recipients of ${total}; the table below lists every domain the guardrail counted.` : `Every sender domain (${total}).`;
  return [
    el('h2', null, `Hard-bounce rate per sender domain, per ${stats.by}`),
    el('div', { class: 'card' }, bounce.box),
    el('p', { class: 'note' }, `${shown} Dashed lines: the guardrail's warning (${rateText(guard.warning)}) and critical (${rateText(guard.critical)}) rates. Rates are hard bounces over recipients with a final status; click a point to list its messages.`),
    el('h2', null, `Delivery rate per sender domain, per ${stats.by}`),
    el('div', { class: 'card' }, delivery.box),
  ];
}

function guardrailTable(guard: GuardrailDocument): HTMLElement[] {
  const range = guardrailRange(guard);
  const head = el('h2', null, 'Guardrail level per sender domain');
  const about = el('p', { class: 'note' }, `Hard bounces over sends in the ${guard.windowHours} hours ending `, timeEl(range.to, 'short'), `; below ${guard.minSends.toLocaleString()} sends a domain stays ok.`);
  if (guard.domains.length === 0) {
    return [head, about, emptyNote('The guardrail counted no sends in these hours. Pick a window that ends where the data is (the window control above), or check that SendMail records reach the ledger.')];
  }
  const rows = guard.domains.map((d) => {
    const filters: Params = { ...range, 'sender-domain': d.senderDomain };
    return row(
      d.senderDomain,
      countLink(d.sends, filters, { 'data-count': 'sends' }),
      countLink(d.hardBounces, { ...filters, status: 'Bounced' }, { 'data-count': 'hard-bounces' }),
      percent(d.rate),
      el('span', { class: `badge ${d.level}`, 'data-level': d.level }, d.level),
    );
  });
  return [head, about, table('guardrail', ['Sender domain', 'Sends', 'Hard bounces', 'Rate', 'Level'], rows)];
}

/** The rates charts and the guardrail table, for the Overview's window. */
export async function guardrailSection(w: TimeWindow, signal: AbortSignal): Promise<HTMLElement[]> {
  const [stats, guard] = await Promise.all([
    getJson<StatsDocument>('stats', { from: w.from, to: w.to, by: w.by, group: 'sender-domain' }, signal),
    getJson<GuardrailDocument>('guardrail', { at: guardrailAt(w) }, signal),
  ]);
  const charts = stats.rows.length === 0 ? [emptyNote('No sender domain has recipients in this window. Try a longer window.')] : rateCharts(stats, guard, signal);
  return [...charts, ...guardrailTable(guard)];
}
