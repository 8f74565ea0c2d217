import { open } from 'node:fs/promises';
import { unreadable } from './inputPaths.js';

/** Progress of reading one input, for a progress line on stderr. */
export interface InputProgress {
  readonly file: string;
  readonly bytesRead: number;
  /** Known for regular files; absent for standard input and pipes. */
  readonly bytesTotal?: number;
}

export type ProgressListener = (progress: InputProgress) => void;

/** Reports are spaced at least this far apart per input, so a fast read does not flood stderr. */
const PROGRESS_INTERVAL_MS = 250;

type ByteChunk = string | Uint8Array;

/** Counts bytes for one input and passes a report on when the interval has passed. */
class ProgressMeter {
  private bytesRead = 0;
  private lastReportAt = Date.now();

  constructor(
    private readonly file: string,
    private readonly bytesTotal: number | undefined,
    private readonly listener: ProgressListener | undefined,
  ) {}

  add(chunk: ByteChunk): void {
    this.bytesRead += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (Date.now() - this.lastReportAt >= PROGRESS_INTERVAL_MS) this.report();
  }

  /** One last report when the input is done, so a progress line can end at the true total. */
  finish(): void {
    this.report();
  }

  private report(): void {
    this.lastReportAt = Date.now();
    if (this.listener === undefined) return;
    const progress: InputProgress =
      this.bytesTotal === undefined
        ? { file: this.file, bytesRead: this.bytesRead }
        : { file: this.file, bytesRead: this.bytesRead, bytesTotal: this.bytesTotal };
    this.listener(progress);
  }
}

/**
 * The bytes of a file (or pipe), pulled a chunk at a time so nothing is read ahead of the consumer.
 * I/O failures become `input_unreadable`; stopping early closes the file.
 */
export async function* fileText(path: string, listener: ProgressListener | undefined): AsyncGenerator<string> {
  const handle = await open(path, 'r').catch((thrown: unknown) => {
    throw unreadable(path, thrown);
  });
  try {
    const stats = await handle.stat();
    const meter = new ProgressMeter(path, stats.isFile() ? stats.size : undefined, listener);
    yield* decodedText(guardedBytes(handle.createReadStream({ autoClose: false }), path), meter);
  } finally {
    await handle.close();
  }
}

/** Standard input (or the stream standing in for it), decoded like a file. */
export async function* streamText(
  stream: NodeJS.ReadableStream,
  label: string,
  listener: ProgressListener | undefined,
): AsyncGenerator<string> {
  yield* decodedText(guardedBytes(stream, label), new ProgressMeter(label, undefined, listener));
}

async function* guardedBytes(stream: AsyncIterable<ByteChunk>, path: string): AsyncGenerator<ByteChunk> {
  try {
    yield* stream;
  } catch (thrown) {
    throw unreadable(path, thrown);
  }
}

/**
 * UTF-8 text of a byte stream, with a leading byte-order mark removed. Malformed bytes become U+FFFD
 * rather than an error: the damaged record then fails JSON or schema checks and is dead-lettered
 * with its location instead of stopping the run.
 */
async function* decodedText(bytes: AsyncIterable<ByteChunk>, meter: ProgressMeter): AsyncGenerator<string> {
  // ignoreBOM keeps the mark in the output so it is removed in one place, for Buffer and string chunks alike.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let atStart = true;
  for await (const chunk of bytes) {
    meter.add(chunk);
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (atStart && text !== '') {
      text = withoutBom(text);
      atStart = false;
    }
    if (text !== '') yield text;
  }
  const rest = decoder.decode();
  if (rest !== '') yield atStart ? withoutBom(rest) : rest;
  meter.finish();
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Text chunks with look-ahead: the format is decided from the first part of the input, which is then
 * replayed, so a pipe (which cannot be reopened) is read once.
 */
export class LookaheadText {
  private readonly iterator: AsyncIterator<string>;
  private readonly held: string[] = [];
  private heldChars = 0;
  private inputEnded = false;

  constructor(source: AsyncIterable<string>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** True once the whole input is held (or consumed). */
  get ended(): boolean {
    return this.inputEnded;
  }

  /** The text read ahead so far. */
  heldText(): string {
    return this.held.join('');
  }

  /** Reads ahead until `enough(heldText)` holds, `limitChars` are held, or the input ends. */
  async readAhead(limitChars: number, enough?: (text: string) => boolean): Promise<void> {
    while (!this.inputEnded && this.heldChars < limitChars && !(enough?.(this.heldText()) ?? false)) {
      const next = await this.iterator.next();
      if (next.done === true) this.inputEnded = true;
      else {
        this.held.push(next.value);
        this.heldChars += next.value.length;
      }
    }
  }

  /** The held text, then the rest of the input. Consumed once. */
  async *remaining(): AsyncGenerator<string> {
    for (let chunk = this.held.shift(); chunk !== undefined; chunk = this.held.shift()) yield chunk;
    this.heldChars = 0;
    while (!this.inputEnded) {
      const next = await this.iterator.next();
      if (next.done === true) this.inputEnded = true;
      else yield next.value;
    }
  }

  /** Stops reading and releases the input (closes the file) if it was not read to the end. */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}
