/**
 * npm run bench: the ledger beside the function a team would write by hand (bench/naiveFunction.ts),
 * on the same generated input (bench/realisticLogs.ts), each row on a fresh Azurite process. Compare
 * ratios within one run (machines here are noisy); the absolute numbers are only indicative. Results
 * go to stdout as Markdown, ready to paste into bench/RESULTS.md.
 *
 *   npm run bench                       full run (~25 min on 2 cores)
 *   npm run bench -- --quick            small sizes, a smoke test of every row (~2 min)
 *   npm run bench -- --only=compare     rows: cpu, compare, indexes, linear, sweep, cost, legacy, queries, dashboard (comma-separated)
 *   npm run bench -- --budget-s=300     stop any row after this many seconds of processing
 *   npm run bench -- --max-records=10000  skip the ours/naive rows bigger than this
 */
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { LedgerError } from '../src/errors.js';
import { runNaive, runOurs, HOST_BATCH_BODIES, RECORDS_PER_BODY, type RunResult } from './scenarios.js';
import { benchCoalescing, benchReaderMemory, benchTriage } from './legacyRows.js';
import { costRows } from './storageCost.js';
import { benchCpuPath } from './cpuPath.js';
import { benchDashboard } from './dashboard.js';
import { benchQueries } from './queries.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'budget-s': { type: 'string' },
    'max-records': { type: 'string' },
  },
});
const quick = args.quick === true;
const SECTIONS = ['cpu', 'compare', 'indexes', 'linear', 'sweep', 'cost', 'legacy', 'queries', 'dashboard'] as const;
const only = new Set((args.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()));
for (const name of only) {
  if (!(SECTIONS as readonly string[]).includes(name)) throw new LedgerError('usage', `--only: unknown row "${name}"; expected some of ${SECTIONS.join(', ')}`);
}
const budgetSeconds = args['budget-s'] === undefined ? 360 : Number(args['budget-s']);
if (!Number.isFinite(budgetSeconds) || budgetSeconds <= 0) throw new LedgerError('usage', `--budget-s must be a positive number of seconds, got "${String(args['budget-s'])}"`);

const maxRecords = args['max-records'] === undefined ? Number.POSITIVE_INFINITY : Number(args['max-records']);
if (Number.isNaN(maxRecords) || maxRecords <= 0) throw new LedgerError('usage', `--max-records must be a positive number, got "${String(args['max-records'])}"`);

const SIZES = quick ? { small: 2_000, large: 6_000, huge: 12_000, sweep: 3_000 } : { small: 10_000, large: 100_000, huge: 500_000, sweep: 20_000 };
const SWEEP = quick ? [4, 16, 64] : [4, 8, 16, 32, 64];

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

function row(what: string, r: RunResult): string {
  const done = r.stopped ? `${fmt(r.records)} (stopped after ${fmt(r.seconds)} s)` : fmt(r.records);
  const stored = r.stored === undefined ? '-' : fmt(r.stored.rows / r.distinct, 2);
  const peak = r.azuritePeakMb === undefined ? '-' : `${fmt(r.azuritePeakMb)} MB`;
  const cpu = r.cpuMsPerRecord === undefined ? '- | -' : `${fmt(r.cpuMsPerRecord.client, 3)} | ${fmt(r.cpuMsPerRecord.azurite, 3)}`;
  return `| ${what} | ${done} | ${fmt(r.rate)} | ${fmt(r.roundTrips / r.records, 3)} | ${fmt(r.conflicts)} | ${stored} | ${peak} | ${cpu} |`;
}

console.log(`Commit ${commit}. Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}${quick ? ' (--quick sizes)' : ''}`);
console.log(`Input: Event Hub bodies of ${RECORDS_PER_BODY} generated records (bench/realisticLogs.ts), ${HOST_BATCH_BODIES} bodies per call as host.json delivers them; each row on a fresh in-memory Azurite process.`);
console.log();

const results = new Map<string, RunResult>();
const measure = async (key: string, records: number, what: string, run: (records: number) => Promise<RunResult>): Promise<void> => {
  if (records > maxRecords) return;
  const r = await run(records);
  results.set(key, r);
  console.log(row(what, r));
};

if (only.has('cpu')) {
  // The pure stage (decode, validate, classify, fingerprint) against JSON.parse of the same bytes, CPU time.
  await benchCpuPath((line) => console.log(line), { profile: true });
  console.log();
}

if (only.has('compare') || only.has('linear') || only.has('cost')) {
  console.log('| what | records | records/s | storage round trips per record | ETag conflicts | stored rows per distinct record | Azurite peak RSS | CPU ms per record, this process | CPU ms per record, Azurite |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const census = true;
  await measure('ours-small', SIZES.small, `ours (processBatch), ${fmt(SIZES.small)} records`, (records) => runOurs({ records, budgetSeconds, census }));
  if (only.has('compare')) await measure('naive-small', SIZES.small, `naive function, ${fmt(SIZES.small)} records`, (records) => runNaive({ records, budgetSeconds, census }));
  if (only.has('compare') || only.has('cost')) await measure('ours-large', SIZES.large, `ours (processBatch), ${fmt(SIZES.large)} records`, (records) => runOurs({ records, budgetSeconds, census }));
  if (only.has('compare')) await measure('naive-large', SIZES.large, `naive function, ${fmt(SIZES.large)} records`, (records) => runNaive({ records, budgetSeconds, census }));
  if (only.has('linear')) await measure('ours-huge', SIZES.huge, `ours (processBatch), ${fmt(SIZES.huge)} records`, (records) => runOurs({ records, budgetSeconds }));
  console.log();
  const ratio = (a: string, b: string) => {
    const x = results.get(a);
    const y = results.get(b);
    return x === undefined || y === undefined ? undefined : x.rate / y.rate;
  };
  const lines: [string, number | undefined, string][] = [
    [`ours / naive at ${fmt(SIZES.small)} records`, ratio('ours-small', 'naive-small'), 'target ≥ 3'],
    [`ours / naive at ${fmt(SIZES.large)} records`, ratio('ours-large', 'naive-large'), 'target ≥ 3'],
    [`ours at ${fmt(SIZES.huge)} / ours at ${fmt(SIZES.small)} records (linearity)`, ratio('ours-huge', 'ours-small'), 'target ≥ 0.67 (within 1.5x)'],
  ];
  for (const [what, value, target] of lines) if (value !== undefined) console.log(`- ${what}: ${fmt(value, 2)}x (${target})`);
  console.log();
}

if (only.has('indexes')) {
  // The cost of the indexes and sums (src/indexes/): the same pipeline with them and without them.
  console.log('Indexes and sums (issue 10): the same input with them (as deployed) and without them (processBatch deps.indexes = false):');
  console.log();
  console.log('| what | records | records/s | storage round trips per record | ETag conflicts | stored rows per distinct record | Azurite peak RSS | CPU ms per record, this process | CPU ms per record, Azurite |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [size, label] of [[SIZES.small, 'small'], [SIZES.large, 'large']] as const) {
    await measure(`indexed-${label}`, size, `with indexes, ${fmt(size)} records`, (records) => runOurs({ records, budgetSeconds, census: true }));
    await measure(`plain-${label}`, size, `without indexes, ${fmt(size)} records`, (records) => runOurs({ records, budgetSeconds, census: true, indexes: false }));
  }
  console.log();
  for (const label of ['small', 'large']) {
    const withIx = results.get(`indexed-${label}`);
    const without = results.get(`plain-${label}`);
    if (withIx === undefined || without === undefined) continue;
    const rt = (r: RunResult) => r.roundTrips / r.records;
    console.log(`- ${fmt(withIx.records)} records: round trips per record ${fmt(rt(withIx), 3)} with, ${fmt(rt(without), 3)} without (${fmt(rt(withIx) / rt(without), 2)}x; target: at most 1.5 x 0.31 = 0.465 per record); records/s ${fmt(withIx.rate / without.rate, 2)}x of without`);
  }
  console.log();
}

if (only.has('sweep')) {
  console.log(`Partition-commit concurrency (processBatch deps.concurrency), ${fmt(SIZES.sweep)} records each:`);
  console.log();
  console.log('| concurrency | records/s | storage round trips per record | ETag conflicts |');
  console.log('|---|---|---|---|');
  for (const concurrency of SWEEP) {
    const r = await runOurs({ records: SIZES.sweep, budgetSeconds, concurrency });
    console.log(`| ${concurrency} | ${fmt(r.rate)} | ${fmt(r.roundTrips / r.records, 3)} | ${fmt(r.conflicts)} |`);
  }
  console.log();
}

if (only.has('cost')) {
  const basis = results.get('ours-large') ?? results.get('ours-small');
  if (basis !== undefined) for (const line of costRows({ ours: basis, naive: results.get('naive-large') ?? results.get('naive-small') })) console.log(line);
  console.log();
}

if (only.has('legacy')) {
  console.log('| what | input | throughput | storage round trips per record / memory |');
  console.log('|---|---|---|---|');
  console.log(benchTriage(quick ? 2_000 : 20_000));
  for (const line of await benchCoalescing(quick ? 0.2 : 1)) console.log(line);
  console.log(await benchReaderMemory(quick ? 5_000 : 60_000));
}

if (only.has('queries')) {
  console.log();
  await benchQueries((line) => console.log(line), { messages: quick ? 10_000 : 100_000 });
}

if (only.has('dashboard')) {
  console.log();
  await benchDashboard((line) => console.log(line), { messages: quick ? 10_000 : 100_000 });
}
