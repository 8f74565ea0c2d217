import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardAnswer, rawPathOf } from '../../src/functions/dashboardPage.js';
import { DASHBOARD_CSP, dashboardRoot } from '../../src/serve/staticFiles.js';

/**
 * The dashboard function's handler, called as the Functions host would call it (the host itself is the
 * boundary we cannot run here; its registration is checked in hostMetadata.test.ts), over the real build
 * (test/globalSetup.ts builds web/ into dist/web).
 */

describe('dashboardPage', () => {
  it('answers index.html with the CSP, no-cache, and the built bytes', async () => {
    const answer = await dashboardAnswer('/api/dashboard/');
    expect(answer.status).toBe(200);
    const headers = answer.headers as Record<string, string>;
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(headers['cache-control']).toBe('no-cache');
    expect(Buffer.from(answer.body as Uint8Array).toString('utf8')).toBe(readFileSync(path.join(dashboardRoot(), 'index.html'), 'utf8'));
  });

  it('serves a hashed asset as immutable JavaScript', async () => {
    const html = readFileSync(path.join(dashboardRoot(), 'index.html'), 'utf8');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const answer = await dashboardAnswer(`/api/dashboard/${script}`);
    expect(answer.status).toBe(200);
    expect((answer.headers as Record<string, string>)['content-type']).toBe('text/javascript; charset=utf-8');
    expect((answer.headers as Record<string, string>)['cache-control']).toContain('immutable');
  });

  it('redirects /api/dashboard to the trailing slash, refuses encoded parent steps, 404s the rest', async () => {
    expect(await dashboardAnswer('/api/dashboard')).toEqual({ status: 302, headers: { location: '/api/dashboard/' } });
    expect((await dashboardAnswer('/api/dashboard/%2e%2e/%2e%2e/package.json')).status).toBe(400);
    expect((await dashboardAnswer('/api/dashboard/assets/nothing-here.js')).status).toBe(404);
    expect((await dashboardAnswer('/api/dashboard/index.ts')).status).toBe(404);
  });

  it('takes the raw path of the request URL, still encoded', () => {
    expect(rawPathOf('https://app.azurewebsites.net/api/dashboard/%2e%2e/x?code=k#h')).toBe('/api/dashboard/%2e%2e/x');
    expect(rawPathOf('http://localhost:7071/api/dashboard/')).toBe('/api/dashboard/');
    expect(existsSync(dashboardRoot())).toBe(true);
  });
});
