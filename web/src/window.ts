/**
 * The common window control: last 24 h / 7 d / 30 d, or a custom from–to, kept in the hash query
 * (`?window=7d`, `?window=custom&from=…&to=…`) so a link reproduces the view. Relative windows end at
 * the next whole hour after now. When the window is empty and the ledger's newest message is older than
 * the window (a replayed archive, the samples of 2025-03-14), the view offers to jump to that data.
 */
import { getJson } from './api.js';
import { el } from './dom.js';
import { hrefOf, withParams, type Params, type Route } from './route.js';
import { msOf, timeEl, utcIso } from './time.js';
import type { MessagesDocument } from './types.js';

export type WindowName = '24h' | '7d' | '30d' | 'custom';
export type By = 'hour' | 'day';

export interface TimeWindow {
  readonly name: WindowName;
  /** UTC ISO; from inclusive, to exclusive. */
  readonly from: string;
  readonly to: string;
  readonly by: By;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PRESETS: Readonly<Record<Exclude<WindowName, 'custom'>, number>> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY };
/** The API caps hourly stats at 93 days. */
const MAX_HOURLY = 93 * DAY;

function presetOf(text: string | null): Exclude<WindowName, 'custom'> | null {
  return text === '24h' || text === '7d' || text === '30d' ? text : null;
}

export function windowOf(route: Route, now: number = Date.now(), fallback: Exclude<WindowName, 'custom'> = '7d'): TimeWindow {
  const params = route.params;
  const from = msOf(params.get('from') ?? '');
  const to = msOf(params.get('to') ?? '');
  const requestedBy = params.get('by');
  const custom = params.get('window') === 'custom' || (params.get('window') === null && !Number.isNaN(from));
  let range: { name: WindowName; from: number; to: number };
  if (custom && !Number.isNaN(from) && (Number.isNaN(to) || from < to)) {
    range = { name: 'custom', from, to: Number.isNaN(to) ? Math.ceil(now / HOUR) * HOUR : to };
  } else {
    const name = presetOf(params.get('window')) ?? fallback;
    const end = Math.ceil(now / HOUR) * HOUR;
    range = { name, from: end - PRESETS[name], to: end };
  }
  const span = range.to - range.from;
  const by: By = requestedBy === 'hour' && span <= MAX_HOURLY ? 'hour' : requestedBy === 'day' ? 'day' : span <= 2 * DAY ? 'hour' : 'day';
  return { name: range.name, from: utcIso(range.from), to: utcIso(range.to), by };
}

/** The window as API parameters (from, to). */
export function windowParams(w: TimeWindow): { from: string; to: string } {
  return { from: w.from, to: w.to };
}

/** The window as hash parameters, for links that keep it. */
export function windowHash(w: TimeWindow): Params {
  return w.name === 'custom' ? { window: 'custom', from: w.from, to: w.to, by: w.by } : { window: w.name, by: w.by };
}

function localInputValue(iso: string): string {
  const d = new Date(msOf(iso));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The control: preset links, hour/day links, and a custom from–to form (in the viewer's zone). */
export function windowControl(route: Route, w: TimeWindow): HTMLElement {
  const preset = (name: Exclude<WindowName, 'custom'>, label: string): HTMLElement =>
    el('a', { href: withParams(route, { window: name, from: null, to: null }), class: w.name === name ? 'chip active' : 'chip', 'data-window': name }, label);
  const byLink = (by: By): HTMLElement => el('a', { href: withParams(route, { ...windowHash(w), by }), class: w.by === by ? 'chip active' : 'chip', 'data-by': by }, by === 'hour' ? 'by hour' : 'by day');
  const fromInput = el('input', { type: 'datetime-local', name: 'from', value: localInputValue(w.from), 'aria-label': 'from' });
  const toInput = el('input', { type: 'datetime-local', name: 'to', value: localInputValue(w.to), 'aria-label': 'to' });
  const form = el('form', { class: 'custom-window' }, fromInput, '–', toInput, el('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = new Date(fromInput.value).getTime();
    const to = new Date(toInput.value).getTime();
    if (Number.isNaN(from) || Number.isNaN(to) || from >= to) return;
    window.location.hash = withParams(route, { window: 'custom', from: utcIso(from), to: utcIso(to) });
  });
  return el(
    'div',
    { class: 'window-control', 'data-window-control': 'true' },
    preset('24h', 'Last 24 h'),
    preset('7d', '7 days'),
    preset('30d', '30 days'),
    el('span', { class: 'sep' }),
    byLink('hour'),
    byLink('day'),
    el('span', { class: 'sep' }),
    form,
    el('span', { class: 'muted window-range' }, timeEl(w.from, 'short'), ' – ', timeEl(w.to, 'short')),
  );
}

/** The newest message's time in the whole ledger, or null when it holds none. */
export async function latestDataTime(signal?: AbortSignal): Promise<string | null> {
  const doc = await getJson<MessagesDocument>('messages', { limit: 1, from: '2000-01-01T00:00:00Z' }, signal);
  return doc.messages[0]?.time ?? null;
}

/** A window of the same length ending just after `latest` (whole UTC days, so day buckets line up). */
export function windowEndingAt(latest: string, w: TimeWindow): Params {
  const end = Math.ceil((msOf(latest) + 1) / DAY) * DAY;
  const span = Math.max(msOf(w.to) - msOf(w.from), DAY);
  return { window: 'custom', from: utcIso(end - span), to: utcIso(end), by: w.by };
}

/**
 * What to say about an empty window: a link to the latest data when the ledger has older data, else
 * how to get records in at all.
 */
export async function emptyWindowNote(route: Route, w: TimeWindow, what: string, signal?: AbortSignal): Promise<HTMLElement> {
  const latest = await latestDataTime(signal);
  if (latest === null) {
    return el('div', { class: 'empty', 'data-empty': 'true' }, el('p', null, `No records yet. Check that the ACS resource's diagnostic setting streams the Email logs to the Event Hub, or replay an archive: `, el('code', null, 'acs-email-ledger replay <folder>'), '.'));
  }
  if (msOf(latest) < msOf(w.from)) {
    return el(
      'div',
      { class: 'empty', 'data-empty': 'true' },
      el('p', null, `No ${what} in this window. The ledger's newest message is from `, timeEl(latest), '.'),
      el('a', { href: hrefOf(route.view, route.args, windowEndingAt(latest, w)), class: 'jump', 'data-jump-latest': 'true' }, 'Jump to the latest data'),
    );
  }
  return el('div', { class: 'empty', 'data-empty': 'true' }, el('p', null, `No ${what} in this window. Try a longer window.`));
}
