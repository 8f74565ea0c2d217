import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/cli/dataDirLock.js';

/**
 * Two real CLI processes on one data folder: the second is refused (exit 2, a message naming the
 * holder) while the first runs on undisturbed; a lock left by a killed CLI is taken over.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const cliArgs = ['--import', 'tsx', path.join(root, 'src/cli/main.ts')];
let dataDir: string;

const env = () => ({ PATH: process.env['PATH'] ?? '', LEDGER_DATA_DIR: dataDir });

function cliSync(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...cliArgs, ...args], { cwd: root, env: env(), encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function cliAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: root, env: env() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-lock-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('one CLI at a time per data folder', () => {
  it('refuses a second CLI while the first replays, and the first finishes unharmed', async () => {
    const lockPath = path.join(dataDir, LOCK_FILE);
    const first = cliAsync('replay', '--json', '--no-progress', 'samples');
    const lockText = () => (existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : '');
    for (let waited = 0; !lockText().endsWith('\n') && waited < 60_000; waited += 20) await sleep(20);
    const holder = JSON.parse(lockText()) as { pid: number; host: string };
    expect(holder.host).toBe(hostname());

    const second = cliSync('--json', 'bounces');
    const firstRun = await first;
    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain(`is in use by process ${holder.pid} on ${hostname()}`);
    expect(second.stderr).toContain(LOCK_FILE);

    expect(firstRun.code).toBe(0);
    expect((JSON.parse(firstRun.stdout) as { applied: number }).applied).toBeGreaterThan(0);
    expect(existsSync(lockPath)).toBe(false);
    // The lock was released: the next command runs and sees the first one's data.
    const after = cliSync('--json', 'bounces');
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as { bounces: unknown[] }).bounces.length).toBeGreaterThan(0);
  }, 180_000);

  it('takes over a lock left by a process that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    const lockPath = path.join(dataDir, LOCK_FILE);
    writeFileSync(lockPath, JSON.stringify({ pid: deadPid, host: hostname(), startedAt: '2025-01-01T00:00:00.000Z' }));
    const run = cliSync('--json', 'bounces');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
  }, 120_000);

  it('never takes over a live process lock, even one from long ago', () => {
    const lockPath = path.join(dataDir, LOCK_FILE);
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
    try {
      const run = cliSync('bounces');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`is in use by process ${process.pid}`);
      expect(readFileSync(lockPath, 'utf8')).toContain('2020-01-01');
    } finally {
      rmSync(lockPath, { force: true });
    }
  }, 120_000);
});
