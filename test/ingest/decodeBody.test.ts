import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBody, type DecodedBody } from '../../src/ingest/decodeBody.js';
import type { RecordIssueCode } from '../../src/ingest/recordIssue.js';

const fixtureText = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

const BOM = '\uFEFF';
const BOM_BYTES = Buffer.from([0xef, 0xbb, 0xbf]);

const recA = { time: '2025-03-14T09:21:07.4421337Z', category: 'EmailSendMailOperational', correlationId: 'a' };
const recB = { time: '2025-03-14T09:21:09.1034521Z', category: 'EmailStatusUpdateOperational', correlationId: 'b' };
const recC = { time: '2025-03-14T09:24:41.5502113Z', category: 'EmailUserEngagementOperational', correlationId: 'c' };

function recordsOf(result: DecodedBody): readonly unknown[] {
  if (!result.ok) throw new Error(`expected ok, got ${result.issue.code}: ${result.issue.message}`);
  return result.records;
}

function failureOf(result: DecodedBody, code: RecordIssueCode): { message: string; raw: string } {
  if (result.ok) throw new Error(`expected ${code}, got ok with ${result.records.length} records`);
  expect(result.issue.code).toBe(code);
  expect(result.issue.message).not.toBe('');
  return { message: result.issue.message, raw: result.raw };
}

describe('decodeBody: the {"records":[...]} envelope', () => {
  it('parsed object {"records":[a,b]} yields both records in order, as the same objects', () => {
    const body = { records: [recA, recB] };
    const records = recordsOf(decodeBody(body));
    expect(records).toEqual([recA, recB]);
    expect(records[0]).toBe(recA);
    expect(records[1]).toBe(recB);
  });

  it('parsed object with an empty records array yields no records', () => {
    expect(recordsOf(decodeBody({ records: [] }))).toEqual([]);
  });

  it('parsed object ignores sibling keys next to records (Stream Analytics columns)', () => {
    const body = { records: [recA], EventProcessedUtcTime: '2025-03-14T09:30:00Z', PartitionId: 3 };
    expect(recordsOf(decodeBody(body))).toEqual([recA]);
  });

  for (const key of ['Records', 'RECORDS', 'rEcOrDs']) {
    it(`key "${key}" is accepted like "records"`, () => {
      expect(recordsOf(decodeBody({ [key]: [recA, recC] }))).toEqual([recA, recC]);
    });

    it(`key "${key}" is accepted in a JSON string body`, () => {
      expect(recordsOf(decodeBody(JSON.stringify({ [key]: [recB] })))).toEqual([recB]);
    });
  }

  it('both reference samples decode to all of their records', () => {
    const one = recordsOf(decodeBody(fixtureText('sample-event-1.json')));
    const two = recordsOf(decodeBody(fixtureText('sample-event-2.json')));
    expect(one).toHaveLength(8);
    expect(two).toHaveLength(7);
    expect(one).toEqual(JSON.parse(fixtureText('sample-event-1.json')).records);
    expect(two).toEqual(JSON.parse(fixtureText('sample-event-2.json')).records);
  });
});

describe('decodeBody: text and bytes', () => {
  it('JSON string body is parsed', () => {
    expect(recordsOf(decodeBody(JSON.stringify({ records: [recA, recB, recC] })))).toEqual([recA, recB, recC]);
  });

  it('JSON string body with surrounding whitespace and newlines is parsed', () => {
    expect(recordsOf(decodeBody(`\n\t  ${JSON.stringify({ records: [recA] })}  \r\n`))).toEqual([recA]);
  });

  it('string body with a UTF-8 BOM is parsed', () => {
    expect(recordsOf(decodeBody(`${BOM}${JSON.stringify({ records: [recB] })}`))).toEqual([recB]);
  });

  it('string body with a BOM followed by whitespace is parsed', () => {
    expect(recordsOf(decodeBody(`${BOM}  \n${JSON.stringify({ records: [recB] })}`))).toEqual([recB]);
  });

  it('Buffer body without a BOM is parsed', () => {
    expect(recordsOf(decodeBody(Buffer.from(JSON.stringify({ records: [recA, recB] }), 'utf8')))).toEqual([recA, recB]);
  });

  it('Buffer body with a UTF-8 BOM is parsed', () => {
    const bytes = Buffer.concat([BOM_BYTES, Buffer.from(JSON.stringify({ records: [recC] }), 'utf8')]);
    expect(bytes[0]).toBe(0xef);
    expect(recordsOf(decodeBody(bytes))).toEqual([recC]);
  });

  it('Buffer body keeps non-ASCII text intact (UTF-8 decoding)', () => {
    const record = { ...recB, properties: { RecipientId: 'zoë@exämple.com', FailureMessage: '邮件 📧' } };
    expect(recordsOf(decodeBody(Buffer.from(JSON.stringify({ records: [record] }), 'utf8')))).toEqual([record]);
  });

  it('plain Uint8Array body (not a Buffer) is parsed', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ records: [recA] }));
    expect(Buffer.isBuffer(bytes)).toBe(false);
    expect(recordsOf(decodeBody(bytes))).toEqual([recA]);
  });

  it('Buffer view into a larger allocation decodes only its own bytes', () => {
    const inner = JSON.stringify({ records: [recA] });
    const outer = Buffer.from(`garbage-before${inner}garbage-after`, 'utf8');
    const view = outer.subarray('garbage-before'.length, 'garbage-before'.length + Buffer.byteLength(inner));
    expect(view.byteOffset).toBeGreaterThan(0);
    expect(recordsOf(decodeBody(view))).toEqual([recA]);
  });
});

describe('decodeBody: bare records, arrays of records and arrays of bodies', () => {
  it('bare record object yields that single record', () => {
    const records = recordsOf(decodeBody(recA));
    expect(records).toEqual([recA]);
    expect(records[0]).toBe(recA);
  });

  it('bare record as a JSON string yields that single record', () => {
    expect(recordsOf(decodeBody(JSON.stringify(recB)))).toEqual([recB]);
  });

  it('array of records yields each record in order', () => {
    expect(recordsOf(decodeBody([recA, recB, recC]))).toEqual([recA, recB, recC]);
  });

  it('array of records as a JSON string yields each record in order', () => {
    expect(recordsOf(decodeBody(JSON.stringify([recC, recA])))).toEqual([recC, recA]);
  });

  it('array of event bodies is flattened in order', () => {
    const body = [{ records: [recA, recB] }, { records: [recC] }];
    expect(recordsOf(decodeBody(body))).toEqual([recA, recB, recC]);
  });

  it('array of event bodies with "Records" casing is flattened', () => {
    const body = JSON.stringify([{ Records: [recC] }, { RECORDS: [recA, recB] }]);
    expect(recordsOf(decodeBody(body))).toEqual([recC, recA, recB]);
  });

  it('array mixing event bodies and bare records keeps the order of both', () => {
    const body = [{ records: [recA] }, recB, { records: [recC, recA] }];
    expect(recordsOf(decodeBody(body))).toEqual([recA, recB, recC, recA]);
  });

  it('array of event bodies with an empty records array contributes nothing', () => {
    expect(recordsOf(decodeBody([{ records: [] }, { records: [recB] }]))).toEqual([recB]);
  });

  it('empty array yields no records', () => {
    expect(recordsOf(decodeBody([]))).toEqual([]);
    expect(recordsOf(decodeBody('[]'))).toEqual([]);
  });

  it('array of the two reference samples yields all 15 records', () => {
    const both = `[${fixtureText('sample-event-1.json')},${fixtureText('sample-event-2.json')}]`;
    expect(recordsOf(decodeBody(both))).toHaveLength(15);
  });

  it('non-object array elements are passed through as records (for classifyRecord to reject)', () => {
    expect(recordsOf(decodeBody([recA, 42, 'x', null]))).toEqual([recA, 42, 'x', null]);
  });
});

describe('decodeBody: empty bodies', () => {
  for (const [name, body] of [
    ['empty string', ''],
    ['whitespace-only string', '  \n\t\r\n '],
    ['BOM-only string', BOM],
    ['BOM plus whitespace string', `${BOM}   `],
  ] as const) {
    it(`${name} is empty_body with the raw text kept`, () => {
      const { raw } = failureOf(decodeBody(body), 'empty_body');
      expect(raw).toBe(body);
    });
  }

  it('empty Buffer is empty_body', () => {
    const { raw } = failureOf(decodeBody(Buffer.alloc(0)), 'empty_body');
    expect(raw).toBe('');
  });

  it('Buffer holding only a BOM and whitespace is empty_body', () => {
    failureOf(decodeBody(Buffer.concat([BOM_BYTES, Buffer.from(' \n')])), 'empty_body');
  });

  it('null body is empty_body', () => {
    failureOf(decodeBody(null), 'empty_body');
  });

  it('undefined body is empty_body', () => {
    failureOf(decodeBody(undefined), 'empty_body');
  });
});

describe('decodeBody: invalid JSON', () => {
  for (const text of ['{"records":[', '{records:[]}', 'not json at all', '{"records":[{"a":1},]}', "{'records':[]}", '{"records":[]} trailing']) {
    it(`invalid JSON ${JSON.stringify(text)} is invalid_json with the raw text kept exactly`, () => {
      const { message, raw } = failureOf(decodeBody(text), 'invalid_json');
      expect(raw).toBe(text);
      expect(message).toMatch(/not valid JSON/);
    });
  }

  it('invalid JSON in a Buffer is invalid_json with the decoded text kept', () => {
    const text = '{"records":[{"category":"EmailSendMailOperational"';
    const { raw } = failureOf(decodeBody(Buffer.from(text, 'utf8')), 'invalid_json');
    expect(raw).toBe(text);
  });

  it('invalid JSON keeps surrounding whitespace in the raw text', () => {
    const text = '  {"records": oops }\n';
    const { raw } = failureOf(decodeBody(text), 'invalid_json');
    expect(raw).toBe(text);
  });
});

describe('decodeBody: unsupported scalar bodies', () => {
  it('number body (the Functions host parses "123" to 123) is unsupported_body', () => {
    const { message, raw } = failureOf(decodeBody(123), 'unsupported_body');
    expect(raw).toBe('123');
    expect(message).toMatch(/number/);
  });

  it('zero body is unsupported_body, not empty_body', () => {
    const { raw } = failureOf(decodeBody(0), 'unsupported_body');
    expect(raw).toBe('0');
  });

  it('boolean true body is unsupported_body', () => {
    const { message, raw } = failureOf(decodeBody(true), 'unsupported_body');
    expect(raw).toBe('true');
    expect(message).toMatch(/boolean/);
  });

  it('boolean false body is unsupported_body, not empty_body', () => {
    const { raw } = failureOf(decodeBody(false), 'unsupported_body');
    expect(raw).toBe('false');
  });

  it('string body "123" (JSON number) is unsupported_body', () => {
    const { raw } = failureOf(decodeBody('123'), 'unsupported_body');
    expect(raw).toBe('123');
  });

  it('string body "false" (JSON boolean) is unsupported_body', () => {
    failureOf(decodeBody('false'), 'unsupported_body');
  });

  it('string body holding a JSON string literal is unsupported_body', () => {
    const { raw } = failureOf(decodeBody('"hello"'), 'unsupported_body');
    // The body as received, not its parsed value.
    expect(raw).toBe('"hello"');
  });

  it('string body "null" (JSON null) is empty_body', () => {
    failureOf(decodeBody('null'), 'empty_body');
  });
});

describe('decodeBody: records that are not an array', () => {
  for (const [name, value] of [
    ['an object', { category: 'EmailSendMailOperational' }],
    ['a string', 'records'],
    ['a number', 5],
    ['null', null],
    ['true', true],
  ] as const) {
    it(`records as ${name} is records_not_array with the body kept as raw`, () => {
      const body = { records: value };
      const { message, raw } = failureOf(decodeBody(body), 'records_not_array');
      expect(JSON.parse(raw)).toEqual(body);
      expect(message).toMatch(/"records"/);
    });
  }

  it('Records (PascalCase) as an object is records_not_array naming the key as sent', () => {
    const { message } = failureOf(decodeBody({ Records: {} }), 'records_not_array');
    expect(message).toMatch(/"Records"/);
  });

  it('records not an array in a JSON string body is records_not_array with the raw text', () => {
    const text = '{"records":{"a":1}}';
    const { raw } = failureOf(decodeBody(text), 'records_not_array');
    expect(raw).toBe(text);
  });

  it('records not an array in a Buffer body is records_not_array', () => {
    failureOf(decodeBody(Buffer.from('{"records":"nope"}')), 'records_not_array');
  });
});
