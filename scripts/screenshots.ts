/**
 * docs/dashboard/<view>.png (1280 wide, the whole page) of every view, over the samples:
 * replayed into a temporary data folder with the CLI's embedded Azurite, served by `serve`'s server on a
 * free port, photographed in headless Chromium with the samples' window (2025-03-14).
 *   npm run build && npx tsx scripts/screenshots.ts
 * Builds nothing itself: the page must already be in dist/web.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { replayCommand } from '../src/cli/commands/replayCommand.js';
import { withLedger } from '../src/cli/ledgerSession.js';
import { LedgerError } from '../src/errors.js';
import { startLocalApiServer } from '../src/serve/localApiServer.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const WINDOW = 'window=custom&from=2025-03-14T00:00:00.000Z&to=2025-03-15T00:00:00.000Z';
const SAMPLE_MESSAGE = 'e3cda7e4-8c01-43e8-a3b9-caf922ff224c';
const SAMPLE_ADDRESS = 'bob.davis@example.org';

/** The hash that shows each view with the samples' data; views not listed get the window. */
const HASHES = new Map<string, string>([
  ['message', `message/${SAMPLE_MESSAGE}`],
  ['recipient', `recipient/${encodeURIComponent(SAMPLE_ADDRESS)}`],
  ['search', `search?q=${encodeURIComponent(SAMPLE_ADDRESS)}`],
  ['messages', `messages?from=2025-03-14T00:00:00.000Z&to=2025-03-15T00:00:00.000Z`],
]);

/** Every view of web/src/views/registry.ts (the registry itself imports DOM code, so it is named here). */
const VIEWS = ['overview', 'providers', 'failures', 'engagement', 'search', 'suppressions', 'alerts', 'deadletters', 'messages', 'message', 'recipient'];

async function main(): Promise<void> {
  if (!existsSync(path.join(root, 'dist', 'web', 'index.html'))) {
    throw new LedgerError('usage', 'dist/web/index.html is missing: run `npm run build` first', { context: { root } });
  }
  const outDir = path.join(root, 'docs', 'dashboard');
  mkdirSync(outDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-shots-'));
  try {
    await withLedger({ LEDGER_DATA_DIR: dataDir }, async (ledger) => {
      const quiet = { json: true, result: () => undefined, note: () => undefined };
      await replayCommand([path.join(root, 'samples')], ledger, quiet, { progress: false });
      const server = await startLocalApiServer(ledger, { host: '127.0.0.1', port: 0, log: () => undefined });
      const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        for (const view of VIEWS) {
          const hash = HASHES.get(view) ?? `${view}?${WINDOW}`;
          await page.goto(`${server.url}/api/dashboard/#/${hash}`);
          await page.waitForSelector(`[data-view="${view}"][data-ready="true"]`, { timeout: 20_000 });
          // Chart.js animates the first draw; the picture shows the finished chart.
          await page.waitForTimeout(800);
          const file = path.join(outDir, `${view}.png`);
          await page.screenshot({ path: file, fullPage: true });
          process.stdout.write(`${path.relative(root, file)}\n`);
        }
      } finally {
        await browser.close();
        await server.close();
      }
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
