import type { ClassifiedRecord } from './classifyRecord.js';
import { safeStringify } from './decodeBody.js';
import { hasLoneSurrogate } from './jsonText.js';
import type { RecordIssue } from './recordIssue.js';

/**
 * How a classifier words a rejection: shared by the log-record classifier and the Event Grid one, so a
 * dead letter reads the same whichever envelope the record came in.
 */
export function invalidRecord(issue: RecordIssue, raw: unknown, category: string | null): ClassifiedRecord {
  return { kind: 'invalid', issue, raw: safeStringify(raw), category };
}

/** Issue messages quote the offending value, which can be huge: the raw text is kept elsewhere. */
const MAX_ISSUE_TEXT = 1_000;

export function capIssueText(text: string): string {
  return text.length <= MAX_ISSUE_TEXT ? text : `${text.slice(0, MAX_ISSUE_TEXT - 1)}…`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * The issue of the first text field (keys and free text alike) that is not well-formed UTF-16: a lone
 * surrogate can be neither a storage key nor stored exactly. `source` (where the record came from) is
 * not the record's text.
 */
export function loneSurrogateIssue(fields: Iterable<readonly [string, unknown]>): RecordIssue | undefined {
  for (const [field, value] of fields) {
    if (field !== 'source' && typeof value === 'string' && hasLoneSurrogate(value)) {
      return {
        code: 'invalid_unicode',
        message: `"${field}" holds a lone UTF-16 surrogate: not Unicode text, so it can be neither used as a storage key nor stored exactly`,
        path: field,
      };
    }
  }
  return undefined;
}
