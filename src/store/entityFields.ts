/**
 * Reading typed values back from Table entities, whose properties come back as `unknown`: a property
 * of another type than expected (or absent) reads as null or the given fallback, never as
 * "[object Object]".
 */
type Row = Readonly<Record<string, unknown>>;

export function textOf(row: Row, key: string): string | null {
  const value = row[key];
  return typeof value === 'string' ? value : null;
}

export function numberOf(row: Row, key: string): number | null {
  const value = row[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function jsonOf<T>(row: Row, key: string, fallback: T): T {
  const value = row[key];
  if (typeof value !== 'string') return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

/** Azure's 64 KiB string property holds 32 K UTF-16 units; a long text spans properties `name`, `name_1`, ... */
const LONG_TEXT_PART = 30_000;

export function longTextProperties(name: string, value: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let start = 0;
  let part = 0;
  do {
    let end = Math.min(start + LONG_TEXT_PART, value.length);
    // Never split a surrogate pair: each part must be valid UTF-16 on the wire.
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out[part === 0 ? name : `${name}_${part}`] = value.slice(start, end);
    start = end;
    part += 1;
  } while (start < value.length);
  return out;
}

export function longTextOf(row: Row, name: string): string | null {
  const first = textOf(row, name);
  if (first === null) return null;
  let text = first;
  for (let part = 1; ; part += 1) {
    const next = textOf(row, `${name}_${part}`);
    if (next === null) return text;
    text += next;
  }
}
