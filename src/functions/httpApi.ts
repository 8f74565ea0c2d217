import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { ApiRequest, ApiRoute } from '../api/apiRoute.js';
import { API_ROUTES } from '../api/routes.js';
import { getLedgerRuntime } from './ledgerRuntime.js';

/**
 * The HTTP API on the Functions host: one function per route of src/api/routes.ts, GET only, each
 * behind function-level keys. This file only translates: the host's request into the route's, the
 * route's response into the host's.
 */
export function toApiRequest(request: HttpRequest): ApiRequest {
  return { path: new Map(Object.entries(request.params)), query: [...request.query.entries()] };
}

export function httpHandler(route: ApiRoute): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const response = await route.handle(toApiRequest(request), { ledger: getLedgerRuntime, now: new Date(), log: (message) => context.error(message) });
    return { status: response.status, headers: { ...response.headers }, ...(response.textBody === undefined ? { jsonBody: response.body } : { body: response.textBody }) };
  };
}

for (const route of API_ROUTES) {
  app.http(route.name, { methods: ['GET'], authLevel: 'function', route: route.route, handler: httpHandler(route) });
}
