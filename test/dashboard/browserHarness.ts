import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { replayCommand } from '../../src/cli/commands/replayCommand.js';
import type { Output } from '../../src/cli/output.js';
import { startLocalApiServer, type LocalApiServer } from '../../src/serve/localApiServer.js';
import { openLedgerTables, type LedgerTables } from '../../src/store/ledgerTables.js';
import { root } from '../api/apiFixture.js';
import { testConfig } from '../helpers/ledgerFixture.js';

/**
 * The dashboard in a real browser: the page (built into dist/web once per run by test/globalSetup.ts),
 * the samples (plus extra records a test file asks for) replayed into a ledger on the run's Azurite
 * through the CLI's replay, `serve`'s server on a free port over it, and one headless Chromium per file.
 * Console and page errors are collected per test, so a test can assert the page ran cleanly.
 */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MISSING = `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``;

const silent: Output = { json: true, result: () => undefined, note: () => undefined };

export interface Browsed {
  readonly page: Page;
  readonly baseUrl: string;
  /** Console errors and uncaught page errors of the current test. */
  readonly errors: string[];
  /** Opens `#/<hash>` and waits for the view's root to be ready. */
  open(hash: string, view: string): Promise<void>;
}

/** describe() when Chromium is there; in CI a missing browser fails, elsewhere it skips with the reason. */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) describe(name, body);
  else if (process.env['CI'] === 'true')
    describe(name, () => {
      beforeAll(() => {
        throw new Error(MISSING);
      });
      body();
    });
  // Skipped only on a developer machine without Debian's chromium (the reason is in the suite's name);
  // CI sets CI=true, so a missing browser fails above instead of skipping.
  else describe.skip(`${name} (skipped: ${MISSING})`, body);
}

/** The browser, the server and a page for each test; `extraRecords` are replayed alongside the samples. */
export function useBrowsedDashboard(extraRecords: readonly unknown[] = []): () => Browsed {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let server: LocalApiServer | undefined;
  let tables: LedgerTables | undefined;
  let dataDir = '';
  let current: Browsed | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-browser-'));
    const config = testConfig({ LEDGER_DATA_DIR: dataDir });
    tables = await openLedgerTables(config, { allowEmbedded: false });
    const paths = [path.join(root, 'samples')];
    if (extraRecords.length > 0) {
      const extra = path.join(dataDir, 'extra.json');
      writeFileSync(extra, JSON.stringify({ records: extraRecords }));
      paths.push(extra);
    }
    const ledger = { config, tables };
    await replayCommand(paths, ledger, silent, { progress: false });
    server = await startLocalApiServer(ledger, { host: '127.0.0.1', port: 0, log: () => undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await tables?.close();
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    if (browser === undefined || server === undefined) throw new Error('the dashboard is started in beforeAll');
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    const baseUrl = `${server.url.replace(/\/$/, '')}/api/dashboard/`;
    current = {
      page,
      baseUrl,
      errors,
      async open(hash, view) {
        await page.goto(`${baseUrl}#/${hash.replace(/^#?\/?/, '')}`);
        await page.waitForSelector(`[data-view="${view}"][data-ready="true"]`, { timeout: 15_000 });
      },
    };
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  return () => {
    if (current === undefined) throw new Error('the page is opened in beforeEach');
    return current;
  };
}
