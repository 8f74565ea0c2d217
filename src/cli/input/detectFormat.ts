import { jsonParser } from 'stream-json/core/parser.js';

/**
 * How an input is laid out, decided from its first lines rather than its file name (Storage archives
 * call NDJSON `PT1H.json`):
 * - `ndjson`: one JSON document per line;
 * - `array`: one JSON array, each element a body;
 * - `document`: one JSON document of any other kind, possibly spread over many lines;
 * - `empty`: nothing but white space.
 */
export type InputFormat = 'ndjson' | 'array' | 'document' | 'empty';

/** How a piece of text stands as JSON: a whole value, the start of one, or already broken. */
type JsonTextState = 'complete' | 'incomplete' | 'invalid';

interface SampleLine {
  readonly text: string;
  /** Offset just past the line's end in the sample. */
  readonly end: number;
}

/** Enough look-ahead to decide: two whole non-blank lines. */
export function sampleIsEnough(sample: string): boolean {
  return wholeNonBlankLines(sample, false).length >= 2;
}

/**
 * Decides the format from the start of the input. `sample` is the text read so far; `wholeInput`
 * says the input ended within it (so its last line is complete).
 */
export function detectFormat(sample: string, wholeInput: boolean): InputFormat {
  const start = sample.trimStart();
  if (start === '') return wholeInput ? 'empty' : 'document';
  const singleDocument: InputFormat = start.startsWith('[') ? 'array' : 'document';
  const [first, second] = wholeNonBlankLines(sample, wholeInput);
  // No line break within the look-ahead: one long single-line document (or array).
  if (first === undefined) return singleDocument;
  // A one-line input is one document whatever it holds; read as such, a broken array still gives up
  // the elements before the break.
  if (second === undefined && wholeInput) return singleDocument;
  const firstState = jsonTextState(first.text);
  if (firstState === 'complete') return sample.slice(first.end).trim() === '' ? singleDocument : 'ndjson';
  // A first line that is already broken JSON cannot start a multi-line document: NDJSON with a bad line.
  if (firstState === 'invalid') return 'ndjson';
  // The first line only opens a value: a pretty-printed document, unless the first line is a truncated
  // NDJSON line, which shows as a following line that is whole JSON on its own and cannot continue it.
  if (second !== undefined && jsonTextState(second.text) === 'complete') {
    if (jsonTextState(`${first.text}\n${second.text}`) === 'invalid') return 'ndjson';
  }
  return singleDocument;
}

/** The first two non-blank lines that end within the sample (the last one too, when it is the whole input). */
function wholeNonBlankLines(sample: string, wholeInput: boolean): SampleLine[] {
  const lines: SampleLine[] = [];
  let from = 0;
  while (lines.length < 2 && from < sample.length) {
    const newline = sample.indexOf('\n', from);
    if (newline === -1 && !wholeInput) break;
    const end = newline === -1 ? sample.length : newline + 1;
    const text = sample.slice(from, newline === -1 ? sample.length : newline);
    if (text.trim() !== '') lines.push({ text, end });
    from = end;
  }
  return lines;
}

function jsonTextState(text: string): JsonTextState {
  try {
    JSON.parse(text);
    return 'complete';
  } catch {
    // Not whole JSON; the streaming tokenizer tells a prefix (waits for more) from broken text (throws).
  }
  try {
    jsonParser({ streamValues: false })(text);
    return 'incomplete';
  } catch {
    return 'invalid';
  }
}
