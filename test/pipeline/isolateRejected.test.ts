import { describe, expect, it } from 'vitest';
import { commitIsolatingRejects } from '../../src/pipeline/isolateRejected.js';

/** The commit function here is plain code standing in for "storage refuses any chunk holding a poison record". */
const refusing = (poison: ReadonlySet<number>) => {
  const committed: number[][] = [];
  const commit = (chunk: readonly number[]): Promise<number> => {
    if (chunk.some((n) => poison.has(n))) return Promise.reject(Object.assign(new Error('400 PropertyValueTooLarge'), { statusCode: 400 }));
    committed.push([...chunk]);
    return Promise.resolve(chunk.length);
  };
  return { commit, committed };
};

describe('commitIsolatingRejects', () => {
  it('sets aside only the records refused on their own; their neighbours land', async () => {
    const { commit, committed } = refusing(new Set([3, 17]));
    const events = Array.from({ length: 30 }, (_, i) => i);
    const { results, rejected } = await commitIsolatingRejects(events, 30, commit);
    expect(rejected.map((r) => r.events)).toEqual([[3], [17]]);
    expect(rejected[0]?.reason).toContain('PropertyValueTooLarge');
    expect(committed.flat().sort((a, b) => a - b)).toEqual(events.filter((n) => n !== 3 && n !== 17));
    expect(results.reduce((a, b) => a + b, 0)).toBe(28);
  });

  it('other errors propagate untouched', async () => {
    const boom = Object.assign(new Error('503'), { statusCode: 503 });
    await expect(commitIsolatingRejects([1, 2], 30, () => Promise.reject(boom))).rejects.toBe(boom);
  });
});
