import type { RecordIssue } from './recordIssue.js';

/**
 * Event body → raw records. The Functions host hands us each event as a parsed object (valid JSON),
 * a string (invalid JSON, or with dataType 'string'), or a Buffer; files give us strings or parsed
 * values. Azure Monitor sends `{"records":[...]}`, but archives and hand-made inputs hold a bare record
 * or an array of records or bodies, so all of those are accepted.
 */
export type DecodedBody =
  | { readonly ok: true; readonly records: readonly unknown[] }
  | { readonly ok: false; readonly issue: RecordIssue; readonly raw: string };

const BOM = '\uFEFF';

export function decodeBody(body: unknown): DecodedBody {
  if (typeof body === 'string') return decodeText(body);
  if (body instanceof Uint8Array) return decodeText(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  return decodeValue(body);
}

function decodeText(text: string): DecodedBody {
  const trimmed = (text.startsWith(BOM) ? text.slice(1) : text).trim();
  if (trimmed === '') return fail('empty_body', 'the event body is empty', text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail('invalid_json', `the event body is not valid JSON: ${detail}`, text);
  }
  return decodeValue(parsed);
}

function decodeValue(value: unknown): DecodedBody {
  if (Array.isArray(value)) return { ok: true, records: value.flatMap(recordsOfElement) };
  if (isPlainObject(value)) {
    const recordsKey = Object.keys(value).find((key) => key.toLowerCase() === 'records');
    if (recordsKey === undefined) return { ok: true, records: [value] };
    const records = value[recordsKey];
    if (!Array.isArray(records)) {
      return fail('records_not_array', `"${recordsKey}" must be an array of records`, safeStringify(value));
    }
    return { ok: true, records };
  }
  if (value === null || value === undefined) return fail('empty_body', 'the event body is null', String(value));
  return fail('unsupported_body', `the event body is a ${typeof value}, not a JSON object or array`, safeStringify(value));
}

/** An element of a top-level array is either an event body holding records, or a record itself. */
function recordsOfElement(element: unknown): unknown[] {
  if (isPlainObject(element)) {
    const recordsKey = Object.keys(element).find((key) => key.toLowerCase() === 'records');
    const records = recordsKey === undefined ? undefined : element[recordsKey];
    if (Array.isArray(records)) return records;
  }
  return [element];
}

function fail(code: RecordIssue['code'], message: string, raw: string): DecodedBody {
  return { ok: false, issue: { code, message }, raw };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function safeStringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
