/**
 * npm run bench: throughput and memory of the pipeline on this machine. Compare ratios within one run
 * (machines here are noisy); the absolute numbers are only indicative. Results go to stdout as
 * Markdown, ready to paste into bench/RESULTS.md.
 */
import { cpus, totalmem } from 'node:os';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { loadConfig } from '../src/config.js';
import type { SourcedBody } from '../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../src/pipeline/processBatch.js';
import { triageBatch } from '../src/pipeline/triageBatch.js';
import { startEmbeddedAzurite } from '../src/store/embeddedAzurite.js';
import { openLedgerTables } from '../src/store/ledgerTables.js';
import { readInputs } from '../src/cli/readInputs.js';
import { syntheticRecords } from './syntheticLogs.js';

const lines: string[] = [];
const say = (line = '') => {
  lines.push(line);
  console.log(line);
};

function bodiesOf(records: readonly Record<string, unknown>[], perBody: number): SourcedBody[] {
  const out: SourcedBody[] = [];
  for (let i = 0; i < records.length; i += perBody) {
    out.push({ body: JSON.stringify({ records: records.slice(i, i + perBody) }), source: { kind: 'inline', label: `bench ${i}` } });
  }
  return out;
}

function benchTriage(): void {
  const records = [...syntheticRecords(20_000)];
  const bodies = bodiesOf(records, 50);
  triageBatch(bodies.slice(0, 10), 16_384); // warm-up
  const started = performance.now();
  const triaged = triageBatch(bodies, 16_384);
  const ms = performance.now() - started;
  say(`| decode + validate + classify + fingerprint (pure) | ${triaged.records} records | ${Math.round(triaged.records / (ms / 1000)).toLocaleString('en')} records/s | - |`);
}

async function benchPipeline(bodiesPerBatch: number, recordsPerBody: number, messages: number): Promise<{ rate: number; tripsPerRecord: number }> {
  const azurite = await startEmbeddedAzurite();
  try {
    const config = loadConfig({ LEDGER_STORAGE: azurite.connectionString, LEDGER_TABLE_PREFIX: `b${bodiesPerBatch}x${recordsPerBody}` });
    const tables = await openLedgerTables(config, { allowEmbedded: false });
    const records = [...syntheticRecords(messages)];
    const bodies = bodiesOf(records, recordsPerBody);
    let trips = 0;
    const started = performance.now();
    for (let i = 0; i < bodies.length; i += bodiesPerBatch) {
      const { report } = await processBatch(bodies.slice(i, i + bodiesPerBatch), pipelineDepsFrom(config, tables));
      trips += report.storageRoundTrips;
    }
    const seconds = (performance.now() - started) / 1000;
    const rate = records.length / seconds;
    const tripsPerRecord = trips / records.length;
    say(`| pipeline on Azurite, ${bodiesPerBatch} bodies x ${recordsPerBody} records per batch | ${records.length} records | ${Math.round(rate).toLocaleString('en')} records/s | ${tripsPerRecord.toFixed(3)} |`);
    return { rate, tripsPerRecord };
  } finally {
    await azurite.close();
  }
}

async function benchReaderMemory(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-bench-'));
  try {
    const file = path.join(dir, 'PT1H.json');
    const out = createWriteStream(file);
    let bytes = 0;
    for (const record of syntheticRecords(60_000)) {
      const line = `${JSON.stringify(record)}\n`;
      bytes += Buffer.byteLength(line);
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    // Retained heap, measured after a full GC at checkpoints: what the reader keeps, not garbage awaiting collection.
    const retained = () => {
      global.gc?.();
      return process.memoryUsage().heapUsed;
    };
    const before = retained();
    let peak = before;
    let count = 0;
    let gcTime = 0;
    const started = performance.now();
    for await (const _body of readInputs([file])) {
      count += 1;
      if (count % 50_000 === 0) {
        const t = performance.now();
        peak = Math.max(peak, retained());
        gcTime += performance.now() - t;
      }
    }
    const seconds = (performance.now() - started - gcTime) / 1000;
    const growth = (peak - before) / 1024 / 1024;
    const gcNote = global.gc === undefined ? ' (run with --expose-gc for retained heap)' : '';
    say(`| replay reader, NDJSON archive ${(bytes / 1024 / 1024).toFixed(0)} MB | ${count} lines | ${Math.round(count / seconds).toLocaleString('en')} lines/s | retained heap growth ${growth.toFixed(1)} MB (${((100 * growth * 1024 * 1024) / bytes).toFixed(2)}% of the file)${gcNote} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

say(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
say();
say('| what | input | throughput | storage round trips per record / memory |');
say('|---|---|---|---|');
benchTriage();
const single = await benchPipeline(1, 1, 300);
const batched = await benchPipeline(100, 10, 1_500);
await benchPipeline(500, 10, 3_000);
await benchReaderMemory();
say();
say(`Coalescing: batching 100 bodies of 10 records cuts storage round trips per record ${(single.tripsPerRecord / batched.tripsPerRecord).toFixed(1)}x and raises throughput ${(batched.rate / single.rate).toFixed(1)}x against one record per call.`);
