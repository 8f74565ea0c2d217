import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SourcedBody } from '../src/ingest/recordSource.js';
import { triageBatch } from '../src/pipeline/triageBatch.js';
import { readInputs } from '../src/cli/readInputs.js';
import { realisticRecords } from './realisticLogs.js';
import { runOurs } from './scenarios.js';

/** The rows earlier runs in bench/RESULTS.md have, kept so that runs stay comparable (now on realistic input). */

const fmt = (n: number) => Math.round(n).toLocaleString('en');

export function benchTriage(records: number): string {
  const all = [...realisticRecords(records)];
  const bodies: SourcedBody[] = [];
  for (let i = 0; i < all.length; i += 20) bodies.push({ body: JSON.stringify({ records: all.slice(i, i + 20) }), source: { kind: 'inline', label: `bench ${i}` } });
  triageBatch(bodies.slice(0, 10), 16_384); // warm-up
  const started = performance.now();
  const triaged = triageBatch(bodies, 16_384);
  const ms = performance.now() - started;
  return `| decode + validate + classify + fingerprint (pure) | ${triaged.records} records | ${fmt(triaged.records / (ms / 1000))} records/s | - |`;
}

/** One record per call against 100 bodies of 10 records per call: what batching saves. */
export async function benchCoalescing(scale: number): Promise<string[]> {
  const budgetSeconds = 300;
  const single = await runOurs({ records: Math.round(2_400 * scale), bodiesPerBatch: 1, recordsPerBody: 1, budgetSeconds });
  const batched = await runOurs({ records: Math.round(12_000 * scale), bodiesPerBatch: 100, recordsPerBody: 10, budgetSeconds });
  const line = (what: string, r: typeof single) => `| pipeline on Azurite, ${what} | ${r.records} records | ${fmt(r.rate)} records/s | ${(r.roundTrips / r.records).toFixed(3)} |`;
  return [
    line('1 bodies x 1 records per batch', single),
    line('100 bodies x 10 records per batch', batched),
    `| (coalescing) | | ${(batched.rate / single.rate).toFixed(1)}x the records/s | ${((single.roundTrips / single.records) / (batched.roundTrips / batched.records)).toFixed(1)}x fewer round trips per record |`,
  ];
}

export async function benchReaderMemory(records: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-bench-'));
  try {
    const file = path.join(dir, 'PT1H.json');
    const out = createWriteStream(file);
    let bytes = 0;
    for (const record of realisticRecords(records)) {
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
      if (count % 20_000 === 0) {
        const t = performance.now();
        peak = Math.max(peak, retained());
        gcTime += performance.now() - t;
      }
    }
    const seconds = (performance.now() - started - gcTime) / 1000;
    const growth = (peak - before) / 1024 / 1024;
    const gcNote = global.gc === undefined ? ' (run with --expose-gc for retained heap)' : '';
    return `| replay reader, NDJSON archive ${(bytes / 1024 / 1024).toFixed(0)} MB | ${count} lines | ${fmt(count / seconds)} lines/s | retained heap growth ${growth.toFixed(1)} MB (${((100 * growth * 1024 * 1024) / bytes).toFixed(2)}% of the file)${gcNote} |`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
