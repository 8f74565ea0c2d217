import { stringifyJson } from './jsonText.js';
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
/** Fatal: invalid bytes are an error, not U+FFFD (which would store a different address than was sent). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeBody(body: unknown): DecodedBody {
  if (typeof body === 'string') return decodeText(body);
  if (body instanceof Uint8Array) {
    let text: string;
    try {
      text = STRICT_UTF8.decode(body);
    } catch {
      const shown = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
      return fail('invalid_utf8', `the event body is not valid UTF-8 (its ${body.byteLength} bytes are kept here with each invalid sequence shown as U+FFFD)`, shown);
    }
    return decodeText(text);
  }
  return decodeValue(body, undefined);
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
  return decodeValue(parsed, text);
}

/** `text` is the body as received, when it was text: a rejected body keeps it rather than a re-serialisation. */
function decodeValue(value: unknown, text: string | undefined): DecodedBody {
  if (Array.isArray(value)) return { ok: true, records: value.flatMap(recordsOfElement) };
  if (isPlainObject(value)) {
    const recordsKey = Object.keys(value).find((key) => key.toLowerCase() === 'records');
    if (recordsKey === undefined) return { ok: true, records: [value] };
    const records = value[recordsKey];
    if (!Array.isArray(records)) {
      return fail('records_not_array', `"${recordsKey}" must be an array of records`, text ?? safeStringify(value));
    }
    return { ok: true, records };
  }
  if (value === null || value === undefined) return fail('empty_body', 'the event body is null', text ?? String(value));
  return fail('unsupported_body', `the event body is a ${typeof value}, not a JSON object or array`, text ?? safeStringify(value));
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

/** The JSON text of a record for its dead letter, at any depth (never throws, never recurses). */
export function safeStringify(value: unknown): string {
  if (typeof value === 'string') return value;
  return stringifyJson(value);
}
