import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The dashboard's built files (dist/web, from `vite build`) as HTTP answers: a pure map from the path
 * below /api/dashboard/ to a status, headers and the file to send. Shared by `serve` and the function
 * app's dashboardPage, so both answer with the same types, cache headers and CSP.
 */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** <package root>/dist/web, found from this module (dist/src/serve or src/serve), never from the cwd. */
export function dashboardRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const packageRoot = here.includes(`${path.sep}dist${path.sep}src${path.sep}`) ? path.resolve(here, '../../..') : path.resolve(here, '../..');
  return path.join(packageRoot, 'dist', 'web');
}

const CONTENT_TYPES = new Map<string, string>([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.woff2', 'font/woff2'],
  ['.map', 'application/json; charset=utf-8'],
]);

export interface StaticAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Absolute path of the file to send, or null (the body is `text`). */
  readonly file: string | null;
  readonly text: string;
}

const base = { 'x-content-type-options': 'nosniff', 'content-security-policy': DASHBOARD_CSP, 'referrer-policy': 'no-referrer' };

const plain = (status: number, text: string): StaticAnswer => ({ status, headers: { ...base, 'content-type': 'text/plain; charset=utf-8' }, file: null, text });

/**
 * `below` is the raw (still percent-encoded) path after /api/dashboard/. Anything that decodes to a
 * parent step, a backslash, a NUL or an absolute path is refused (400), never resolved.
 */
export function dashboardFile(root: string, below: string): StaticAnswer {
  let decoded: string;
  try {
    decoded = decodeURIComponent(below);
  } catch {
    return plain(400, 'bad path');
  }
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.' || p.includes('\\') || p.includes('\0') || p.includes(':'))) return plain(400, 'bad path');
  const relative = parts.length === 0 ? 'index.html' : parts.join('/');
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) return plain(400, 'bad path');
  const type = CONTENT_TYPES.get(path.extname(file).toLowerCase());
  if (type === undefined) return plain(404, 'not found');
  // Vite names built assets by content hash: they never change; index.html must be revalidated.
  const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  return { status: 200, headers: { ...base, 'content-type': type, 'cache-control': cache }, file, text: '' };
}
