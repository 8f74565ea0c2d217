import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { messagesDocumentSchema, recipientMessagesDocumentSchema, statsDocumentSchema, verifyDocumentSchema } from '../../src/queries/documents.js';

/**
 * `recipient`, `messages` and `stats` as a user runs them, in this process, on the test run's Azurite:
 * the samples replayed through the pipeline, then queried; bad flags exit 2 naming the flag.
 */
let dataDir: string;
let env: Record<string, string>;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await runCli(argv, env);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-queries-'));
  env = { LEDGER_STORAGE: inject('azuriteConnectionString'), LEDGER_TABLE_PREFIX: `t${randomBytes(6).toString('hex')}`, LEDGER_DATA_DIR: dataDir, LEDGER_ALERT_LOG: 'false' };
  const replay = await cli('replay', '--no-progress', 'samples');
  expect(replay.code, replay.stderr).toBe(0);
  expect(replay.stdout).toContain('Recipients per sender domain by UTC day, 2025-03-14 to 2025-03-15 (stats):');
  expect(replay.stdout).toContain('npx acs-email-ledger stats --from 2025-03-14 --to 2025-03-15 --group provider');
  expect(replay.stdout).toMatch(/npx acs-email-ledger recipient \S+@/);
}, 120_000);
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('query commands on the replayed samples', () => {
  it('recipient --json prints the document, newest first, case-insensitively', async () => {
    const run = await cli('recipient', 'Wendy.Mitchell@LISTS.example.org', '--json');
    expect(run.code, run.stderr).toBe(0);
    const doc = recipientMessagesDocumentSchema.parse(JSON.parse(run.stdout));
    expect(doc.messages.length).toBeGreaterThan(0);
    expect(doc.messages.map((m) => m.time)).toEqual([...doc.messages.map((m) => m.time)].sort().reverse());
    expect(doc.messages.some((m) => m.status === 'Bounced' && m.hardBounce)).toBe(true);
  });

  it('messages pages through the samples with its continuation tokens', async () => {
    const all = await cli('messages', '--from', '2025-03-01', '--to', '2025-04-01', '--limit', '1000', '--json');
    expect(all.code, all.stderr).toBe(0);
    const everything = messagesDocumentSchema.parse(JSON.parse(all.stdout)).messages.map((m) => m.messageId);
    expect(everything.length).toBeGreaterThan(10);
    const seen: string[] = [];
    let continuation: string | null = null;
    do {
      const run = await cli('messages', '--from', '2025-03-01', '--to', '2025-04-01', '--limit', '7', '--json', ...(continuation ? ['--continuation', continuation] : []));
      expect(run.code, run.stderr).toBe(0);
      const page = messagesDocumentSchema.parse(JSON.parse(run.stdout));
      seen.push(...page.messages.map((m) => m.messageId));
      continuation = page.continuation;
    } while (continuation !== null && seen.length <= everything.length);
    expect(seen).toEqual(everything);
  });

  it('stats prints a table per sender domain, --json the document, --verify no difference', async () => {
    const text = await cli('stats', '--from', '2025-03-01', '--to', '2025-04-01');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/day\s+sender-domain\s+recipients/);
    const json = await cli('stats', '--from', '2025-03-01', '--to', '2025-04-01', '--group', 'provider', '--json');
    const doc = statsDocumentSchema.parse(JSON.parse(json.stdout));
    expect(doc.totals.recipients).toBeGreaterThan(0);
    const verify = await cli('stats', '--from', '2025-03-01', '--to', '2025-04-01', '--verify', '--json');
    const report = verifyDocumentSchema.parse(JSON.parse(verify.stdout));
    expect(report.differences).toEqual([]);
    expect(verify.code).toBe(0);
  });

  it.each([
    [['recipient', 'bob@example.org', '--limit', '0'], '--limit'],
    [['recipient', 'bob@example.org', '--continuation', 'forged'], '--continuation'],
    [['messages', '--from', 'yesterday'], '--from'],
    [['messages', '--from', '-1h', '--to', '-2h'], '--from'],
    [['messages', '--limit', '5000'], '--limit'],
    [['messages', '--sender-domain', 'a b'], '--sender-domain'],
    [['messages', '--continuation', 'eyJ2IjoxfQ'], '--continuation'],
    [['stats', '--by', 'week'], '--by'],
    [['stats', '--group', 'isp'], '--group'],
    [['stats', '--by', 'hour', '--from', '-365d'], '--from'],
  ])('%j exits 2 naming %s', async (argv, flag) => {
    const run = await cli(...argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${flag}:`);
    expect(run.stdout).toBe('');
  });

  it('a bad LEDGER_PROVIDER_DOMAINS warns on stats, refuses --group provider and nothing else', async () => {
    const saved = env;
    env = { ...env, LEDGER_PROVIDER_DOMAINS: '{"Microsoft": "outlook.com"}' };
    try {
      const bySender = await cli('stats', '--from', '2025-03-01', '--to', '2025-04-01');
      expect(bySender.code).toBe(0);
      expect(bySender.stderr).toContain('warning: provider grouping is off: LEDGER_PROVIDER_DOMAINS');
      const byProvider = await cli('stats', '--group', 'provider');
      expect(byProvider.code).toBe(2);
      expect(byProvider.stderr).toContain('--group: provider grouping is off: LEDGER_PROVIDER_DOMAINS');
    } finally {
      env = saved;
    }
  });

  it('stats --verify exits 1 on a difference', async () => {
    const { TableClient } = await import('@azure/data-tables');
    const index = TableClient.fromConnectionString(env['LEDGER_STORAGE'] ?? '', `${env['LEDGER_TABLE_PREFIX']}Index`, { allowInsecureConnection: true });
    for await (const row of index.listEntities({ queryOptions: { filter: "RowKey ge 't|' and RowKey lt 't}'" } })) {
      await index.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
      break;
    }
    const verify = await cli('stats', '--from', '2025-03-01', '--to', '2025-04-01', '--verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('time row missing');
    expect(verify.stderr).toContain('stats --verify found 1 difference(s)');
  });
});
