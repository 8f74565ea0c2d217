import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { shardOf, shardPartitionKey, pointerRowKey } from '../src/indexes/indexKeys.js';
import { toSumRow, type SumEntry } from '../src/indexes/indexRows.js';
import { contributionsOf, indexRowsOf, POINTER_FORMAT, toPointerRow, type MessageProjection } from '../src/indexes/messageProjection.js';
import { addCounts, ZERO_COUNTS } from '../src/indexes/sumCounts.js';
import { computeStats } from '../src/queries/computeStats.js';
import { messagesInWindow, recipientMessages } from '../src/queries/indexQueries.js';
import { providerGrouping } from '../src/queries/providers.js';
import { parseMessagesQuery, parseRecipientQuery, parseStatsQuery, queryOrThrow } from '../src/queries/queryParams.js';
import type { RecipientDigest } from '../src/state/recipientDigest.js';
import { DEFAULT_STORAGE_RETRY, StorageMeter, type StorageCallIo } from '../src/store/storageRetry.js';
import { mulberry32 as rng } from '../scripts/samples/random.js';
import { startAzuriteOn, writeAzuriteTableFile, type FileRow } from './queriesLedgerFile.js';

/**
 * Query latency over a big ledger (`npm run bench -- --only=queries`): the index of N messages spread
 * over 30 days, built with the write path's pure projection (src/indexes/messageProjection.ts: the
 * rows processBatch's projection step writes) and loaded into a fresh Azurite process as its database
 * file (bench/queriesLedgerFile.ts says why not through its API), then `recipient` (one address with
 * 50 messages), `messages` for one hour and `stats` for 30 days, each timed over several runs, with the
 * rows and round trips it needed.
 */
export const DAYS = 30;
const SENDERS = ['example.com', 'mail.example.org', 'notify.example.net', 'contoso.test'] as const;
const DOMAINS = ['outlook.com', 'hotmail.com', 'gmail.com', 'yahoo.com', 'icloud.com', 'example.com', 'example.net', 'fabrikam.test'] as const;
const STATUSES: readonly (readonly [number, string])[] = [[0.9, 'Delivered'], [0.04, 'Bounced'], [0.02, 'Suppressed'], [0.02, 'Failed'], [0.02, 'Quarantined']];
export const WATCHED_ADDRESS = 'watched.user@outlook.com';
export const START = Date.parse('2025-03-01T00:00:00Z');

function statusOf(x: number): string {
  for (const [share, status] of STATUSES) {
    if (x < share) return status;
    x -= share;
  }
  return 'Delivered';
}

/** Seeded messages: 1-4 recipients each, one in 2,000 to the watched address. */
export function* benchProjections(count: number, seed = 20_250_301): Generator<MessageProjection> {
  const random = rng(seed);
  const span = DAYS * 86_400_000;
  for (let m = 0; m < count; m++) {
    const ms = START + Math.floor((m / count) * span) + Math.floor(random() * 1_000);
    const time = `${new Date(ms).toISOString().slice(0, 23)}${String(Math.floor(random() * 10_000)).padStart(4, '0')}Z`;
    const n = 1 + Math.floor(random() * 4);
    const recipients: RecipientDigest[] = Array.from({ length: n }, (_, r) => {
      const address = r === 0 && m % 2_000 === 7 ? WATCHED_ADDRESS : `user${m}.${r}@${DOMAINS[Math.floor(random() * DOMAINS.length)] ?? 'example.com'}`;
      const status = statusOf(random());
      const views = status === 'Delivered' && random() < 0.45 ? 1 + Math.floor(random() * 3) : 0;
      const clicks = views > 0 && random() < 0.25 ? 1 : 0;
      return {
        address, status, statusTime: time, smtpStatusCode: status === 'Bounced' ? '550' : '250', enhancedSmtpStatusCode: null,
        failureReason: status === 'Bounced' ? 'BadDestinationMailboxAddress' : null, hardBounce: status === 'Bounced', views, clicks,
        clickedUrls: clicks > 0 ? [`https://shop.example/p/${m % 40}`] : [],
      };
    });
    recipients.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    const senderDomain = SENDERS[Math.floor(random() * SENDERS.length)] ?? 'example.com';
    yield { messageId: `${m.toString(16).padStart(8, '0')}-bench`, time, timeSource: 'send', senderDomain, senderUsername: 'noreply', recipients };
  }
}

/** The index rows of `count` messages, as the write path builds them: per message its pointer, time and recipient rows, then the summed contributions. */
export function* indexRows(count: number): Generator<FileRow> {
  const sums = new Map<string, { partitionKey: string; rowKey: string; entry: SumEntry }>();
  for (const p of benchProjections(count)) {
    const partitionKey = shardPartitionKey(shardOf(p.messageId));
    yield { partitionKey, rowKey: pointerRowKey(p.messageId), properties: toPointerRow({ version: 1, projection: p, format: POINTER_FORMAT }) };
    for (const [rowKey, properties] of indexRowsOf(p)) yield { partitionKey, rowKey, properties };
    for (const [rowKey, entry] of contributionsOf(p)) {
      const key = `${partitionKey}\u0000${rowKey}`;
      const current = sums.get(key)?.entry.counts ?? ZERO_COUNTS;
      sums.set(key, { partitionKey, rowKey, entry: { ...entry, counts: addCounts(current, entry.counts) } });
    }
  }
  for (const { partitionKey, rowKey, entry } of sums.values()) yield { partitionKey, rowKey, properties: toSumRow(entry) };
}

interface Timing {
  readonly medianMs: number;
  readonly maxMs: number;
  readonly rowsRead: number;
  readonly roundTrips: number;
}

async function timed(runs: number, query: (io: StorageCallIo) => Promise<{ rowsRead: number }>): Promise<Timing> {
  const ms: number[] = [];
  let rowsRead = 0;
  let roundTrips = 0;
  for (let i = 0; i < runs; i++) {
    const io = { policy: DEFAULT_STORAGE_RETRY, meter: new StorageMeter() };
    const started = performance.now();
    const doc = await query(io);
    ms.push(performance.now() - started);
    rowsRead = doc.rowsRead;
    roundTrips = io.meter.roundTrips;
  }
  ms.sort((a, b) => a - b);
  return { medianMs: ms[Math.floor(ms.length / 2)] ?? 0, maxMs: ms.at(-1) ?? 0, rowsRead, roundTrips };
}

/** The Markdown rows of the section. */
export async function benchQueries(log: (line: string) => void, options: { readonly messages: number; readonly runs?: number }): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-bench-queries-'));
  const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  try {
    const written = performance.now();
    const rowCount = await writeAzuriteTableFile(dir, 'benchIndex', indexRows(options.messages));
    const writeSeconds = (performance.now() - written) / 1000;
    const azurite = await startAzuriteOn(dir, 'benchIndex');
    try {
      const index = TableClient.fromConnectionString(azurite.connectionString, 'benchIndex', { allowInsecureConnection: true });
      log(
        `Query latency over the index of ${fmt(options.messages)} messages over ${DAYS} days (${fmt(rowCount)} index rows in 4 shard partitions: the write path's pure projection, ` +
          `written as an Azurite database file in ${fmt(writeSeconds)} s and loaded by a fresh Azurite process in ${fmt(azurite.loadSeconds)} s); median of ${options.runs ?? 5} runs:`,
      );
      await timeQueries(index, log, options.runs ?? 5);
      log('');
      log(`Azurite peak RSS ${fmt(azurite.peakRssMb() ?? Number.NaN)} MB.`);
    } finally {
      await azurite.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeQueries(index: TableClient, log: (line: string) => void, runs: number): Promise<void> {
  const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  log('');
  log('| query | median ms | max ms | rows read | round trips |');
  log('|---|---|---|---|---|');
  const now = new Date(START + DAYS * 86_400_000);
  const hour = new Date(START + 15 * 86_400_000 + 14 * 3_600_000).toISOString();
  const hourEnd = new Date(Date.parse(hour) + 3_600_000).toISOString();
  const rows: [string, (io: StorageCallIo) => Promise<{ rowsRead: number }>][] = [
    [`recipient ${WATCHED_ADDRESS} (limit 50)`, (io) => recipientMessages(index, queryOrThrow(parseRecipientQuery(WATCHED_ADDRESS, new Map())), io)],
    ['messages, one hour (limit 50)', (io) => messagesInWindow(index, queryOrThrow(parseMessagesQuery(new Map([['from', hour], ['to', hourEnd]]), now)), io)],
    ['messages, one hour, all of it (limit 1000)', (io) => messagesInWindow(index, queryOrThrow(parseMessagesQuery(new Map([['from', hour], ['to', hourEnd], ['limit', '1000']]), now)), io)],
    ['messages, one hour, status Bounced (limit 50)', (io) => messagesInWindow(index, queryOrThrow(parseMessagesQuery(new Map([['from', hour], ['to', hourEnd], ['status', 'Bounced']]), now)), io)],
    [`stats, ${DAYS} days by day, per sender domain`, (io) => computeStats(index, queryOrThrow(parseStatsQuery(new Map([['from', `-${DAYS}d`]]), now)), providerGrouping(), io)],
    [`stats, ${DAYS} days by day, per provider`, (io) => computeStats(index, queryOrThrow(parseStatsQuery(new Map([['from', `-${DAYS}d`], ['group', 'provider']]), now)), providerGrouping(), io)],
    ['stats, 7 days by hour, ungrouped', (io) => computeStats(index, queryOrThrow(parseStatsQuery(new Map([['from', '-7d'], ['by', 'hour'], ['group', 'none']]), now)), providerGrouping(), io)],
  ];
  for (const [what, query] of rows) {
    const t = await timed(runs, query);
    log(`| ${what} | ${fmt(t.medianMs)} | ${fmt(t.maxMs)} | ${fmt(t.rowsRead)} | ${fmt(t.roundTrips)} |`);
  }
}
