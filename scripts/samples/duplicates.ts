import { type Generator, type Item } from './model.js';
import { SECOND, MINUTE } from './time.js';

// -------------------------------------------------------------------------------------------------
// At-least-once delivery: byte-identical copies, later, often in another file

export function generateDuplicates(gen: Generator): void {
  const rng = gen.rng;
  const candidates = gen.items.filter((i) => i.kind === 'valid' && i.noDuplicate !== true && i.forced === undefined);
  const target = Math.round(0.047 * gen.items.length);
  const chosen = new Set<Item>();
  while (chosen.size < target) chosen.add(rng.pick(candidates));
  for (const original of [...chosen].sort((a, b) => a.seq - b.seq)) {
    const delay = rng.chance(0.35) ? rng.int(0, 3 * SECOND) : rng.int(1 * MINUTE, 90 * MINUTE);
    gen.add({ kind: 'duplicate', ...(original.value === undefined ? {} : { value: original.value }), arrival: original.arrival + delay, noDuplicate: true });
  }
}
