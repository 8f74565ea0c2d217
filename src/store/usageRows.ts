import type { UsageTotal } from '../state/mergeUsage.js';
import type { RowProperties } from './partitionCommit.js';
import { numberOf, textOf } from './entityFields.js';
import { encodeKey } from './tableKeys.js';

/**
 * Layout of the usage table: one partition per resource and UTC day, so a day's usage of one resource
 * is one query and records of one resource-day commit together.
 *   "t|<usageType>|<unitType>"  the running total
 *   "u|<recordId>"              one row per counted usage RecordId: the de-duplication memory
 */
export const NO_RESOURCE = '(none)';
export const usagePartitionKey = (resourceId: string | null, day: string): string => `${encodeKey(resourceId ?? NO_RESOURCE)}|${day}`;
export const usageTotalRowKey = (usageType: string, unitType: string): string => `t|${encodeKey(usageType)}|${encodeKey(unitType)}`;
export const usageRecordRowKey = (recordId: string): string => `u|${encodeKey(recordId)}`;
export const USAGE_TOTAL_PREFIX = 't|';

export function toUsageTotalRow(total: UsageTotal): RowProperties {
  return {
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
