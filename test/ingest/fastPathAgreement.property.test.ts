import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyRecord, classifyRecordReference } from '../../src/ingest/classifyRecord.js';
import { classifyFast } from '../../src/ingest/fastClassify.js';
import { canonicalUtcByPattern, toCanonicalUtc } from '../../src/ingest/looseScalars.js';
import { recordFingerprint } from '../../src/ingest/recordFingerprint.js';
import type { RecordSource } from '../../src/ingest/recordSource.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/**
 * The classifier's fast path (no zod) must give the general path's answer for every record: the same
 * event (every field, key order, fingerprint) or, by falling back, the same dead letter. Realistic
 * records (all of samples/ and the synthetic stream) with arbitrary mutations where the ledger reads
 * them. Fixed seed so CI sees the same cases every run.
 */
const SAMPLES = new URL('../../samples/', import.meta.url);
function sampleRecords(): Record<string, unknown>[] {
  const out: unknown[] = [];
  const add = (body: unknown): void => {
    if (Array.isArray(body)) body.forEach(add);
    else if (typeof body === 'object' && body !== null && Array.isArray((body as { records?: unknown }).records)) out.push(...(body as { records: unknown[] }).records);
    else out.push(body);
  };
  for (const line of readFileSync(new URL('archive/PT1H.json', SAMPLES), 'utf8').split('\n')) {
    try {
      out.push(JSON.parse(line));
    } catch {
      // the samples' deliberately broken lines
    }
  }
  add(JSON.parse(readFileSync(new URL('batches.json', SAMPLES), 'utf8')));
  for (const file of readdirSync(new URL('events/', SAMPLES))) add(JSON.parse(readFileSync(new URL(`events/${file}`, SAMPLES), 'utf8')));
  return [...out, ...syntheticStream()].filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r));
}
const records = sampleRecords();
const source: RecordSource = { kind: 'inline', label: 'agreement' };

/** Same answer, and for an event the same key order (a spread and a literal could differ). */
function expectAgreement(raw: unknown): void {
  const fast = classifyRecord(raw, source, 3);
  const reference = classifyRecordReference(raw, source, 3);
  // isDeepStrictEqual first: expect's own comparison is too slow for the grid below.
  if (!isDeepStrictEqual(fast, reference)) expect(fast).toEqual(reference);
  if (fast.kind === 'event' && reference.kind === 'event') expect(Object.keys(fast.event)).toEqual(Object.keys(reference.event));
}

const TOP = ['category', 'Category', 'type', 'Type', 'time', 'TimeGenerated', 'timeGenerated', 'resourceId', 'ResourceId', '_ResourceId', 'correlationId', 'CorrelationId', 'properties', 'Properties', 'CATEGORY'];
const PROPERTIES = [
  'Size', 'ToRecipientsCount', 'CcRecipientsCount', 'BccRecipientsCount', 'UniqueRecipientsCount', 'AttachmentsCount', 'TrafficSource',
  'RecipientId', 'DeliveryStatus', 'SmtpStatusCode', 'EnhancedSmtpStatusCode', 'FailureReason', 'FailureMessage', 'SenderDomain',
  'SenderUsername', 'IsHardBounce', 'EngagementType', 'EngagementContext', 'UserAgent', 'recordId', 'usageType', 'unitType', 'quantity',
  'startTime', 'recipientid', 'ISHARDBOUNCE', 'StartTime', '__proto__', 'constructor',
];

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const part = (max: number, width = 2) => fc.oneof(fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0')), digits(width));
/** Times near the fast form, each part a little past its range, so invalid months, days, leap days and 0-10 fraction digits all occur. */
const nearZulu = fc
  .tuple(fc.oneof(fc.constantFrom('2024', '2025', '1900', '2000', '0000', '0004'), digits(4)), part(13), part(32), part(24), part(60), part(60), fc.nat({ max: 10 }), fc.constantFrom('Z', 'Z', 'Z', 'z', '', '+01:00', '-0530'), fc.constantFrom('T', 'T', ' ', 't'))
  .chain(([y, mo, d, h, mi, s, fractionDigits, zone, sep]) =>
    digits(fractionDigits).map((f) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${fractionDigits > 0 ? `.${f}` : ''}${zone}`),
  );
const plausibleDate = fc
  .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .chain((d) => fc.nat({ max: 9 }).chain((n) => digits(n).map((f) => `${d.toISOString().slice(0, 19)}${n > 0 ? `.${f}` : ''}Z`)));
/** Every value kind the loose scalars treat differently, as one pool (the grid below tries each in each field). */
const POOL: readonly unknown[] = [
  '', ' ', '  x ', 'true', 'False', 'TRUE', ' true ', '1', '0', 'yes', '0x10', 'Infinity', 'NaN', '1e3', '-0', '+.5', '.', '5.', '1,5', '-1', '2.5',
  'Delivered', 'bounced', 'OUTFORDELIVERY', 'view', 'CLICK', 'Other', 'Usage', 'EmailSendMailOperational', 'emailstatusupdateoperational', 'Foreign',
  '\ud800', 'a\udbffz', '😀', '\u2028', '"quoted"', 'back\\slash', 'tab\there', 'constructor', '__proto__', 'toString',
  'AAAAAAAA-0000-4000-8000-000000000001', 'not-a-guid', '/subscriptions/x/Providers/Y', 'subscriptions/x',
  '2025-03-14T09:21:07.4421337Z', '2025-03-14T09:21:07Z', '2025-03-14T09:21:07.1Z', '2025-03-14T09:21:07.123456789Z', '2025-03-14T09:21:07.1234567890Z',
  '2025-02-29T00:00:00Z', '2024-02-29T00:00:00Z', '2025-03-14 09:21:07Z', '2025-03-14T09:21:07+01:00', '2025-03-14T09:21:07.44z', ' 2025-03-14T09:21:07Z ',
  '2025-03-14T24:00:00Z', '2025-13-01T00:00:00Z', '2025-03-14T09:21Z', '2025-03-14',
  0, -0, 1, 2.5, -3, 1e21, 1e-7, 123456789012, Number.MAX_SAFE_INTEGER, 2 ** 60, 0.1 + 0.2, 1e15, 1e16,
  true, false, null, {}, [], [1], { a: 1 }, new Date('2025-03-14T09:21:07Z'),
];
const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...POOL) },
  nearZulu,
  plausibleDate,
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.double(),
);
const value = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });

type Mutation = (record: Record<string, unknown>) => void;
const properties = (record: Record<string, unknown>): Record<string, unknown> | null => {
  const p = record['properties'];
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
};
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom(...TOP), value).map(([key, v]): Mutation => (r) => void (r[key] = v)),
  fc.tuple(fc.constantFrom(...PROPERTIES), value).map(([key, v]): Mutation => (r) => {
    const p = properties(r);
    if (p !== null) Object.defineProperty(p, key, { value: v, enumerable: true, writable: true, configurable: true });
  }),
  fc.constantFrom(...TOP).map((key): Mutation => (r) => void delete r[key]),
  fc.constantFrom(...PROPERTIES).map((key): Mutation => (r) => {
    const p = properties(r);
    if (p !== null) delete p[key];
  }),
  // A key re-spelled in another case, beside or instead of the original.
  fc.tuple(fc.boolean(), fc.boolean()).map(([inProperties, keep]): Mutation => (r) => {
    const target = inProperties ? properties(r) : r;
    const key = target === null ? undefined : Object.keys(target)[0];
    if (target === null || key === undefined) return;
    target[key.toUpperCase() === key ? key.toLowerCase() : key.toUpperCase()] = target[key];
    if (!keep) delete target[key];
  }),
);

describe('the fast path agrees with the zod path', () => {
  it('on every realistic record as it is, and answers most of them itself', () => {
    let answered = 0;
    for (const record of records) {
      expectAgreement(record);
      if (classifyFast(record, source, 3) !== undefined) answered += 1;
    }
    expect(answered / records.length).toBeGreaterThan(0.95);
  });

  it('with each field of realistic records set to each value of the pool, or removed', () => {
    // One record per shape: category and key spellings (camelCase, PascalCase exports, loose types).
    const shapes = new Map<string, Record<string, unknown>>();
    for (const record of records) {
      const p = properties(record);
      const shape = `${String(record['category'] ?? record['Type'])}|${Object.keys(record).join()}|${p === null ? '-' : Object.keys(p).join()}`;
      if (!shapes.has(shape)) shapes.set(shape, record);
    }
    const representatives = [...shapes.values()].filter((_, i) => i % 3 === 0);
    for (const record of representatives) {
      for (const v of [...POOL, undefined]) {
        for (const key of TOP) expectAgreement({ ...record, [key]: v });
        const p = properties(record);
        if (p === null) continue;
        for (const key of PROPERTIES) {
          const changed = Object.create(null) as Record<string, unknown>;
          Object.assign(changed, p);
          changed[key] = v;
          expectAgreement({ ...record, properties: changed });
        }
      }
    }
  });

  it('on arbitrary mutations of realistic records', () => {
    fc.assert(
      fc.property(fc.nat({ max: records.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (index, mutations) => {
        const record = structuredClone(records[index]) as Record<string, unknown>;
        for (const mutate of mutations) mutate(record);
        expectAgreement(record);
      }),
      { numRuns: 4_000, seed: 20_250_314 },
    );
  });

  it('on values that are not records at all', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => expectAgreement(v)), { numRuns: 500, seed: 7 });
  });
});

describe('the fast time form agrees with the general one', () => {
  it('for times near the fast form and arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(nearZulu, plausibleDate, fc.string({ maxLength: 32 })), (text) => {
        expect(toCanonicalUtc(text)).toBe(canonicalUtcByPattern(text));
      }),
      { numRuns: 5_000, seed: 11 },
    );
  });
});

describe('the fingerprint', () => {
  it('is still SHA-256 of the JSON text, first 22 base64url characters: stored rows are keyed by it', () => {
    const normalised = ['status', 'aaaaaaaa-0000-4000-8000-000000000001', '2025-03-14T09:21:07.4421337Z', null, { recipient: 'ü@例え.jp', isHardBounce: true }];
    const before = createHash('sha256').update(JSON.stringify(normalised)).digest('base64url').slice(0, 22);
    expect(recordFingerprint(normalised)).toBe(before);
  });
});
