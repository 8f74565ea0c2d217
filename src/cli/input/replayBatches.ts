import type { SourcedBody } from '../../ingest/recordSource.js';
import type { SizedBody } from '../readInputs.js';

/**
 * How much input one pipeline call takes during a replay. A batch closes at whichever limit comes
 * first, so memory is bounded by size whatever the layout (a one-record-per-line archive and an export
 * of 500-record bodies alike), and round trips fall with the records per batch: records of one message
 * in one batch share one read and one transaction.
 */
export interface BatchLimits {
  /** Records per batch (a body of `{"records":[...]}` counts its records). */
  readonly records: number;
  /** Characters of input text per batch (about bytes for ASCII logs). */
  readonly chars: number;
}

/**
 * Chosen by measurement (npm run bench:archive, 18,464 one-per-line records on a standalone Azurite):
 * round trips per record fall from 0.616 at 500 records per batch to 0.438 at 2,000, 0.393 at 5,000,
 * 0.379 at 10,000 and 0.373 at 40,000, while the CLI's peak RSS grows about 9 MB per 1,000 records of
 * batch (193, 228, 273 MB at 2,000, 5,000, 10,000). 5,000 takes most of the gain and leaves room under
 * the 300 MB target; 8 MB of text (about 13x that in memory once parsed) bounds batches of big records.
 */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { records: 5_000, chars: 8 * 1024 * 1024 };

export const BATCH_LIMIT_RANGES = {
  records: { min: 1, max: 1_000_000 },
  megabytes: { min: 1, max: 1_024 },
} as const;

/**
 * Groups bodies into batches of at most `limits.records` records and `limits.chars` characters. A body
 * is never split (its records keep their position in it): one bigger than a limit goes alone.
 */
export async function* replayBatches(bodies: AsyncIterable<SizedBody>, limits: BatchLimits): AsyncGenerator<SourcedBody[]> {
  let batch: SourcedBody[] = [];
  let records = 0;
  let chars = 0;
  for await (const { body, chars: size } of bodies) {
    const count = recordCount(body.body);
    if (batch.length > 0 && (records + count > limits.records || chars + size > limits.chars)) {
      yield batch;
      batch = [];
      records = 0;
      chars = 0;
    }
    batch.push(body);
    records += count;
    chars += size;
  }
  if (batch.length > 0) yield batch;
}

/**
 * Records in a body as decodeBody will find them: the length of a `records` array (first key of that
 * name in any case), an array body's elements (each one's own `records` if it has them), otherwise one
 * (a single record, or text to be dead-lettered). At least one, so every body weighs something.
 */
export function recordCount(body: unknown): number {
  if (!Array.isArray(body)) return recordsArrayLength(body) ?? 1;
  let n = 0;
  for (const element of body) n += recordsArrayLength(element) ?? 1;
  return Math.max(1, n);
}

function recordsArrayLength(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) return undefined;
  const key = Object.keys(value).find((k) => k.toLowerCase() === 'records');
  const records = key === undefined ? undefined : (value as Record<string, unknown>)[key];
  return Array.isArray(records) ? Math.max(1, records.length) : undefined;
}
