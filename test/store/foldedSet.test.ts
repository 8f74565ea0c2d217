import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_FOLD, FOLD_LIMIT, foldAdd, foldContains, foldOf, foldProperties, type FoldedSet } from '../../src/dedup/foldedSet.js';

/** A row and its overflow rows, applied chunk by chunk as a commit does. */
interface Stored {
  row: FoldedSet;
  readonly overflowRows: Set<string>;
  applied: number;
}

function applyChunk(stored: Stored, chunk: readonly string[], limit: number): void {
  const fresh = [...new Set(chunk)].filter((key) => {
    const answer = foldContains(stored.row, key);
    return answer === 'no' || (answer === 'overflow' && !stored.overflowRows.has(key));
  });
  const { set, evicted } = foldAdd(stored.row, fresh, limit);
  for (const key of evicted) {
    // A create-only row: it must not exist yet, or the commit would fail with 409 for ever.
    expect(stored.overflowRows.has(key)).toBe(false);
    stored.overflowRows.add(key);
  }
  expect(evicted.length).toBeLessThanOrEqual(fresh.length);
  stored.row = foldOf(foldProperties(set));
  stored.applied += fresh.length;
}

const key = fc.string({ minLength: 1, maxLength: 4, unit: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h') });

describe('folded de-duplication memory', () => {
  it('any arrival order, grouping and duplication gives the same rows, and counts each key once', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { maxLength: 40 }),
        fc.array(fc.nat()),
        fc.array(fc.nat({ max: 39 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 12 }),
        (keys, sortKeys, duplicates, sizes, limit) => {
          const order = keys.map((k, i) => ({ k, s: sortKeys[i] ?? 0, i })).sort((a, b) => a.s - b.s || a.i - b.i).map((o) => o.k);
          const arrivals = [...order, ...duplicates.flatMap((i) => (keys[i] === undefined ? [] : [keys[i]]))];
          const stored: Stored = { row: EMPTY_FOLD, overflowRows: new Set(), applied: 0 };
          for (let at = 0, n = 0; at < arrivals.length; n += 1) {
            const size = sizes[n % sizes.length] ?? 1;
            applyChunk(stored, arrivals.slice(at, at + size), limit);
            at += size;
          }
          const sorted = [...keys].sort();
          expect(stored.applied).toBe(keys.length);
          expect(stored.row).toEqual({ members: sorted.slice(0, limit), overflow: keys.length > limit });
          expect([...stored.overflowRows].sort()).toEqual(sorted.slice(limit));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('answers from the row alone below its largest member, and asks the overflow row only above it', () => {
    const { set } = foldAdd(EMPTY_FOLD, ['b', 'd', 'f', 'h'], 2);
    expect(set).toEqual({ members: ['b', 'd'], overflow: true });
    expect(['b', 'c', 'a', 'd', 'e', 'h'].map((k) => foldContains(set, k))).toEqual(['yes', 'no', 'no', 'yes', 'overflow', 'overflow']);
    expect(foldContains(foldAdd(EMPTY_FOLD, ['b'], 2).set, 'z')).toBe('no');
  });

  it('reads a row written before folding as all overflow, and an absent row as empty', () => {
    expect(foldOf({ rowType: 'recipient' })).toEqual({ members: [], overflow: true });
    expect(foldContains(foldOf({ rowType: 'recipient' }), 'x')).toBe('overflow');
    expect(foldOf(undefined)).toEqual(EMPTY_FOLD);
    expect(foldOf({ applied: '', appliedOverflow: false })).toEqual(EMPTY_FOLD);
    // Its old keys may be smaller than any newcomer: newcomers go to overflow rows, and it stays so.
    const legacy = foldOf({ rowType: 'recipient' });
    const { set, evicted } = foldAdd(legacy, ['b', 'a', 'b'], 4);
    expect(evicted).toEqual(['a', 'b']);
    expect(foldOf(foldProperties(set))).toEqual({ members: [], overflow: true });
  });

  it('keeps a full row of 22-character fingerprints well inside one string property', () => {
    const fingerprints = Array.from({ length: FOLD_LIMIT + 10 }, (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(18)}`);
    const { set, evicted } = foldAdd(EMPTY_FOLD, fingerprints);
    expect(evicted).toHaveLength(10);
    expect(foldProperties(set).applied.length).toBeLessThan(4_000);
  });
});
