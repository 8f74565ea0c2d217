import { at, assert, type Json } from './json.js';
import { Generator, type Dest, type Item } from './model.js';
import { EVENTS_DIR, ARCHIVE_FILE, BATCHES_FILE } from './settings.js';
import { MINUTE } from './time.js';

// ---------------------------------------------------------------------------------------------------
// Layout: the arrival-ordered stream cut into event bodies and archive runs

export interface Layout {
  archive: Item[];
  events: { items: Item[]; pretty: boolean }[];
  batches: Item[][];
}

export function layOut(gen: Generator): Layout {
  const rng = gen.rng;
  const byArrival = (a: Item, b: Item): number => a.arrival - b.arrival || a.seq - b.seq;
  const stream = gen.items.filter((i) => i.forced === undefined).sort(byArrival);
  const forced = gen.items.filter((i) => i.forced !== undefined).sort(byArrival);

  const layout: Layout = { archive: [], events: [], batches: [] };
  const lockedEvents = new Set<number>();
  const bodySize = (): number =>
    rng.weighted<() => number>([
      [() => rng.int(1, 10), 0.4],
      [() => rng.int(11, 30), 0.4],
      [() => rng.int(31, 50), 0.2],
    ])();
  let i = 0;
  while (i < stream.length) {
    const dest = rng.weighted<Dest>([
      ['archive', 0.38],
      ['events', 0.44],
      ['batches', 0.18],
    ]);
    if (dest === 'archive') {
      const n = rng.int(8, 55);
      layout.archive.push(...stream.slice(i, i + n));
      i += n;
    } else if (dest === 'events') {
      const index = layout.events.length;
      const n = index === 2 ? 1 : index === 7 ? 50 : bodySize();
      if (index === 2 || index === 7) lockedEvents.add(index);
      layout.events.push({ items: stream.slice(i, i + n), pretty: false });
      i += n;
    } else {
      const n = bodySize();
      layout.batches.push(stream.slice(i, i + n));
      i += n;
    }
  }

  // Forced items go to their destination, at the place their arrival time puts them.
  for (const item of forced) {
    if (item.forced === 'archive') {
      let pos = layout.archive.findIndex((a) => byArrival(a, item) > 0);
      if (pos < 0) pos = layout.archive.length;
      layout.archive.splice(pos, 0, item);
      continue;
    }
    const bodies = item.forced === 'events' ? layout.events.map((e, k) => ({ items: e.items, locked: lockedEvents.has(k) })) : layout.batches.map((b) => ({ items: b, locked: false }));
    const open = (b: { items: Item[]; locked: boolean }): boolean => !b.locked && b.items.length < 50 && b.items.length > 1;
    const target =
      bodies.find((b) => open(b) && at(b.items, 0).arrival <= item.arrival && at(b.items, b.items.length - 1).arrival >= item.arrival) ??
      bodies.find((b) => open(b) && at(b.items, b.items.length - 1).arrival >= item.arrival) ??
      [...bodies].reverse().find((b) => !b.locked && b.items.length < 50);
    assert(target, `no body for a forced ${item.forced} item`);
    const contained = at(target.items, 0).arrival <= item.arrival;
    let pos = contained ? target.items.findIndex((a) => byArrival(a, item) > 0) : rng.int(1, target.items.length - 1);
    if (pos < 0) pos = target.items.length;
    target.items.splice(pos, 0, item);
  }

  // One whole event redelivered (a consumer restarted from an older checkpoint): every record a duplicate.
  const candidates = layout.events
    .map((e, k) => ({ e, k }))
    .filter(({ e, k }) => !lockedEvents.has(k) && k < layout.events.length / 2 && e.items.length >= 6 && e.items.length <= 20 && e.items.every((it) => it.kind === 'valid'));
  const chosen = at(candidates, Math.floor(candidates.length / 3));
  const copies = chosen.e.items.map((it) =>
    gen.add({ kind: 'duplicate', ...(it.value === undefined ? {} : { value: it.value }), arrival: it.arrival + 40 * MINUTE, noDuplicate: true }),
  );
  layout.events.splice(chosen.k + 5, 0, { items: copies, pretty: false });
  const eventName = (k: number): string => `${EVENTS_DIR}/event-${String(k + 1).padStart(3, '0')}.json`;
  gen.specialCases.push({
    label: 'redelivered-event',
    description: `${eventName(chosen.k + 5)} is a byte-for-byte redelivery of the records of ${eventName(chosen.k)} (${copies.length} records, all duplicates), as after a consumer restarts from an older checkpoint.`,
  });

  // Two event files pretty-printed (Azure Monitor sends compact JSON; people save them pretty).
  const small = layout.events.map((e, k) => ({ e, k })).filter(({ e }) => e.items.length >= 3 && e.items.length <= 12);
  at(small, 1).e.pretty = true;
  at(small, Math.floor(small.length * 0.6)).e.pretty = true;
  return layout;
}

export function itemText(item: Item): string {
  if (item.rawLine !== undefined) return item.rawLine;
  assert(item.value !== undefined, 'item without value');
  return JSON.stringify(item.value);
}

export interface WrittenFile {
  readonly path: string;
  readonly content: string;
}

export function render(layout: Layout): WrittenFile[] {
  const files: WrittenFile[] = [];
  files.push({ path: ARCHIVE_FILE, content: layout.archive.map(itemText).join('\n') + '\n' });
  const bodyOf = (items: Item[]): { records: Json[] } => ({
    records: items.map((it) => {
      assert(it.value !== undefined, 'unparseable line outside the archive');
      return it.value;
    }),
  });
  files.push({ path: BATCHES_FILE, content: '[\n' + layout.batches.map((b) => JSON.stringify(bodyOf(b))).join(',\n') + '\n]\n' });
  layout.events.forEach((e, k) => {
    const body = bodyOf(e.items);
    files.push({
      path: `${EVENTS_DIR}/event-${String(k + 1).padStart(3, '0')}.json`,
      content: (e.pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body)) + '\n',
    });
  });
  return files;
}
