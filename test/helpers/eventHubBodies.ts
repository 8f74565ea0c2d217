import type { SourcedBody } from '../../src/ingest/recordSource.js';

/** Records cut into Event Hub bodies of the given sizes (cycled), numbered as one partition's events. */
export function toBodies(records: readonly unknown[], sizes: readonly number[], partitionId: string): SourcedBody[] {
  const bodies: SourcedBody[] = [];
  for (let i = 0, k = 0; i < records.length; k += 1) {
    const size = Math.max(1, sizes[k % sizes.length] ?? 3);
    bodies.push({ body: JSON.stringify({ records: records.slice(i, i + size) }), source: { kind: 'eventHub', partitionId, sequenceNumber: k, eventIndex: k } });
    i += size;
  }
  return bodies;
}
