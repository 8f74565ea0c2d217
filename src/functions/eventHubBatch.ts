import { z } from 'zod';
import type { RecordSource, SourcedBody } from '../ingest/recordSource.js';

/**
 * Event Hub trigger input → sourced bodies. With cardinality 'many' the host passes an array of events
 * and parallel metadata arrays (camelCased by the Node library: sequenceNumberArray, offsetArray,
 * enqueuedTimeUtcArray, partitionContext.partitionId). Metadata is typed `Record<string, unknown>` and
 * number-like strings may arrive parsed, so it is validated, leniently: missing metadata only costs
 * precision in dead-letter locations, never the batch.
 */
const scalar = z.union([z.string(), z.number()]).transform(String);

const batchMetadata = z
  .object({
    partitionContext: z.object({ partitionId: scalar.optional() }).partial().optional().catch(undefined),
    sequenceNumberArray: z.array(z.union([z.number(), z.string()]).transform(Number)).optional().catch(undefined),
    offsetArray: z.array(scalar).optional().catch(undefined),
    enqueuedTimeUtcArray: z.array(scalar).optional().catch(undefined),
  })
  .partial();

export interface BatchOrigin {
  readonly partitionId: string;
  readonly firstSequenceNumber: number | undefined;
  readonly lastSequenceNumber: number | undefined;
}

export function toSourcedBodies(events: unknown, triggerMetadata: unknown): { bodies: SourcedBody[]; origin: BatchOrigin } {
  const list = Array.isArray(events) ? events : [events];
  const metadata = batchMetadata.safeParse(triggerMetadata ?? {});
  const meta = metadata.success ? metadata.data : {};
  const partitionId = meta.partitionContext?.partitionId ?? 'unknown';
  const sequences = meta.sequenceNumberArray ?? [];
  const bodies = list.map((body, eventIndex): SourcedBody => {
    const sequenceNumber = sequences[eventIndex];
    const offset = meta.offsetArray?.[eventIndex];
    const enqueued = meta.enqueuedTimeUtcArray?.[eventIndex];
    const source: RecordSource = {
      kind: 'eventHub',
      partitionId,
      eventIndex,
      ...(sequenceNumber !== undefined && Number.isFinite(sequenceNumber) ? { sequenceNumber } : {}),
      ...(offset !== undefined ? { offset } : {}),
      // The host formats EnqueuedTimeUtc without a zone; it is UTC.
      ...(enqueued !== undefined ? { enqueuedTimeUtc: /Z|[+-]\d\d:?\d\d$/.test(enqueued) ? enqueued : `${enqueued}Z` } : {}),
    };
    return { body, source };
  });
  const known = sequences.filter((n) => Number.isFinite(n));
  return {
    bodies,
    origin: {
      partitionId,
      firstSequenceNumber: known.length > 0 ? Math.min(...known) : undefined,
      lastSequenceNumber: known.length > 0 ? Math.max(...known) : undefined,
    },
  };
}
