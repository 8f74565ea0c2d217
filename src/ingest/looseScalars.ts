import { z } from 'zod';

/**
 * Scalars as ACS actually sends them. Microsoft's samples use JSON booleans and numbers; Log Analytics
 * types every Email column as string; ACS call logs mix both. So each field accepts either form, and
 * nothing is coerced silently: "" is absent, not 0 (z.coerce.number would turn "" into 0).
 */

/** A Map, so that "constructor" or "toString" is an unknown word rather than an inherited method. */
export const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([['true', true], ['false', false], ['1', true], ['0', false]]);

/** true | false | "true" | "False" | "TRUE" | 1 | 0. Absent or "" → false. */
export const looseBoolean = z.union([z.boolean(), z.string(), z.number(), z.null()]).optional().transform((value, ctx) => {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (word === '') return false;
  const parsed = BOOLEAN_WORDS.get(word);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a boolean or "true"/"false", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return parsed;
});

export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number or a decimal numeric string. Absent or "" → null. */
export const looseNumber = z.union([z.number(), z.string(), z.null()]).optional().transform((value, ctx) => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    ctx.addIssue({ code: 'custom', message: `expected a finite number, got ${value}` });
    return z.NEVER;
  }
  const text = value.trim();
  if (text === '') return null;
  // Decimal only: Number() would also take "0x10", "0b101" and "Infinity".
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `expected a number, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return n;
});

/** A non-negative whole number or such a string. Absent or "" → null. */
export const looseCount = looseNumber.transform((n, ctx) => {
  if (n === null) return null;
  if (!Number.isInteger(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative whole number, got ${n}` });
    return z.NEVER;
  }
  return n;
});

/** Text, trimmed; absent, null or "" → null. Numbers are accepted as their text (SMTP codes). */
export const optionalText = z.union([z.string(), z.number(), z.null()]).optional().transform((value) => {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
});

/** Text that must be present and non-empty. */
export const requiredText = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = String(value).trim();
  if (text === '') {
    ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    return z.NEVER;
  }
  return text;
});

const TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Canonical UTC time with 7 fractional digits ("2025-03-14T09:21:07.4421337Z"): the precision Azure
 * Monitor uses. Canonical strings sort in time order and compare exactly, which the merge relies on;
 * a JS Date would drop everything below the millisecond. A time without a zone is UTC.
 */
export function toCanonicalUtc(input: string): string | null {
  const zulu = canonicalZulu(input);
  return zulu === undefined ? canonicalUtcByPattern(input) : zulu;
}

/** toCanonicalUtc for every form it accepts (exported so a test can hold the fast form to it). */
export function canonicalUtcByPattern(input: string): string | null {
  const m = TIME_PATTERN.exec(input.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const [offsetHours, offsetMins] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4))];
    if (offsetHours > 14 || offsetMins > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offsetMinutes, second, 0);
  // Digits finer than 100 ns are truncated: Azure never sends them, and truncation keeps order.
  const fraction = (frac + '0000000').slice(0, 7);
  const iso = utc.toISOString();
  // Years outside 0000-9999 come out as "+012345-..." and cannot be compared as text.
  if (!/^\d{4}-/.test(iso)) return null;
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

/**
 * The form Azure Monitor sends ("2025-03-14T09:21:07.4421337Z", 1-9 fractional digits or none), read
 * without a regex or a Date: it is on every record. Same answer as the general path below for every
 * string it accepts; undefined (not null) means "not this form, ask the general path".
 */
function canonicalZulu(s: string): string | null | undefined {
  const length = s.length;
  if (length < 20 || length > 30 || s.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 7);
  const day = digits(s, 8, 10);
  const hour = digits(s, 11, 13);
  const minute = digits(s, 14, 16);
  const second = digits(s, 17, 19);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  const fractionDigits = length - 21;
  if (length > 20 && (s[19] !== '.' || fractionDigits < 1 || digits(s, 20, length - 1) < 0)) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > gregorianDays(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  if (fractionDigits === 7) return s;
  const fraction = length === 20 ? '0000000' : (s.slice(20, length - 1) + '0000000').slice(0, 7);
  return `${s.slice(0, 19)}.${fraction}Z`;
}

/** The decimal value of s[from, to), or -1 if any of those is not an ASCII digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Days in a month of the proleptic Gregorian calendar, as Date counts them (year 0 is a leap year). */
function gregorianDays(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function daysInMonth(year: number, month: number): number {
  const probe = new Date(0);
  probe.setUTCFullYear(year, month, 0);
  return probe.getUTCDate();
}

export const utcTime = z.union([z.string(), z.date()]).transform((value, ctx) => {
  const text = value instanceof Date ? value.toISOString() : value;
  const canonical = toCanonicalUtc(text);
  if (canonical === null) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 time, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return canonical;
});
