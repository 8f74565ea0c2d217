import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The CLI as a user runs it: a separate process, no LEDGER_STORAGE, so it starts its own embedded
 * Azurite persisted in LEDGER_DATA_DIR; two commands in a row must see the same data.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const expected = { counts: JSON.parse(readFileSync(path.join(root, 'test/fixtures/samples-expected.json'), 'utf8')) as Record<string, number> };
let dataDir: string;

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', LEDGER_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-cli-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('acs-email-ledger CLI on the embedded Azurite', () => {
  it('replay --json prints exactly one JSON document whose counts match the samples', () => {
    const run = cli('replay', '--json', 'samples');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, number>;
    const c = expected.counts;
    expect(report).toMatchObject({
      records: c['totalRecords'],
      applied: c['distinctValidRecords'],
      duplicates: c['duplicateRecords'],
      ignored: c['foreignRecords'],
      deadLettered: c['badRecords'],
      hardBounceAlerts: c['hardBounces'],
    });
  }, 120_000);

  it('a second replay, in another process, finds every record already applied', () => {
    const run = cli('replay', '--json', '--no-progress', 'samples/archive', 'samples/batches.json', 'samples/events', 'samples/eventgrid');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, number>;
    expect(report['applied']).toBe(0);
    expect(report['alertsCreated']).toBe(0);
    expect(report['hardBounceAlerts']).toBe(0);
    expect(report['records']).toBe(expected.counts['totalRecords']);
  }, 120_000);

  it('message --json lists the recipients (not the message row) with their delivery fields', () => {
    const run = cli('--json', 'message', '46B8BF9C-961E-4715-8120-50D1D409E371');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { messageId: string; recipients: Record<string, unknown>[] };
    expect(doc.messageId).toBe('46b8bf9c-961e-4715-8120-50d1d409e371');
    const sasha = doc.recipients.find((r) => r['address'] === 'sasha.morgan@example.com');
    // Bounced and Delivered share a timestamp: the rank rule makes Bounced win.
    expect(sasha).toMatchObject({ status: 'Bounced', hardBounce: true, smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1' });
    for (const r of doc.recipients) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['address', 'status', 'hardBounce', 'smtpStatusCode', 'enhancedSmtpStatusCode', 'views', 'clicks']));
    }
  }, 60_000);

  it('message with an unknown id exits 3 with a clear message and nothing on stdout', () => {
    const run = cli('message', '--json', '00000000-0000-4000-8000-000000000000');
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('No message with id 00000000-0000-4000-8000-000000000000');
  }, 60_000);

  it('deadletters --json lists every rejected record with its reason and location', () => {
    const run = cli('deadletters', '--json');
    expect(run.code).toBe(0);
    const page = JSON.parse(run.stdout) as { deadLetters: { reasonCode: string; location: string; raw: string }[]; continuation: string | null };
    expect(page.continuation).toBeNull();
    const letters = page.deadLetters;
    expect(letters).toHaveLength(expected.counts['badRecords'] ?? -1);
    expect(letters.map((l) => l.location)).toContain('samples/archive/PT1H.json:340');
    expect(letters.every((l) => l.raw.length > 0 && l.reasonCode.length > 0)).toBe(true);
  }, 60_000);

  it('usage --json sums each RecordId once', () => {
    const run = cli('usage', '--json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { usageType: string; unitType: string; quantity: number; records: number }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.usageType === 'Email' && r.quantity > 0 && r.records > 0)).toBe(true);
  }, 60_000);

  it('alerts --json lists each hard-bounce alert once, delivered to the log sink', () => {
    const run = cli('alerts', '--json');
    expect(run.code).toBe(0);
    const page = JSON.parse(run.stdout) as { alerts: { id: string; type: string; messageId: string; recipient: string; status: string; suppressed: boolean; state: string }[]; continuation: string | null };
    expect(page.continuation).toBeNull();
    const { alerts } = page;
    const hard = alerts.filter((a) => a.type === 'hard_bounce');
    expect(hard).toHaveLength(expected.counts['hardBounces'] ?? -1);
    expect(new Set(hard.map((a) => a.id)).size).toBe(hard.length);
    expect(new Set(hard.map((a) => `${a.messageId}|${a.recipient}`)).size).toBe(hard.length);
    expect(hard.every((a) => a.state === 'delivered')).toBe(true);
    expect(hard.some((a) => a.suppressed && a.status === 'Suppressed')).toBe(true);
    // The samples' bounce rates cross the guardrail: one alert per crossing, not one per bounce.
    const rate = alerts.filter((a) => a.type === 'bounce_rate') as unknown as { id: string; alert: { level: string; rate: number; threshold: number } }[];
    expect(rate.length).toBeGreaterThan(0);
    expect(rate.length).toBeLessThan(hard.length);
    expect(new Set(rate.map((a) => a.id)).size).toBe(rate.length);
    expect(rate.every((a) => a.alert.rate >= a.alert.threshold)).toBe(true);
  }, 60_000);

  it('check answers for a bounced address case-insensitively, bounces --csv lists it', () => {
    const { alerts } = JSON.parse(cli('alerts', '--json').stdout) as { alerts: { type: string; recipient: string }[] };
    const address = alerts.find((a) => a.type === 'hard_bounce')?.recipient ?? '';
    const check = cli('check', '--json', address.toUpperCase());
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ address: address.toLowerCase(), hardBounced: true });
    const clean = JSON.parse(cli('check', '--json', 'never.bounced@example.com').stdout) as { hardBounced: boolean; likelySuppressedNow: boolean };
    expect(clean).toMatchObject({ hardBounced: false, likelySuppressedNow: false });
    const csv = cli('bounces', '--csv');
    expect(csv.stdout.split('\n')[0]).toContain('address,hardBounces');
    expect(csv.stdout).toContain(address.toLowerCase());
  }, 60_000);

  it('a bad setting is reported by name, with exit code 2', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'usage'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', LEDGER_DATA_DIR: dataDir, LEDGER_BOUNCE_RATE_WARNING: '7' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('LEDGER_BOUNCE_RATE_WARNING');
  }, 60_000);

  it('bad usage exits 2: no path, an unknown command, an unknown option value', () => {
    expect(cli('replay').code).toBe(2);
    expect(cli('frobnicate').code).toBe(2);
    expect(cli('alerts', '--state', 'nope').code).toBe(2);
    expect(cli('--help').code).toBe(0);
  }, 60_000);

  it('a missing input path is an error before anything is applied', () => {
    const run = cli('replay', '--json', 'samples/events', 'no/such/file.json');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no/such/file.json');
  }, 60_000);
});
