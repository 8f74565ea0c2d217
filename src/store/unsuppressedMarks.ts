import type { TableClient } from '@azure/data-tables';
import { readRows, type StorageIo } from './partitionCommit.js';
import { registryPartitionKey } from './bounceRegistry.js';
import { textOf } from './entityFields.js';
import { withStorageRetry } from './storageRetry.js';

/**
 * `unsuppress <address>` leaves a marker in the address's bounce-registry partition (RowKey
 * "unsuppressed"), with the time a person took it off the suppression list. The suppression sink and
 * `suppress sync` skip every bounce of the address recorded at or before that time, so neither puts
 * it back; a hard bounce after it does (the address bounced again: back on the list is right).
 * The registry's own reads look only at "summary" and "m|" rows, so the marker changes nothing there.
 */
export const UNSUPPRESSED_ROW = 'unsuppressed';

export async function markUnsuppressed(bounces: TableClient, address: string, at: Date, io: StorageIo): Promise<void> {
  const partitionKey = registryPartitionKey(address);
  await withStorageRetry(
    'mark address unsuppressed',
    (abortSignal) =>
      bounces.upsertEntity(
        { partitionKey, rowKey: UNSUPPRESSED_ROW, rowType: UNSUPPRESSED_ROW, address: address.trim().toLowerCase(), unsuppressedAt: at.toISOString() },
        'Replace',
        { abortSignal },
      ),
    { ...io, context: { bouncePartition: partitionKey } },
  );
}

/** When the address was last unsuppressed by hand (ISO time), or null. */
export async function unsuppressedAt(bounces: TableClient, address: string, io: StorageIo): Promise<string | null> {
  const partitionKey = registryPartitionKey(address);
  const rows = await readRows(bounces, partitionKey, [UNSUPPRESSED_ROW], io, { bouncePartition: partitionKey });
  const row = rows.get(UNSUPPRESSED_ROW);
  return row === undefined ? null : textOf(row.properties, 'unsuppressedAt');
}
