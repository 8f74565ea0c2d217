/**
 * npm run bench:archive: a PT1H.json-style archive (one record per line, as Azure Monitor archives to
 * storage) replayed by the real CLI, with the CLI's memory sampled every second.
 *
 *   npm run bench:archive -- --mb=1024                  ~1 GB against a standalone Azurite process
 *   npm run bench:archive -- --mb=100 --embedded        also on the embedded default (LEDGER_STORAGE unset)
 *   options: --batch-records=N --batch-mb=N (passed to replay), --max-seconds=N (stop a replay there),
 *            --census (count stored rows after the external run; slow for big archives)
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LedgerError } from '../src/errors.js';
import { procStatusMb, startAzuriteProcess } from './azuriteProcess.js';
import { realisticRecords } from './realisticLogs.js';
import { storedRows } from './storedRows.js';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '1024' },
    embedded: { type: 'boolean', default: false },
    census: { type: 'boolean', default: false },
    'batch-records': { type: 'string' },
    'batch-mb': { type: 'string' },
    'max-seconds': { type: 'string' },
  },
});
const positive = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new LedgerError('usage', `--${name} must be a positive number, got "${text}"`);
  return n;
};
const targetMb = positive('mb', args.mb) ?? 1024;
const maxSeconds = positive('max-seconds', args['max-seconds']);
const replayOptions = [
  ...(args['batch-records'] === undefined ? [] : ['--batch-records', args['batch-records']]),
  ...(args['batch-mb'] === undefined ? [] : ['--batch-mb', args['batch-mb']]),
];

interface ReplayRun {
  readonly seconds: number;
  readonly records: number;
  readonly completed: boolean;
  readonly peakRssMb: number;
  /** Storage round trips per record, from the replay's report (when it completed). */
  readonly tripsPerRecord?: number;
}

async function writeArchive(file: string, mb: number): Promise<{ records: number; bytes: number }> {
  const out = createWriteStream(file);
  let bytes = 0;
  let records = 0;
  for (const record of realisticRecords(Number.POSITIVE_INFINITY)) {
    const line = `${JSON.stringify(record)}\n`;
    bytes += Buffer.byteLength(line);
    records += 1;
    if (!out.write(line)) await once(out, 'drain');
    if (bytes >= mb * 1024 * 1024) break;
  }
  out.end();
  await once(out, 'finish');
  return { records, bytes };
}

/** Runs `replay <file>` in the built CLI, sampling its RSS each second; stops it at --max-seconds. */
async function replay(file: string, env: Record<string, string>): Promise<ReplayRun> {
  const cli = path.resolve('dist/src/cli/main.js');
  const child = spawn(process.execPath, [cli, 'replay', file, '--json', ...replayOptions], { env: { PATH: process.env['PATH'] ?? '', ...(process.env['LEDGER_ROW_CACHE_ROWS'] === undefined ? {} : { LEDGER_ROW_CACHE_ROWS: process.env['LEDGER_ROW_CACHE_ROWS'] }), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = performance.now();
  let stdout = '';
  let lastProgress = 0;
  let peak = 0;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    const match = /replay: (\d+) records/.exec(chunk.toString('utf8'));
    if (match?.[1] !== undefined) lastProgress = Number(match[1]);
  });
  const pid = child.pid ?? -1;
  let stopped = false;
  const sampler = setInterval(() => {
    peak = Math.max(peak, procStatusMb(pid, 'VmHWM') ?? 0);
    if (maxSeconds !== undefined && (performance.now() - started) / 1000 > maxSeconds && !stopped) {
      stopped = true;
      child.kill('SIGTERM');
    }
  }, 1_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (stopped) return { seconds, records: lastProgress, completed: false, peakRssMb: peak };
  if (code !== 0) throw new LedgerError('storage_unavailable', `replay exited with code ${String(code)}`, { context: { stdout: stdout.slice(-2_000) } });
  const result = JSON.parse(stdout) as { records: number; storageRoundTrips: number };
  return { seconds, records: result.records, completed: true, peakRssMb: peak, tripsPerRecord: result.storageRoundTrips / result.records };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const line = (what: string, r: ReplayRun, extra: string) =>
  `| ${what} | ${fmt(r.records)}${r.completed ? '' : ` (stopped after ${fmt(r.seconds)} s)`} | ${fmt(r.seconds)} s | ${fmt(r.records / r.seconds)} | ${r.tripsPerRecord === undefined ? '-' : fmt(r.tripsPerRecord, 3)} | ${fmt(r.peakRssMb)} MB | ${extra} |`;

const dir = mkdtempSync(path.join(tmpdir(), 'ledger-archive-'));
try {
  const file = path.join(dir, 'PT1H.json');
  const archive = await writeArchive(file, targetMb);
  console.log(`Archive: ${fmt(archive.bytes / 1024 / 1024)} MB, ${fmt(archive.records)} records, one per line${replayOptions.length > 0 ? `; replay ${replayOptions.join(' ')}` : ''}`);
  console.log();
  console.log('| storage | records | time | records/s | storage round trips per record | CLI peak RSS | notes |');
  console.log('|---|---|---|---|---|---|---|');
  const azurite = await startAzuriteProcess();
  let rowsPerRecord: number | undefined;
  try {
    const run = await replay(file, { LEDGER_STORAGE: azurite.connectionString, LEDGER_DATA_DIR: path.join(dir, 'external') });
    if (args.census === true && run.completed) {
      const stored = await storedRows(azurite.connectionString);
      rowsPerRecord = stored.rows / run.records;
    }
    const rows = rowsPerRecord === undefined ? '' : `, ${fmt(rowsPerRecord, 2)} stored rows per record`;
    console.log(line('standalone Azurite process', run, `Azurite peak RSS ${fmt(azurite.peakRssMb() ?? 0)} MB${rows}`));
  } finally {
    await azurite.stop();
  }
  if (args.embedded === true) {
    const run = await replay(file, { LEDGER_DATA_DIR: path.join(dir, 'embedded') });
    const perMillion = rowsPerRecord === undefined ? 'per million records' : 'per million stored rows';
    const millions = (run.records * (rowsPerRecord ?? 1)) / 1_000_000;
    console.log(line('embedded default (LEDGER_STORAGE unset)', run, `${fmt(run.peakRssMb / millions)} MB ${perMillion} (whole CLI peak RSS / stored amount)`));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
