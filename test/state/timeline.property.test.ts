import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MessageEvent, StatusEvent, EngagementEvent } from '../../src/ingest/ledgerEvent.js';
import { mergeMessage } from '../../src/state/mergeMessage.js';
import type { RecipientState } from '../../src/state/messageState.js';
import {
  MAX_TIMELINE_CHARS,
  MAX_TIMELINE_ENTRIES,
  addToGroup,
  comparePositions,
  emptyTimeline,
  parseTimeline,
  serializeTimeline,
  timelineEntryOf,
  timelineTruncated,
  type TimelineEntry,
} from '../../src/state/timeline.js';
import { MESSAGE, applyInBatches, engagementEvent, oracleGroup, statusEvent, storedLength, timeOf } from './timelineEvents.js';

/**
 * The timeline's bound is a function of the set of records, never of their order, their batching or
 * their repeats: checked on the pure merge, with more records than the bound keeps and text long enough
 * for the character budget to bind as well, against an oracle that applies the documented rule to all
 * records at once (timelineEvents.ts). Hand-built cases with exact answers: timeline.cases.test.ts.
 */
const recordArb = fc.record({
  kind: fc.constantFrom('status', 'engagement', 'message'),
  minute: fc.nat({ max: 59 }),
  // Short and long text mixed, mostly long: long entries make the character budget bind before the entry
  // count does, and short ones then would fit after them (which the cutoff must refuse).
  textLength: fc.oneof({ arbitrary: fc.nat({ max: 40 }), weight: 1 }, { arbitrary: fc.integer({ min: 400, max: 1_200 }), weight: 3 }),
  recipient: fc.constantFrom('a@example.org', 'b@example.org'),
});

function eventsOf(specs: readonly { kind: string; minute: number; textLength: number; recipient: string }[]): MessageEvent[] {
  return specs.map((s, i) =>
    s.kind === 'engagement'
      ? engagementEvent(i, timeOf(s.minute), `https://example.org/${'p'.repeat(s.textLength)}`, s.recipient)
      : statusEvent(i, timeOf(s.minute), 'm'.repeat(s.textLength), s.kind === 'message' ? null : s.recipient),
  );
}

/** What the timelines serialise to, per row: what the rows store. */
function stored(result: ReturnType<typeof applyInBatches>): Record<string, string> {
  const out: Record<string, string> = { message: serializeTimeline(result.message.timeline) };
  for (const [address, r] of [...result.recipients].sort(([a], [b]) => (a < b ? -1 : 1))) out[address] = serializeTimeline(r.timeline);
  return out;
}

describe('timeline: order independence', () => {
  it('any order, any batching gives the same stored timelines, equal to the bound applied to all records at once', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 260, size: 'max' }),
        fc.array(fc.nat(), { minLength: 260, maxLength: 260 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (specs, sortKeys, sizes, repeats) => {
          const events = eventsOf(specs);
          // Another order, other batches, and some records delivered again (the merge alone must not count them twice).
          const again = repeats.map((r) => events[r % events.length] as MessageEvent);
          const shuffled = [...events, ...again].map((e, i) => ({ e, k: sortKeys[i % sortKeys.length] ?? 0, i })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.e);
          const inOrder = applyInBatches(events, [1]);
          const other = applyInBatches(shuffled, sizes);
          expect(stored(other)).toEqual(stored(inOrder));
          const statusesOf = (recipient: string | null) => events.filter((e): e is StatusEvent => e.kind === 'status' && e.recipient === recipient).map(timelineEntryOf);
          for (const [address, recipient] of inOrder.recipients) {
            const engagements = events.filter((e): e is EngagementEvent => e.kind === 'engagement' && e.recipient === address).map(timelineEntryOf);
            expect(recipient.timeline.status).toEqual(oracleGroup(statusesOf(address)));
            expect(recipient.timeline.engagement).toEqual(oracleGroup(engagements));
          }
          expect(inOrder.message.timeline.status).toEqual(oracleGroup(statusesOf(null)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the bound holds: at most MAX entries and MAX chars per group, the earliest ones, truncated exactly when something was left out', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 260 }), (specs) => {
        const events = eventsOf(specs);
        const { recipients } = applyInBatches(events, [7]);
        for (const [address, r] of recipients) {
          const all = events.filter((e) => e.kind !== 'send' && e.recipient === address).length;
          const kept = r.timeline.status.entries.length + r.timeline.engagement.entries.length;
          for (const group of [r.timeline.status, r.timeline.engagement]) {
            expect(group.entries.length).toBeLessThanOrEqual(MAX_TIMELINE_ENTRIES);
            expect(group.entries.reduce((n, e) => n + storedLength(e), 0)).toBeLessThanOrEqual(MAX_TIMELINE_CHARS);
            expect([...group.entries].sort(comparePositions)).toEqual(group.entries);
            // Everything kept sorts before the cutoff.
            if (group.cutoff !== null) expect(group.entries.every((e) => comparePositions(e, group.cutoff as TimelineEntry) < 0)).toBe(true);
          }
          expect(timelineTruncated(r.timeline)).toBe(kept < all);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('timeline: duplicates and storage', () => {
  it('a record applied again (kept or cut off) adds no entry', () => {
    const events = eventsOf(Array.from({ length: 90 }, (_, i) => ({ kind: 'status', minute: i % 60, textLength: 10, recipient: 'a@example.org' })));
    const entries = events.map((e) => timelineEntryOf(e as StatusEvent));
    const once = addToGroup({ entries: [], cutoff: null }, entries);
    expect(once.entries).toHaveLength(MAX_TIMELINE_ENTRIES);
    expect(once.cutoff).not.toBeNull();
    expect(addToGroup(once, entries)).toEqual(once);
    expect(addToGroup(once, [entries[0] as TimelineEntry, entries[89] as TimelineEntry])).toBe(once);
  });

  it('a duplicate record in the same merge adds no second entry', () => {
    const e = statusEvent(1, timeOf(1), 'x', 'a@example.org');
    const change = mergeMessage(MESSAGE, { message: undefined, recipients: new Map() }, [e], { maxClickedUrls: 20 });
    const recipient = change.changedRecipients[0] as RecipientState;
    const again = mergeMessage(MESSAGE, { message: change.message, recipients: new Map([[recipient.address, recipient]]) }, [e], { maxClickedUrls: 20 });
    expect(again.changedRecipients[0]?.timeline).toEqual(recipient.timeline);
  });

  it('round-trips through its stored text; a row from before timelines (no text) or garbage reads as empty', () => {
    const events = eventsOf(Array.from({ length: 50 }, (_, i) => ({ kind: i % 2 ? 'status' : 'engagement', minute: i, textLength: i * 20, recipient: 'a@example.org' })));
    const { recipients } = applyInBatches(events, [5]);
    const timeline = recipients.get('a@example.org')?.timeline ?? emptyTimeline();
    expect(parseTimeline(serializeTimeline(timeline))).toEqual(timeline);
    expect(parseTimeline(null)).toEqual(emptyTimeline());
    expect(parseTimeline('{not json')).toEqual(emptyTimeline());
    expect(parseTimeline('{"v":2}')).toEqual(emptyTimeline());
  });

  it('long text is cut per field, never inside a surrogate pair', () => {
    const entry = timelineEntryOf(statusEvent(1, timeOf(1), `${'a'.repeat(498)}😀${'b'.repeat(600)}`, 'a@example.org'));
    expect(entry.failureMessage?.length).toBeLessThanOrEqual(500);
    expect(entry.failureMessage?.endsWith('…')).toBe(true);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(entry.failureMessage ?? '')).toBe(false);
  });
});
