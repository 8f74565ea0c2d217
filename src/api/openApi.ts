import { z } from 'zod';
import { LedgerError } from '../errors.js';
import type { ApiRoute } from './apiRoute.js';
import { FailureSchema, ParamErrorSchema } from './documents.js';

/**
 * The OpenAPI 3.1 document of the routes, generated from the same zod schemas that read their
 * parameters and describe their bodies (z.toJSONSchema emits draft 2020-12, OpenAPI 3.1's dialect).
 * Every schema is inlined where it is used, so a validator can take any response schema on its own.
 */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export const FUNCTION_KEY_SCHEMES = {
  functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: 'a function key (or the host key) as ?code=' },
  functionKeyHeader: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'a function key (or the host key) in a header' },
} as const;

/** A zod schema as a standalone JSON Schema object to embed (no $schema, no references to resolve). */
export function embeddedSchema(schema: z.ZodType, context: string): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  if (JSON.stringify(json).includes('"$ref"')) {
    throw new LedgerError('usage', `the schema of ${context} has references; give its parts no ids so they are inlined`, { context: { schema: context } });
  }
  return json;
}

const mediaTypeOf = (contentType: string): string => contentType.split(';')[0]?.trim() ?? contentType;

const jsonContent = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });

function operation(route: ApiRoute): Record<string, unknown> {
  const where = `GET /api/${route.route}`;
  const responses: Record<string, unknown> = {
    '200': {
      description: route.response.description ?? 'the answer',
      content: {
        ...jsonContent(embeddedSchema(route.response, where)),
        ...(route.text === null ? {} : { [mediaTypeOf(route.text.contentType)]: { schema: { type: 'string', description: route.text.description } } }),
      },
    },
    '400': { description: 'a parameter is missing, unknown, repeated or invalid: `param` names it', content: jsonContent(embeddedSchema(ParamErrorSchema, 'errors')) },
    '401': { description: 'no or a wrong function key (answered by the Functions host, without a body)' },
  };
  if (route.notFound !== null) {
    responses['404'] = { description: route.notFound, content: jsonContent(embeddedSchema(ParamErrorSchema, 'errors')) };
  }
  responses['500'] = { description: 'a fault of the function app (details in its log)', content: jsonContent(embeddedSchema(FailureSchema, 'errors')) };
  responses['503'] = {
    description: 'storage did not answer in time: retry after the Retry-After seconds',
    headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 1 } } },
    content: jsonContent(embeddedSchema(FailureSchema, 'errors')),
  };
  return {
    operationId: route.name,
    summary: route.summary,
    ...(route.description === '' ? {} : { description: route.description }),
    parameters: route.parameters.map((p) => ({ name: p.name, in: p.in, required: p.required, ...(p.description === null ? {} : { description: p.description }), schema: p.schema })),
    responses,
  };
}

/** The OpenAPI path of a Functions route template: the same braces, under the host's /api prefix. */
export const openApiPath = (route: ApiRoute): string => `/api/${route.route}`;

export function buildOpenApiDocument(routes: readonly ApiRoute[], info: { readonly version: string }): Record<string, unknown> {
  const paths: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const route of routes) paths[openApiPath(route)] = { get: operation(route) };
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    info: {
      title: 'acs-email-ledger',
      version: info.version,
      description: 'Read-only HTTP API of the ACS Email delivery ledger: the same answers as the CLI commands named in each summary.',
    },
    security: [{ functionKeyQuery: [] }, { functionKeyHeader: [] }],
    components: { securitySchemes: FUNCTION_KEY_SCHEMES },
    paths,
  };
}
