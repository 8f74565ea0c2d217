/**
 * What a view is: a name (its hash route and data-view), a nav label, and a render function that fills
 * its root from the API. main.ts sets data-ready="true" on the root when render resolves, and shows the
 * error as text (with a retry for 503) when it rejects.
 */
import { ApiError } from './api.js';
import { button, el } from './dom.js';
import { hrefOf, type Params, type Route } from './route.js';

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
