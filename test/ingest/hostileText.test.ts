import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyRecord } from '../../src/ingest/classifyRecord.js';
import { toDeadLetter } from '../../src/ingest/deadLetter.js';
import { decodeBody } from '../../src/ingest/decodeBody.js';
import { hasLoneSurrogate, stringifyJson } from '../../src/ingest/jsonText.js';
import type { RecordSource } from '../../src/ingest/recordSource.js';
import { addReports, emptyReport } from '../../src/pipeline/batchReport.js';
import { triageBatch } from '../../src/pipeline/triageBatch.js';
import { messagePartitionKey, recipientRowKey } from '../../src/store/messageRows.js';
import { MAX_ENCODED_LENGTH } from '../../src/store/tableKeys.js';

/** The pure half of hostile-input handling: bytes, surrogates, depth and prototype names. */
const source: RecordSource = { kind: 'inline', label: 'test' };
const id = 'eeeeeeee-0000-4000-8000-00000000000e';
const status = (properties: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
  time: '2025-03-14T10:00:00Z', category: 'EmailStatusUpdateOperational', correlationId: id,
  properties: { RecipientId: 'a@example.org', DeliveryStatus: 'Delivered', ...properties }, ...top,
});

describe('bytes and surrogates', () => {
  it('dead-letters a body with invalid UTF-8 instead of applying U+FFFD', () => {
    const bytes = Buffer.concat([Buffer.from('{"records":[{"category":"Usage","x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]);
    const decoded = decodeBody(bytes);
    expect(decoded).toMatchObject({ ok: false, issue: { code: 'invalid_utf8' } });
    expect(decodeBody(Buffer.from(JSON.stringify({ records: [status({ RecipientId: '𝒜@例え.jp' })] })))).toMatchObject({ ok: true });
  });

  it.each([
    ['correlationId', status({}, { correlationId: 'x\ud800' }), 'messageId'],
    ['RecipientId', status({ RecipientId: '\udfffa@example.org' }), 'recipient'],
    ['FailureMessage', status({ FailureMessage: 'bad \udbff' }), 'failureMessage'],
  ])('dead-letters a lone surrogate in %s as invalid_unicode', (_field, record, path) => {
    const classified = classifyRecord(record, source, 0);
    expect(classified).toMatchObject({ kind: 'invalid', issue: { code: 'invalid_unicode', path } });
  });

  it('shows a lone surrogate in a dead letter\'s raw text as U+FFFD, and a split pair too', () => {
    const letter = toDeadLetter({ code: 'invalid_json', message: 'x' }, '{"a":"\ud800😀', source, null, null, 8);
    expect(letter).toMatchObject({ raw: '{"a":"\ufffd\ufffd', rawLength: 9, truncated: true });
  });

  it('keeps paired surrogates (astral characters) and line separators', () => {
    expect(classifyRecord(status({ RecipientId: '😀\u2028@example.org' }), source, 0)).toMatchObject({ kind: 'event', event: { recipient: '😀\u2028@example.org' } });
    expect(hasLoneSurrogate('😀')).toBe(false);
    expect(hasLoneSurrogate('😀'.slice(0, 1))).toBe(true);
  });
});

describe('depth', () => {
  it('writes the same text as JSON.stringify for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(stringifyJson(value)).toBe(JSON.stringify(value));
    }), { seed: 7, numRuns: 500 });
  });

  it.each([5_000, 100_000])('dead-letters a record nested %i levels with its original text', (depth) => {
    const array = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const object = `{"time":"2025-03-14T10:00:00Z","category":"EmailStatusUpdateOperational","correlationId":"${id}","properties":{"DeliveryStatus":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;
    const triaged = triageBatch([{ body: `{"records":[${array},${object}]}`, source }], 1_000_000);
    expect(triaged.deadLetters.map((d) => [d.issue.code, d.raw])).toEqual([
      ['not_an_object', array],
      ['invalid_field', object],
    ]);
  });

  it('never throws on a cycle (only a programmatic caller can build one)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(stringifyJson(cyclic)).toBe('{"a":1,"self":"[Circular]"}');
  });
});

describe('names that are object-prototype keys', () => {
  const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

  it('counts foreign categories named like prototype members', () => {
    const records = names.flatMap((name) => [{ category: name }, { category: name }]);
    const triaged = triageBatch([{ body: JSON.stringify({ records }), source }], 1_000);
    expect(Object.entries(triaged.ignoredByCategory).sort()).toEqual(names.map((n) => [n, 2]).sort());
    const total = addReports(addReports(emptyReport(), { ...emptyReport(), ignoredByCategory: triaged.ignoredByCategory }), { ...emptyReport(), ignoredByCategory: triaged.ignoredByCategory });
    expect(Object.entries(total.ignoredByCategory).sort()).toEqual(names.map((n) => [n, 4]).sort());
  });

  it('does not read an inherited member as a boolean word', () => {
    for (const word of names) {
      expect(classifyRecord(status({ IsHardBounce: word }), source, 0)).toMatchObject({ kind: 'invalid', issue: { code: 'invalid_field' } });
    }
  });

  it('reads a property named __proto__ as data', () => {
    const record = JSON.parse(`{"time":"2025-03-14T10:00:00Z","category":"EmailStatusUpdateOperational","correlationId":"${id}","properties":{"__proto__":{"deliverystatus":"Bounced"},"RecipientId":"a@example.org"}}`) as unknown;
    expect(classifyRecord(record, source, 0)).toMatchObject({ kind: 'invalid', issue: { code: 'missing_delivery_status' } });
  });
});

describe('request sizes', () => {
  it('a point read names one key, so the longest internationalised keys stay far below URL limits', () => {
    // Every character three UTF-8 bytes and percent-encoded: the worst a key can cost in a URL.
    const longest = (tail: number) => `${'ド'.repeat(MAX_ENCODED_LENGTH - 3)}${String(tail).padStart(3, '0')}`;
    const partitionKey = messagePartitionKey(longest(1));
    const rowKey = recipientRowKey(longest(2));
    expect(partitionKey.length).toBeLessThanOrEqual(MAX_ENCODED_LENGTH);
    expect(rowKey.length).toBeLessThanOrEqual(MAX_ENCODED_LENGTH + 2);
    const path = `/messages(PartitionKey='${encodeURIComponent(partitionKey)}',RowKey='${encodeURIComponent(rowKey)}')`;
    // Azurite answers 431 above 16 KB of URL and headers; Azure allows 8 KB of URL path.
    expect(path.length).toBeLessThan(8_192);
  });
});
