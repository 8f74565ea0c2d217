import { TableClient } from '@azure/data-tables';
import { loadConfig } from '../src/config.js';
import type { SourcedBody } from '../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../src/pipeline/processBatch.js';
import { openLedgerTables } from '../src/store/ledgerTables.js';
import { startAzuriteProcess } from './azuriteProcess.js';
import { naiveFunction } from './naiveFunction.js';
import { realisticBodies, type RealisticInput } from './realisticLogs.js';
import { storedRows, type StoredRows } from './storedRows.js';

/** The Functions host hands the function up to host.json's maxEventBatchSize events per call. */
export const HOST_BATCH_BODIES = 64;
export const RECORDS_PER_BODY = 20;

export interface RunOptions {
  readonly records: number;
  /** Stop after this many seconds of processing and report the rate so far. */
  readonly budgetSeconds: number;
  readonly bodiesPerBatch?: number;
  readonly recordsPerBody?: number;
  /** processBatch's partition-commit concurrency; omitted = the pipeline's default. */
  readonly concurrency?: number;
  /** Count and size every stored entity afterwards. */
  readonly census?: boolean;
  /** Keep the indexes and sums (processBatch deps.indexes); default on, as deployed. */
  readonly indexes?: boolean;
}

export interface RunResult {
  /** Records processed (fewer than asked when the budget ran out). */
  readonly records: number;
  readonly distinct: number;
  readonly seconds: number;
  readonly rate: number;
  readonly roundTrips: number;
  readonly conflicts: number;
  readonly stopped: boolean;
  readonly stored?: StoredRows;
  readonly azuritePeakMb?: number;
  /** CPU per record while applying: this process (ours or the naive function) and the Azurite process. */
  readonly cpuMsPerRecord?: { readonly client: number; readonly azurite: number };
}

type Batch = (bodies: readonly string[]) => Promise<{ records: number; roundTrips: number; conflicts: number }>;

/** Feeds the same generated input, batch by batch, to `apply` on a fresh Azurite process; times only `apply`. */
async function drive(options: RunOptions, open: (connectionString: string) => Promise<{ apply: Batch; close(): Promise<void> }>): Promise<RunResult> {
  const azurite = await startAzuriteProcess();
  try {
    const target = await open(azurite.connectionString);
    const stats: RealisticInput = { records: 0, distinct: 0 };
    const perBatch = options.bodiesPerBatch ?? HOST_BATCH_BODIES;
    let seconds = 0;
    let records = 0;
    let roundTrips = 0;
    let conflicts = 0;
    let stopped = false;
    let batch: string[] = [];
    let clientCpuMs = 0;
    let azuriteCpuMs = 0;
    const run = async () => {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const azuriteBefore = azurite.cpuMs() ?? Number.NaN;
      const done = await target.apply(batch);
      seconds += (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      clientCpuMs += (cpu.user + cpu.system) / 1000;
      azuriteCpuMs += (azurite.cpuMs() ?? Number.NaN) - azuriteBefore;
      records += done.records;
      roundTrips += done.roundTrips;
      conflicts += done.conflicts;
      batch = [];
    };
    for (const body of realisticBodies(options.records, options.recordsPerBody ?? RECORDS_PER_BODY, stats)) {
      batch.push(body);
      if (batch.length < perBatch) continue;
      await run();
      if (seconds > options.budgetSeconds) {
        stopped = true;
        break;
      }
    }
    if (!stopped && batch.length > 0) await run();
    const stored = options.census === true ? await storedRows(azurite.connectionString) : undefined;
    await target.close();
    const azuritePeakMb = azurite.peakRssMb();
    return {
      records, distinct: stats.distinct, seconds, rate: records / seconds, roundTrips, conflicts, stopped,
      ...(stored === undefined ? {} : { stored }),
      ...(azuritePeakMb === undefined ? {} : { azuritePeakMb }),
      ...(Number.isFinite(azuriteCpuMs) && records > 0 ? { cpuMsPerRecord: { client: clientCpuMs / records, azurite: azuriteCpuMs / records } } : {}),
    };
  } finally {
    await azurite.stop();
  }
}

/** The ledger: processBatch over host-sized batches. */
export function runOurs(options: RunOptions): Promise<RunResult> {
  return drive(options, async (connectionString) => {
    const config = loadConfig({ LEDGER_STORAGE: connectionString, LEDGER_TABLE_PREFIX: 'bench' });
    const tables = await openLedgerTables(config, { allowEmbedded: false });
    const deps = {
      ...pipelineDepsFrom(config, tables),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.indexes === false ? { indexes: false } : {}),
    };
    return {
      apply: async (bodies) => {
        const sourced: SourcedBody[] = bodies.map((body, i) => ({ body, source: { kind: 'inline', label: `bench body ${i}` } }));
        const { report } = await processBatch(sourced, deps);
        return { records: report.records, roundTrips: report.storageRoundTrips, conflicts: report.storageConflicts };
      },
      close: () => tables.close(),
    };
  });
}

/** The baseline: one upsertEntity per record, 16 in flight (bench/naiveFunction.ts). */
export function runNaive(options: RunOptions): Promise<RunResult> {
  return drive(options, async (connectionString) => {
    const table = TableClient.fromConnectionString(connectionString, 'naiveEmailLog', { allowInsecureConnection: true });
    await table.createTable();
    return {
      apply: async (bodies) => ({ ...(await naiveFunction(bodies, table)), conflicts: 0 }),
      close: () => Promise.resolve(),
    };
  });
}
