/**
 * A body found inside one input, with its position there. The reader adds the file name to turn it
 * into a `SourcedBody`.
 */
export interface LocatedBody {
  readonly body: unknown;
  /** 1-based line, for NDJSON. */
  readonly line?: number;
  /** 0-based element index, for a streamed array. */
  readonly index?: number;
  /** Characters of input text the body was read from (about its bytes for ASCII logs), for batching by size. */
  readonly chars?: number;
}

/**
 * The body to hand downstream for a parsed JSON value. A string body means "raw text, parse me" to
 * `decodeBody`, so a value that is itself a JSON string is passed as its JSON text: decoding that gives
 * the same string back (and the right "not an object" issue) instead of misreading the string's
 * content as the body's text.
 */
export function bodyOfValue(value: unknown): unknown {
  return typeof value === 'string' ? JSON.stringify(value) : value;
}

/**
 * Prefix of every message this reader writes into a body in place of content it could not parse.
 * It starts with a letter, so the body can never itself be valid JSON and is dead-lettered as such.
 */
export const UNPARSEABLE = 'unparseable input';

/** Cuts long text for a message, keeping the end (where truncation and most breakage shows). */
export function tailExcerpt(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `…${text.slice(-maxChars)}`;
}
