import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, inject, it } from 'vitest';
import { openApiPath } from '../../src/api/openApi.js';
import { API_ROUTES, openApiDocument } from '../../src/api/routes.js';
import { openLedgerTables } from '../../src/store/ledgerTables.js';
import { listMessages } from '../../src/store/messageQueries.js';
import { startFaultyProxy } from '../helpers/faultyStorageProxy.js';
import { testConfig } from '../helpers/ledgerFixture.js';
import { samplesExpected } from '../helpers/samplesExpected.js';
import { callRoute, useReplayedSamples } from './apiFixture.js';
import { expectConforms, served } from './responseConformance.js';

/**
 * The OpenAPI document against the real thing: the document is checked as OpenAPI 3.1 by a validator of
 * the specification, and the responses of the routes, over the samples replayed through the pipeline
 * on Azurite, are checked against the schemas the document gives for their route and status (ajv,
 * JSON Schema 2020-12, formats on). Error answers included.
 */
const doc = served();
const fixtureOf = useReplayedSamples();

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument()));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists every route once, GET only, behind the function key', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(API_ROUTES.map(openApiPath).sort());
    for (const route of API_ROUTES) expect(doc.paths[openApiPath(route)]?.get.operationId).toBe(route.name);
    const full = openApiDocument();
    expect(full['security']).toEqual([{ functionKeyQuery: [] }, { functionKeyHeader: [] }]);
    expect(full['components']).toMatchObject({ securitySchemes: { functionKeyQuery: { in: 'query', name: 'code' }, functionKeyHeader: { in: 'header', name: 'x-functions-key' } } });
  });

  it('is what GET /api/openapi.json answers', async () => {
    const response = await callRoute(fixtureOf(), 'getOpenApi');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(openApiDocument());
    expectConforms('getOpenApi', response);
  });
});

describe('real responses conform to the document', () => {
  it.each([
    ['getSuppression', { path: { address: 'Bob@Example.org' } }],
    ['getSuppression', { path: { address: 'nobody@example.org' } }],
    ['listBounces', {}],
    ['listBounces', { query: 'since=2025-03-14T10:00:00Z' }],
    ['listAlerts', {}],
    ['listAlerts', { query: 'state=delivered' }],
    ['listDeadLetters', {}],
    ['listDeadLetters', { query: 'reason=invalid_json' }],
  ])('200: %s %j', async (name, request) => {
    const response = await callRoute(fixtureOf(), name, request);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expectConforms(name, response);
  });

  it('200: getMessageState for every message of the samples', async () => {
    let checked = 0;
    for await (const message of listMessages(fixtureOf().ledger.tables.messages)) {
      const response = await callRoute(fixtureOf(), 'getMessageState', { path: { messageId: message.messageId.toUpperCase() } });
      expect(response.status).toBe(200);
      expectConforms('getMessageState', response);
      checked += 1;
    }
    expect(checked).toBe(samplesExpected.messages);
  });

  it('the lists it checks are not empty (a schema checked against [] proves nothing)', async () => {
    for (const [name, list] of [['listBounces', 'bounces'], ['listAlerts', 'alerts'], ['listDeadLetters', 'deadLetters']] as const) {
      const response = await callRoute(fixtureOf(), name);
      expect((response.body as Record<string, unknown[]>)[list]?.length, name).toBeGreaterThan(0);
    }
    const types = ((await callRoute(fixtureOf(), 'listAlerts')).body as { alerts: { type: string }[] }).alerts.map((a) => a.type);
    expect(new Set(types)).toEqual(new Set(['hard_bounce', 'bounce_rate']));
  });

  it.each([
    ['getMessageState', { path: { messageId: 'no-such-message' } }, 404, 'messageId'],
    ['getMessageState', { path: { messageId: 'x'.repeat(257) } }, 400, 'messageId'],
    ['getMessageState', { path: { messageId: '   ' } }, 400, 'messageId'],
    ['getSuppression', { path: { address: 'not-an-address' } }, 400, 'address'],
    ['listBounces', { query: 'since=yesterday-ish' }, 400, 'since'],
    ['listBounces', { query: 'since=2025-03-01&since=2025-03-02' }, 400, 'since'],
    ['listBounces', { query: 'limit=0' }, 400, 'limit'],
    ['listAlerts', { query: 'state=sent' }, 400, 'state'],
    ['listDeadLetters', { query: 'reason=' }, 400, 'reason'],
    ['getOpenApi', { query: 'format=yaml' }, 400, 'format'],
  ])('error: %s %j answers %i naming %s', async (name, request, status, param) => {
    const response = await callRoute(fixtureOf(), name, request, () => Promise.reject(new Error('bad input must not reach storage')));
    if (status === 404) {
      const real = await callRoute(fixtureOf(), name, request);
      expect(real).toMatchObject({ status, body: { param } });
      expectConforms(name, real);
      return;
    }
    expect(response).toMatchObject({ status, body: { param } });
    expect((response.body as { error: string }).error.length).toBeGreaterThan(0);
    expectConforms(name, response);
  });

  it('the function key (?code=) is the host’s business: accepted and ignored', async () => {
    const response = await callRoute(fixtureOf(), 'listAlerts', { query: 'code=abc&state=pending' });
    expect(response.status).toBe(200);
  });

  it('503 with Retry-After and no stack when storage stays unavailable', async () => {
    const proxy = await startFaultyProxy(inject('azuriteConnectionString'));
    try {
      const config = testConfig({ LEDGER_STORAGE: proxy.connectionString, LEDGER_TABLE_PREFIX: fixtureOf().ledger.config.tablePrefix, LEDGER_STORAGE_MAX_ATTEMPTS: '2' });
      const tables = await openLedgerTables(config, { allowEmbedded: false });
      try {
        proxy.fault = { kind: '503', remaining: 1_000 };
        for (const name of ['getMessageState', 'listBounces'] as const) {
          const response = await callRoute(fixtureOf(), name, { path: { messageId: '6f2a1c3e-4b5d-4e7f-9a01-23456789abcd' } }, () => Promise.resolve({ config, tables }));
          expect(response.status).toBe(503);
          expect(response.headers['Retry-After']).toBe('5');
          expect(response.body).toEqual({ error: 'the ledger storage did not answer in time; retry later', retryable: true });
          expectConforms(name, response);
        }
        expect(fixtureOf().logs.some((l) => l.includes('storage_unavailable'))).toBe(true);
      } finally {
        await tables.close();
      }
    } finally {
      await proxy.close();
    }
  });
});
