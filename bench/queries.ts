import { TableClient, type TransactionAction } from '@azure/data-tables';
import pLimit from 'p-limit';
import { shardOf, shardPartitionKey, pointerRowKey } from '../src/indexes/indexKeys.js';
import { toSumRow, type SumEntry } from '../src/indexes/indexRows.js';
import { contributionsOf, indexRowsOf, toPointerRow, type MessageProjection } from '../src/indexes/messageProjection.js';
import { addCounts, ZERO_COUNTS } from '../src/indexes/sumCounts.js';
import { computeStats } from '../src/queries/computeStats.js';
import { messagesInWindow, recipientMessages } from '../src/queries/indexQueries.js';
import { providerGrouping } from '../src/queries/providers.js';
import { parseMessagesQuery, parseRecipientQuery, parseStatsQuery, queryOrThrow } from '../src/queries/queryParams.js';
import type { RecipientDigest } from '../src/state/recipientDigest.js';
import { DEFAULT_STORAGE_RETRY, StorageMeter, type StorageCallIo } from '../src/store/storageRetry.js';
import { mulberry32 as rng } from '../scripts/samples/random.js';
import { startAzuriteProcess } from './azuriteProcess.js';

/**
 * Query latency over a big ledger (`npm run bench -- --only=queries`): the index of N messages spread
 * over 30 days, written with the write path's pure projection (src/indexes/messageProjection.ts: the
 * same rows processBatch's projection step writes) in entity-group transactions on a fresh Azurite
 * process, then `recipient` (one address with a few dozen messages), `messages` for one hour and
 * `stats` for 30 days, each timed over several runs, with the rows and round trips it needed.
 */
const DAYS = 30;
const SENDERS = ['example.com', 'mail.example.org', 'notify.example.net', 'contoso.test'] as const;
const DOMAINS = ['outlook.com', 'hotmail.com', 'gmail.com', 'yahoo.com', 'icloud.com', 'example.com', 'example.net', 'fabrikam.test'] as const;
const STATUSES: readonly (readonly [number, string])[] = [[0.9, 'Delivered'], [0.04, 'Bounced'], [0.02, 'Suppressed'], [0.02, 'Failed'], [0.02, 'Quarantined']];
export const WATCHED_ADDRESS = 'watched.user@outlook.com';
const START = Date.parse('2025-03-01T00:00:00Z');

function statusOf(x: number): string {
  for (const [share, status] of STATUSES) {
    if (x < share) return status;
    x -= share;
  }
  return 'Delivered';
}

/** Seeded messages: 1-2 recipients each (the build on Azurite costs a write per row), one in 2,000 to the watched address. */
export function* benchProjections(count: number, seed = 20_250_301): Generator<MessageProjection> {
  const random = rng(seed);
  const span = DAYS * 86_400_000;
  for (let m = 0; m < count; m++) {
    const ms = START + Math.floor((m / count) * span) + Math.floor(random() * 1_000);
    const time = `${new Date(ms).toISOString().slice(0, 23)}${String(Math.floor(random() * 10_000)).padStart(4, '0')}Z`;
    const n = 1 + Math.floor(random() * 2);
    const recipients: RecipientDigest[] = Array.from({ length: n }, (_, r) => {
      const address = r === 0 && m % 2_000 === 7 ? WATCHED_ADDRESS : `user${m}.${r}@${DOMAINS[Math.floor(random() * DOMAINS.length)] ?? 'example.com'}`;
      const status = statusOf(random());
      const views = status === 'Delivered' && random() < 0.45 ? 1 + Math.floor(random() * 3) : 0;
      return { address, status, statusTime: time, smtpStatusCode: status === 'Bounced' ? '550' : '250', enhancedSmtpStatusCode: null, hardBounce: status === 'Bounced', views, clicks: views > 0 && random() < 0.25 ? 1 : 0 };
    });
    recipients.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    const senderDomain = SENDERS[Math.floor(random() * SENDERS.length)] ?? 'example.com';
    yield { messageId: `${m.toString(16).padStart(8, '0')}-bench`, time, timeSource: 'send', senderDomain, senderUsername: 'noreply', recipients };
  }
}

/** Writes the index of `count` messages: transactions of up to 100 rows per shard partition. */
async function buildIndex(index: TableClient, count: number, progress?: (line: string) => void): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  let written = 0;
  const sums = new Map<string, { partitionKey: string; entry: SumEntry }>();
  const pending = new Map<string, TransactionAction[]>();
  const limit = pLimit(4);
  const inFlight: Promise<unknown>[] = [];
  let rows = 0;
  const flush = (actions: TransactionAction[]) => {
    rows += actions.length;
    inFlight.push(limit(() => index.submitTransaction(actions)));
  };
  const add = (partitionKey: string, action: TransactionAction) => {
    const list = pending.get(partitionKey) ?? [];
    list.push(action);
    if (list.length === 100) {
      flush(list);
      pending.set(partitionKey, []);
    } else pending.set(partitionKey, list);
  };
  const entity = (partitionKey: string, rowKey: string, properties: Record<string, unknown>) => ({
    partitionKey, rowKey, ...Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== null)),
  });
  for (const p of benchProjections(count)) {
    const partitionKey = shardPartitionKey(shardOf(p.messageId));
    add(partitionKey, ['upsert', entity(partitionKey, pointerRowKey(p.messageId), toPointerRow({ version: 1, projection: p }))]);
    for (const [rowKey, properties] of indexRowsOf(p)) add(partitionKey, ['upsert', entity(partitionKey, rowKey, properties)]);
    for (const [rowKey, entry] of contributionsOf(p)) {
      const key = `${partitionKey}\u0000${rowKey}`;
      const current = sums.get(key)?.entry.counts ?? ZERO_COUNTS;
      sums.set(key, { partitionKey, entry: { ...entry, counts: addCounts(current, entry.counts) } });
    }
    // Bound the promises kept: wait for the flushed transactions now and then.
    if (inFlight.length > 64) await Promise.all(inFlight.splice(0));
    if (progress !== undefined && ++written % 10_000 === 0) progress(`queries bench: ${written} messages indexed, ${rows} rows, ${Math.round((performance.now() - started) / 1000)} s`);
  }
  for (const [key, { partitionKey, entry }] of sums) add(partitionKey, ['upsert', entity(partitionKey, key.split('\u0000')[1] ?? '', toSumRow(entry))]);
  for (const list of pending.values()) if (list.length > 0) flush(list);
  await Promise.all(inFlight);
  return { rows, seconds: (performance.now() - started) / 1000 };
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
  const azurite = await startAzuriteProcess();
  try {
    const index = TableClient.fromConnectionString(azurite.connectionString, 'benchIndex', { allowInsecureConnection: true });
    await index.createTable();
    const built = await buildIndex(index, options.messages, (line) => process.stderr.write(`${line}\n`));
    const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    log(`Query latency over the index of ${fmt(options.messages)} messages (${fmt(built.rows)} index rows in 4 shard partitions, written in ${fmt(built.seconds)} s) over ${DAYS} days, on a fresh Azurite process; median of ${options.runs ?? 5} runs:`);
    log('');
    log('| query | median ms | max ms | rows read | round trips |');
    log('|---|---|---|---|---|');
    const now = new Date(START + DAYS * 86_400_000);
    const runs = options.runs ?? 5;
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
  } finally {
    await azurite.stop();
  }
}
