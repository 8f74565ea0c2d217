import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { ApiRoute } from '../../src/api/apiRoute.js';
import { API_ROUTES } from '../../src/api/routes.js';
import { apiAuthSetting, signedInPrincipal } from '../../src/config/apiAuth.js';
import { httpHandler } from '../../src/functions/httpApi.js';

/**
 * LEDGER_API_AUTH, and the handler's sign-in check as the Functions host would call it. App Service
 * authentication (the part that signs people in and injects X-MS-CLIENT-PRINCIPAL) runs in Azure's front
 * end and cannot run here: the requests below carry the header as it would inject it, a fake of that boundary.
 */
const principal = (claims: unknown): string => Buffer.from(JSON.stringify({ auth_typ: 'aad', claims, name_typ: 'name', role_typ: 'roles' })).toString('base64');
const openApi: ApiRoute = API_ROUTES.find((r) => r.name === 'getOpenApi') ?? expect.unreachable('getOpenApi');
const call = (headers: Record<string, string>, mode: 'key' | 'entra') =>
  httpHandler(openApi, { mode, problem: null })(new HttpRequest({ method: 'GET', url: 'http://localhost/api/openapi.json', headers }), new InvocationContext());

describe('LEDGER_API_AUTH', () => {
  it('defaults to function keys, takes entra in any case, and fails closed (keys) on anything else, naming the setting', () => {
    expect(apiAuthSetting(undefined)).toEqual({ mode: 'key', problem: null });
    expect(apiAuthSetting(' Entra ')).toEqual({ mode: 'entra', problem: null });
    const bad = apiAuthSetting('none');
    expect(bad.mode).toBe('key');
    expect(bad.problem).toContain('LEDGER_API_AUTH="none"');
  });

  it('reads the Easy Auth principal, and refuses what is not one', () => {
    expect(signedInPrincipal(principal([{ typ: 'name', val: 'Peggy' }]))).toEqual({ name: 'Peggy' });
    expect(signedInPrincipal(principal([]))).toEqual({ name: null });
    expect(signedInPrincipal(null)).toBeNull();
    expect(signedInPrincipal('not base64 json')).toBeNull();
    expect(signedInPrincipal(Buffer.from('{"message":"hello"}').toString('base64'))).toBeNull();
  });

  it('with entra, answers 401 without a principal and the route with one; with keys, leaves it to the host', async () => {
    const refused = await call({}, 'entra');
    expect(refused.status).toBe(401);
    expect(refused.jsonBody).toMatchObject({ error: expect.stringContaining('App Service authentication') });
    const forged = await call({ 'x-ms-client-principal': 'e30=' }, 'entra');
    expect(forged.status).toBe(401);
    const signedIn = await call({ 'x-ms-client-principal': principal([{ typ: 'name', val: 'Peggy' }]) }, 'entra');
    expect(signedIn.status).toBe(200);
    expect((signedIn.jsonBody as { openapi: string }).openapi).toMatch(/^3\.1/);
    expect((await call({}, 'key')).status).toBe(200);
  });
});
