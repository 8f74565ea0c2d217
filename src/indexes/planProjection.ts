import type { RowProperties, RowWrite, StoredRow } from '../store/partitionCommit.js';
import { MAX_TRANSACTION_ROWS } from '../store/partitionCommit.js';
import { pointerRowKey } from './indexKeys.js';
import { countsOfRow, fromSumRow, toSumRow, type SumEntry } from './indexRows.js';
import { contributionsOf, fromPointerRow, indexRowsOf, POINTER_FORMAT, toPointerRow, type MessageProjection, type PointerEntry, type PointerFormat } from './messageProjection.js';
import { addCounts, isZero, ZERO_COUNTS } from './sumCounts.js';
import { LedgerError } from '../errors.js';
import { longTextOf, longTextProperties } from '../store/entityFields.js';

/**
 * The projection planner: (rows of one index partition, messages to project) → the writes of one
 * transaction. Pure.
 *
 * The pointer row of a message is the authority on which index rows exist for it: every transaction
 * that touches a message's rows also replaces its pointer on the ETag it was planned on (or creates it
 * where absent), so a concurrent or older writer's transaction fails as a whole. That is what lets the
 * time and recipient rows be written and removed blindly. The sums change by new contribution minus
 * old, in the same transaction as the pointer: counted exactly once.
 *
 * A message whose rows do not fit in one transaction (a time change moves all its recipient rows)
 * moves in steps: the first step switches the pointer and the sums, and the pointer keeps the row
 * operations still to do; each later step does some and shrinks that list, atomically. A crash between
 * steps leaves a pointer that says exactly what is left.
 */
export interface ProjectionCandidate {
  readonly projection: MessageProjection;
  /** The message row's appliedRecords: grows with each commit of the message, so the larger is newer. */
  readonly version: number;
}

export interface ProjectionPlan {
  readonly writes: readonly RowWrite[];
  /** How many candidates, from the first, this plan finishes (or skips as already projected). */
  readonly done: number;
  /** Sum rows this plan leaves at zero: removed afterwards (they count as absent meanwhile). */
  readonly zeroSums: readonly string[];
  readonly projected: number;
}


interface RowOps {
  readonly deletes: readonly string[];
  readonly upserts: readonly string[];
}

/** What a step of a move left for the next: row operations and sum changes. */
interface Pending extends RowOps {
  readonly sums: ReadonlyMap<string, SumEntry>;
}

const NO_PENDING: Pending = { deletes: [], upserts: [], sums: new Map() };

export function planProjection(candidates: readonly ProjectionCandidate[], rows: ReadonlyMap<string, StoredRow>): ProjectionPlan {
  const writes = new Map<string, RowWrite>();
  const sums = new Map<string, SumEntry>();
  let done = 0;
  let projected = 0;
  for (const candidate of candidates) {
    const { messageId } = candidate.projection;
    const pointerKey = pointerRowKey(messageId);
    const stored = rows.get(pointerKey);
    const pointer = stored === undefined ? null : fromPointerRow(stored.properties);
    if (stored !== undefined && pointer === null) {
      throw new LedgerError('storage_rejected', 'the index pointer row of this message is unreadable', { context: { messageId, rowKey: pointerKey } });
    }
    const pending = stored === undefined ? NO_PENDING : pendingOf(stored.properties);
    const unfinished = pending.deletes.length + pending.upserts.length + pending.sums.size > 0;
    // A pointer of an older format (docs/indexes.md, "Formats") vouches for rows without what this one
    // adds: the message at that version is projected again, its old share taken back in the old format.
    const legacy = pointer !== null && pointer.format !== POINTER_FORMAT;
    const newer = pointer === null || pointer.version < candidate.version || (legacy && pointer.version === candidate.version);
    // Already projected at this version or a newer one (whose writer finishes any move it started).
    if (!newer && !(pointer.version === candidate.version && unfinished)) {
      done += 1;
      continue;
    }
    const target = newer ? candidate.projection : pointer.projection;
    const targetRows = indexRowsOf(target);
    const ops = rowOpsBetween(pointer?.projection ?? null, pending, targetRows, rows, legacy);
    const delta = newer ? mergeDeltas(pending.sums, sumDelta(pointer?.projection ?? null, target, pointer?.format)) : pending.sums;
    const sumKeys = [...delta.keys()].sort();
    const need = sumKeys.filter((key) => !sums.has(key)).length + ops.upserts.length + ops.deletes.length;
    const room = MAX_TRANSACTION_ROWS - 1 - writes.size - sums.size;
    // Only a transaction's first message may move in steps; a later one waits for the next transaction.
    if (need > room && writes.size + sums.size > 0) break;
    // Sums first, then upserts, then deletes: pending deletes always name rows that exist.
    const sumsNow = sumKeys.slice(0, room);
    const upsertsNow = ops.upserts.slice(0, room - sumsNow.length);
    const deletesNow = ops.deletes.slice(0, room - sumsNow.length - upsertsNow.length);
    for (const key of sumsNow) {
      const change = delta.get(key);
      if (change === undefined) continue;
      const current = sums.get(key) ?? { ...change, counts: countsOfRow(rows.get(key)?.properties) };
      sums.set(key, { ...current, counts: addCounts(current.counts, change.counts) });
    }
    for (const key of upsertsNow) writes.set(key, { rowKey: key, properties: targetRows.get(key) ?? {}, mode: 'blindUpsert' });
    for (const key of deletesNow) writes.set(key, { rowKey: key, properties: {}, mode: 'blindDelete' });
    const left: Pending = {
      sums: new Map(sumKeys.slice(sumsNow.length).flatMap((key) => { const d = delta.get(key); return d === undefined ? [] : [[key, d] as const]; })),
      upserts: ops.upserts.slice(upsertsNow.length),
      deletes: ops.deletes.slice(deletesNow.length),
    };
    writes.set(pointerKey, { rowKey: pointerKey, properties: pointerProperties({ version: newer ? candidate.version : pointer.version, projection: target, format: POINTER_FORMAT }, left) });
    projected += 1;
    if (left.deletes.length + left.upserts.length + left.sums.size > 0) break;
    done += 1;
  }
  const zeroSums: string[] = [];
  for (const [key, entry] of sums) {
    if (isZero(entry.counts)) {
      if (!rows.has(key)) continue;
      zeroSums.push(key);
    }
    writes.set(key, { rowKey: key, properties: toSumRow(entry) });
  }
  // Conditional rows first: storage stops at the first failing operation, so an outdated pointer or sum
  // is refused as such (412/409, plan again) before a blind operation could fail on rows it vouched for.
  const ordered = [...writes.values()].sort((a, b) => Number(a.mode !== undefined) - Number(b.mode !== undefined));
  return { writes: ordered, done, zeroSums, projected };
}

function mergeDeltas(a: ReadonlyMap<string, SumEntry>, b: ReadonlyMap<string, SumEntry>): Map<string, SumEntry> {
  const out = new Map(a);
  for (const [key, entry] of b) {
    const current = out.get(key);
    out.set(key, current === undefined ? entry : { ...current, counts: addCounts(current.counts, entry.counts) });
  }
  for (const [key, entry] of out) if (isZero(entry.counts)) out.delete(key);
  return out;
}

/** The sums' change when a message's projection goes from `before` (counted in `beforeFormat`) to `after`, only where it is not zero. */
export function sumDelta(before: MessageProjection | null, after: MessageProjection, beforeFormat: PointerFormat = POINTER_FORMAT): Map<string, SumEntry> {
  const out = new Map<string, SumEntry>(contributionsOf(after));
  if (before !== null) {
    for (const [key, entry] of contributionsOf(before, beforeFormat)) {
      const current = out.get(key) ?? { ...entry, counts: ZERO_COUNTS };
      out.set(key, { ...current, counts: addCounts(current.counts, entry.counts, -1) });
    }
  }
  for (const [key, entry] of out) if (isZero(entry.counts)) out.delete(key);
  return out;
}

/**
 * Rows a commit must read once it has a message's pointer: the sums its projection counts in (to take
 * them back), the sums a move still owes, and rows a move was still to write (they may exist from an
 * older projection, so a newer projection that drops them must know whether to delete them).
 */
export function followUpKeysOf(pointerRow: StoredRow | undefined): string[] {
  if (pointerRow === undefined) return [];
  const pointer = fromPointerRow(pointerRow.properties);
  const pending = pendingOf(pointerRow.properties);
  return [...(pointer === null ? [] : contributionsOf(pointer.projection, pointer.format).keys()), ...pending.sums.keys(), ...pending.upserts];
}

/**
 * The row operations that turn what storage holds for a message into the target rows. What storage
 * holds: the rows of the pointer's projection, except upserts still pending, plus deletes still pending.
 */
function rowOpsBetween(
  current: MessageProjection | null,
  pending: Pending,
  target: ReadonlyMap<string, RowProperties>,
  rows: ReadonlyMap<string, StoredRow>,
  legacy: boolean,
): RowOps {
  const currentRows = current === null ? new Map<string, RowProperties>() : indexRowsOf(current);
  const unwritten = new Set(pending.upserts);
  // A row still to write may exist from an older projection: the commit read those (pendingUpsertKeys).
  const present = new Set([...[...currentRows.keys()].filter((key) => !unwritten.has(key) || rows.has(key)), ...pending.deletes]);
  const deletes = [...present].filter((key) => !target.has(key)).sort();
  const upserts = [...target.keys()]
    // Rows of an older format lack properties this code would compute for them: all are written again.
    .filter((key) => legacy || !present.has(key) || unwritten.has(key) || pending.deletes.includes(key) || !sameRow(currentRows.get(key), target.get(key)))
    .sort();
  return { deletes, upserts };
}

function sameRow(a: RowProperties | undefined, b: RowProperties | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function pointerProperties(entry: PointerEntry, left: Pending): RowProperties {
  const sums = [...left.sums].map(([key, e]) => [key, toSumRow(e)]);
  return {
    ...toPointerRow(entry),
    ...(left.deletes.length === 0 ? {} : longTextProperties('pendingDeletes', JSON.stringify(left.deletes))),
    ...(left.upserts.length === 0 ? {} : longTextProperties('pendingUpserts', JSON.stringify(left.upserts))),
    ...(sums.length === 0 ? {} : longTextProperties('pendingSums', JSON.stringify(sums))),
  };
}

function pendingOf(row: Readonly<Record<string, unknown>>): Pending {
  const parsed = (name: string): unknown[] => {
    const text = longTextOf(row, name);
    if (text === null) return [];
    try {
      const value: unknown = JSON.parse(text);
      return Array.isArray(value) ? value : [];
    } catch {
      return [];
    }
  };
  const keys = (name: string) => parsed(name).filter((x): x is string => typeof x === 'string');
  const sums = new Map<string, SumEntry>();
  for (const item of parsed('pendingSums')) {
    if (Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'object' && item[1] !== null) {
      sums.set(item[0], fromSumRow(item[1] as Record<string, unknown>));
    }
  }
  return { deletes: keys('pendingDeletes'), upserts: keys('pendingUpserts'), sums };
}
