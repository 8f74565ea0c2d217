import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInputs } from '../../src/cli/readInputs.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';

/**
 * A document with two `records` keys must read the same whatever its size: parsed whole (up to 8 MB)
 * JSON.parse would keep the last array, streamed (above) the first. Both now hand out the first
 * array's elements and dead-letter the rest of the document with a reason.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dup-records-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(seq: number, pad = 0): Record<string, unknown> {
  return {
    time: '2024-05-01T10:00:00.0000000Z',
    category: 'EmailStatusUpdateOperational',
    properties: { MessageId: `msg-${seq}`, DeliveryStatus: 'Delivered', RecipientId: `user${seq}@example.com`, Note: 'x'.repeat(pad) },
  };
}

/** `{"records":[first...],"other":1,"<secondKey>":[second...]}`; secondKey is raw JSON text, escapes included. */
async function documentWithTwoRecordsKeys(name: string, secondKey: string, firstCount: number, pad: number): Promise<string> {
  const first = Array.from({ length: firstCount }, (_, i) => record(i, pad));
  const second = [record(1_000_001), record(1_000_002)];
  const path = join(dir, name);
  await writeFile(path, `{"records":${JSON.stringify(first)},"other":1,"${secondKey}":${JSON.stringify(second)}}`);
  return path;
}

async function readAll(path: string): Promise<SourcedBody[]> {
  const bodies: SourcedBody[] = [];
  for await (const body of readInputs([path])) bodies.push(body);
  return bodies;
}

function messageIds(bodies: readonly SourcedBody[]): string[] {
  return bodies.flatMap((b) => (typeof b.body === 'object' && b.body !== null ? [String((b.body as { properties: { MessageId: string } }).properties.MessageId)] : []));
}

describe('a document with two records keys', () => {
  it.each(['records', 'Records', 'r\\u0065cords'])('reads the same below and above 8 MB (second key %s)', async (secondKey) => {
    const small = await documentWithTwoRecordsKeys(`small-${secondKey}.json`, secondKey, 3, 0);
    const big = await documentWithTwoRecordsKeys(`big-${secondKey}.json`, secondKey, 9_000, 1_000);
    expect((await stat(small)).size).toBeLessThan(8 * 1024 * 1024);
    expect((await stat(big)).size).toBeGreaterThan(8 * 1024 * 1024);

    for (const [path, count] of [[small, 3], [big, 9_000]] as const) {
      const bodies = await readAll(path);
      expect(bodies).toHaveLength(count + 1);
      // The first array, element by element, in order; nothing of the second array is applied.
      expect(messageIds(bodies)).toEqual(Array.from({ length: count }, (_, i) => `msg-${i}`));
      const last = bodies.at(-1);
      expect(typeof last?.body).toBe('string');
      expect(last?.body).toMatch(/^unparseable input: duplicate "records" key/);
      expect(last?.source).toEqual({ kind: 'file', file: path, index: count });
    }
  }, 60_000);

  it('a small document with one records key is still one body', async () => {
    const path = join(dir, 'single.json');
    await writeFile(path, JSON.stringify({ records: [record(1), record(2)], note: 'records' }));
    const bodies = await readAll(path);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.source).toEqual({ kind: 'file', file: path });
  });

  it('a records key nested inside a record does not count as a second one', async () => {
    const path = join(dir, 'nested.json');
    const nested = { ...record(7), properties: { ...record(7)['properties'] as object, records: [1], Records: [2] } };
    await writeFile(path, JSON.stringify({ records: [nested, record(8)] }));
    const bodies = await readAll(path);
    expect(messageIds(bodies)).toEqual(['msg-7', 'msg-8']);
  });
});
