import { createHash } from 'node:crypto';
import type { RecordIssue } from './recordIssue.js';
import type { RecordSource } from './recordSource.js';
import { describeSource } from './recordSource.js';
import { withoutLoneSurrogates } from './jsonText.js';

/** A rejected body or record, kept with its reason, its raw text and where it came from. */
export interface DeadLetter {
  /** Deterministic from origin and content: the same bad record replayed is stored once. */
  readonly id: string;
  readonly issue: RecordIssue;
  readonly category: string | null;
  /**
   * The raw text, cut at LEDGER_DEADLETTER_RAW_LIMIT characters. A lone surrogate in it is shown as
   * U+FFFD: Azure may refuse the entity otherwise, and the id (from the text as received) and the
   * location still lead back to the original.
   */
  readonly raw: string;
  readonly rawLength: number;
  readonly truncated: boolean;
  readonly source: RecordSource;
  /** Index of the record in its body; null when the whole body was unreadable. */
  readonly recordIndex: number | null;
  readonly location: string;
}

export function toDeadLetter(
  issue: RecordIssue,
  raw: string,
  source: RecordSource,
  recordIndex: number | null,
  category: string | null,
  rawLimit: number,
): DeadLetter {
  const location = recordIndex === null ? describeSource(source) : `${describeSource(source)}, record ${recordIndex}`;
  const id = createHash('sha256').update(`${location}\n${raw}`).digest('hex').slice(0, 32);
  const truncated = raw.length > rawLimit;
  return {
    id,
    issue,
    category,
    raw: withoutLoneSurrogates(truncated ? raw.slice(0, rawLimit) : raw),
    rawLength: raw.length,
    truncated,
    source,
    recordIndex,
    location,
  };
}
