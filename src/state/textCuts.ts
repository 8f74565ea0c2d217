/**
 * Cuts to at most `max` UTF-16 units including the ellipsis, never between the halves of a surrogate
 * pair: long free text from mail servers and clients stays bounded in state that is stored whole.
 */
export function cutToUnits(value: string | null, max: number): string | null {
  if (value === null || value.length <= max) return value;
  let end = max - 1;
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}
