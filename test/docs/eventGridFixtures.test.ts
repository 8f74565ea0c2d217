import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The Event Grid fixtures and their README agree, and the cross-source table points at real log records. */
const dir = new URL('../fixtures/eventgrid/', import.meta.url);
const readme = readFileSync(new URL('README.md', dir), 'utf8');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

interface LogRecord { correlationId?: string; properties?: { RecipientId?: string } }
const logRecords = ['sample-event-1.json', 'sample-event-2.json'].flatMap(
  (name) => (JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as { records: LogRecord[] }).records,
);

function events(file: string): Record<string, unknown>[] {
  const body: unknown = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
  return (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
}

describe('test/fixtures/eventgrid', () => {
  it('lists every fixture file in its README, and only those', () => {
    const listed = [...readme.slice(readme.indexOf('## Files')).matchAll(/^\| `([\w.-]+\.json)` \|/gm)].map((m) => m[1] ?? '').sort();
    expect(listed).toEqual(files);
  });

  it('gives every cross-source fixture a message and recipient that the log fixtures also have', () => {
    const section = readme.slice(readme.indexOf('## Cross-source'), readme.indexOf('## Files'));
    const crossFiles = [...section.matchAll(/`([\w.-]+\.json)`/g)].map((m) => m[1] ?? '').filter((f) => files.includes(f));
    expect(crossFiles.length).toBeGreaterThanOrEqual(6);
    for (const file of crossFiles) {
      for (const event of events(file)) {
        const data = event.data as { messageId: string; recipient: string };
        const inLogs = logRecords.some((r) => r.correlationId === data.messageId && r.properties?.RecipientId === data.recipient);
        expect(inLogs, `${file}: ${data.messageId} / ${data.recipient}`).toBe(true);
      }
    }
  });

  it('uses only example domains and the samples subscription', () => {
    for (const file of files) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const [address] of text.matchAll(/[\w.+-]+@[\w.-]+\.\w+/g)) expect(address, file).toMatch(/@([\w-]+\.)*example\.(com|org|net)$/);
      for (const [sub] of text.matchAll(/subscriptions\/([0-9a-f-]{36})/gi)) expect(sub, file).toBe('subscriptions/11111111-2222-3333-4444-555555555555');
    }
  });
});
