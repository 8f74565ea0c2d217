import { z } from 'zod';
import { defineRoute, found, type ApiRoute } from './apiRoute.js';
import { alertsRoute, bouncesRoute, deadLettersRoute, messageRoute, suppressionRoute } from './ledgerRoutes.js';
import { buildOpenApiDocument } from './openApi.js';
import { noParams } from './params.js';
import { clicksRoute, failuresRoute, guardrailRoute, messagesRoute, recipientMessagesRoute, statsRoute } from './queryRoutes.js';

/**
 * The route table of the one HTTP API: src/functions/httpApi.ts registers each entry as a function,
 * and the OpenAPI document lists the same entries. A new route is one line here.
 */
const LEDGER_ROUTES: readonly ApiRoute[] = [
  messagesRoute,
  messageRoute,
  recipientMessagesRoute,
  statsRoute,
  failuresRoute,
  clicksRoute,
  guardrailRoute,
  suppressionRoute,
  bouncesRoute,
  alertsRoute,
  deadLettersRoute,
];

/** Bump when a route or a document changes shape (documents only grow within a major version). */
export const API_VERSION = '2.2.0';

const openApiRoute: ApiRoute = defineRoute({
  name: 'getOpenApi',
  route: 'openapi.json',
  summary: 'This API described as OpenAPI 3.1',
  path: noParams,
  query: noParams,
  response: z.record(z.string(), z.unknown()).describe('an OpenAPI 3.1 document'),
  answer: () => Promise.resolve(found(openApiDocument())),
});

export const API_ROUTES: readonly ApiRoute[] = [...LEDGER_ROUTES, openApiRoute];

let document: Record<string, unknown> | undefined;

/** Built on first request, then kept: the routes never change while the worker runs. */
export function openApiDocument(): Record<string, unknown> {
  document ??= buildOpenApiDocument(API_ROUTES, { version: API_VERSION });
  return document;
}
