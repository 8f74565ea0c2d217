import { createHash } from 'node:crypto';
import type { UsageTotal } from '../state/mergeUsage.js';
import type { RowProperties } from './partitionCommit.js';
import { numberOf, textOf } from './entityFields.js';
import { encodeKey } from './tableKeys.js';

/**
 * Layout of the usage table: one partition per resource and UTC day, so a day's usage of one resource
 * is one query and records of one resource-day commit together.
 *   "t|<usageType>|<unitType>"  the running total
 *   "b|<minute>"                the de-duplication memory: digests of the RecordIds counted whose record
 *                               time falls in that minute, folded (src/dedup/foldedSet.ts), so a chunk of
 *                               records close in time reads and writes a handful of rows
 *   "d|<digest>"                overflow of a minute's memory beyond FOLD_LIMIT RecordIds (rare)
 *   "u|<recordId>"              the memory as written before folding, one row per RecordId: read only
 *                               in partitions whose total row says it holds some (never written now)
 * The minute is part of the record's identity for this purpose: a RecordId is taken to come with one
 * record time, as it comes with one day (the partition) already. Redeliveries and replays are byte-equal.
 */
export const NO_RESOURCE = '(none)';
export const usagePartitionKey = (resourceId: string | null, day: string): string => `${encodeKey(resourceId ?? NO_RESOURCE)}|${day}`;
export const usageTotalRowKey = (usageType: string, unitType: string): string => `t|${encodeKey(usageType)}|${encodeKey(unitType)}`;
/** Rows written before folding: one per counted RecordId. */
export const legacyUsageRecordRowKey = (recordId: string): string => `u|${encodeKey(recordId)}`;
/** The memory row of a record's minute ("2025-03-14T10:07"). */
export const usageMinuteRowKey = (time: string): string => `b|${encodeKey(time.slice(0, 16))}`;
export const usageOverflowRowKey = (digest: string): string => `d|${digest}`;
/** 128 bits of SHA-256 of the RecordId (UTF-16 units, as tableKeys hashes), base64url: 22 characters. */
export const recordIdDigest = (recordId: string): string => createHash('sha256').update(recordId, 'utf16le').digest('base64url').slice(0, 22);

/**
 * Whether the total row's records may have pre-folding "u|" rows: a total written before folding
 * carries no recordMemory, and keeps saying so once rewritten.
 */
export function hasLegacyRecordRows(stored: Readonly<Record<string, unknown>> | undefined): boolean {
  return stored !== undefined && stored['recordMemory'] !== 'folded';
}
export const USAGE_TOTAL_PREFIX = 't|';

export function toUsageTotalRow(total: UsageTotal, legacyRecordRows: boolean): RowProperties {
  return {
    recordMemory: legacyRecordRows ? 'folded+legacy' : 'folded',
    rowType: 'usageTotal',
    resourceId: total.resourceId,
    day: total.day,
    usageType: total.usageType,
    unitType: total.unitType,
    quantityMicros: total.quantityMicros,
    records: total.records,
  };
}

export function fromUsageTotalRow(row: Readonly<Record<string, unknown>>): UsageTotal {
  return {
    resourceId: textOf(row, 'resourceId') ?? '',
    day: textOf(row, 'day') ?? '',
    usageType: textOf(row, 'usageType') ?? '',
    unitType: textOf(row, 'unitType') ?? '',
    quantityMicros: numberOf(row, 'quantityMicros') ?? 0,
    records: numberOf(row, 'records') ?? 0,
  };
}
