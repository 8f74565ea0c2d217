/**
 * The loose scalars of looseScalars.ts as plain functions, for the classifier's fast path. Each accepts a
 * subset of what its zod schema accepts and returns the same value for it; anything else is FAIL, which
 * sends the whole record to the zod path, so error messages still come from the schemas alone.
 * (test/ingest/fastPathAgreement.property.test.ts holds the two paths to the same answers.)
 */
import { BOOLEAN_WORDS, DECIMAL } from './looseScalars.js';

export const FAIL: unique symbol = Symbol('not the fast path');
export type Fail = typeof FAIL;

/** looseBoolean. */
export function fastBoolean(value: unknown): boolean | Fail {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) return FAIL;
  const word = String(value).trim().toLowerCase();
  if (word === '') return false;
  return BOOLEAN_WORDS.get(word) ?? FAIL;
}

/** looseNumber. */
export function fastNumber(value: unknown): number | null | Fail {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : FAIL;
  if (typeof value !== 'string') return FAIL;
  const text = value.trim();
  if (text === '') return null;
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  return Number.isFinite(n) ? n : FAIL;
}

/** looseCount. */
export function fastCount(value: unknown): number | null | Fail {
  const n = fastNumber(value);
  if (n === null || n === FAIL) return n;
  return Number.isInteger(n) && n >= 0 ? n : FAIL;
}

/** optionalText. */
export function fastOptionalText(value: unknown): string | null | Fail {
  if (value === undefined || value === null) return null;
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return FAIL;
  return text === '' ? null : text;
}

/** requiredText. */
export function fastRequiredText(value: unknown): string | Fail {
  const text = fastOptionalText(value);
  return text === null ? FAIL : text;
}

/** JSON text of a string or null, as JSON.stringify writes it inside the array recordFingerprint hashes. */
export function jsonText(value: string | null): string {
  if (value === null) return 'null';
  // JSON.stringify of a short string costs more than the string: most need no escape at all.
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** What JSON.stringify escapes in a string: quote, backslash, control characters, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON text of a finite number or null (String(n) is JSON.stringify(n) for every finite n, -0 included). */
export function jsonNumber(value: number | null): string {
  return value === null ? 'null' : String(value);
}

/** A string of the event that came from the record: a lone surrogate sends the record to the general path. */
export function wellFormed(text: string | null): boolean {
  return text === null || text.isWellFormed();
}

declare global {
  /** String.prototype.isWellFormed: ES2024, in every Node this package supports (>= 20), not in the ES2023 lib. */
  interface String {
    isWellFormed(): boolean;
  }
}

/**
 * Field slots by raw key spelling, so that each distinct spelling is lower-cased once, not once per
 * record. The cache is bounded: hostile inputs with endless new key names only cost a toLowerCase each.
 */
export function slotLookup(slotByLowerName: ReadonlyMap<string, number>): (key: string) => number {
  const cache = new Map<string, number>();
  return (key) => {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const slot = slotByLowerName.get(key.toLowerCase()) ?? -1;
    if (cache.size < 4_096) cache.set(key, slot);
    return slot;
  };
}

/**
 * Reads the values of an object's own keys into `values` by slot. False when two spellings of one
 * name are present (lowerCaseKeys then picks one by sort order; the general path does that).
 */
export function readSlots(object: Readonly<Record<string, unknown>>, lookup: (key: string) => number, values: unknown[]): boolean {
  values.fill(undefined);
  let seen = 0;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const slot = lookup(key);
    if (slot < 0) continue;
    const bit = 1 << slot;
    if ((seen & bit) !== 0) return false;
    seen |= bit;
    values[slot] = object[key];
  }
  return true;
}
