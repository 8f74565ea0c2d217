import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../src/store/embeddedAzurite.js';
import { LedgerError } from '../src/errors.js';

/**
 * A standalone Azurite Table service in its own process, in memory, on a free loopback port: every
 * benchmark row starts on an empty store whose cost (CPU, memory) is not mixed into ours, and its
 * peak memory can be read from /proc.
 */
export interface AzuriteProcess {
  readonly connectionString: string;
  readonly pid: number;
  /** Peak resident memory of the Azurite process so far (VmHWM), in MB; undefined off Linux. */
  peakRssMb(): number | undefined;
  /** CPU time (user + system) the Azurite process has used so far, in ms; undefined off Linux. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const STARTUP_TIMEOUT_MS = 30_000;

export async function startAzuriteProcess(): Promise<AzuriteProcess> {
  const port = await freePort();
  const workspace = mkdtempSync(path.join(tmpdir(), 'ledger-bench-azurite-'));
  const main = require.resolve('azurite/dist/src/table/main.js');
  const child = spawn(
    process.execPath,
    [main, '--inMemoryPersistence', '--tableHost', '127.0.0.1', '--tablePort', String(port), '--silent', '--disableTelemetry', '--skipApiVersionCheck'],
    // --location cannot go with --inMemoryPersistence; the working folder catches any stray file.
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: workspace },
  );
  try {
    await listening(child);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(workspace, { recursive: true, force: true });
    throw error;
  }
  const pid = child.pid ?? -1;
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    pid,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${endpoint};`,
    peakRssMb: () => procStatusMb(pid, 'VmHWM'),
    cpuMs: () => procCpuMs(pid),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** A value in MB from /proc/<pid>/status (VmHWM = peak RSS, VmRSS = current). */
/** utime + stime of /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms on Linux). */
function procCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

export function procStatusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when Azurite says it listens; rejects if it exits or stays silent first. */
function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new LedgerError('storage_unavailable', `Azurite did not start: ${why}`, { context: { output: output.slice(-2_000) } }));
    };
    const timer = setTimeout(() => fail(`no "listening" line within ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/successfully (listening|started)/i.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => fail(`exited with code ${String(code)}`));
  });
}
