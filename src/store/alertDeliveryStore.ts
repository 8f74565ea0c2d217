import { odata, type TableClient } from '@azure/data-tables';
import type { LedgerAlert } from '../alerts/alert.js';
import type { AlertOrigin, AlertState } from './alertOutbox.js';
import { ALERT_PARTITION } from './alertOutbox.js';
import type { LedgerTables } from './ledgerTables.js';
import { readRows, type StorageIo } from './partitionCommit.js';
import { jsonOf, numberOf, textOf } from './entityFields.js';
import { listEntitiesWithRetry, statusCodeOf, withStorageRetry } from './storageRetry.js';

/** Delivery state of one alert, per sink, as kept in the alerts table. */
export type SinkState =
  | { readonly state: 'delivered'; readonly at: string; readonly note?: string }
  | { readonly state: 'pending'; readonly lastError?: string }
  | { readonly state: 'failed'; readonly lastError: string; readonly status?: number; readonly responseBody?: string };

export interface AlertDelivery {
  readonly id: string;
  readonly alert: LedgerAlert;
  readonly state: AlertState;
  readonly attempts: number;
  readonly createdAt: string;
  readonly nextAttemptAt: string;
  readonly leaseUntil: string;
  /** Which dispatcher run holds (or last held) the lease. */
  readonly leaseHolder: string;
  readonly deliveredAt: string;
  readonly lastError: string;
  readonly sinks: Readonly<Record<string, SinkState>>;
  readonly origin: AlertOrigin | null;
  readonly etag: string;
}

export async function listAlertDeliveries(alerts: TableClient, io: StorageIo, options: { states?: readonly AlertState[] } = {}): Promise<AlertDelivery[]> {
  const out: AlertDelivery[] = [];
  const stateFilter = options.states?.map((s) => odata`state eq ${s}`).join(' or ');
  const filter = `${odata`PartitionKey eq ${ALERT_PARTITION}`}${stateFilter ? ` and (${stateFilter})` : ''}`;
  for await (const e of listEntitiesWithRetry(alerts, 'list alerts', { filter }, io)) out.push(fromDeliveryRow(e));
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** The delivery rows of these alerts (one point read per id); ids without a row are left out. */
export async function getAlertDeliveries(alerts: TableClient, ids: readonly string[], io: StorageIo): Promise<AlertDelivery[]> {
  const rows = await readRows(alerts, ALERT_PARTITION, ids, io, { alerts: ids.length });
  return ids.flatMap((id) => {
    const row = rows.get(id);
    return row === undefined ? [] : [fromDeliveryRow({ ...row.properties, rowKey: id, etag: row.etag })];
  });
}

/**
 * Takes (or, with the etag of our own last claim, renews) the alert until `leaseUntil`, in the name of
 * `holder`, so that concurrent dispatchers do not send it twice. Returns the new etag; null when
 * someone else has it. When the answer to our claim is lost (the server applied it, the retry then
 * meets 412), the row is read back: if it carries our holder and lease, the claim is ours after all,
 * instead of leaving the alert leased to nobody.
 */
export async function claimDelivery(
  alerts: TableClient,
  delivery: Pick<AlertDelivery, 'id' | 'etag'>,
  lease: { readonly holder: string; readonly until: Date },
  io: StorageIo,
): Promise<string | null> {
  const leaseUntil = lease.until.toISOString();
  try {
    const response = await withStorageRetry(
      'claim alert',
      (abortSignal) =>
        alerts.updateEntity({ partitionKey: ALERT_PARTITION, rowKey: delivery.id, leaseUntil, leaseHolder: lease.holder }, 'Merge', {
          etag: delivery.etag,
          abortSignal,
        }),
      { ...io, context: { alertId: delivery.id } },
    );
    return response.etag ?? null;
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    if (statusCodeOf(error) !== 412) throw error;
    const [current] = await getAlertDeliveries(alerts, [delivery.id], io);
    return current !== undefined && current.leaseHolder === lease.holder && current.leaseUntil === leaseUntil ? current.etag : null;
  }
}

export interface DeliveryUpdate {
  readonly state: AlertState;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly deliveredAt: string;
  readonly lastError: string;
  readonly sinks: Readonly<Record<string, SinkState>>;
}

/**
 * Saves the outcome and releases the lease; false when the claim was lost meanwhile (the other
 * holder's result stands). A 412 after a lost answer to our own save is recognised by reading back.
 */
export async function saveDelivery(
  alerts: TableClient,
  id: string,
  claim: { readonly etag: string; readonly holder: string },
  update: DeliveryUpdate,
  io: StorageIo,
): Promise<boolean> {
  const { etag } = claim;
  try {
    await withStorageRetry(
      'save alert delivery',
      (abortSignal) =>
        alerts.updateEntity(
          {
            partitionKey: ALERT_PARTITION,
            rowKey: id,
            state: update.state,
            attempts: update.attempts,
            nextAttemptAt: update.nextAttemptAt,
            deliveredAt: update.deliveredAt,
            lastError: update.lastError.slice(0, 4_000),
            sinks: JSON.stringify(update.sinks),
            leaseUntil: '',
          },
          'Merge',
          { etag, abortSignal },
        ),
      { ...io, context: { alertId: id } },
    );
    return true;
  } catch (error) {
    if (statusCodeOf(error) !== 412) throw error;
    const [current] = await getAlertDeliveries(alerts, [id], io);
    return current !== undefined && current.leaseHolder === claim.holder && current.leaseUntil === '' && current.attempts === update.attempts;
  }
}

export async function deleteDelivery(alerts: TableClient, delivery: AlertDelivery, io: StorageIo): Promise<void> {
  try {
    await withStorageRetry('delete orphan alert', (abortSignal) => alerts.deleteEntity(ALERT_PARTITION, delivery.id, { etag: delivery.etag, abortSignal }), {
      ...io,
      context: { alertId: delivery.id },
    });
  } catch (error) {
    if (statusCodeOf(error) !== 412 && statusCodeOf(error) !== 404) throw error;
  }
}

/** Whether the alert's outbox row was committed (a delivery row without one must never be sent). */
export async function outboxRowExists(tables: LedgerTables, origin: AlertOrigin, io: StorageIo): Promise<boolean> {
  const table = origin.table === 'messages' ? tables.messages : tables.bounces;
  const rows = await readRows(table, origin.partitionKey, [origin.rowKey], io, { origin: origin.rowKey });
  return rows.has(origin.rowKey);
}

function fromDeliveryRow(e: Readonly<Record<string, unknown>>): AlertDelivery {
  const text = (k: string) => textOf(e, k) ?? '';
  const table = text('originTable');
  return {
    id: text('rowKey'),
    alert: jsonOf<LedgerAlert>(e, 'alert', {} as LedgerAlert),
    state: (text('state') || 'pending') as AlertState,
    attempts: numberOf(e, 'attempts') ?? 0,
    createdAt: text('createdAt'),
    nextAttemptAt: text('nextAttemptAt'),
    leaseUntil: text('leaseUntil'),
    leaseHolder: text('leaseHolder'),
    deliveredAt: text('deliveredAt'),
    lastError: text('lastError'),
    sinks: jsonOf<Record<string, SinkState>>(e, 'sinks', {}),
    origin: table === 'messages' || table === 'bounces' ? { table, partitionKey: text('originPartitionKey'), rowKey: text('originRowKey') } : null,
    etag: text('etag'),
  };
}
