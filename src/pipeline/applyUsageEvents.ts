import type { TableClient } from '@azure/data-tables';
import type { UsageEvent } from '../ingest/ledgerEvent.js';
import { mergeUsage } from '../state/mergeUsage.js';
import { commitPartition, type RowWrite, type StorageIo } from '../store/partitionCommit.js';
import { commitIsolatingRejects, type Rejected } from './isolateRejected.js';
import {
  NO_RESOURCE,
  fromUsageTotalRow,
  toUsageTotalRow,
  usagePartitionKey,
  usageRecordRowKey,
  usageTotalRowKey,
} from '../store/usageRows.js';

/** Each usage record writes a RecordId row and at most one total row: 45 records fit a transaction. */
const RECORDS_PER_COMMIT = 45;

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
    const totalKeys = [...new Set(chunk.map((e) => usageTotalRowKey(e.usageType, e.unitType)))];
    return commitPartition(
      deps.usage,
      partitionKey,
      [...totalKeys, ...chunk.map((e) => usageRecordRowKey(e.recordId))],
      (rows) => {
        const fresh = chunk.filter((e) => !rows.has(usageRecordRowKey(e.recordId)));
        const writes: RowWrite[] = [];
        for (const totalKey of totalKeys) {
          const forTotal = fresh.filter((e) => usageTotalRowKey(e.usageType, e.unitType) === totalKey);
          const first = forTotal[0];
          if (first === undefined) continue;
          const stored = rows.get(totalKey);
          const total = mergeUsage(stored === undefined ? undefined : fromUsageTotalRow(stored.properties), forTotal, {
            resourceId: resourceId ?? NO_RESOURCE,
            day,
            usageType: first.usageType,
            unitType: first.unitType,
          });
          writes.push({ rowKey: totalKey, properties: toUsageTotalRow(total) });
        }
        for (const e of fresh) {
          writes.push({
            rowKey: usageRecordRowKey(e.recordId),
            properties: { rowType: 'usageRecord', recordId: e.recordId, time: e.time, quantity: e.quantity, correlationId: e.correlationId },
          });
        }
        return { writes, result: { applied: fresh.length, duplicates: chunk.length - fresh.length } };
      },
      deps.io,
      { usagePartition: partitionKey },
    );
  });
  return { applied: results.reduce((n, r) => n + r.applied, 0), duplicates: results.reduce((n, r) => n + r.duplicates, 0), rejected };
}
