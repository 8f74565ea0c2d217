import type { TableClient } from '@azure/data-tables';
import type { UsageEvent } from '../ingest/ledgerEvent.js';
import { mergeUsage } from '../state/mergeUsage.js';
import { foldAdd, foldContains, foldOf, foldProperties } from '../dedup/foldedSet.js';
import { commitPartition, type RowWrite, type StorageIo, type StoredRow } from '../store/partitionCommit.js';
import { commitIsolatingRejects, type Rejected } from './isolateRejected.js';
import {
  NO_RESOURCE,
  fromUsageTotalRow,
  hasLegacyRecordRows,
  legacyUsageRecordRowKey,
  recordIdDigest,
  toUsageTotalRow,
  usageMinuteRowKey,
  usageOverflowRowKey,
  usagePartitionKey,
  usageTotalRowKey,
} from '../store/usageRows.js';

/**
 * Each usage record writes at most its minute's memory row, an overflow row and its total row: 33
 * records stay within the 100-row transaction limit. Records of one chunk mostly share a minute and a
 * total, so a chunk reads and writes a handful of rows.
 */
const RECORDS_PER_COMMIT = 33;

export interface UsageApplyResult {
  readonly applied: number;
  readonly duplicates: number;
  /** Records storage refused to take (with the reason), to be dead-lettered. */
  readonly rejected: readonly Rejected<UsageEvent>[];
}

/** Applies the usage records of one resource-day partition, each RecordId counted once. */
export async function applyUsageEvents(
  resourceId: string | null,
  day: string,
  events: readonly UsageEvent[],
  deps: { readonly usage: TableClient; readonly io: StorageIo },
): Promise<UsageApplyResult> {
  const partitionKey = usagePartitionKey(resourceId, day);
  const { results, rejected } = await commitIsolatingRejects(events, RECORDS_PER_COMMIT, (chunk) => {
    const totalKeyOf = (e: UsageEvent) => usageTotalRowKey(e.usageType, e.unitType);
    const totalKeys = [...new Set(chunk.map(totalKeyOf))];
    const minuteKeys = [...new Set(chunk.map((e) => usageMinuteRowKey(e.time)))];
    const digests = new Map(chunk.map((e) => [e.recordId, recordIdDigest(e.recordId)] as const));
    const digestOf = (e: UsageEvent) => digests.get(e.recordId) ?? recordIdDigest(e.recordId);
    const answer = (rows: ReadonlyMap<string, StoredRow>, e: UsageEvent) => foldContains(foldOf(rows.get(usageMinuteRowKey(e.time))?.properties), digestOf(e));
    const legacy = (rows: ReadonlyMap<string, StoredRow>, e: UsageEvent) => hasLegacyRecordRows(rows.get(totalKeyOf(e))?.properties);
    // Read only when the first read says they may hold the answer: an overflowed minute, a total
    // written before folding.
    const followUp = (rows: ReadonlyMap<string, StoredRow>) =>
      chunk.flatMap((e) => [
        ...(answer(rows, e) === 'overflow' ? [usageOverflowRowKey(digestOf(e))] : []),
        ...(legacy(rows, e) ? [legacyUsageRecordRowKey(e.recordId)] : []),
      ]);
    return commitPartition(
      deps.usage,
      partitionKey,
      [...totalKeys, ...minuteKeys],
      (rows) => {
        const seen = new Set<string>();
        const fresh = chunk.filter((e) => {
          const known = answer(rows, e);
          if (known === 'yes' || (known === 'overflow' && rows.has(usageOverflowRowKey(digestOf(e))))) return false;
          if ((legacy(rows, e) && rows.has(legacyUsageRecordRowKey(e.recordId))) || seen.has(digestOf(e))) return false;
          seen.add(digestOf(e));
          return true;
        });
        const writes: RowWrite[] = [];
        for (const totalKey of totalKeys) {
          const forTotal = fresh.filter((e) => totalKeyOf(e) === totalKey);
          const first = forTotal[0];
          if (first === undefined) continue;
          const stored = rows.get(totalKey);
          const total = mergeUsage(stored === undefined ? undefined : fromUsageTotalRow(stored.properties), forTotal, {
            resourceId: resourceId ?? NO_RESOURCE,
            day,
            usageType: first.usageType,
            unitType: first.unitType,
          });
          writes.push({ rowKey: totalKey, properties: toUsageTotalRow(total, hasLegacyRecordRows(stored?.properties)) });
        }
        for (const minuteKey of minuteKeys) {
          const added = fresh.filter((e) => usageMinuteRowKey(e.time) === minuteKey).map(digestOf);
          if (added.length === 0) continue;
          const { set, evicted } = foldAdd(foldOf(rows.get(minuteKey)?.properties), added);
          writes.push({ rowKey: minuteKey, properties: { rowType: 'usageRecords', ...foldProperties(set) } });
          for (const digest of evicted) writes.push({ rowKey: usageOverflowRowKey(digest), properties: { rowType: 'usageRecord' } });
        }
        return { writes, result: { applied: fresh.length, duplicates: chunk.length - fresh.length }, allApplied: fresh.length === 0 };
      },
      deps.io,
      { usagePartition: partitionKey },
      followUp,
    );
  });
  return { applied: results.reduce((n, r) => n + r.applied, 0), duplicates: results.reduce((n, r) => n + r.duplicates, 0), rejected };
}
