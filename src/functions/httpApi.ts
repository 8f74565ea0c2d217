import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { ApiRequest, ApiRoute } from '../api/apiRoute.js';
import { API_ROUTES } from '../api/routes.js';
import { API_AUTH_SETTING, apiAuthSetting, CLIENT_PRINCIPAL_HEADER, signedInPrincipal, type ApiAuthSetting } from '../config/apiAuth.js';
import { getLedgerRuntime } from './ledgerRuntime.js';

/**
 * The HTTP API on the Functions host: one function per route of src/api/routes.ts, GET only, behind
 * function keys, or behind Entra ID sign-in with LEDGER_API_AUTH=entra (src/config/apiAuth.ts). This
 * file only translates: the host's request into the route's, the route's response into the host's.
 */
export function toApiRequest(request: HttpRequest): ApiRequest {
  return { path: new Map(Object.entries(request.params)), query: [...request.query.entries()] };
}

const NOT_SIGNED_IN: HttpResponseInit = {
  status: 401,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  jsonBody: { error: `not signed in: ${API_AUTH_SETTING}=entra expects App Service authentication (Entra ID) in front of this app`, retryable: false },
};

export function httpHandler(route: ApiRoute, auth: ApiAuthSetting): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    if (auth.problem !== null) context.warn(auth.problem);
    if (auth.mode === 'entra' && signedInPrincipal(request.headers.get(CLIENT_PRINCIPAL_HEADER)) === null) return NOT_SIGNED_IN;
    const response = await route.handle(toApiRequest(request), { ledger: getLedgerRuntime, now: new Date(), log: (message) => context.error(message) });
    return { status: response.status, headers: { ...response.headers }, ...(response.textBody === undefined ? { jsonBody: response.body } : { body: response.textBody }) };
  };
}

const auth = apiAuthSetting(process.env[API_AUTH_SETTING]);
if (auth.problem !== null) console.warn(auth.problem);

for (const route of API_ROUTES) {
  app.http(route.name, { methods: ['GET'], authLevel: auth.mode === 'entra' ? 'anonymous' : 'function', route: route.route, handler: httpHandler(route, auth) });
}
