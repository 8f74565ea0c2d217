/**
 * The page's only way to the data: the same HTTP API as everyone else, with URLs relative to the page
 * (/api/dashboard/ -> ../stats = /api/stats), so it works wherever the function app or `serve` mounts it.
 * In Azure the API wants a function key: it is kept in sessionStorage (gone with the tab), sent as
 * x-functions-key, and asked for when the API answers 401 or 403.
 */
import { button, el } from './dom.js';
import { searchOf, type Params } from './route.js';

const KEY_STORAGE = 'acs-email-ledger.functionKey';

/** A failed API call, with what the page can say about it. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryable: boolean,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function functionKey(): string | null {
  try {
    return window.sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

function storeKey(key: string): void {
  try {
    window.sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage disabled: the key lives only until this call is answered.
  }
}

/** Encoded path segments: apiPath('messages', id) -> 'messages/<id>'. */
export function apiPath(...segments: readonly string[]): string {
  return segments.map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}

export function apiUrl(route: string, params: Params = {}): string {
  const search = searchOf(params).toString();
  return new URL(`../${route}${search === '' ? '' : `?${search}`}`, document.baseURI).href;
}

/** Relative form of apiUrl for links the user follows (CSV download): `../bounces?format=csv`. */
export function apiHref(route: string, params: Params = {}): string {
  const search = searchOf(params).toString();
  return `../${route}${search === '' ? '' : `?${search}`}`;
}

let pendingPrompt: Promise<boolean> | null = null;

/** Shows the key form once however many calls were refused; true when a key was entered. */
function askForKey(status: number): Promise<boolean> {
  pendingPrompt ??= new Promise<boolean>((resolve) => {
    const input = el('input', { type: 'password', name: 'key', autocomplete: 'off', placeholder: 'function key', 'aria-label': 'function key' });
    const finish = (ok: boolean): void => {
      dialog.remove();
      pendingPrompt = null;
      resolve(ok);
    };
    const form = el(
      'form',
      { class: 'key-form' },
      el('p', null, `The API answered ${status}: it needs a function key (Azure portal: the function app → App keys), or sign in with Entra ID if App Service authentication is on.`),
      input,
      el('button', { type: 'submit' }, 'Use key'),
      button('Cancel', () => finish(false)),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (input.value.trim() === '') return;
      storeKey(input.value.trim());
      finish(true);
    });
    const dialog = el('div', { class: 'key-prompt', role: 'dialog', 'aria-modal': 'true', 'data-key-prompt': 'true' }, form);
    document.body.appendChild(dialog);
    input.focus();
  });
  return pendingPrompt;
}

interface ErrorBody {
  readonly error?: unknown;
  readonly param?: unknown;
  readonly retryable?: unknown;
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  const text = typeof body.error === 'string' ? body.error : response.statusText || `HTTP ${response.status}`;
  const param = typeof body.param === 'string' ? body.param : null;
  const retryable = response.status === 503 || body.retryable === true;
  return new ApiError(param === null ? text : `${param}: ${text}`, response.status, retryable, param);
}

async function fetchOnce(url: string, accept: string, signal?: AbortSignal): Promise<Response> {
  const headers = new Headers({ accept });
  const key = functionKey();
  if (key !== null) headers.set('x-functions-key', key);
  try {
    return await fetch(url, { headers, signal: signal ?? null, credentials: 'same-origin' });
  } catch (thrown) {
    if (signal?.aborted === true) throw thrown;
    throw new ApiError(`the API did not answer (${thrown instanceof Error ? thrown.message : String(thrown)}): is serve or the function app running?`, 0, true);
  }
}

async function request(route: string, params: Params, accept: string, signal?: AbortSignal): Promise<Response> {
  const url = apiUrl(route, params);
  for (;;) {
    const response = await fetchOnce(url, accept, signal);
    if ((response.status === 401 || response.status === 403) && (await askForKey(response.status))) continue;
    if (!response.ok) throw await errorOf(response);
    return response;
  }
}

/** GET a JSON document of the API. The type is the API's documented shape (src/api, src/queries documents). */
export async function getJson<T>(route: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const response = await request(route, params, 'application/json', signal);
  return (await response.json()) as T;
}

/** GET that may be answered 404 (a route not deployed yet, an unknown message): null then. */
export async function getJsonOrNull<T>(route: string, params: Params = {}, signal?: AbortSignal): Promise<T | null> {
  try {
    return await getJson<T>(route, params, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
