import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { samplesExpected } from '../helpers/samplesExpected.js';
import { callRoute, useReplayedSamples } from './apiFixture.js';

/**
 * "The same answers as the CLI": each route and the CLI command it stands for, run on the same
 * ledger (the samples, replayed on Azurite); the route's body must equal what `--json` prints.
 */
const fixtureOf = useReplayedSamples();

/** Runs the CLI in this process on the fixture's ledger and parses the one JSON document it prints. */
async function cliJson(...argv: string[]): Promise<unknown> {
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    const code = await runCli([...argv, '--json'], fixtureOf().env);
    expect(code, argv.join(' ')).toBe(0);
  } finally {
    write.mockRestore();
  }
  return JSON.parse(chunks.join(''));
}

describe('every route answers what its CLI command prints with --json', () => {
  it.each([
    [['check', 'Bob@Example.org'], 'getSuppression', { path: { address: 'Bob@Example.org' } }],
    [['check', 'nobody@example.net'], 'getSuppression', { path: { address: 'nobody@example.net' } }],
    [['bounces'], 'listBounces', {}],
    [['bounces', '--since', '2025-03-14T10:00:00Z'], 'listBounces', { query: 'since=2025-03-14T10:00:00Z' }],
    [['alerts'], 'listAlerts', {}],
    [['alerts', '--state', 'delivered'], 'listAlerts', { query: 'state=delivered' }],
    [['deadletters'], 'listDeadLetters', {}],
    [['deadletters', '--reason', 'invalid_json'], 'listDeadLetters', { query: 'reason=invalid_json' }],
    [['recipient', 'Peggy@Example.org', '--limit', '5'], 'listRecipientMessages', { path: { address: 'Peggy@Example.org' }, query: 'limit=5' }],
    [
      ['messages', '--from', '2025-03-14T13:00:00Z', '--to', '2025-03-14T14:00:00Z', '--status', 'Delivered', '--limit', '20'],
      'listMessages',
      { query: 'from=2025-03-14T13:00:00Z&to=2025-03-14T14:00:00Z&status=Delivered&limit=20' },
    ],
    [['stats', '--from', '2025-03-01', '--to', '2025-04-01', '--by', 'hour', '--group', 'provider'], 'getStats', { query: 'from=2025-03-01&to=2025-04-01&by=hour&group=provider' }],
    [['stats', '--from', '2025-03-01', '--to', '2025-04-01', '--group', 'recipient-domain'], 'getStats', { query: 'from=2025-03-01&to=2025-04-01&group=recipient-domain' }],
  ] as const)('%j = %s %j', async (argv, name, request) => {
    const api = await callRoute(fixtureOf(), name, request);
    expect(api.status).toBe(200);
    expect(api.body).toEqual(await cliJson(...argv));
  });

  it('message: the same document for a sample of the messages, looked up in upper case', async () => {
    const { bounces } = (await callRoute(fixtureOf(), 'listBounces')).body as { bounces: { lastMessageId: string }[] };
    const ids = [...new Set(bounces.map((b) => b.lastMessageId))].slice(0, 5);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const api = await callRoute(fixtureOf(), 'getMessageState', { path: { messageId: id.toUpperCase() } });
      expect(api.status).toBe(200);
      expect(api.body).toEqual(await cliJson('message', id.toUpperCase()));
    }
  });

  it('the lists compared are not empty, and the filters filter', async () => {
    type Letters = { deadLetters: { reasonCode: string }[]; continuation: string | null };
    const allPage = (await callRoute(fixtureOf(), 'listDeadLetters')).body as Letters;
    const onePage = (await callRoute(fixtureOf(), 'listDeadLetters', { query: 'reason=invalid_json' })).body as Letters;
    // One page each holds the whole list (the default limit is 100).
    expect([allPage.continuation, onePage.continuation]).toEqual([null, null]);
    const [all, one] = [allPage.deadLetters, onePage.deadLetters];
    expect(all.length).toBe(samplesExpected.badRecords);
    expect(one.length).toBeGreaterThan(0);
    expect(one.length).toBeLessThan(all.length);
    expect(one.every((l) => l.reasonCode === 'invalid_json')).toBe(true);
  });

  it('the index answers compared are not empty', async () => {
    const recipient = (await callRoute(fixtureOf(), 'listRecipientMessages', { path: { address: 'Peggy@Example.org' }, query: 'limit=5' })).body as { messages: unknown[] };
    const messages = (await callRoute(fixtureOf(), 'listMessages', { query: 'from=2025-03-14T13:00:00Z&to=2025-03-14T14:00:00Z&status=Delivered&limit=20' })).body as { messages: unknown[] };
    const stats = (await callRoute(fixtureOf(), 'getStats', { query: 'from=2025-03-01&to=2025-04-01&by=hour&group=provider' })).body as { rows: unknown[] };
    expect(recipient.messages.length).toBeGreaterThan(0);
    expect(messages.messages.length).toBeGreaterThan(0);
    expect(stats.rows.length).toBeGreaterThan(1);
  });
});
