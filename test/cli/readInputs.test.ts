import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readInputs, type InputProgress } from '../../src/cli/readInputs.js';
import { LedgerError } from '../../src/errors.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'read-inputs-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

async function readAll(paths: string[], options: Parameters<typeof readInputs>[1] = {}): Promise<SourcedBody[]> {
  const bodies: SourcedBody[] = [];
  for await (const body of readInputs(paths, options)) bodies.push(body);
  return bodies;
}

function deliveryRecord(seq: number): Record<string, unknown> {
  return {
    time: '2024-05-01T10:00:00.0000000Z',
    resourceId: '/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS',
    operationName: 'DeliveryStatusUpdate',
    category: 'EmailStatusUpdateOperational',
    properties: { MessageId: `msg-${seq}`, DeliveryStatus: 'Delivered', RecipientId: `user${seq}@example.com` },
    seq,
  };
}

/** Writes generated text in batches, honouring back-pressure, so the test itself never holds the file. */
async function writeGenerated(path: string, targetBytes: number, piece: (i: number) => string, head = '', tail = ''): Promise<number> {
  const out = createWriteStream(path);
  out.write(head);
  let written = 0;
  let count = 0;
  while (written < targetBytes) {
    const batch: string[] = [];
    for (let k = 0; k < 1000; k += 1, count += 1) batch.push(piece(count));
    const text = batch.join('');
    written += text.length;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end(tail);
  await once(out, 'finish');
  return count;
}

/**
 * A forced collection, so heap samples show what is retained rather than garbage not yet collected
 * (vitest does not start workers with --expose-gc; the flag can still be turned on at run time).
 */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Reads every body of one input, counting those `isExpected` rejects (one assertion at the end is far
 * cheaper than one per body), and samples heap growth after forced collections.
 */
async function readMeasuringHeap(
  path: string,
  isExpected: (body: SourcedBody, n: number) => boolean,
  onProgress?: (progress: InputProgress) => void,
): Promise<{ count: number; unexpected: number; retainedGrowth: number }> {
  const gc = garbageCollector();
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let retainedGrowth = 0;
  let count = 0;
  let unexpected = 0;
  for await (const body of readInputs([path], onProgress === undefined ? {} : { onProgress })) {
    if (!isExpected(body, count)) unexpected += 1;
    count += 1;
    if (count % 10_000 === 0) {
      gc();
      retainedGrowth = Math.max(retainedGrowth, process.memoryUsage().heapUsed - baseline);
    }
  }
  return { count, unexpected, retainedGrowth };
}

function isFileSource(body: SourcedBody, path: string, position: { line?: number; index?: number }): boolean {
  const { source } = body;
  return source.kind === 'file' && source.file === path && source.line === position.line && source.index === position.index;
}

const MB = 1024 * 1024;

describe('readInputs: single documents', () => {
  it('reads a pretty-printed Event Hub body as one body', async () => {
    const body = { records: [deliveryRecord(1), deliveryRecord(2)] };
    const path = await fileWith('pretty.json', JSON.stringify(body, null, 2));
    expect(await readAll([path])).toEqual([{ body, source: { kind: 'file', file: path } }]);
  });

  it('reads a compact body on one line as one body', async () => {
    const body = { records: [deliveryRecord(3)] };
    const path = await fileWith('compact.json', `${JSON.stringify(body)}\n`);
    expect(await readAll([path])).toEqual([{ body, source: { kind: 'file', file: path } }]);
  });

  it('reads a bare record object as one body', async () => {
    const path = await fileWith('bare.json', JSON.stringify(deliveryRecord(4), null, 4));
    expect(await readAll([path])).toEqual([{ body: deliveryRecord(4), source: { kind: 'file', file: path } }]);
  });

  it('ignores a UTF-8 byte-order mark, in a document and in NDJSON', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const doc = await fileWith('bom.json', Buffer.concat([bom, Buffer.from(JSON.stringify({ records: [{ é: 'ü' }] }, null, 2))]));
    const lines = await fileWith('bom.ndjson', Buffer.concat([bom, Buffer.from('{"n":1}\n{"n":2}\n')]));
    const bodies = await readAll([doc, lines]);
    expect(bodies.map((b) => b.body)).toEqual([{ records: [{ é: 'ü' }] }, { n: 1 }, { n: 2 }]);
  });

  it('passes a small document that is not JSON on as its raw text', async () => {
    const text = '{\n  "records": [\n    {"a": 1},\n    {"a": 2\n  ]\n}\n';
    const path = await fileWith('broken-small.json', text);
    expect(await readAll([path])).toEqual([{ body: text, source: { kind: 'file', file: path } }]);
  });

  it('yields nothing for an empty or blank file', async () => {
    const empty = await fileWith('empty.json', '');
    const blank = await fileWith('blank.json', ' \n\n \r\n');
    expect(await readAll([empty, blank])).toEqual([]);
  });
});

describe('readInputs: NDJSON', () => {
  it('passes a bad line on as raw text with its line number, keeping its neighbours', async () => {
    const path = await fileWith('PT1H.json', '{"n":1}\n{"n":2,\n{"n":3}\n');
    expect(await readAll([path])).toEqual([
      { body: { n: 1 }, source: { kind: 'file', file: path, line: 1 } },
      { body: '{"n":2,', source: { kind: 'file', file: path, line: 2 } },
      { body: { n: 3 }, source: { kind: 'file', file: path, line: 3 } },
    ]);
  });

  it('skips blank lines but counts them, and handles CRLF and a missing final newline', async () => {
    const path = await fileWith('blank-lines.ndjson', '\r\n{"n":1}\r\n\r\n   \n{"n":2}\r\n\n{"n":3}');
    const bodies = await readAll([path]);
    expect(bodies.map((b) => [b.body, b.source])).toEqual([
      [{ n: 1 }, { kind: 'file', file: path, line: 2 }],
      [{ n: 2 }, { kind: 'file', file: path, line: 5 }],
      [{ n: 3 }, { kind: 'file', file: path, line: 7 }],
    ]);
  });

  it('tells NDJSON whose first line is broken from a pretty document', async () => {
    const path = await fileWith('first-bad.jsonl', '{"n":1,,}\n{"n":2}\n');
    expect((await readAll([path])).map((b) => b.body)).toEqual(['{"n":1,,}', { n: 2 }]);
  });

  it('passes a line holding a JSON string as JSON text, so it is not mistaken for the body text', async () => {
    const path = await fileWith('strings.ndjson', '"{\\"records\\":[]}"\n{"n":1}\n');
    expect((await readAll([path])).map((b) => b.body)).toEqual(['"{\\"records\\":[]}"', { n: 1 }]);
  });
});

describe('readInputs: arrays', () => {
  it('yields each element of an array of bodies with its index', async () => {
    const bodies = [{ records: [deliveryRecord(1)] }, { records: [deliveryRecord(2), deliveryRecord(3)] }];
    const path = await fileWith('bodies.json', JSON.stringify(bodies, null, 2));
    expect(await readAll([path])).toEqual([
      { body: bodies[0], source: { kind: 'file', file: path, index: 0 } },
      { body: bodies[1], source: { kind: 'file', file: path, index: 1 } },
    ]);
  });

  it('yields each element of a compact array of records with its index', async () => {
    const records = [deliveryRecord(1), deliveryRecord(2), deliveryRecord(3)];
    const path = await fileWith('records.json', JSON.stringify(records));
    const read = await readAll([path]);
    expect(read.map((b) => b.body)).toEqual(records);
    expect(read.map((b) => b.source)).toEqual([0, 1, 2].map((index) => ({ kind: 'file', file: path, index })));
  });

  it('keeps the elements before a truncation, then yields one string body with the remainder, then reads on', async () => {
    const truncated = await fileWith('truncated.json', '[\n  {"n": 0},\n  {"n": 1},\n  {"n": 2, "properties": {"Deliv');
    const next = await fileWith('after-truncated.ndjson', '{"n":"next"}\n{"n":"last"}\n');
    const bodies = await readAll([truncated, next]);
    expect(bodies.slice(0, 2).map((b) => b.body)).toEqual([{ n: 0 }, { n: 1 }]);
    const broken = bodies[2];
    expect(broken?.source).toEqual({ kind: 'file', file: truncated, index: 2 });
    expect(typeof broken?.body).toBe('string');
    expect(broken?.body).toContain('{"n": 2, "properties": {"Deliv');
    expect(broken?.body).toContain('truncated');
    expect(() => JSON.parse(String(broken?.body))).toThrow();
    expect(bodies.slice(3)).toEqual([
      { body: { n: 'next' }, source: { kind: 'file', file: next, line: 1 } },
      { body: { n: 'last' }, source: { kind: 'file', file: next, line: 2 } },
    ]);
  });

  it('keeps the elements before corruption in the middle of an array', async () => {
    const path = await fileWith('corrupt.json', '[{"n":0},{"n":1},{"n":2} oops {"n":3}]');
    const bodies = await readAll([path]);
    expect(bodies.slice(0, 3).map((b) => b.body)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    expect(bodies).toHaveLength(4);
    expect(bodies[3]?.source).toEqual({ kind: 'file', file: path, index: 3 });
    expect(bodies[3]?.body).toEqual(expect.stringContaining(' oops {"n":3}'));
  });
});

describe('readInputs: paths', () => {
  it('reads a folder recursively, JSON files only, sorted by path', async () => {
    const folder = join(dir, 'archive');
    await fileWith('archive/b.ndjson', '{"f":"b"}\n');
    await fileWith('archive/a.json', '{"f":"a"}');
    await fileWith('archive/a/z.jsonl', '{"f":"a/z"}\n');
    await fileWith('archive/a-b/y.json', '{"f":"a-b/y"}');
    await fileWith('archive/C.JSON', '{"f":"C"}');
    await fileWith('archive/notes.txt', '{"f":"notes"}');
    await fileWith('archive/old.json.gz', '{"f":"gz"}');
    const bodies = await readAll([folder]);
    expect(bodies.map((b) => b.body)).toEqual([{ f: 'C' }, { f: 'a-b/y' }, { f: 'a' }, { f: 'a/z' }, { f: 'b' }]);
    expect(bodies.map((b) => (b.source.kind === 'file' ? b.source.file : ''))).toEqual(
      ['C.JSON', 'a-b/y.json', 'a.json', 'a/z.jsonl', 'b.ndjson'].map((name) => join(folder, name)),
    );
  });

  it('reads a file named on the command line whatever its extension', async () => {
    const path = await fileWith('export.txt', '{"n":1}\n{"n":2}\n');
    expect((await readAll([path])).map((b) => b.body)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('reads "-" from the given stream, decoding UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('{"to":"zoë"}\n{"to":"jörg"}\n');
    const split = bytes.indexOf(0xc3) + 1; // inside the two-byte "ë"
    const stdin = Readable.from([bytes.subarray(0, split), bytes.subarray(split)]);
    expect(await readAll(['-'], { stdin })).toEqual([
      { body: { to: 'zoë' }, source: { kind: 'file', file: '-', line: 1 } },
      { body: { to: 'jörg' }, source: { kind: 'file', file: '-', line: 2 } },
    ]);
  });

  it('reads a small pretty document from "-" as one body, and reports progress without a total', async () => {
    const body = { records: [deliveryRecord(1)] };
    const progress: InputProgress[] = [];
    const stdin = Readable.from([JSON.stringify(body, null, 2)]);
    expect(await readAll(['-'], { stdin, onProgress: (p) => progress.push(p) })).toEqual([{ body, source: { kind: 'file', file: '-' } }]);
    expect(progress).toEqual([{ file: '-', bytesRead: Buffer.byteLength(JSON.stringify(body, null, 2)) }]);
  });

  it('streams the records of a document over 8 MiB from "-", whose size is not known in advance', async () => {
    const count = 30_000; // about 11 MB pretty-printed
    async function* prettyRecords(): AsyncGenerator<string> {
      yield '{\n  "records": [\n';
      for (let i = 0; i < count; i += 1) yield `${i === 0 ? '' : ',\n'}${JSON.stringify(deliveryRecord(i), null, 2)}`;
      yield '\n  ]\n}\n';
    }
    let read = 0;
    let misplaced = 0;
    for await (const body of readInputs(['-'], { stdin: Readable.from(prettyRecords()) })) {
      if (!isFileSource(body, '-', { index: read }) || (body.body as { seq?: unknown }).seq !== read) misplaced += 1;
      read += 1;
    }
    expect(read).toBe(count);
    expect(misplaced).toBe(0);
  });

  it('fails on a missing path before yielding anything, even when it is not the first', async () => {
    const good = await fileWith('good.json', '{"n":1}');
    const missing = join(dir, 'no-such-file.json');
    const bodies = readInputs([good, missing]);
    const error: unknown = await bodies.next().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ code: 'input_unreadable', context: { path: missing } });
  });

  it('refuses "-" twice, since standard input can be read only once', async () => {
    await expect(readAll(['-', '-'], { stdin: Readable.from(['{}']) })).rejects.toMatchObject({ code: 'usage' });
  });
});

describe('readInputs: large inputs stream in bounded memory', () => {
  it('reads a 50 MB NDJSON file with heap growth far below the file size, reporting progress', async () => {
    const path = join(dir, 'big.ndjson');
    const lines = await writeGenerated(path, 50 * MB, (i) => `${JSON.stringify(deliveryRecord(i))}\n`);
    const { size } = await stat(path);
    const progress: { report: InputProgress; at: number }[] = [];
    const started = Date.now();
    const { count, unexpected, retainedGrowth } = await readMeasuringHeap(
      path,
      (body, n) => isFileSource(body, path, { line: n + 1 }) && (body.body as { seq?: unknown }).seq === n,
      (report) => progress.push({ report, at: Date.now() }),
    );
    console.info(
      `${(size / MB).toFixed(1)} MB NDJSON: ${count} lines in ${Date.now() - started} ms, ` +
        `retained heap growth ${(retainedGrowth / MB).toFixed(1)} MB, ${progress.length} progress reports`,
    );
    expect(count).toBe(lines);
    expect(unexpected).toBe(0);
    expect(retainedGrowth).toBeLessThan(size / 10);
    // Progress: never backwards, ends at the file size, and (apart from the closing report) >= 250 ms apart.
    expect(progress.at(-1)?.report).toEqual({ file: path, bytesRead: size, bytesTotal: size });
    const reads = progress.map((p) => p.report.bytesRead);
    expect(reads).toEqual([...reads].sort((x, y) => x - y));
    const gaps = progress.slice(0, -1).map((p, i, all) => (i === 0 ? Infinity : p.at - (all[i - 1]?.at ?? 0)));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(245);
  });

  it('streams a large pretty {"records":[...]} document element by element', async () => {
    const path = join(dir, 'big-pretty.json');
    const records = await writeGenerated(
      path,
      12 * MB,
      (i) => `${i === 0 ? '' : ',\n'}${JSON.stringify(deliveryRecord(i), null, 2)}`,
      '{\n  "records": [\n',
      '\n  ]\n}\n',
    );
    const { size } = await stat(path);
    const expected = (n: number): string => JSON.stringify(deliveryRecord(n));
    const { count, unexpected, retainedGrowth } = await readMeasuringHeap(
      path,
      (body, n) => isFileSource(body, path, { index: n }) && JSON.stringify(body.body) === expected(n),
    );
    console.info(`${(size / MB).toFixed(1)} MB pretty records: ${count} records, retained heap growth ${(retainedGrowth / MB).toFixed(1)} MB`);
    expect(count).toBe(records);
    expect(unexpected).toBe(0);
    expect(retainedGrowth).toBeLessThan(size / 10);
  });

  it('keeps the records before the break in a large truncated document', async () => {
    const path = join(dir, 'big-truncated.json');
    const records = await writeGenerated(
      path,
      9 * MB,
      (i) => `${i === 0 ? '' : ',\n'}${JSON.stringify(deliveryRecord(i), null, 2)}`,
      '{"records": [\n',
      ',\n{"time": "2024-05-01T1',
    );
    const bodies = await readAll([path]);
    const broken = bodies.at(-1);
    expect(bodies).toHaveLength(records + 1);
    expect(bodies.at(-2)?.body).toEqual(deliveryRecord(records - 1));
    expect(broken?.source).toEqual({ kind: 'file', file: path, index: records });
    expect(broken?.body).toEqual(expect.stringContaining('{"time": "2024-05-01T1'));
  });
});
