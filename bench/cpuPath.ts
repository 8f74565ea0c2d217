/**
 * The pure stage (decode, validate, classify, fingerprint) against JSON.parse of the same bytes, on one core.
 *
 *   npm run build && node dist/bench/cpuPath.js            records/s, and the ratio to JSON.parse
 *   npm run build && node dist/bench/cpuPath.js --profile  also its top self-time functions (a CPU profile of triage)
 *   npx tsx bench/cpuPath.ts [--profile]                   the same from source (slower to start)
 *
 * Input: every record of samples/ (the generator's realistic mix: loose types, PascalCase exports, foreign
 * categories, duplicates and a few bad records), as Event Hub bodies of 20 records, triaged in batches of 50
 * bodies (what the function receives). Each measurement is the median of several timed repetitions after warm-up.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourcedBody } from '../src/ingest/recordSource.js';
import { triageBatch } from '../src/pipeline/triageBatch.js';

const RECORDS_PER_BODY = 20;
const BODIES_PER_BATCH = 50;
const PASSES = 8;
const REPETITIONS = 7;
const DEAD_LETTER_RAW_LIMIT = 16_384;
const PROFILE_MS = 4_000;

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new RangeError('bench/cpuPath: no package.json above this file');
    dir = up;
  }
  return dir;
}

/** Every parseable record of samples/, in file order (an unparseable archive line cannot sit in a JSON body). */
function sampleRecords(): unknown[] {
  const dir = path.join(repoRoot(), 'samples');
  const out: unknown[] = [];
  const recordsOf = (body: unknown): void => {
    if (Array.isArray(body)) body.forEach(recordsOf);
    else if (typeof body === 'object' && body !== null && Array.isArray((body as { records?: unknown }).records)) out.push(...(body as { records: unknown[] }).records);
    else out.push(body);
  };
  for (const line of readFileSync(path.join(dir, 'archive', 'PT1H.json'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a deliberately broken line of the samples
    }
  }
  recordsOf(JSON.parse(readFileSync(path.join(dir, 'batches.json'), 'utf8')));
  for (const file of readdirSync(path.join(dir, 'events')).sort()) {
    recordsOf(JSON.parse(readFileSync(path.join(dir, 'events', file), 'utf8')));
  }
  return out;
}

/** Batches of bodies as the Functions host hands them over with dataType 'string': JSON text. */
function batchesOf(records: readonly unknown[]): SourcedBody[][] {
  const bodies: SourcedBody[] = [];
  for (let pass = 0; pass < PASSES; pass += 1) {
    for (let i = 0; i < records.length; i += RECORDS_PER_BODY) {
      const body = JSON.stringify({ records: records.slice(i, i + RECORDS_PER_BODY) });
      bodies.push({ body, source: { kind: 'eventHub', partitionId: String(pass % 4), sequenceNumber: bodies.length, eventIndex: bodies.length % BODIES_PER_BATCH } });
    }
  }
  const batches: SourcedBody[][] = [];
  for (let i = 0; i < bodies.length; i += BODIES_PER_BATCH) batches.push(bodies.slice(i, i + BODIES_PER_BATCH));
  return batches;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** CPU milliseconds (user + system) of one call: what a core spends, whatever else shares the machine. */
function cpuMs(work: () => number): { ms: number; records: number } {
  const before = process.cpuUsage();
  const records = work();
  const spent = process.cpuUsage(before);
  return { ms: (spent.user + spent.system) / 1000, records };
}

/**
 * Median CPU time of each workload over all batches, after two untimed runs of each. The two alternate,
 * so that a neighbour's load on this shared machine falls on both alike and their ratio stays fair.
 */
function timeBoth(a: () => number, b: () => number): [Run, Run] {
  for (let i = 0; i < 2; i += 1) {
    a();
    b();
  }
  const runs: [Run[], Run[]] = [[], []];
  for (let i = 0; i < REPETITIONS; i += 1) {
    runs[0].push(cpuMs(a));
    runs[1].push(cpuMs(b));
  }
  const mid = (of: Run[]): Run => ({ ms: median(of.map((r) => r.ms)), records: of[0]?.records ?? 0 });
  return [mid(runs[0]), mid(runs[1])];
}

interface Run {
  readonly ms: number;
  readonly records: number;
}

function triageAll(batches: readonly SourcedBody[][]): number {
  let records = 0;
  for (const batch of batches) records += triageBatch(batch, DEAD_LETTER_RAW_LIMIT).records;
  return records;
}

function parseAll(batches: readonly SourcedBody[][]): number {
  let records = 0;
  for (const batch of batches) {
    for (const { body } of batch) records += (JSON.parse(body as string) as { records: unknown[] }).records.length;
  }
  return records;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time per function (name + file:line), summed over every node of the profile that is that function. */
export function topSelfTime(profile: CpuProfile, top: number): { name: string; ms: number; share: number }[] {
  const root = pathToFileURL(repoRoot()).href + '/';
  const nameOf = new Map<number, string>();
  for (const { id, callFrame: f } of profile.nodes) {
    const file = f.url === '' ? '' : ` ${f.url.replace(root, '').replace(/^.*\/node_modules\//, '')}:${f.lineNumber + 1}`;
    nameOf.set(id, `${f.functionName === '' ? '(anonymous)' : f.functionName}${file}`);
  }
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const name = nameOf.get(id) ?? '(unknown)';
    self.set(name, (self.get(name) ?? 0) + micros);
    total += micros;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / total }));
}

/** A CPU profile of triage alone (after the measurements, so warm), taken through the inspector for a few seconds. */
async function profileTriage(batches: readonly SourcedBody[][], say: (line: string) => void): Promise<void> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const until = performance.now() + PROFILE_MS;
    while (performance.now() < until) triageAll(batches);
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    say('');
    say(`Top self time, triageBatch alone for ${PROFILE_MS / 1000} s:`);
    say('');
    say('| self time | share | function |');
    say('|---|---|---|');
    for (const row of topSelfTime(profile, 15)) say(`| ${row.ms.toFixed(0)} ms | ${(100 * row.share).toFixed(1)}% | \`${row.name}\` |`);
  } finally {
    session.disconnect();
  }
}

export async function benchCpuPath(say: (line: string) => void, options: { profile?: boolean } = {}): Promise<void> {
  const records = sampleRecords();
  const batches = batchesOf(records);
  const bytes = batches.flat().reduce((n, { body }) => n + Buffer.byteLength(body as string), 0);
  const [parse, triage] = timeBoth(() => parseAll(batches), () => triageAll(batches));
  const perSecond = (run: Run) => Math.round(run.records / (run.ms / 1000)).toLocaleString('en');
  say(`CPU path: ${triage.records} records in ${batches.flat().length} bodies of ${RECORDS_PER_BODY} (${(bytes / 1024 / 1024).toFixed(1)} MB), median CPU time of ${REPETITIONS} alternating runs`);
  say('');
  say('| what | records per CPU-second | CPU time vs JSON.parse |');
  say('|---|---|---|');
  say(`| JSON.parse of the bodies | ${perSecond(parse)} | 1.0x |`);
  say(`| triageBatch (decode + validate + classify + fingerprint) | ${perSecond(triage)} | ${(triage.ms / parse.ms).toFixed(1)}x |`);
  if (options.profile === true) await profileTriage(batches, say);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) await benchCpuPath((line) => console.log(line), { profile: process.argv.includes('--profile') });
