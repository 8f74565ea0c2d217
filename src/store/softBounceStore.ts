import { odata, type TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import type { SoftBounceEscalationAlert } from '../alerts/alert.js';
import { ALERT_SCHEMA } from '../alerts/alert.js';
import {
  DAY_MS,
  comparePoints,
  currentRun,
  earliestPerMessage,
  softBounceAlertId,
  softBounceCrossings,
  type SoftBounceRule,
  type SoftCrossing,
  type SoftHistory,
  type SoftObservation,
  type SoftPoint,
} from '../alerts/softBounce.js';
import { toOutboxRow, writeAlertIntent } from './alertOutbox.js';
import { commitPartition, cutText, readRows, type RowProperties, type StorageIo, type StoredRow } from './partitionCommit.js';
import { listEntitiesWithRetry, type StorageCallIo } from './storageRetry.js';
import { jsonOf, numberOf, textOf } from './entityFields.js';
import { encodeKey } from './tableKeys.js';
import { createHash } from 'node:crypto';

/**
 * Soft-bounce escalation storage, in the bounces table, one partition per address (lower-cased),
 * "soft|<address>", holding
 *   "state"        the address's history (per message its earliest soft failure, and its earliest
 *                  delivery, newest 64 of each), the crossings alerted, and the summary `bounces` lists
 *   "a|<alert id>" the outbox row of a soft_bounce_escalation alert
 * Idempotent: the history keeps one point per message, the least by (time, fingerprint), so a record
 * seen again changes nothing. The alerts are committed in the same transaction as the history that
 * shows the crossing (guarded by the state row's ETag), so concurrent consumers cannot both raise one.
 *
 * Like the guardrail, a crossing is alerted only once it has settled (its crossing failure at least
 * settleMs old), so that records of the same minutes arriving out of order are in; one not settled yet
 * leaves the state "pending" for settleSoftBounces (the timer, or the end of a CLI replay).
 */
const STATE = 'state';
const MAX_POINTS = 64;
const MAX_ALERTED = 64;
const ALERTS_PER_COMMIT = 90;
const ADDRESS_CONCURRENCY = 16;
const MAX_ID = 128;
const MAX_CODE = 32;

export const softPartitionKey = (address: string): string => `soft|${encodeKey(address.trim().toLowerCase())}`;

/** What `bounces` and `check` show of an address that was escalated. */
export interface SoftBounceRecord {
  readonly address: string;
  /** Set while the address's current run (since its latest delivery) has crossed. */
  readonly escalated: 'soft_bounce' | null;
  /** Crossings alerted (newest 64 kept). */
  readonly escalations: number;
  readonly lastEscalatedAt: string | null;
  readonly lastAlertId: string | null;
  /** Messages that soft-failed since the latest delivery. */
  readonly softFailures: number;
  readonly lastSoftFailureAt: string | null;
  readonly lastDeliveredAt: string | null;
}

type Alerted = readonly [id: string, epoch: string, crossedAt: string];

interface SoftState {
  readonly address: string;
  readonly history: SoftHistory;
  readonly alerted: readonly Alerted[];
}

/** A message id kept as is when short, by its hash when a hostile stream sends a long one. */
const boundId = (id: string): string => (id.length <= MAX_ID ? id : `h:${createHash('sha256').update(id).digest('base64url')}`);

function boundPoint(p: SoftPoint): SoftPoint {
  return { time: p.time, messageId: boundId(p.messageId), fingerprint: boundId(p.fingerprint), code: p.code === null ? null : cutText(p.code, MAX_CODE) };
}

/** The newest points, one per message: the same set whatever order the points came in. */
function keepPoints(points: Iterable<SoftPoint>): { kept: SoftPoint[]; cut: boolean } {
  const all = earliestPerMessage(points);
  return { kept: all.slice(-MAX_POINTS), cut: all.length > MAX_POINTS };
}

export function mergeHistory(history: SoftHistory, added: readonly SoftObservation[]): SoftHistory {
  const failures = keepPoints([...history.failures, ...added.filter((o) => o.outcome === 'soft').map((o) => boundPoint(o.point))]);
  const deliveries = keepPoints([...history.deliveries, ...added.filter((o) => o.outcome === 'delivered').map((o) => boundPoint(o.point))]);
  return { failures: failures.kept, deliveries: deliveries.kept, truncated: history.truncated || deliveries.cut };
}

export interface SoftTiming {
  readonly now: Date;
  /** Infinite: record only, alert nothing (a replay settles once after its last batch). */
  readonly settleMs: number;
}

interface Evaluation {
  readonly fresh: readonly SoftCrossing[];
  readonly pending: boolean;
}

function evaluate(state: SoftState, rule: SoftBounceRule, timing: SoftTiming): Evaluation {
  const alerted = new Set(state.alerted.map((a) => a[1]));
  const cut = timing.now.getTime() - timing.settleMs;
  const open = softBounceCrossings(state.history, rule).filter((c) => !alerted.has(c.epoch));
  const fresh = open.filter((c) => Date.parse(c.crossedAt) <= cut).slice(0, ALERTS_PER_COMMIT);
  return { fresh, pending: open.length > fresh.length };
}

export function buildSoftBounceAlert(address: string, crossing: SoftCrossing, rule: SoftBounceRule, detectedAt: Date): SoftBounceEscalationAlert {
  return {
    schema: ALERT_SCHEMA,
    type: 'soft_bounce_escalation',
    id: softBounceAlertId(address, crossing.epoch),
    recipient: address,
    since: crossing.epoch === '' ? null : crossing.epoch,
    threshold: rule.count,
    windowDays: rule.windowMs / DAY_MS,
    messageIds: crossing.messageIds,
    firstFailureAt: crossing.firstFailureAt,
    crossedAt: crossing.crossedAt,
    smtpStatusCode: crossing.code,
    detectedAt: detectedAt.toISOString(),
  };
}

/**
 * Records observations (one read and one transaction per address, addresses in parallel) and commits
 * an alert for every settled crossing not alerted yet. Returns the alerts created.
 */
export async function recordSoftObservations(
  tables: { readonly bounces: TableClient; readonly alerts: TableClient },
  observations: readonly SoftObservation[],
  rule: SoftBounceRule,
  timing: SoftTiming,
  io: StorageIo,
): Promise<SoftBounceEscalationAlert[]> {
  const byAddress = new Map<string, SoftObservation[]>();
  for (const o of observations) {
    const address = o.address.trim().toLowerCase();
    byAddress.set(address, [...(byAddress.get(address) ?? []), o]);
  }
  const limit = pLimit(ADDRESS_CONCURRENCY);
  const created = await Promise.all([...byAddress].map(([address, added]) => limit(() => commitAddress(tables, address, added, rule, timing, io))));
  return created.flat();
}

async function commitAddress(
  tables: { readonly bounces: TableClient; readonly alerts: TableClient },
  address: string,
  added: readonly SoftObservation[],
  rule: SoftBounceRule,
  timing: SoftTiming,
  io: StorageIo,
): Promise<SoftBounceEscalationAlert[]> {
  const partitionKey = softPartitionKey(address);
  const origin = (a: SoftBounceEscalationAlert) => ({ table: 'bounces' as const, partitionKey, rowKey: `a|${a.id}` });
  const alerts = await commitPartition<SoftBounceEscalationAlert[]>(
    tables.bounces,
    partitionKey,
    [STATE],
    (rows) => {
      const stored = rows.get(STATE);
      const before = stateOf(stored, address);
      const state: SoftState = { ...before, history: mergeHistory(before.history, added) };
      const { fresh, pending } = evaluate(state, rule, timing);
      const created = fresh.map((c) => buildSoftBounceAlert(address, c, rule, timing.now));
      const alerted = [...state.alerted, ...fresh.map((c): Alerted => [softBounceAlertId(address, c.epoch), c.epoch, c.crossedAt])]
        .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
        .slice(-MAX_ALERTED);
      const next = toStateRow({ ...state, alerted }, pending);
      if (stored !== undefined && created.length === 0 && Object.entries(next).every(([k, v]) => (stored.properties[k] ?? null) === v)) return { writes: [], result: [], allApplied: true };
      return {
        writes: [{ rowKey: STATE, properties: next }, ...created.map((a) => ({ rowKey: `a|${a.id}`, properties: toOutboxRow(a, timing.now) }))],
        result: created,
        // The delivery rows ahead of the outbox rows, as for every alert (alertOutbox.ts).
        beforeCommit: created.length === 0 ? undefined : async () => void (await Promise.all(created.map((a) => writeAlertIntent(tables.alerts, a, origin(a), io, timing.now)))),
      };
    },
    io,
    { address },
  );
  // Again after the commit (create-only): restores a delivery row the dispatcher took for an orphan meanwhile.
  await Promise.all(alerts.map((a) => writeAlertIntent(tables.alerts, a, origin(a), io, timing.now)));
  return alerts;
}

/** Evaluates every address left pending: for the timer, or after the last batch of a replay. */
export async function settleSoftBounces(
  tables: { readonly bounces: TableClient; readonly alerts: TableClient },
  rule: SoftBounceRule,
  timing: SoftTiming,
  io: StorageIo,
): Promise<SoftBounceEscalationAlert[]> {
  const filter = odata`PartitionKey ge ${'soft|'} and PartitionKey lt ${'soft}'} and RowKey eq ${STATE} and pending eq ${true}`;
  const addresses: string[] = [];
  for await (const e of listEntitiesWithRetry(tables.bounces, 'list pending soft bounces', { filter }, io)) addresses.push(textOf(e, 'address') ?? '');
  const created: SoftBounceEscalationAlert[] = [];
  for (const address of addresses.filter((a) => a !== '')) created.push(...(await commitAddress(tables, address, [], rule, timing, io)));
  return created;
}

export async function getSoftBounceRecord(bounces: TableClient, address: string, io: StorageIo): Promise<SoftBounceRecord | null> {
  const row = (await readRows(bounces, softPartitionKey(address), [STATE], io, { address })).get(STATE);
  return row === undefined ? null : recordOf(row.properties);
}

/** The addresses ever escalated, by address. */
export async function listSoftBounceRecords(bounces: TableClient, io: StorageCallIo): Promise<SoftBounceRecord[]> {
  const filter = odata`PartitionKey ge ${'soft|'} and PartitionKey lt ${'soft}'} and RowKey eq ${STATE} and escalations gt ${0}`;
  const out: SoftBounceRecord[] = [];
  for await (const e of listEntitiesWithRetry(bounces, 'list soft bounce records', { filter }, io)) out.push(recordOf(e));
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

type StoredPoint = [string, string, string, string | null];
const storedPoint = (p: SoftPoint): StoredPoint => [p.time, p.messageId, p.fingerprint, p.code];

function pointsOf(row: Readonly<Record<string, unknown>>, key: string): SoftPoint[] {
  return jsonOf<unknown[]>(row, key, []).flatMap((s): SoftPoint[] =>
    Array.isArray(s) && typeof s[0] === 'string' && typeof s[1] === 'string' && typeof s[2] === 'string'
      ? [{ time: s[0], messageId: s[1], fingerprint: s[2], code: typeof s[3] === 'string' ? s[3] : null }]
      : [],
  ).sort(comparePoints);
}

function stateOf(row: StoredRow | undefined, address: string): SoftState {
  if (row === undefined) return { address, history: { failures: [], deliveries: [], truncated: false }, alerted: [] };
  const p = row.properties;
  const alerted = jsonOf<unknown[]>(p, 'alerted', []).flatMap((a): Alerted[] =>
    Array.isArray(a) && typeof a[0] === 'string' && typeof a[1] === 'string' && typeof a[2] === 'string' ? [[a[0], a[1], a[2]]] : [],
  );
  return { address, history: { failures: pointsOf(p, 'failures'), deliveries: pointsOf(p, 'deliveries'), truncated: p['truncated'] === true }, alerted };
}

function toStateRow(state: SoftState, pending: boolean): RowProperties {
  const run = currentRun(state.history);
  const last = state.alerted[state.alerted.length - 1];
  return {
    rowType: 'softBounceState',
    address: state.address,
    failures: JSON.stringify(state.history.failures.map(storedPoint)),
    deliveries: JSON.stringify(state.history.deliveries.map(storedPoint)),
    truncated: state.history.truncated,
    alerted: JSON.stringify(state.alerted),
    pending,
    escalated: last !== undefined && last[1] === run.epoch,
    escalations: state.alerted.length,
    lastEscalatedAt: last?.[2] ?? null,
    lastAlertId: last?.[0] ?? null,
    softFailures: run.failures,
    lastSoftFailureAt: run.lastFailureAt,
    lastDeliveredAt: run.lastDeliveredAt,
  };
}

function recordOf(row: Readonly<Record<string, unknown>>): SoftBounceRecord {
  return {
    address: textOf(row, 'address') ?? '',
    escalated: row['escalated'] === true ? 'soft_bounce' : null,
    escalations: numberOf(row, 'escalations') ?? 0,
    lastEscalatedAt: textOf(row, 'lastEscalatedAt'),
    lastAlertId: textOf(row, 'lastAlertId'),
    softFailures: numberOf(row, 'softFailures') ?? 0,
    lastSoftFailureAt: textOf(row, 'lastSoftFailureAt'),
    lastDeliveredAt: textOf(row, 'lastDeliveredAt'),
  };
}
