/**
 * What a view is: a name (its hash route and data-view), a nav label, and a render function that fills
 * its root from the API. main.ts sets data-ready="true" on the root when render resolves, and shows the
 * error as text (with a retry for 503) when it rejects.
 */
import { ApiError } from './api.js';
import { button, el } from './dom.js';
import { hrefOf, withParams, type Params, type Route } from './route.js';

export interface ViewContext {
  readonly route: Route;
  readonly root: HTMLElement;
  /** Aborted when the user navigates away: late answers are dropped. */
  readonly signal: AbortSignal;
}

export interface View {
  readonly name: string;
  /** The nav bar label; views without one (message, recipient, messages) are reached by links. */
  readonly nav: string | null;
  readonly title: string;
  render(context: ViewContext): Promise<void>;
}

/** A number that links to the list of messages behind it (`#/messages?…`). */
export function countLink(value: number, filters: Params, attrs: Params = {}): HTMLElement {
  return el('a', { class: 'num', href: hrefOf('messages', [], filters), ...attrs }, value.toLocaleString());
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(rate < 0.1 ? 2 : 1)}%`;
}

export function heading(title: string, ...extra: (Node | string)[]): HTMLElement {
  return el('header', { class: 'view-header' }, el('h1', null, title), ...extra);
}

export function emptyNote(text: string, ...more: (Node | string)[]): HTMLElement {
  return el('div', { class: 'empty', 'data-empty': 'true' }, el('p', null, text, ...more));
}

/** The error as text: what the API said, and a retry when it said to retry (503). */
export function errorBox(error: unknown, retry: () => void): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  const retryable = error instanceof ApiError && error.retryable;
  const status = error instanceof ApiError && error.status > 0 ? `HTTP ${error.status}: ` : '';
  return el(
    'div',
    { class: 'error', role: 'alert', 'data-error': 'true' },
    el('p', null, status, message),
    retryable ? el('p', null, 'Storage did not answer in time; this usually passes. ', button('Retry', retry)) : null,
  );
}

/** A table with data-table, a head row and body rows. */
export function table(name: string, head: readonly (string | Node)[], rows: readonly HTMLTableRowElement[]): HTMLTableElement {
  return el('table', { 'data-table': name }, el('thead', null, el('tr', null, head.map((h) => el('th', null, h)))), el('tbody', null, rows));
}

export function row(...cells: readonly (Node | string | number | null)[]): HTMLTableRowElement {
  return el('tr', null, cells.map((c) => el('td', null, c ?? '—')));
}

const PAGE_SIZE = 100;

/** `limit` from the hash (a shared link may ask for smaller pages), else 100; the API takes at most 1000. */
export function pageSize(raw: string | null): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 500 ? n : PAGE_SIZE;
}

/**
 * The pager under a paged list: "Next page →" to the same route with the API's continuation (in `param`,
 * `continuation` unless a view pages two lists), and "← First page" when asked and this is not the first
 * page. Spread it: `root.append(...pager(...))` (nothing when there is neither link).
 */
export function pager(route: Route, current: string | null, next: string | null, options: { readonly param?: string; readonly label?: string; readonly marker?: string; readonly first?: boolean } = {}): HTMLElement[] {
  const param = options.param ?? 'continuation';
  const links: HTMLElement[] = [];
  if (options.first === true && current !== null && current !== '') links.push(el('a', { href: withParams(route, { [param]: null }) }, '← First page'));
  if (next !== null) links.push(el('a', { href: withParams(route, { [param]: next }), 'data-next': options.marker ?? 'true' }, options.label ?? 'Next page →'));
  return links.length === 0 ? [] : [el('div', { class: 'pager' }, ...links)];
}
