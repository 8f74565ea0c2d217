import { readFile } from 'node:fs/promises';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { dashboardFile, dashboardRoot } from '../serve/staticFiles.js';

/**
 * The dashboard's built files on the Functions host, answered exactly as `serve` answers them
 * (src/serve/staticFiles.ts). Anonymous: the files hold no data; every number on the page comes from
 * the API routes, which keep their own keys (or Entra ID sign-in, README "Dashboard").
 */
export async function dashboardAnswer(rawPath: string): Promise<HttpResponseInit> {
  // Relative asset URLs need the trailing slash: /api/dashboard resolves ./assets against /api/.
  if (rawPath === '/api/dashboard') return { status: 302, headers: { location: '/api/dashboard/' } };
  if (!rawPath.startsWith('/api/dashboard/')) return { status: 404, body: 'not found' };
  const answer = dashboardFile(dashboardRoot(), rawPath.slice('/api/dashboard/'.length));
  if (answer.file === null) return { status: answer.status, headers: { ...answer.headers }, body: answer.text };
  try {
    return { status: answer.status, headers: { ...answer.headers }, body: await readFile(answer.file) };
  } catch {
    return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: 'not found (the package was built without the dashboard)' };
  }
}

/** The raw path of the request, still percent-encoded, so that staticFiles sees (and refuses) encoded dot segments. */
export function rawPathOf(url: string): string {
  const afterOrigin = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const end = afterOrigin.search(/[?#]/);
  return end === -1 ? afterOrigin : afterOrigin.slice(0, end);
}

app.http('dashboardPage', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'dashboard/{*path}',
  handler: (request: HttpRequest) => dashboardAnswer(rawPathOf(request.url)),
});
