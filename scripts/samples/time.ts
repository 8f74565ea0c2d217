import { assert } from './json.js';

// ---------------------------------------------------------------------------------------------------
// Time: integer ticks of 100 ns since 2025-03-14T00:00:00Z (7 fractional digits, as Azure Monitor writes)

export const EPOCH_MS = Date.UTC(2025, 2, 14);
export const TICKS_PER_MS = 10_000;
export const SECOND = 10_000_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** 7Z: 7 digits + Z (usual); 3Z: milliseconds + Z; 7 / 3: no zone suffix (UTC implied). */
export type TimeFormat = '7Z' | '3Z' | '7' | '3';

export function formatTime(ticks: number, format: TimeFormat): string {
  assert(Number.isInteger(ticks) && ticks >= 0, `bad ticks ${ticks}`);
  const wholeSeconds = new Date(EPOCH_MS + Math.floor(ticks / TICKS_PER_MS)).toISOString().slice(0, 19);
  const fraction7 = String(ticks % SECOND).padStart(7, '0');
  const fraction = format.startsWith('7') ? fraction7 : fraction7.slice(0, 3);
  return `${wholeSeconds}.${fraction}${format.endsWith('Z') ? 'Z' : ''}`;
}

export const TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z)?$/;

/** "...T09:21:07.442Z" / "...T09:21:07.4421337" → "...T09:21:07.4420000Z" (no zone = UTC); null if not a time. */
export function canonicalTime(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const m = TIME_TEXT.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (date.getUTCDate() !== Number(d) || date.getUTCHours() !== Number(h) || date.getUTCMinutes() !== Number(mi)) return null;
  return `${date.toISOString().slice(0, 19)}.${(frac + '0000000').slice(0, 7)}Z`;
}
