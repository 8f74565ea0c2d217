import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import type { ApiResponse } from '../../src/api/apiRoute.js';
import { openApiPath } from '../../src/api/openApi.js';
import { openApiDocument } from '../../src/api/routes.js';
import { routeNamed } from './apiFixture.js';

/**
 * Checks a real response against the schema the served OpenAPI document gives for its route and status
 * (ajv, JSON Schema 2020-12, strict, formats on): the document is read as a client would read it.
 */
type Doc = { paths: Record<string, { get: { operationId: string; responses: Record<string, { content?: Record<string, { schema: object }> }> } }> };

export const served = (): Doc => openApiDocument() as unknown as Doc;

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);

/** The schema the document gives for this route's answer with this status. */
function responseSchema(name: string, status: number): object {
  const operation = served().paths[openApiPath(routeNamed(name))]?.get;
  const schema = operation?.responses[String(status)]?.content?.['application/json']?.schema;
  if (schema === undefined) throw new Error(`the document gives no JSON body for ${name} ${status}`);
  return schema;
}

export function expectConforms(name: string, response: ApiResponse): void {
  const validate = ajv.compile(responseSchema(name, response.status));
  const valid = validate(response.body);
  expect(valid, `${name} ${response.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}
