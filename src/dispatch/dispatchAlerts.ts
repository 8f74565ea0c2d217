import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAlertIntent, type AlertState } from '../store/alertOutbox.js';
import {
  claimDelivery,
  deleteDelivery,
  getAlertDeliveries,
  listAlertDeliveries,
  outboxRowExists,
  saveDelivery,
  type AlertDelivery,
  type SinkState,
} from '../store/alertDeliveryStore.js';
import type { LedgerTables } from '../store/ledgerTables.js';
import type { StorageIo } from '../store/partitionCommit.js';
import type { DeliveryResult } from '../alerts/alert.js';
import type { AlertSink } from './alertSink.js';

/**
 * The outbox dispatcher. Finds alerts whose delivery is due, checks that each one's outbox row was
 * really committed, claims it (an ETag-guarded lease, so concurrent dispatchers do not both send it),
 * and hands it to every sink that has not taken it yet.
 *
 * The lease is short (see dispatchLeaseMs: a small multiple of the slowest sink's timeout), renewed
 * before each sink, and bound to a holder id (one per dispatch run): a dispatcher killed mid-delivery
 * holds an alert for at most one lease, and the same run recognises its own claim when the answer to
 * it was lost, so a lost claim answer costs nothing. After each saved outcome the store is persisted
 * (the embedded Azurite otherwise saves only every 5 s), so a killed CLI re-sends at most the one
 * alert it was delivering, under the same id.
 *
 *
 * Outcomes per sink: delivered; retry later (exponential backoff with jitter, honouring Retry-After,
 * up to an hour apart, never given up); or rejected, which parks the alert as `failed` with the
 * response, visible in `alerts` and retried by `alerts --dispatch --retry-failed`.
 */
export interface DispatchDeps {
  readonly tables: LedgerTables;
  readonly sinks: readonly AlertSink[];
  readonly io: StorageIo;
  readonly now?: () => Date;
}

export interface DispatchOptions {
  /** Only these alerts (e.g. the ones a batch just created). */
  readonly ids?: readonly string[];
  /** Ignore the backoff schedule (used for the quick retries right after a replay). */
  readonly ignoreSchedule?: boolean;
  /** Also retry alerts parked as failed. */
  readonly retryFailed?: boolean;
  /** Lease holder id; one per run (quick retries reuse it so that they recognise their own claims). */
  readonly holder?: string;
}

export interface DispatchReport {
  delivered: number;
  retrying: number;
  failed: number;
  skipped: number;
  orphansRemoved: number;
}

/** Lease per alert: this many times the slowest sink's timeout, at least MIN_LEASE_MS. */
const LEASE_TIMEOUTS = 3;
const MIN_LEASE_MS = 15_000;
/** Assumed for a sink that states no timeout (the log sink: a local append). */
const DEFAULT_SINK_TIMEOUT_MS = 5_000;

/** How long a claim holds an alert: with the default 10 s webhook timeout, 30 s. */
export function dispatchLeaseMs(sinks: readonly AlertSink[]): number {
  const slowest = Math.max(DEFAULT_SINK_TIMEOUT_MS, ...sinks.map((s) => s.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS));
  return Math.max(MIN_LEASE_MS, LEASE_TIMEOUTS * slowest);
}
/** A delivery row whose outbox row is still missing after this long was never committed. */
const ORPHAN_GRACE_MS = 15 * 60_000;
const MAX_BACKOFF_MS = 3_600_000;

export async function dispatchAlerts(deps: DispatchDeps, options: DispatchOptions = {}): Promise<DispatchReport> {
  const now = deps.now ?? (() => new Date());
  const run = { ...options, holder: options.holder ?? randomUUID() };
  const report: DispatchReport = { delivered: 0, retrying: 0, failed: 0, skipped: 0, orphansRemoved: 0 };
  const states: AlertState[] = options.retryFailed ? ['pending', 'failed'] : ['pending'];
  const candidates =
    options.ids === undefined
      ? await listAlertDeliveries(deps.tables.alerts, deps.io, { states })
      : await getAlertDeliveries(deps.tables.alerts, options.ids, deps.io);
  for (const delivery of candidates) {
    const outcome = await dispatchOne(delivery, deps, run, now());
    report[outcome] += 1;
  }
  return report;
}

/** Dispatches, then retries what is still pending a few times within seconds (CLI replay, tests). */
export async function dispatchWithQuickRetries(deps: DispatchDeps, options: DispatchOptions = {}, delaysMs: readonly number[] = [500, 1_000, 2_000]): Promise<DispatchReport> {
  const run = { ...options, holder: options.holder ?? randomUUID() };
  const total = await dispatchAlerts(deps, run);
  for (const delay of delaysMs) {
    const pending = await listAlertDeliveries(deps.tables.alerts, deps.io, { states: ['pending'] });
    const ids = pending.map((d) => d.id).filter((id) => run.ids === undefined || run.ids.includes(id));
    if (ids.length === 0) break;
    await sleep(delay);
    const round = await dispatchAlerts(deps, { ...run, ids, ignoreSchedule: true });
    total.delivered += round.delivered;
    total.failed += round.failed;
    total.orphansRemoved += round.orphansRemoved;
    total.retrying = round.retrying;
  }
  return total;
}

type Outcome = 'delivered' | 'retrying' | 'failed' | 'skipped' | 'orphansRemoved';

async function dispatchOne(delivery: AlertDelivery, deps: DispatchDeps, options: DispatchOptions & { holder: string }, at: Date): Promise<Outcome> {
  if (delivery.state === 'delivered') return 'skipped';
  if (delivery.state === 'failed' && !options.retryFailed) return 'skipped';
  if (!options.ignoreSchedule && delivery.nextAttemptAt > at.toISOString()) return 'skipped';
  if (delivery.leaseUntil !== '' && delivery.leaseUntil > at.toISOString() && delivery.leaseHolder !== options.holder) return 'skipped';
  if (delivery.origin !== null && !(await outboxRowExists(deps.tables, delivery.origin, deps.io))) {
    if (at.getTime() - Date.parse(delivery.createdAt) < ORPHAN_GRACE_MS) return 'skipped';
    await deleteDelivery(deps.tables.alerts, delivery, deps.io);
    // A commit redelivered by the trigger's retry policy may land between the check and the delete:
    // look again, and put the delivery row back if the alert turned out to be real after all.
    if (await outboxRowExists(deps.tables, delivery.origin, deps.io)) {
      await writeAlertIntent(deps.tables.alerts, delivery.alert, delivery.origin, deps.io, at);
      return 'skipped';
    }
    return 'orphansRemoved';
  }
  const leaseMs = dispatchLeaseMs(deps.sinks);
  let etag = await claimDelivery(deps.tables.alerts, delivery, { holder: options.holder, until: new Date(at.getTime() + leaseMs) }, deps.io);
  if (etag === null) return 'skipped';
  let claimedAt = Date.now();

  const sinks: Record<string, SinkState> = { ...delivery.sinks };
  if (options.retryFailed) {
    for (const [name, s] of Object.entries(sinks)) if (s.state === 'failed') sinks[name] = { state: 'pending' };
  }
  let retryAfterMs = 0;
  const errors: string[] = [];

  for (const sink of deps.sinks) {
    if (sinks[sink.name]?.state === 'delivered' || sinks[sink.name]?.state === 'failed') continue;
    if (Date.now() - claimedAt > leaseMs / LEASE_TIMEOUTS) {
      // Renew before a sink that might not fit in what is left of the lease.
      const renewedAt = Date.now();
      etag = await claimDelivery(deps.tables.alerts, { id: delivery.id, etag }, { holder: options.holder, until: new Date(renewedAt + leaseMs) }, deps.io);
      if (etag === null) return 'skipped';
      claimedAt = renewedAt;
    }
    const result: DeliveryResult = await sink.deliver(delivery.alert);
    if (result.outcome === 'delivered') {
      sinks[sink.name] = { state: 'delivered', at: new Date().toISOString(), ...(result.note === undefined ? {} : { note: result.note }) };
    } else if (result.outcome === 'retry') {
      sinks[sink.name] = { state: 'pending', lastError: result.reason };
      retryAfterMs = Math.max(retryAfterMs, result.retryAfterMs ?? 0);
      errors.push(`${sink.name}: ${result.reason}`);
    } else {
      sinks[sink.name] = {
        state: 'failed',
        lastError: result.reason,
        ...(result.status !== undefined ? { status: result.status } : {}),
        ...(result.responseBody !== undefined ? { responseBody: result.responseBody } : {}),
      };
      errors.push(`${sink.name}: ${result.reason}`);
    }
  }

  const states = Object.values(sinks).map((s) => s.state);
  const state: AlertState = states.includes('failed') ? 'failed' : states.includes('pending') ? 'pending' : 'delivered';
  const attempts = delivery.attempts + 1;
  const backoff = Math.min(MAX_BACKOFF_MS, Math.max(retryAfterMs, 30_000 * 2 ** Math.min(attempts - 1, 10) * (0.5 + Math.random() / 2)));
  const saved = await saveDelivery(
    deps.tables.alerts,
    delivery.id,
    { etag, holder: options.holder },
    {
      state,
      attempts,
      nextAttemptAt: new Date(at.getTime() + (state === 'pending' ? backoff : 0)).toISOString(),
      deliveredAt: state === 'delivered' ? new Date().toISOString() : '',
      lastError: errors.join('; '),
      sinks,
    },
    deps.io,
  );
  if (!saved) return 'skipped';
  await deps.tables.persist();
  return state === 'delivered' ? 'delivered' : state === 'failed' ? 'failed' : 'retrying';
}
