import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realisticRecords } from '../../bench/realisticLogs.js';
import { replayCommand } from '../../src/cli/commands/replayCommand.js';
import { recordCount, replayBatches, type BatchLimits } from '../../src/cli/input/replayBatches.js';
import { readInputs, readSizedInputs, type SizedBody } from '../../src/cli/readInputs.js';
import type { Output } from '../../src/cli/output.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';

/**
 * Replay batches close at a record count or a size, whichever comes first, for both layouts an archive
 * comes in: one record per line (PT1H.json) and bodies of many records. Batching must not change what
 * is stored: the same ledger as one batch of everything.
 */
const RECORDS = 1_500;
let dir: string;
let perLine: string;
let perBody: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replay-batches-'));
  const records = [...realisticRecords(RECORDS)];
  perLine = join(dir, 'PT1H.json');
  await writeFile(perLine, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const bodies: string[] = [];
  for (let i = 0; i < records.length; i += 500) bodies.push(JSON.stringify({ records: records.slice(i, i + 500) }));
  perBody = join(dir, 'bodies.ndjson');
  await writeFile(perBody, bodies.join('\n') + '\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sized(path: string): Promise<SizedBody[]> {
  const out: SizedBody[] = [];
  for await (const body of readSizedInputs([path])) out.push(body);
  return out;
}

async function batchesOf(path: string, limits: BatchLimits): Promise<SourcedBody[][]> {
  const out: SourcedBody[][] = [];
  for await (const batch of replayBatches(readSizedInputs([path]), limits)) out.push(batch);
  return out;
}

const weight = (bodies: readonly SizedBody[]) => ({
  records: bodies.reduce((n, b) => n + recordCount(b.body.body), 0),
  chars: bodies.reduce((n, b) => n + b.chars, 0),
});

describe('replay batches', () => {
  it('measures each body in records and characters of its input text', async () => {
    const lines = await sized(perLine);
    expect(lines).toHaveLength(RECORDS);
    expect(weight(lines).records).toBe(RECORDS);
    const bodies = await sized(perBody);
    expect(bodies.map((b) => recordCount(b.body.body))).toEqual([500, 500, 500]);
    // The sizes add up to the file's text, less one line break per line.
    const text = (await import('node:fs')).readFileSync(perBody, 'utf8');
    expect(weight(bodies).chars).toBe(text.length - bodies.length);
  });

  const cases: readonly (readonly [string, BatchLimits])[] = [
    ['by records', { records: 250, chars: 16 * 1024 * 1024 }],
    ['by size', { records: 100_000, chars: 150_000 }],
    ['by records, two 500-record bodies fit', { records: 1_000, chars: 800_000 }],
  ];
  for (const [name, limits] of cases) {
    it.each([['one record per line', () => perLine], ['500 records per body', () => perBody]])(`closes %s batches ${name}`, async (_layout, file) => {
      const all = await sized(file());
      const batches = await batchesOf(file(), limits);
      // Nothing lost, nothing reordered.
      expect(batches.flat()).toEqual(all.map((b) => b.body));
      let at = 0;
      for (const [i, batch] of batches.entries()) {
        const members = all.slice(at, at + batch.length);
        at += batch.length;
        const w = weight(members);
        // Within both limits, unless one body alone is over them (a body is never split).
        if (batch.length > 1) {
          expect(w.records).toBeLessThanOrEqual(limits.records);
          expect(w.chars).toBeLessThanOrEqual(limits.chars);
        }
        // Closed only because the next body would not fit.
        const next = all[at];
        if (i < batches.length - 1 && next !== undefined) {
          const grown = weight([...members, next]);
          expect(grown.records > limits.records || grown.chars > limits.chars).toBe(true);
        }
      }
    });
  }

  it('readInputs still hands out the same bodies', async () => {
    const plain: SourcedBody[] = [];
    for await (const body of readInputs([perBody])) plain.push(body);
    expect(plain).toEqual((await sized(perBody)).map((b) => b.body));
  });
});

/** An alert's per-sink record keeps its state; its time is when the log line was written (wall clock). */
function sinkStatesOnly(dump: Record<string, unknown[]>): Record<string, unknown[]> {
  const rowStates = (row: unknown): unknown => {
    const sinks = (row as { sinks?: unknown }).sinks;
    if (typeof sinks !== 'string') return row;
    const bySink = JSON.parse(sinks) as Record<string, { state?: unknown }>;
    return { ...(row as object), sinks: Object.fromEntries(Object.entries(bySink).map(([sink, s]) => [sink, s.state])) };
  };
  return Object.fromEntries(Object.entries(dump).map(([role, rows]) => [role, rows.map(rowStates)]));
}

describe('replay in small batches', () => {
  const quiet: Output = { json: true, result: () => undefined, note: () => undefined };
  const ONE_BATCH: BatchLimits = { records: 1_000_000, chars: 1024 * 1024 * 1024 };
  const SMALL: BatchLimits = { records: 300, chars: 120_000 };

  it.each([['one record per line', () => perLine], ['500 records per body', () => perBody]])('stores what one batch stores (%s)', async (_layout, file) => {
    const env = { LEDGER_DATA_DIR: join(dir, 'data') };
    const small = await openTestTables(env);
    const whole = await openTestTables(env);
    const a = await replayCommand([file()], small, quiet, { progress: false, batch: SMALL });
    const b = await replayCommand([file()], whole, quiet, { progress: false, batch: ONE_BATCH });
    expect(a.report.records).toBe(RECORDS);
    expect(b.report.records).toBe(RECORDS);
    expect(a.report.applied).toBe(b.report.applied);
    expect(a.report.duplicates).toBe(b.report.duplicates);
    expect(a.report.alertsCreated).toBe(b.report.alertsCreated);
    expect(sinkStatesOnly(await dumpLedger(small.tables, { includeAlerts: true }))).toEqual(sinkStatesOnly(await dumpLedger(whole.tables, { includeAlerts: true })));
  }, 120_000);
});
