/**
 * Hash routes: `#/<view>/<arg>?<params>` (e.g. `#/message/abc?x=1`, `#/messages?status=Bounced`).
 * The hash keeps the page one static file set: the server never sees the route, and a shared link opens
 * the same view with the same window and filters.
 */
export interface Route {
  readonly view: string;
  /** Path segments after the view, decoded (`#/recipient/a%40b.c` -> ['a@b.c']). */
  readonly args: readonly string[];
  readonly params: URLSearchParams;
}

export type Params = Readonly<Record<string, string | number | null | undefined>>;

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const path = q < 0 ? body : body.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : body.slice(q + 1));
  const [view = '', ...args] = path.split('/').filter((s) => s.length > 0).map(decode);
  return { view, args, params };
}

/** URLSearchParams of the defined, non-empty values only. */
export function searchOf(params: Params): URLSearchParams {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    search.set(name, String(value));
  }
  return search;
}

/** `hrefOf('message', ['id'], { a: 1 })` -> `#/message/id?a=1`, each segment encoded. */
export function hrefOf(view: string, args: readonly string[] = [], params: Params = {}): string {
  const path = [view, ...args.map((a) => encodeURIComponent(a))].join('/');
  const search = searchOf(params).toString();
  return `#/${path}${search === '' ? '' : `?${search}`}`;
}

export function navigate(href: string): void {
  if (window.location.hash === href) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = href;
}

/** The same route with some parameters changed (null removes one). */
export function withParams(route: Route, changes: Params): string {
  const params: Record<string, string | number | null | undefined> = Object.create(null) as Record<string, string>;
  for (const [name, value] of route.params) params[name] = value;
  Object.assign(params, changes);
  return hrefOf(route.view, route.args, params);
}
