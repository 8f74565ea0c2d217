/**
 * JSON text of a decoded value without recursion. JSON.stringify recurses in C++ and throws RangeError
 * on a few thousand levels of nesting (and String() recurses too), yet a 5,000-level array is a 10 KB
 * valid body: the dead letter must still carry the record's text. Same output as JSON.stringify for
 * every JSON value (toJSON is honoured, undefined and functions are dropped as it drops them); a cycle,
 * which only a programmatic caller can build, is written as "[Circular]" instead of throwing.
 */
interface Frame {
  readonly value: object;
  readonly items: readonly unknown[] | null;
  readonly keys: readonly string[];
  index: number;
  wrote: boolean;
}

export function stringifyJson(root: unknown): string {
  const top = prepare(root, '');
  if (isDropped(top)) return String(root);
  const out: string[] = [];
  const stack: Frame[] = [];
  const onPath = new Set<object>();
  const write = (value: unknown): void => {
    if (value === null) out.push('null');
    else if (typeof value === 'string') out.push(JSON.stringify(value));
    else if (typeof value === 'number') out.push(Number.isFinite(value) ? String(value) : 'null');
    else if (typeof value === 'boolean' || typeof value === 'bigint') out.push(String(value));
    else if (typeof value !== 'object') out.push('null');
    else if (onPath.has(value)) out.push('"[Circular]"');
    else {
      onPath.add(value);
      const items = Array.isArray(value) ? (value as unknown[]) : null;
      out.push(items === null ? '{' : '[');
      stack.push({ value, items, keys: items === null ? Object.keys(value) : [], index: 0, wrote: false });
    }
  };
  write(top);
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const length = frame.items === null ? frame.keys.length : frame.items.length;
    if (frame.index >= length) {
      out.push(frame.items === null ? '}' : ']');
      onPath.delete(frame.value);
      stack.pop();
      continue;
    }
    const i = frame.index;
    frame.index += 1;
    if (frame.items !== null) {
      const item = prepare(frame.items[i], String(i));
      if (frame.wrote) out.push(',');
      frame.wrote = true;
      if (isDropped(item)) out.push('null');
      else write(item);
    } else {
      const key = frame.keys[i] ?? '';
      const item = prepare((frame.value as Record<string, unknown>)[key], key);
      if (isDropped(item)) continue;
      if (frame.wrote) out.push(',');
      frame.wrote = true;
      out.push(JSON.stringify(key), ':');
      write(item);
    }
  }
  return out.join('');
}

function prepare(value: unknown, key: string): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  return value;
}

function isDropped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * A lone UTF-16 surrogate ("\ud800" is valid JSON) is not Unicode text: encodeURIComponent throws
 * URIError on it (so no $filter can name it) and UTF-8 cannot carry it, so it can be neither keyed nor
 * stored exactly.
 */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** The text with each lone surrogate replaced by U+FFFD (a cut can also split a pair). */
export function withoutLoneSurrogates(text: string): string {
  return hasLoneSurrogate(text) ? text.replace(LONE_SURROGATES, '\ufffd') : text;
}
