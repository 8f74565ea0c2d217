import { createHash } from 'node:crypto';

/**
 * PartitionKey/RowKey encoding. Table keys may not contain / \ # ? or control characters
 * (U+0000–U+001F, U+007F–U+009F) and are limited to 1 KiB, yet email addresses and resource ids may
 * hold any of those. We percent-escape exactly those characters, "%" itself, and "|" (our separator inside composite
 * keys), so decoding is exact.
 * A value whose escaped form is too long is replaced by "%h" + its SHA-256: "%h" can never occur in an
 * escaped value ("%" is always followed by two hex digits there), so the two forms cannot collide, and
 * the row keeps the full value in a property.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const MUST_ESCAPE = /[%|/\\#?\u0000-\u001f\u007f-\u009f]/g;

/** Room for a row-kind prefix ("r|") within the 1 KiB (512 UTF-16 units) Azure allows. */
export const MAX_ENCODED_LENGTH = 400;

export function encodeKey(value: string): string {
  const escaped = value.replace(MUST_ESCAPE, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (escaped.length <= MAX_ENCODED_LENGTH) return escaped;
  // UTF-16 code units, not UTF-8: Node's UTF-8 encoder folds lone surrogates into U+FFFD, which
  // would make distinct values share a key.
  return `%h${createHash('sha256').update(value, 'utf16le').digest('hex')}`;
}

/** The original value, or null for a hashed key (read the value from the row instead). */
export function decodeKey(key: string): string | null {
  if (key.startsWith('%h')) return null;
  return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
