/**
 * De-duplication memory folded into the row a record changes, bounded and canonical. Pure.
 *
 * A row keeps the `limit` smallest keys (fingerprints, or digests of usage RecordIds: short base64url
 * text) of every record ever applied to it; any larger key lives in its own overflow row, and the row
 * says that overflow exists. Because "the `limit` smallest" is a function of the set alone, the final
 * rows are the same whatever order and grouping the records arrive in. Invariant: every applied key is
 * in exactly one place, the row (`members`) or an overflow row, and every overflow key is larger than
 * every member, so a key at or below the largest member is known from the row alone; only a key above
 * it, in a row that overflowed, needs a point read of its overflow row.
 */
export interface FoldedSet {
  /** Sorted ascending, distinct, at most `limit`. */
  readonly members: readonly string[];
  /** Whether some applied keys live in overflow rows. */
  readonly overflow: boolean;
}

/**
 * Keys folded into one row. 128 keys of 22 characters take 2,944 UTF-16 units with separators, a tenth
 * of the 32 K a string property may hold, beside the row's own fields.
 */
export const FOLD_LIMIT = 128;

export const EMPTY_FOLD: FoldedSet = { members: [], overflow: false };

/** Whether the key was applied: known from the row ('yes'/'no'), or only its overflow row can tell. */
export type FoldAnswer = 'yes' | 'no' | 'overflow';

export function foldContains(set: FoldedSet, key: string): FoldAnswer {
  if (binarySearch(set.members, key)) return 'yes';
  if (!set.overflow) return 'no';
  const largest = set.members[set.members.length - 1];
  return largest !== undefined && key < largest ? 'no' : 'overflow';
}

/**
 * Adds keys known to be new (in neither the row nor an overflow row). Returns the row's new set and the
 * keys that must now live in overflow rows: members pushed out by smaller newcomers and newcomers that
 * are not among the smallest. At most one overflow key per added key.
 */
export function foldAdd(set: FoldedSet, added: readonly string[], limit: number = FOLD_LIMIT): { set: FoldedSet; evicted: string[] } {
  // A row written before folding (overflow, no members: see foldOf) stays so: its old keys, in overflow
  // rows, may be smaller than any newcomer, so no newcomer may become a member.
  if (set.overflow && set.members.length === 0) return { set, evicted: [...new Set(added)].sort(compare) };
  const all = [...new Set([...set.members, ...added])].sort(compare);
  const members = all.slice(0, limit);
  const evicted = all.slice(limit);
  return { set: { members, overflow: set.overflow || evicted.length > 0 }, evicted };
}

/** Row properties holding the set (keys are base64url or key-encoded: never a space). */
export function foldProperties(set: FoldedSet): { applied: string; appliedOverflow: boolean } {
  return { applied: set.members.join(' '), appliedOverflow: set.overflow };
}

/**
 * The set a stored row holds. An absent row holds none; a row without the property was written before
 * folding (its records' keys all live in overflow rows), so it reads as "overflow, no members".
 */
export function foldOf(row: Readonly<Record<string, unknown>> | undefined): FoldedSet {
  if (row === undefined) return EMPTY_FOLD;
  const applied = row['applied'];
  if (typeof applied !== 'string') return { members: [], overflow: true };
  const members = applied === '' ? [] : applied.split(' ').sort(compare);
  return { members, overflow: row['appliedOverflow'] === true };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function binarySearch(sorted: readonly string[], key: string): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const value = sorted[mid] ?? '';
    if (value === key) return true;
    if (value < key) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}
