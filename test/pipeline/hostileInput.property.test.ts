import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/**
 * "A poison record never fails a batch", for every valid JSON value: realistic records (the synthetic
 * stream) with hostile values injected where the ledger reads them (lone surrogates, U+2028/U+2029,
 * astral characters, 250-byte internationalised addresses, object-prototype names, any JSON value, any
 * depth, invalid UTF-8), cut into arbitrary event bodies of arbitrary form, run through the whole
 * pipeline on Azurite. Fixed seed so CI sees the same cases every run.
 */
const stream = syntheticStream();
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

/** An internationalised address of about 250 UTF-8 bytes (RFC 6531 allows 254 for the whole path). */
const intlAddress = (n: number) => `${'ü'.repeat(58)}${n}@${'ドメイン'.repeat(10)}.jp`;

const hostileString = fc.oneof(
  fc.constantFrom(
    '\ud800', '\udfff', 'a\udbffz@example.org', '\u2028', '\u2029', 'line\u2028sep\u2029para@example.org',
    '😀', '𝒜@例え.jp', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'Bounced',
  ),
  fc.nat({ max: 99 }).map(intlAddress),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const anyJson = fc.oneof(hostileString, fc.jsonValue({ maxDepth: 3 }));
const FIELDS = [
  'correlationId', 'category', 'time', 'resourceId', 'properties', 'properties.RecipientId', 'properties.DeliveryStatus',
  'properties.FailureMessage', 'properties.FailureReason', 'properties.SenderDomain', 'properties.UserAgent',
  'properties.EngagementContext', 'properties.EngagementType', 'properties.IsHardBounce', 'properties.SmtpStatusCode',
  'properties.recordId', 'properties.usageType', 'properties.unitType', 'properties.quantity',
] as const;

const deepText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObjectText = (depth: number) =>
  `{"category":"EmailStatusUpdateOperational","correlationId":"aaaaaaaa-0000-4000-8000-00000000000d","properties":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

type Mutation = (records: string[]) => void;

/** Sets `field` ("a" or "a.b") of the record at `at` to `value`; a record that is not an object is left alone. */
function setAt(texts: string[], at: number, field: string, value: unknown): void {
  const i = at % texts.length;
  const record: unknown = JSON.parse(texts[i] ?? '{}');
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return;
  const [head, tail] = field.split('.') as [string, string | undefined];
  const target = record as Record<string, unknown>;
  if (tail === undefined) target[head] = value;
  else if (typeof target[head] === 'object' && target[head] !== null) (target[head] as Record<string, unknown>)[tail] = value;
  texts[i] = JSON.stringify(record);
}

const setField = fc.record({ at: fc.nat(), field: fc.constantFrom(...FIELDS), value: anyJson }).map(
  ({ at, field, value }): Mutation => (texts) => setAt(texts, at, field, value),
);
/** Names taken from the data as keys of counts: the ledger must count them, not read Object's members. */
const prototypeName = fc.record({
  at: fc.nat(),
  field: fc.constantFrom('category', 'properties.DeliveryStatus', 'properties.EngagementType', 'properties.RecipientId', 'properties.SenderDomain'),
  value: fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'),
}).map(({ at, field, value }): Mutation => (texts) => setAt(texts, at, field, value));
const addKey = fc.record({ at: fc.nat(), key: hostileString, value: anyJson, top: fc.boolean() }).map(
  ({ at, key, value, top }): Mutation =>
    (texts) => {
      const i = at % texts.length;
      const record = JSON.parse(texts[i] ?? '{}') as Record<string, unknown>;
      if (typeof record !== 'object' || record === null || Array.isArray(record)) return;
      const target = top || typeof record['properties'] !== 'object' || record['properties'] === null ? record : (record['properties'] as Record<string, unknown>);
      Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
      texts[i] = JSON.stringify(record);
    },
);
const replaceRecord = fc.record({ at: fc.nat(), value: fc.jsonValue({ maxDepth: 4 }) }).map(
  ({ at, value }): Mutation =>
    (texts) => {
      texts[at % texts.length] = JSON.stringify(value) ?? 'null';
    },
);
const deepRecord = fc.record({ at: fc.nat(), depth: fc.constantFrom(2, 200, 5_000, 20_000), object: fc.boolean() }).map(
  ({ at, depth, object }): Mutation =>
    (texts) => {
      texts[at % texts.length] = object ? deepObjectText(depth) : deepText(depth);
    },
);
/** Twenty recipients of one message with 250-byte addresses: one point read of them is over 16 KB. */
const manyLongRecipients = fc.nat({ max: 99 }).map(
  (seed): Mutation =>
    (texts) => {
      for (let k = 0; k < 20; k += 1) {
        texts.push(JSON.stringify({
          time: `2025-03-16T10:00:${String(k).padStart(2, '0')}Z`, category: 'EmailStatusUpdateOperational',
          correlationId: `bbbbbbbb-0000-4000-8000-${String(seed).padStart(12, '0')}`,
          properties: { RecipientId: intlAddress(k), DeliveryStatus: 'Bounced', IsHardBounce: true, SenderDomain: 'example.net' },
        }));
      }
    },
);
const mutation = fc.oneof(setField, setField, prototypeName, addKey, replaceRecord, deepRecord, manyLongRecipients);

type BodyForm = 'string' | 'buffer' | 'parsed' | 'invalidUtf8';
const caseArb = fc.record({
  mutations: fc.array(mutation, { minLength: 1, maxLength: 8 }),
  sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }),
  forms: fc.array(fc.constantFrom<BodyForm>('string', 'string', 'buffer', 'parsed', 'invalidUtf8'), { minLength: 1, maxLength: 5 }),
});

/** Event bodies and how many records they hold: an unreadable body counts as one (dead-lettered whole). */
function toBodies(texts: readonly string[], sizes: readonly number[], forms: readonly BodyForm[]): { bodies: SourcedBody[]; records: number } {
  const bodies: SourcedBody[] = [];
  let records = 0;
  for (let i = 0, k = 0; i < texts.length; k += 1) {
    const part = texts.slice(i, i + (sizes[k % sizes.length] ?? 3));
    i += part.length;
    const text = `{"records":[${part.join(',')}]}`;
    const form = forms[k % forms.length] ?? 'string';
    const source = { kind: 'eventHub', partitionId: '0', sequenceNumber: k, eventIndex: k } as const;
    // Invalid bytes inside the first string of the body: decoded leniently it would still be JSON.
    const inString = text.indexOf('"', 13) + 1;
    if (form === 'invalidUtf8' && inString > 0) {
      bodies.push({ body: Buffer.concat([Buffer.from(text.slice(0, inString)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(text.slice(inString))]), source });
      records += 1;
      continue;
    }
    records += part.length;
    bodies.push({ body: form === 'string' ? text : form === 'buffer' ? Buffer.from(text) : (JSON.parse(text) as unknown), source });
  }
  return { bodies, records };
}

/** Status names are data: each message's statusCounts are whole numbers summing to its recipients with a status. */
function expectCountsMatchRecipients(rows: readonly unknown[]): void {
  const byPartition = new Map<string, { counts?: unknown; withStatus: number }>();
  for (const row of rows as Record<string, unknown>[]) {
    const entry = byPartition.get(String(row['partitionKey'])) ?? { withStatus: 0 };
    if (row['rowType'] === 'message') entry.counts = JSON.parse(String(row['statusCounts'])) as unknown;
    if (row['rowType'] === 'recipient' && typeof row['status'] === 'string') entry.withStatus += 1;
    byPartition.set(String(row['partitionKey']), entry);
  }
  for (const { counts, withStatus } of byPartition.values()) {
    if (counts === undefined) continue;
    const values = Object.values(counts as Record<string, unknown>);
    expect(values.every((n) => Number.isInteger(n) && (n as number) > 0)).toBe(true);
    expect(values.reduce((a: number, n) => a + (n as number), 0)).toBe(withStatus);
  }
}

describe('hostile input, whole pipeline', () => {
  it('never throws, puts every record in exactly one bucket, and a replay changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ mutations, sizes, forms }) => {
        const texts = stream.map((r) => JSON.stringify(r));
        for (const m of mutations) m(texts);
        const { bodies, records } = toBodies(texts, sizes, forms);
        const { tables, config } = await openTestTables({ LEDGER_MAX_CLICKED_URLS: '3' });
        opened.push(tables);
        const run = () => processBatch(bodies, { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls });
        const first = (await run()).report;
        expect(first.records).toBe(records);
        expect(first.applied + first.duplicates + first.ignored + first.deadLettered).toBe(records);
        const dump = await dumpLedger(tables);
        expectCountsMatchRecipients(dump['messages'] ?? []);
        const second = (await run()).report;
        expect(second.records).toBe(records);
        expect(second.applied).toBe(0);
        expect(second.applied + second.duplicates + second.ignored + second.deadLettered).toBe(records);
        expect(await dumpLedger(tables)).toEqual(dump);
        await tables.close();
        opened.pop();
      }),
      { seed: 20261201, numRuns: 12, endOnFailure: true },
    );
  }, 120_000);
});
