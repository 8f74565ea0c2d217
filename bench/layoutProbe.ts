/**
 * Rows stored and round trips per record, for a layout comparison: `tsx bench/layoutProbe.ts [root]`
 * runs the pipeline of the project at `root` (default: this one) over ~10,000 synthetic email records
 * plus 1,000 usage records, on a fresh embedded Azurite, and counts the rows of every table by kind.
 * `tsx bench/layoutProbe.ts [root] [prefill]` first stores `prefill` unrelated rows in the messages
 * table, to see whether the pipeline's speed depends on what the table already holds.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { syntheticRecords } from './syntheticLogs.js';

const root = path.resolve(process.argv[2] ?? '.');
const prefill = Number(process.argv[3] ?? 0);
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root, file)).href)) as T;

interface Tables { readonly [role: string]: unknown; close(): Promise<void> }
type Lister = { listEntities(): AsyncIterable<{ rowKey?: string }> };

const { loadConfig } = await load<{ loadConfig: (env: Record<string, string>) => unknown }>('src/config.ts');
const { processBatch, pipelineDepsFrom } = await load<{
  processBatch: (bodies: unknown[], deps: unknown) => Promise<{ report: { storageRoundTrips: number; applied: number; storageConflicts: number } }>;
  pipelineDepsFrom: (config: unknown, tables: Tables) => unknown;
}>('src/pipeline/processBatch.ts');
const { startEmbeddedAzurite } = await load<{ startEmbeddedAzurite: () => Promise<{ connectionString: string; close(): Promise<void> }> }>('src/store/embeddedAzurite.ts');
const { openLedgerTables } = await load<{ openLedgerTables: (config: unknown, o: { allowEmbedded: boolean }) => Promise<Tables> }>('src/store/ledgerTables.ts');

const email = [...syntheticRecords(1_250)];
const usage = Array.from({ length: 1_000 }, (_, i) => ({
  time: new Date(Date.parse('2025-03-14T00:00:00Z') + i * 2_000).toISOString(), category: 'Usage', correlationId: `c-${i}`,
  resourceId: '/SUBSCRIPTIONS/X/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/BENCH',
  properties: { recordId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, usageType: 'Email', unitType: 'emails', quantity: 1 },
}));
// Usage interleaved as it comes in a log: one usage record after every ten email records.
const records: unknown[] = email.flatMap((r, i) => {
  const u = i % 10 === 9 ? usage[(i - 9) / 10] : undefined;
  return u === undefined ? [r] : [r, u];
});
const bodies = Array.from({ length: Math.ceil(records.length / 20) }, (_, b) => ({
  body: JSON.stringify({ records: records.slice(b * 20, b * 20 + 20) }), source: { kind: 'inline', label: `b${b}` },
}));

const azurite = await startEmbeddedAzurite();
try {
  const config = loadConfig({ LEDGER_STORAGE: azurite.connectionString, LEDGER_TABLE_PREFIX: 'probe' });
  const tables = await openLedgerTables(config, { allowEmbedded: false });
  const filler = tables['messages'] as { submitTransaction(actions: unknown[]): Promise<unknown> };
  for (let k = 0; k < prefill / 100; k += 8) {
    await Promise.all(
      Array.from({ length: 8 }, (_, j) =>
        filler.submitTransaction(Array.from({ length: 100 }, (_, i) => ['create', { partitionKey: `fill-${k + j}`, rowKey: `r${i}`, rowType: 'filler', n: i }])),
      ),
    );
  }
  let trips = 0;
  let applied = 0;
  let conflicts = 0;
  const started = performance.now();
  for (let i = 0; i < bodies.length; i += 50) {
    const { report } = await processBatch(bodies.slice(i, i + 50), pipelineDepsFrom(config, tables));
    trips += report.storageRoundTrips;
    applied += report.applied;
    conflicts += report.storageConflicts;
  }
  const seconds = (performance.now() - started) / 1000;
  const kinds = new Map<string, number>();
  let rows = 0;
  for (const role of ['messages', 'usage', 'bounces', 'deadLetters', 'alerts']) {
    for await (const e of (tables[role] as Lister).listEntities()) {
      rows += 1;
      const kind = `${role}:${/^[^|_]*[|_]/.exec(e.rowKey ?? '')?.[0] ?? e.rowKey ?? ''}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
  }
  console.log(JSON.stringify({ root, prefill, records: records.length, applied, seconds: Number(seconds.toFixed(1)), recordsPerSecond: Math.round(records.length / seconds), roundTripsPerRecord: Number((trips / records.length).toFixed(3)), rowsPerRecord: Number((rows / records.length).toFixed(3)), rows, conflicts, kinds: Object.fromEntries([...kinds].sort()) }, null, 1));
  await tables.close();
} finally {
  await azurite.close();
}
