import type { SourcedBody } from '../ingest/recordSource.js';
import { resolveInputs, STDIN_PATH, type InputSource } from './input/inputPaths.js';
import { fileText, LookaheadText, streamText, type ProgressListener } from './input/inputText.js';
import { detectFormat, sampleIsEnough } from './input/detectFormat.js';
import { ndjsonBodies } from './input/ndjsonBodies.js';
import { streamedElements } from './input/streamedElements.js';
import { bodyOfValue, type LocatedBody } from './input/locatedBody.js';

export type { InputProgress } from './input/inputText.js';

export interface ReadInputsOptions {
  /** Read for the path "-"; defaults to `process.stdin`. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Called about every 250 ms per input while it is read, and once when it is done. */
  readonly onProgress?: ProgressListener;
}

/** Look-ahead used to tell NDJSON from a multi-line document: enough for two long lines. */
const FORMAT_SAMPLE_CHARS = 4 * 1024 * 1024;

/**
 * A document up to this size is parsed whole and handed on as one body, as an Event Hub would deliver
 * it; a bigger one is streamed element by element so memory does not grow with it. Measured in bytes
 * for a file (its size is known up front) and in characters read ahead for a pipe.
 */
const SMALL_DOCUMENT_SIZE = 8 * 1024 * 1024;

/**
 * The bodies in the given files, folders (their .json, .ndjson and .jsonl files, in path order) and
 * standard input ("-"), in order, each with where it came from. Every path is checked before the first
 * body is produced, so a missing one fails the run before anything is written. Text that is not JSON
 * comes through as a string body with its location, for the pipeline to dead-letter, never dropped.
 */
export async function* readInputs(paths: readonly string[], options: ReadInputsOptions = {}): AsyncGenerator<SourcedBody> {
  for await (const { body } of readSizedInputs(paths, options)) yield body;
}

/** A body read, with the characters of input text it came from (for batching by size). */
export interface SizedBody {
  readonly body: SourcedBody;
  readonly chars: number;
}

/** `readInputs`, with each body's size in characters of its input text. */
export async function* readSizedInputs(paths: readonly string[], options: ReadInputsOptions = {}): AsyncGenerator<SizedBody> {
  const inputs = await resolveInputs(paths);
  for (const input of inputs) {
    const file = input.kind === 'stdin' ? STDIN_PATH : input.path;
    const size = input.kind === 'file' ? input.size : undefined;
    for await (const located of bodiesOf(textOf(input, options), size)) yield { body: sourced(located, file), chars: located.chars ?? textLength(located.body) };
  }
}

function textOf(input: InputSource, options: ReadInputsOptions): AsyncIterable<string> {
  if (input.kind === 'file') return fileText(input.path, options.onProgress);
  return streamText(options.stdin ?? process.stdin, STDIN_PATH, options.onProgress);
}

/** The bodies of one input, read the way its content calls for. */
async function* bodiesOf(source: AsyncIterable<string>, size: number | undefined): AsyncGenerator<LocatedBody> {
  const text = new LookaheadText(source);
  try {
    await text.readAhead(FORMAT_SAMPLE_CHARS, sampleIsEnough);
    switch (detectFormat(text.heldText(), text.ended)) {
      case 'empty':
        return;
      case 'ndjson':
        yield* ndjsonBodies(text.remaining());
        return;
      case 'array':
        yield* streamedElements(text.remaining(), 'topLevelArray');
        return;
      case 'document':
        yield* documentBodies(text, size);
        return;
    }
  } finally {
    await text.close();
  }
}

/**
 * A small document as one body; a big one as the elements of its `records` array. A pipe's size is
 * unknown, so up to the limit is read ahead to find out; a big file is not read ahead, which would
 * hold that much text in memory for nothing.
 */
async function* documentBodies(text: LookaheadText, size: number | undefined): AsyncGenerator<LocatedBody> {
  if (size === undefined || size <= SMALL_DOCUMENT_SIZE) {
    await text.readAhead(SMALL_DOCUMENT_SIZE + 1);
    if (text.ended && !mayRepeatRecordsKey(text.heldText())) {
      yield wholeDocument(text.heldText());
      return;
    }
  }
  yield* streamedElements(text.remaining(), 'recordsArray');
}

/**
 * `"records"` as a key, in any case and with any letter written as a \u escape. A small document
 * with two of these is streamed like a big one instead of parsed whole: JSON.parse would silently keep
 * the last, the stream dead-letters the second (see streamedElements), and both sizes must agree.
 */
const RECORDS_KEY = /"(?:r|\\u0072)(?:e|\\u0065)(?:c|\\u0063)(?:o|\\u006f)(?:r|\\u0072)(?:d|\\u0064)(?:s|\\u0073)"\s*:/gi;

function mayRepeatRecordsKey(text: string): boolean {
  RECORDS_KEY.lastIndex = 0;
  return RECORDS_KEY.test(text) && RECORDS_KEY.test(text);
}

/** The parsed document, or its raw text when it does not parse (dead-lettered downstream). */
function wholeDocument(text: string): LocatedBody {
  try {
    return { body: bodyOfValue(JSON.parse(text)), chars: text.length };
  } catch {
    return { body: text, chars: text.length };
  }
}

function sourced(located: LocatedBody, file: string): SourcedBody {
  const source = { kind: 'file' as const, file };
  if (located.line !== undefined) return { body: located.body, source: { ...source, line: located.line } };
  if (located.index !== undefined) return { body: located.body, source: { ...source, index: located.index } };
  return { body: located.body, source };
}

/** The size of a body the reader wrote itself (a dead-letter message), which carries no measured size. */
function textLength(body: unknown): number {
  return typeof body === 'string' ? body.length : 0;
}
