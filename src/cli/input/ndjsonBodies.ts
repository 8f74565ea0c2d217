import { bodyOfValue, UNPARSEABLE, type LocatedBody } from './locatedBody.js';

/**
 * A line longer than this is not held whole: no real record comes near it, and holding it would let a
 * file without line breaks take memory in proportion to its size.
 */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/** How much of a skipped over-long line is kept in its dead-letter body. */
const OVERLONG_EXCERPT_CHARS = 1024;

/**
 * Bodies of NDJSON text: one per non-blank line, numbered from 1 with blank lines counted, so the
 * number matches what an editor shows. A line that is not JSON is passed on as its raw text (to be
 * dead-lettered downstream with its line), never dropped.
 */
export async function* ndjsonBodies(text: AsyncIterable<string>): AsyncGenerator<LocatedBody> {
  const lines = new LineSplitter();
  for await (const chunk of text) {
    for (const line of lines.push(chunk)) {
      const body = lineBody(line);
      if (body !== undefined) yield body;
    }
  }
  const last = lines.end();
  const body = last === undefined ? undefined : lineBody(last);
  if (body !== undefined) yield body;
}

interface NumberedLine {
  readonly number: number;
  readonly text: string;
  /** Set when the line was too long to keep: `text` is then only its start. */
  readonly overlong?: true;
}

function lineBody(line: NumberedLine): LocatedBody | undefined {
  if (line.overlong === true) return { body: overlongMessage(line.text), line: line.number, chars: MAX_LINE_CHARS };
  const text = line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text;
  if (text.trim() === '') return undefined;
  try {
    return { body: bodyOfValue(JSON.parse(text)), line: line.number, chars: text.length };
  } catch {
    return { body: text, line: line.number, chars: text.length };
  }
}

function overlongMessage(start: string): string {
  return `${UNPARSEABLE}: line longer than ${MAX_LINE_CHARS} characters, skipped; it starts: ${start}`;
}

/**
 * Splits chunked text into numbered lines. Pieces of a line that spans chunks are kept in a list and
 * joined once, so a long line costs linear time, not quadratic.
 */
class LineSplitter {
  private pieces: string[] = [];
  private pieceChars = 0;
  private lineNumber = 0;
  /** Start of the current over-long line while the rest of it is being skipped. */
  private overlongStart: string | undefined;

  *push(chunk: string): Generator<NumberedLine> {
    let from = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', from)) {
      yield this.completeLine(chunk.slice(from, newline));
      from = newline + 1;
    }
    if (from < chunk.length) this.hold(chunk.slice(from));
  }

  /** The last line, when the text does not end with a line break. */
  end(): NumberedLine | undefined {
    if (this.pieceChars === 0 && this.overlongStart === undefined) return undefined;
    return this.completeLine('');
  }

  private completeLine(tail: string): NumberedLine {
    this.lineNumber += 1;
    const overlongStart = this.overlongStart;
    const text = this.pieces.length === 0 ? tail : this.pieces.join('') + tail;
    this.pieces = [];
    this.pieceChars = 0;
    this.overlongStart = undefined;
    if (overlongStart !== undefined) return { number: this.lineNumber, text: overlongStart, overlong: true };
    return { number: this.lineNumber, text };
  }

  private hold(piece: string): void {
    if (this.overlongStart !== undefined) return;
    this.pieces.push(piece);
    this.pieceChars += piece.length;
    if (this.pieceChars > MAX_LINE_CHARS) {
      this.overlongStart = this.pieces.join('').slice(0, OVERLONG_EXCERPT_CHARS);
      this.pieces = [];
      this.pieceChars = 0;
    }
  }
}
