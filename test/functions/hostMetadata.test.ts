import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_BINDING_SETTINGS } from '../../src/config.js';
import { FAKE_FUNCTIONS_CORE_MARKER, fakeFunctionsCoreSource } from './fakeFunctionsCore.js';

/**
 * What the Functions host is told. The built entry point (package.json "main", compiled by the same
 * tsconfig.build.json as the deployment) is loaded in its own Node process with a FAKE of
 * '@azure/functions-core' (fakeFunctionsCore.ts): the worker module that exists only inside
 * the Functions host, the boundary we cannot run here. The fake records the metadata @azure/functions
 * would send to the host for every registered function; this test checks it against what the host needs.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Binding extends Record<string, unknown> {
  readonly type: string;
  readonly direction: 'in' | 'out';
}
interface FunctionMetadata {
  readonly name: string;
  readonly bindings: Record<string, Binding>;
  readonly retryOptions?: Record<string, unknown>;
}

let build: string;
let captured: { programmingModel: { name: string; version: string }; functions: FunctionMetadata[] };

beforeAll(() => {
  build = mkdtempSync(path.join(tmpdir(), 'ledger-host-metadata-'));
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', path.join(build, 'dist')], {
    encoding: 'utf8',
  });
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  // The deployed layout: the package's "type" and its node_modules next to dist.
  writeFileSync(path.join(build, 'package.json'), JSON.stringify({ type: 'module', main: 'dist/src/index.js' }));
  symlinkSync(path.join(root, 'node_modules'), path.join(build, 'node_modules'), 'dir');
  const fakeHostModules = path.join(build, 'fake-host');
  mkdirSync(path.join(fakeHostModules, '@azure/functions-core'), { recursive: true });
  writeFileSync(path.join(fakeHostModules, '@azure/functions-core/package.json'), JSON.stringify({ name: '@azure/functions-core', type: 'commonjs', main: 'index.js' }));
  writeFileSync(path.join(fakeHostModules, '@azure/functions-core/index.js'), fakeFunctionsCoreSource);
  const run = spawnSync(process.execPath, [path.join(build, 'dist/src/index.js')], {
    cwd: build,
    // NODE_PATH is consulted only when normal resolution fails, as it does for '@azure/functions-core'.
    env: { PATH: process.env['PATH'] ?? '', NODE_PATH: fakeHostModules },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const line = run.stdout.split('\n').find((l) => l.startsWith(FAKE_FUNCTIONS_CORE_MARKER));
  expect(line, run.stdout + run.stderr).toBeDefined();
  captured = JSON.parse(line!.slice(FAKE_FUNCTIONS_CORE_MARKER.length)) as typeof captured;
  // The report of issue 8 quotes this.
  process.stdout.write(`host metadata:\n${JSON.stringify(captured, null, 2)}\n`);
}, 180_000);

afterAll(() => {
  rmSync(build, { recursive: true, force: true });
});

/** Names are fixed for good: a function's keys belong to its name. */
const HTTP_ROUTES = [
  ['listMessages', 'messages'],
  ['getMessageState', 'messages/{messageId}'],
  ['listRecipientMessages', 'recipients/{address}/messages'],
  ['getStats', 'stats'],
  ['getFailures', 'failures'],
  ['getClicks', 'clicks'],
  ['getGuardrail', 'guardrail'],
  ['getSuppression', 'suppressions/{address}'],
  ['listBounces', 'bounces'],
  ['listAlerts', 'alerts'],
  ['listDeadLetters', 'deadletters'],
  ['getOpenApi', 'openapi.json'],
] as const;

const byName = (name: string): FunctionMetadata => {
  const found = captured.functions.find((f) => f.name === name);
  if (found === undefined) throw new Error(`function ${name} was not registered`);
  return found;
};
const bindingsOf = (name: string): Binding[] => Object.values(byName(name).bindings);

describe('the metadata the Functions host receives from the built entry point', () => {
  it('comes from the v4 programming model and names exactly our functions, once each', () => {
    expect(captured.programmingModel.name).toBe('@azure/functions');
    expect(captured.programmingModel.version).toMatch(/^4\./);
    expect(captured.functions.map((f) => f.name).sort()).toEqual(
      ['dispatchAlerts', 'ingestDiagnostics', 'dashboardPage', 'eventGridWebhook', ...HTTP_ROUTES.map(([name]) => name)].sort(),
    );
  });

  it('ingestDiagnostics: an Event Hub trigger by identity connection, bodies as strings, many per call', () => {
    const [trigger, ...others] = bindingsOf('ingestDiagnostics');
    expect(others).toEqual([]);
    expect(trigger).toEqual({
      name: expect.any(String),
      type: 'eventHubTrigger',
      direction: 'in',
      // The host resolves "<connection>__fullyQualifiedNamespace" from the app settings.
      connection: HOST_BINDING_SETTINGS.connection,
      eventHubName: `%${HOST_BINDING_SETTINGS.eventHubName}%`,
      consumerGroup: `%${HOST_BINDING_SETTINGS.consumerGroup}%`,
      cardinality: 'many',
      dataType: 'string',
      properties: { supportsDeferredBinding: 'false' },
    });
    expect(HOST_BINDING_SETTINGS).toEqual({ connection: 'EventHubConnection', eventHubName: 'EventHubName', consumerGroup: 'EventHubConsumerGroup' });
  });

  it('ingestDiagnostics: a finite exponential retry (min and max interval, no fixed delay), as RPC durations', () => {
    expect(byName('ingestDiagnostics').retryOptions).toEqual({
      strategy: 'exponentialBackoff',
      retryStrategy: 'exponentialBackoff',
      maxRetryCount: 8,
      minimumInterval: { seconds: 5 },
      maximumInterval: { seconds: 300 },
    });
  });

  it('dispatchAlerts: a timer every minute (six-field NCRONTAB), not on startup, no retry', () => {
    expect(bindingsOf('dispatchAlerts')).toEqual([
      { name: expect.any(String), type: 'timerTrigger', direction: 'in', schedule: '0 */1 * * * *', runOnStartup: false, properties: { supportsDeferredBinding: 'false' } },
    ]);
    expect(byName('dispatchAlerts').retryOptions).toBeUndefined();
  });

  it.each(HTTP_ROUTES)('%s: GET on /api/%s with a function key, answered through the $return http output', (name, route) => {
    const bindings = byName(name).bindings;
    expect(Object.values(bindings)).toHaveLength(2);
    const trigger = Object.values(bindings).find((b) => b.direction === 'in');
    expect(trigger).toEqual({ name: expect.any(String), type: 'httpTrigger', direction: 'in', methods: ['GET'], authLevel: 'function', route, properties: { supportsDeferredBinding: 'false' } });
    expect(bindings['$return']).toEqual({ name: expect.any(String), type: 'http', direction: 'out' });
  });

  it('dashboardPage: GET on /api/dashboard/{*path}, anonymous (the page holds no data; the API keeps its keys)', () => {
    const bindings = byName('dashboardPage').bindings;
    const trigger = Object.values(bindings).find((b) => b.direction === 'in');
    expect(trigger).toEqual({ name: expect.any(String), type: 'httpTrigger', direction: 'in', methods: ['GET'], authLevel: 'anonymous', route: 'dashboard/{*path}', properties: { supportsDeferredBinding: 'false' } });
    expect(bindings['$return']).toEqual({ name: expect.any(String), type: 'http', direction: 'out' });
  });

  it('eventGridWebhook: POST and OPTIONS on /api/eventgrid, anonymous (Event Grid sends no function key; the webhook checks its own secret or Entra principal)', () => {
    const bindings = byName('eventGridWebhook').bindings;
    const trigger = Object.values(bindings).find((b) => b.direction === 'in');
    expect(trigger).toEqual({ name: expect.any(String), type: 'httpTrigger', direction: 'in', methods: ['POST', 'OPTIONS'], authLevel: 'anonymous', route: 'eventgrid', properties: { supportsDeferredBinding: 'false' } });
    expect(bindings['$return']).toEqual({ name: expect.any(String), type: 'http', direction: 'out' });
  });

  it('gives every binding of a function its own name', () => {
    for (const fn of captured.functions) {
      const names = Object.values(fn.bindings).map((b) => b['name']);
      expect(new Set(names).size, fn.name).toBe(names.length);
    }
  });
});
