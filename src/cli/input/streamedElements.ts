import { jsonParser, type Token } from 'stream-json/core/parser.js';
import Assembler from 'stream-json/core/assembler.js';
import { bodyOfValue, tailExcerpt, UNPARSEABLE, type LocatedBody } from './locatedBody.js';

/**
 * Which array's elements are handed out one by one while the rest of the document streams past:
 * - `topLevelArray`: the document is an array of bodies or records;
 * - `recordsArray`: the `records` array of a top-level object (`{"records":[...]}`); a document with no
 *   such array is handed out whole at the end.
 */
export type StreamedArray = 'topLevelArray' | 'recordsArray';

/** At most this much unparsed text is quoted in the body that stands for a broken remainder. */
const REMAINDER_EXCERPT_CHARS = 16 * 1024;

/**
 * Elements of one big JSON document, each assembled, handed out and dropped before the next, so memory
 * stays at about one element whatever the document's size. If the document breaks off (truncated
 * upload, corrupt bytes), the elements before the break are still handed out, then one string body
 * says where and why it broke and quotes the text after the last good element; the rest of the input
 * is not read, since nothing after a JSON syntax error can be placed reliably.
 */
export async function* streamedElements(text: AsyncIterable<string>, array: StreamedArray): AsyncGenerator<LocatedBody> {
  const reader = new ElementReader(array);
  for await (const chunk of text) {
    for (const slice of slicesEndingAtClosers(chunk)) {
      const { elements, failure, duplicateRecordsKey } = reader.feed(slice);
      yield* elements;
      if (duplicateRecordsKey) {
        yield reader.duplicateRecordsKey();
        return;
      }
      if (failure !== undefined) {
        yield reader.brokenRemainder(failure);
        return;
      }
    }
  }
  const last = reader.finish();
  if (last !== undefined) yield last;
}

interface FeedOutcome {
  readonly elements: readonly LocatedBody[];
  /** Why the tokenizer rejected the text, if it did. */
  readonly failure?: string;
  /** The top-level object has a second `records` key (any case): reading stops there. */
  readonly duplicateRecordsKey?: boolean;
}

/** Tokenizes text and assembles the elements of the chosen array, one at a time. */
class ElementReader {
  private readonly tokenizer = jsonParser({ streamValues: false });
  private readonly assembler = new Assembler();
  private readonly unparsed = new TextSinceMark(REMAINDER_EXCERPT_CHARS);
  private nextIndex = 0;
  private arraySeen = false;
  private anyToken = false;
  private charsRead = 0;
  /** Where the last element handed out ended: the next one's size is measured from there. */
  private charsAtLastElement = 0;
  private recordsKeys = 0;

  constructor(private readonly array: StreamedArray) {}

  feed(slice: string): FeedOutcome {
    this.charsRead += slice.length;
    this.unparsed.append(slice);
    let tokens: readonly Token[];
    try {
      tokens = tokensOf(this.tokenizer(slice));
    } catch (thrown) {
      return { elements: [], failure: thrown instanceof Error ? thrown.message : String(thrown) };
    }
    const elements: LocatedBody[] = [];
    let endedOnElement = false;
    for (const token of tokens) {
      if (this.isSecondRecordsKey(token)) return { elements, duplicateRecordsKey: true };
      const element = this.consume(token);
      endedOnElement = element !== undefined;
      if (element !== undefined) elements.push(element);
    }
    // Slices end at closing brackets, so an object element usually ends exactly at the slice's end.
    if (endedOnElement) this.unparsed.mark('');
    else if (elements.length > 0) this.unparsed.mark(slice);
    return { elements };
  }

  /** What is left at the end of the input: nothing, the whole document, or the news that it was cut short. */
  finish(): LocatedBody | undefined {
    if (!this.anyToken || !this.assembler.done) return this.brokenRemainder('the input ends inside a JSON value (truncated?)');
    if (this.array === 'recordsArray' && !this.arraySeen) return { body: bodyOfValue(this.assembler.current), chars: this.charsRead };
    return undefined;
  }

  /**
   * The string body that stands for a document with two `records` keys. JSON.parse would keep the
   * last and a stream can only know the first, so neither is guessed: the elements of the first array
   * that were already handed out stay, and everything from the second key on is dead-lettered here,
   * the same for a small document as for a big one (readInputs sends both through this reader).
   */
  duplicateRecordsKey(): LocatedBody {
    const body =
      `${UNPARSEABLE}: duplicate "records" key near character ${this.charsRead}: the document has a second "records" array; ` +
      `only the first is read (${this.nextIndex} element(s)) and the rest of the document is not applied. ` +
      `Text since the last good element: ${this.unparsed.excerpt()}`;
    return this.arraySeen ? { body, index: this.nextIndex } : { body };
  }

  /** A top-level key spelled "records" (any case) when one was seen before. */
  private isSecondRecordsKey(token: Token): boolean {
    if (this.array !== 'recordsArray' || token.name !== 'keyValue' || this.assembler.depth !== 1 || !isPlainObject(this.assembler.current)) return false;
    if (!isRecordsKey(token.value)) return false;
    this.recordsKeys += 1;
    return this.recordsKeys > 1;
  }

  /** The string body that stands for everything from the last good element on. */
  brokenRemainder(reason: string): LocatedBody {
    const position = this.nextIndex === 0 ? 'before the first element' : `after element ${this.nextIndex - 1}`;
    const body =
      `${UNPARSEABLE}: JSON breaks off near character ${this.charsRead}, ${position}; the rest of the input is not read. ` +
      `${reason}. Unparsed text after the last good element: ${this.unparsed.excerpt()}`;
    return this.arraySeen ? { body, index: this.nextIndex } : { body };
  }

  private consume(token: Token): LocatedBody | undefined {
    this.anyToken = true;
    this.assembler.consume(token);
    const elements = this.streamedArray();
    if (elements === undefined) return undefined;
    this.arraySeen = true;
    if (elements.length === 0) return undefined;
    // Taking the element out of the array is what keeps memory flat: the array never holds more than one.
    // Its size is counted to the end of the slice it closed in (slices end at closing brackets).
    const chars = this.charsRead - this.charsAtLastElement;
    this.charsAtLastElement = this.charsRead;
    return { body: bodyOfValue(elements.pop()), index: this.nextIndex++, chars };
  }

  /** The array being streamed, when the assembler is directly inside it. */
  private streamedArray(): unknown[] | undefined {
    const { current, stack } = this.assembler;
    if (!Array.isArray(current)) return undefined;
    const depth = this.assembler.depth;
    if (this.array === 'topLevelArray') return depth === 1 ? current : undefined;
    return depth === 2 && isPlainObject(stack[0]) && isRecordsKey(stack[1]) ? current : undefined;
  }
}

function tokensOf(result: ReturnType<ReturnType<typeof jsonParser>>): readonly Token[] {
  return typeof result === 'symbol' ? [] : result.values;
}

/** Like `decodeBody`, which finds the records key regardless of case. */
function isRecordsKey(key: unknown): boolean {
  return typeof key === 'string' && key.toLowerCase() === 'records';
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Splits a chunk so that each piece ends just after a `}` or `]`. The tokenizer's output for a call
 * is lost when that call throws, so feeding it up to each closing bracket means every element that
 * closed before a syntax error has already come out. (A bracket inside a string just makes an extra cut.)
 */
function* slicesEndingAtClosers(chunk: string): Generator<string> {
  let nextBrace = chunk.indexOf('}');
  let nextBracket = chunk.indexOf(']');
  let from = 0;
  while (from < chunk.length) {
    const closer = nearest(nextBrace, nextBracket);
    const end = closer === -1 ? chunk.length : closer + 1;
    yield chunk.slice(from, end);
    from = end;
    // Search again only for the bracket just used: the other one's position is still ahead.
    if (closer === nextBrace && closer !== -1) nextBrace = chunk.indexOf('}', from);
    if (closer === nextBracket && closer !== -1) nextBracket = chunk.indexOf(']', from);
  }
}

function nearest(a: number, b: number): number {
  if (a === -1) return b;
  if (b === -1) return a;
  return Math.min(a, b);
}

/** The text since a mark, keeping only its last `maxChars` so a huge element cannot grow it. */
class TextSinceMark {
  private text = '';

  constructor(private readonly maxChars: number) {}

  append(piece: string): void {
    this.text += piece;
    // Trimming only at twice the limit keeps the cost of trimming linear.
    if (this.text.length > 2 * this.maxChars) this.text = this.text.slice(-this.maxChars);
  }

  mark(startingWith: string): void {
    this.text = startingWith;
  }

  excerpt(): string {
    return tailExcerpt(this.text, this.maxChars);
  }
}
