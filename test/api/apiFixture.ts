import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, inject } from 'vitest';
import type { ApiLedger, ApiResponse, ApiRoute } from '../../src/api/apiRoute.js';
import { API_ROUTES } from '../../src/api/routes.js';
import { replayCommand } from '../../src/cli/commands/replayCommand.js';
import type { Output } from '../../src/cli/output.js';
import { openLedgerTables } from '../../src/store/ledgerTables.js';
import { testConfig } from '../helpers/ledgerFixture.js';

/**
 * A ledger on the test run's Azurite holding the samples, replayed through the real pipeline (the CLI's
 * replay, alerts dispatched to the log sink), and the API's routes called on it as the adapter calls them.
 */
export const root = fileURLToPath(new URL('../../', import.meta.url));

const silent: Output = { json: true, result: () => undefined, note: () => undefined };

export interface ApiFixture {
  readonly ledger: ApiLedger;
  readonly env: Record<string, string>;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function replayedSamples(): Promise<ApiFixture> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-api-'));
  const config = testConfig({ LEDGER_DATA_DIR: dataDir });
  const tables = await openLedgerTables(config, { allowEmbedded: false });
  const ledger = { config, tables };
  await replayCommand([path.join(root, 'samples')], ledger, silent, { progress: false });
  return {
    ledger,
    env: { LEDGER_STORAGE: inject('azuriteConnectionString'), LEDGER_TABLE_PREFIX: config.tablePrefix, LEDGER_DATA_DIR: dataDir },
    logs: [],
    async close() {
      await tables.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The samples' ledger for the whole file: replayed once before its tests, closed after them. */
export function useReplayedSamples(): () => ApiFixture {
  let fixture: ApiFixture | undefined;
  beforeAll(async () => {
    fixture = await replayedSamples();
  }, 120_000);
  afterAll(async () => {
    await fixture?.close();
  });
  return () => {
    if (fixture === undefined) throw new Error('the samples are replayed in beforeAll');
    return fixture;
  };
}

export const routeNamed = (name: string): ApiRoute => {
  const route = API_ROUTES.find((r) => r.name === name);
  if (route === undefined) throw new Error(`no route ${name}`);
  return route;
};

/** Calls a route as src/functions/httpApi.ts does, minus the host. */
export function callRoute(
  fixture: { ledger: ApiLedger; logs: string[] },
  name: string,
  request: { path?: Record<string, string>; query?: string } = {},
  ledger: () => Promise<ApiLedger> = () => Promise.resolve(fixture.ledger),
): Promise<ApiResponse> {
  return routeNamed(name).handle(
    { path: new Map(Object.entries(request.path ?? {})), query: [...new URLSearchParams(request.query ?? '').entries()] },
    { ledger, now: new Date(), log: (m) => fixture.logs.push(m) },
  );
}
