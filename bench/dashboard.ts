import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { startLocalApiServer } from '../src/serve/localApiServer.js';
import { openLedgerTables } from '../src/store/ledgerTables.js';
import { DAYS, indexRows, START, WATCHED_ADDRESS } from './queries.js';
import { startAzuriteOn, writeAzuriteTableFile } from './queriesLedgerFile.js';

/**
 * Dashboard views over a 100,000-message ledger (`npm run bench -- --only=dashboard`): the index of
 * bench/queries.ts loaded into a fresh Azurite, `serve`'s server over it, and Debian's chromium
 * (playwright-core) timing each view from navigation to its data-ready mark, several runs each. The
 * messages, bounces, alerts and dead-letter tables are empty here: their views read one page of them,
 * so their cost does not grow with the ledger; the views that aggregate (overview, providers, failures,
 * engagement) and the lists over the index are the ones at scale.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function benchDashboard(log: (line: string) => void, options: { readonly messages: number; readonly runs?: number }): Promise<void> {
  const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 0 });
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-bench-dashboard-'));
  const azuriteRows = await writeAzuriteTableFile(dir, 'benchIndex', indexRows(options.messages));
  const azurite = await startAzuriteOn(dir, 'benchIndex');
  let browser: Browser | undefined;
  try {
    const config = loadConfig({ LEDGER_STORAGE: azurite.connectionString, LEDGER_TABLE_PREFIX: 'bench' });
    const tables = await openLedgerTables(config, { allowEmbedded: false });
    const server = await startLocalApiServer({ config, tables }, { host: '127.0.0.1', port: 0, log: () => undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const from = new Date(START + (DAYS - 7) * 86_400_000).toISOString();
    const to = new Date(START + DAYS * 86_400_000).toISOString();
    const window = `window=custom&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const views: readonly (readonly [string, string])[] = [
      ['overview', `#/overview?${window}`],
      ['providers', `#/providers?${window}`],
      ['failures', `#/failures?${window}`],
      ['engagement', `#/engagement?${window}`],
      ['messages', `#/messages?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&status=Bounced`],
      ['search', `#/search?q=${encodeURIComponent(WATCHED_ADDRESS)}`],
      ['recipient', `#/recipient/${encodeURIComponent(WATCHED_ADDRESS)}`],
      ['suppressions', '#/suppressions'],
      ['alerts', '#/alerts'],
      ['deadletters', '#/deadletters'],
    ];
    log(`Dashboard views over the index of ${fmt(options.messages)} messages (${fmt(azuriteRows)} index rows), last 7 of ${DAYS} days, in headless chromium; navigation to data-ready, median of ${options.runs ?? 5} runs:`);
    log('');
    log('| view | median ms | max ms |');
    log('|---|---|---|');
    for (const [name, hash] of views) {
      const ms: number[] = [];
      for (let run = 0; run < (options.runs ?? 5); run++) {
        await page.goto('about:blank');
        const started = performance.now();
        await page.goto(`${server.url}/api/dashboard/${hash}`);
        // A view that shows its error box is not "ready": it counts as a failed run, never as a fast one.
        const handle = await page
          .waitForSelector(`[data-view="${name}"][data-ready="true"], [data-view="${name}"][data-failed]`, { timeout: 30_000 })
          .catch(() => null);
        const ready = handle !== null && (await handle.getAttribute('data-ready')) === 'true';
        ms.push(ready ? performance.now() - started : Number.NaN);
      }
      const sorted = ms.filter((m) => !Number.isNaN(m)).sort((a, b) => a - b);
      const failed = ms.length - sorted.length;
      log(`| ${name} | ${sorted.length === 0 ? 'never ready' : fmt(sorted[Math.floor(sorted.length / 2)] ?? 0)} | ${sorted.length === 0 ? '' : fmt(sorted.at(-1) ?? 0)}${failed > 0 ? ` (${failed} runs failed or not ready in 30 s)` : ''} |`);
    }
    await server.close();
    await tables.close();
  } finally {
    await browser?.close();
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
