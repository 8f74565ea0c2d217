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
