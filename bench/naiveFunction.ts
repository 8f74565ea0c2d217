import type { TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';

/**
 * BASELINE, not the ledger: the Event Hub function a team would write by hand in an afternoon. Per
 * body JSON.parse, per record one upsertEntity (merge), 16 in flight. It keeps no de-duplication, no
 * order independence (the last write wins, whatever the event time) and no alerts; it is here only so
 * that `npm run bench` can put our records/s beside it on the same Azurite and the same input.
 */
export async function naiveFunction(bodies: readonly string[], table: TableClient): Promise<{ records: number; roundTrips: number }> {
  const limit = pLimit(16);
  const writes: Promise<unknown>[] = [];
  for (const body of bodies) {
    const { records } = JSON.parse(body) as { records: NaiveRecord[] };
    for (const record of records) writes.push(limit(() => table.upsertEntity(naiveEntity(record), 'Merge')));
  }
  await Promise.all(writes);
  return { records: writes.length, roundTrips: writes.length };
}

interface NaiveRecord {
  readonly time: string;
  readonly category: string;
  readonly correlationId: string;
  readonly resourceId?: string;
  readonly properties?: Record<string, unknown>;
}

/** Keys may not hold / \\ # ? (the generated input has no control characters). */
const safeKey = (text: string) => text.replace(/[/\\#?]/g, '_');

function naiveEntity(record: NaiveRecord): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const p = record.properties ?? {};
  const recipient = typeof p['RecipientId'] === 'string' ? p['RecipientId'] : '';
  const flat: Record<string, unknown> = { time: record.time, category: record.category };
  for (const [key, value] of Object.entries(p)) flat[key] = typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
  switch (record.category) {
    case 'Usage':
      return { partitionKey: safeKey(record.resourceId ?? 'unknown'), rowKey: safeKey(typeof p['recordId'] === 'string' ? p['recordId'] : record.correlationId), ...flat };
    case 'EmailUserEngagementOperational':
      return { partitionKey: record.correlationId, rowKey: safeKey(`${recipient}_${String(p['EngagementType'])}_${record.time}`), ...flat };
    case 'EmailStatusUpdateOperational':
      return { partitionKey: record.correlationId, rowKey: safeKey(recipient === '' ? 'message' : recipient), ...flat };
    default:
      return { partitionKey: record.correlationId, rowKey: 'message', ...flat };
  }
}
