import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.js';

/**
 * The CLI as a separate process on its embedded Azurite: `replay` reports what its dispatch left
 * (delivered, pending, failed) and exits 4 when alerts remain undelivered; a CLI killed with SIGKILL
 * while delivering leaves the store consistent with what was sent, give or take the one alert that
 * was in flight.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(env: Record<string, string>, ...args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-dispatch-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function receiver(options: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(options);
  cleanups.push(() => r.close());
  return r;
}

interface ReplayJson {
  readonly alertsCreated: number;
  readonly dispatch: { readonly delivered: number; readonly pending: number; readonly failed: number };
}

describe('replay reports its dispatch outcome', () => {
  it('--json carries delivered, pending and failed; all delivered exits 0', async () => {
    const run = await start({ LEDGER_DATA_DIR: freshDataDir() }, 'replay', '--json', '--no-progress', 'samples/events').done;
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ReplayJson;
    expect(report.alertsCreated).toBeGreaterThan(0);
    expect(report.dispatch).toEqual({ delivered: report.alertsCreated, pending: 0, failed: 0 });
  }, 120_000);

  it('alerts left pending (webhook down) are counted, said, and exit 4, in JSON and in human output', async () => {
    const hook = await receiver({ respond: () => 503 });
    const env = { LEDGER_DATA_DIR: freshDataDir(), LEDGER_ALERT_WEBHOOK_URL: hook.url };
    const run = await start(env, 'replay', '--json', '--no-progress', 'samples/events').done;
    expect(run.code).toBe(4);
    const report = JSON.parse(run.stdout) as ReplayJson;
    expect(report.alertsCreated).toBeGreaterThan(0);
    expect(report.dispatch).toEqual({ delivered: 0, pending: report.alertsCreated, failed: 0 });
    expect(run.stderr).toContain(`${report.alertsCreated} alerts still pending and 0 failed`);

    const human = await start(env, 'replay', '--no-progress', 'samples/events').done;
    expect(human.code).toBe(4);
    expect(human.stdout).toContain(`alerts: 0 delivered, ${report.alertsCreated} still pending, 0 failed`);
  }, 120_000);
});

describe('a CLI killed while delivering alerts', () => {
  it('re-sends at most the one alert in flight, and the next run delivers the rest once', async () => {
    const KILL_AT = 6;
    const dataDir = freshDataDir();
    let killed: (() => void) | undefined;
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const hook = await receiver({
      secret,
      respond: (request) => {
        const seen = new Set(hook.received.map((r) => r.id)).size;
        if (seen === KILL_AT && request.attempt === 1 && killed !== undefined) {
          killed();
          killed = undefined;
          return new Promise<number>(() => undefined); // the killed CLI never hears back
        }
        return 204;
      },
    });
    const env = { LEDGER_DATA_DIR: dataDir, LEDGER_ALERT_WEBHOOK_URL: hook.url, LEDGER_ALERT_WEBHOOK_SECRET: secret, LEDGER_ALERT_WEBHOOK_TIMEOUT_MS: '1000' };
    const first = start(env, 'replay', '--json', '--no-progress', 'samples/events');
    killed = () => first.child.kill('SIGKILL');
    const firstRun = await first.done;
    expect({ signal: firstRun.signal, received: hook.received.length, stderr: firstRun.stderr }).toMatchObject({ signal: 'SIGKILL' });
    const acceptedBeforeKill = hook.deliveredIds();
    expect(acceptedBeforeKill).toHaveLength(KILL_AT - 1);

    const second = await start(env, '--json', 'alerts', '--dispatch').done;
    expect(second.code).toBe(0);
    const page = JSON.parse(second.stdout) as { alerts: { id: string; state: string }[]; continuation: string | null };
    // The whole list on one page, or the count below would miss alerts.
    expect(page.continuation).toBeNull();
    const { alerts } = page;
    const delivered = hook.deliveredIds();
    const counts = new Map<string, number>();
    for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
    const resent = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    // Every alert accepted before the kill was recorded as delivered: none of them is sent again.
    expect(resent.filter((id) => acceptedBeforeKill.includes(id))).toEqual([]);
    // Each alert is delivered once; the one in flight at the kill may be pending behind its lease.
    const pending = alerts.filter((a) => a.state === 'pending').map((a) => a.id);
    expect(pending.length).toBeLessThanOrEqual(1);
    expect(new Set(delivered).size + pending.length).toBe(alerts.length);
    expect(delivered).toHaveLength(new Set(delivered).size);
    expect(hook.received.every((r) => r.signatureValid === true && r.id !== '')).toBe(true);
  }, 180_000);
});
