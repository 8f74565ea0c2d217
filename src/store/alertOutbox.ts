import type { TableClient } from '@azure/data-tables';
import type { LedgerAlert } from '../alerts/alert.js';
import type { RowProperties, StorageIo } from './partitionCommit.js';
import { statusCodeOf, withStorageRetry } from './storageRetry.js';

/**
 * The alert outbox, in two parts:
 * - the outbox row ("a|<address>" in the message partition), written in the same transaction as the
 *   state change that caused it: its existence is the proof the alert is real, and its absence is what
 *   stops a replay from raising the alert again;
 * - the delivery row in the alerts table (PartitionKey "alert", RowKey = alert id), written just BEFORE
 *   that transaction (write-ahead), carrying delivery state. A crash after the commit therefore always
 *   leaves a delivery row for the dispatcher to find; a delivery row whose outbox row never got committed
 *   is never sent (the dispatcher checks) and is cleaned up after a grace period.
 */
export const ALERT_PARTITION = 'alert';

export type AlertState = 'pending' | 'delivered' | 'failed';

/** Where the alert's outbox row lives: its existence is what makes the alert real. */
export interface AlertOrigin {
  readonly table: 'messages' | 'bounces';
  readonly partitionKey: string;
  readonly rowKey: string;
}

export function toOutboxRow(alert: LedgerAlert, createdAt: Date): RowProperties {
  return { rowType: 'alert', alertId: alert.id, alertType: alert.type, alert: JSON.stringify(alert), createdAt: createdAt.toISOString() };
}

/** Write-ahead delivery row. Creating it twice is harmless: the first one, with its state, stands. */
export async function writeAlertIntent(
  table: TableClient,
  alert: LedgerAlert,
  origin: AlertOrigin | null,
  io: StorageIo,
  now: Date,
): Promise<void> {
  await withStorageRetry(
    'write alert intent',
    async (abortSignal) => {
      try {
        await table.createEntity(
          {
          partitionKey: ALERT_PARTITION,
          rowKey: alert.id,
          // Delivery state columns are added by the dispatcher.
          alertType: alert.type,
          alert: JSON.stringify(alert),
          state: 'pending' satisfies AlertState,
          originTable: origin?.table ?? '',
          originPartitionKey: origin?.partitionKey ?? '',
          originRowKey: origin?.rowKey ?? '',
          createdAt: now.toISOString(),
          nextAttemptAt: now.toISOString(),
          attempts: 0,
          sinks: '{}',
          lastError: '',
          deliveredAt: '',
          },
          { abortSignal },
        );
      } catch (error) {
        if (statusCodeOf(error) !== 409) throw error;
      }
    },
    { ...io, context: { alertId: alert.id } },
  );
}
