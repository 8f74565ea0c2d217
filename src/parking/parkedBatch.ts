import { z } from 'zod';
import type { RecordSource, SourcedBody } from '../ingest/recordSource.js';

/**
 * A parked batch: one Event Hub batch the tables could not take before the host's retries ran out,
 * kept whole (bodies exactly as the host delivered them, with partition, offsets, sequence numbers and
 * enqueued times) so that `replay --parked` drives it through the same pipeline later. Pure: building,
 * naming, encoding and decoding a parked document; the blob adapter is parkingLot.ts.
 */
export const PARKED_BATCH_VERSION = 1;

/** A body keeps the shape it arrived in (the decoder treats a string, a parsed object and bytes alike). */
const parkedBody = z.union([
  z.object({ text: z.string() }).strict(),
  z.object({ base64: z.string() }).strict(),
  z.object({ json: z.unknown() }).strict(),
]);

const parkedSource = z.object({
  kind: z.literal('eventHub'),
  partitionId: z.string(),
  eventIndex: z.number().int().nonnegative(),
  sequenceNumber: z.number().optional(),
  offset: z.string().optional(),
  enqueuedTimeUtc: z.string().optional(),
});

export const parkedBatchSchema = z.object({
  version: z.literal(PARKED_BATCH_VERSION),
  parkedAt: z.string(),
  invocationId: z.string(),
  partitionId: z.string(),
  firstSequenceNumber: z.number().optional(),
  lastSequenceNumber: z.number().optional(),
  /** Why the batch was parked: the last error's code and (redacted) message, and the attempt. */
  reason: z.object({ code: z.string(), message: z.string(), attempt: z.number().int().positive() }),
  events: z.array(z.object({ body: parkedBody, source: parkedSource })),
});

export type ParkedBatch = z.output<typeof parkedBatchSchema>;

export interface BatchToPark {
  readonly invocationId: string;
  readonly partitionId: string;
  readonly firstSequenceNumber: number | undefined;
  readonly lastSequenceNumber: number | undefined;
  readonly reason: ParkedBatch['reason'];
  readonly bodies: readonly SourcedBody[];
}

export function toParkedBatch(batch: BatchToPark, parkedAt: Date): ParkedBatch {
  return {
    version: PARKED_BATCH_VERSION,
    parkedAt: parkedAt.toISOString(),
    invocationId: batch.invocationId,
    partitionId: batch.partitionId,
    ...(batch.firstSequenceNumber === undefined ? {} : { firstSequenceNumber: batch.firstSequenceNumber }),
    ...(batch.lastSequenceNumber === undefined ? {} : { lastSequenceNumber: batch.lastSequenceNumber }),
    reason: batch.reason,
    events: batch.bodies.map(({ body, source }, eventIndex) => ({
      body: encodeBody(body),
      source: source.kind === 'eventHub' ? { ...source } : { kind: 'eventHub' as const, partitionId: batch.partitionId, eventIndex },
    })),
  };
}

export function fromParkedBatch(parked: ParkedBatch): SourcedBody[] {
  return parked.events.map(({ body, source }) => ({ body: decodeBody(body), source: withoutUndefined(source) }));
}

/**
 * Blob name: partition, then the zero-padded first sequence number, so a listing is in stream order; the
 * range makes parking the same batch twice overwrite one blob instead of adding a second.
 */
export function parkedBlobName(batch: Pick<ParkedBatch, 'partitionId' | 'firstSequenceNumber' | 'lastSequenceNumber' | 'invocationId'>): string {
  const partition = `partition-${batch.partitionId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  if (batch.firstSequenceNumber === undefined || batch.lastSequenceNumber === undefined) {
    return `${partition}/unsequenced-${batch.invocationId.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
  }
  return `${partition}/seq-${String(batch.firstSequenceNumber).padStart(20, '0')}-${batch.lastSequenceNumber}.json`;
}

/**
 * Whether the host will call again with this batch. It sends a retry context on every attempt of a
 * function with a retry policy (retryCount 0 on the first); without one there is no policy, hence no
 * retry. -1 means retry for ever.
 */
export function isFinalAttempt(retry: { retryCount: number; maxRetryCount: number } | undefined): boolean {
  if (retry === undefined) return true;
  if (retry.maxRetryCount < 0) return false;
  return retry.retryCount >= retry.maxRetryCount;
}

function encodeBody(body: unknown): z.output<typeof parkedBody> {
  if (typeof body === 'string') return { text: body };
  if (body instanceof Uint8Array) return { base64: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64') };
  return { json: body };
}

function decodeBody(body: z.output<typeof parkedBody>): unknown {
  if ('text' in body) return body.text;
  if ('base64' in body) return Buffer.from(body.base64, 'base64');
  return body.json;
}

function withoutUndefined(source: z.output<typeof parkedSource>): RecordSource {
  const { sequenceNumber, offset, enqueuedTimeUtc, ...rest } = source;
  return {
    ...rest,
    ...(sequenceNumber === undefined ? {} : { sequenceNumber }),
    ...(offset === undefined ? {} : { offset }),
    ...(enqueuedTimeUtc === undefined ? {} : { enqueuedTimeUtc }),
  };
}
