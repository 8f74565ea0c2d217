import { describe, expect, it } from 'vitest';
import type { MessageEvent, StatusEvent } from '../../src/ingest/ledgerEvent.js';
import { MessageDocumentSchema } from '../../src/api/documents.js';
import { messageDocument } from '../../src/store/messageQueries.js';
import { MAX_TIMELINE_CHARS, MAX_TIMELINE_ENTRIES, timelineEntryOf, timelineTruncated, type Timeline } from '../../src/state/timeline.js';
import { MESSAGE, applyInBatches, engagementEvent, oracleGroup, shuffled, statusEvent, storedLength } from './timelineEvents.js';

/**
 * Hand-built timelines with their exact answers: which records are kept (the earliest, by time then
 * fingerprint), where the cut is, and timelineTruncated, for every arrival order and batching tried.
 */
const A = 'a@example.org';
const at = (second: number) => new Date(Date.UTC(2025, 2, 14, 10, 0, second)).toISOString().replace('Z', '0000Z');
const fingerprints = (t: Timeline) => ({ status: t.status.entries.map((e) => e.fingerprint), engagement: t.engagement.entries.map((e) => e.fingerprint) });
const fp = (i: number) => `s${String(i).padStart(4, '0')}`;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/** Every arrival order tried: as sent, reversed, five seeded shuffles; each one by one and in batches of 7 and 100. */
function arrivals(events: readonly MessageEvent[]): MessageEvent[][] {
  return [[...events], [...events].reverse(), ...[1, 2, 3, 4, 5].map((seed) => shuffled(events, seed))];
}
function timelinesOf(events: readonly MessageEvent[]): Timeline[] {
  return arrivals(events).flatMap((order) => [[1], [7], [100], [3, 1, 11]].map((sizes) => applyInBatches(order, sizes).recipients.get(A)?.timeline as Timeline));
}

describe('more status records than the timeline keeps', () => {
  // 45 records one second apart: record i at second i.
  const events = range(0, 45).map((i) => statusEvent(i, at(i), `m${i}`, A));

  it('keeps exactly the 40 earliest, cut at the 41st, truncated, in every order and batching', () => {
    for (const timeline of timelinesOf(events)) {
      expect(fingerprints(timeline).status).toEqual(range(0, 40).map(fp));
      expect(timeline.status.cutoff).toEqual({ time: at(40), fingerprint: fp(40) });
      expect(timelineTruncated(timeline)).toBe(true);
    }
  });

  it('40 records exactly fit: nothing cut, not truncated; the 41st truncates', () => {
    for (const timeline of timelinesOf(events.slice(0, MAX_TIMELINE_ENTRIES))) {
      expect(fingerprints(timeline).status).toEqual(range(0, 40).map(fp));
      expect(timeline.status.cutoff).toBeNull();
      expect(timelineTruncated(timeline)).toBe(false);
    }
    for (const timeline of timelinesOf(events.slice(0, MAX_TIMELINE_ENTRIES + 1))) expect(timelineTruncated(timeline)).toBe(true);
  });

  it('records earlier than the kept ones, arriving after the cut, push the cut forward', () => {
    const late = applyInBatches([...events.slice(5), ...events.slice(0, 5)], [40, 5]).recipients.get(A)?.timeline as Timeline;
    const first = applyInBatches(events.slice(5), [40]).recipients.get(A)?.timeline as Timeline;
    expect(fingerprints(first).status).toEqual(range(5, 45).map(fp));
    expect(first.status.cutoff).toBeNull();
    expect(fingerprints(late).status).toEqual(range(0, 40).map(fp));
    expect(late.status.cutoff).toEqual({ time: at(40), fingerprint: fp(40) });
  });

  it('records of the same time are ordered by fingerprint', () => {
    const tied = range(0, 50).map((i) => statusEvent(i, at(0), 'x', A, `f${String(49 - i).padStart(2, '0')}`));
    for (const timeline of timelinesOf(tied)) expect(fingerprints(timeline).status).toEqual(range(0, 40).map((i) => `f${String(i).padStart(2, '0')}`));
  });

  it('status and engagement records are bounded apart: 40 of each, shown together oldest first', () => {
    const both = [...events, ...range(0, 45).map((i) => engagementEvent(i, at(i), `https://example.org/${i}`, A))];
    for (const timeline of timelinesOf(both)) {
      expect(fingerprints(timeline)).toEqual({ status: range(0, 40).map(fp), engagement: range(0, 40).map((i) => `e${String(i).padStart(4, '0')}`) });
    }
    const { message, recipients } = applyInBatches(shuffled(both, 9), [13]);
    const doc = MessageDocumentSchema.parse(messageDocument({ messageId: MESSAGE, message, recipients: [...recipients.values()] }));
    const recipient = doc.recipients.find((r) => r.address === A);
    expect(recipient?.timeline).toHaveLength(80);
    expect(recipient?.timeline.map((e) => e.time)).toEqual([...(recipient?.timeline.map((e) => e.time) ?? [])].sort());
    expect(recipient?.timelineTruncated).toBe(true);
  });
});

describe('long text: the 16,000-character bound', () => {
  /** A record whose stored entry takes exactly `chars` characters (its failure reason, then message, padded to fit under their cuts). */
  function sized(i: number, chars: number): StatusEvent {
    const plain: StatusEvent = { ...statusEvent(i, at(i), '', A), failureReason: '' };
    const extra = chars - storedLength(timelineEntryOf(plain));
    const reason = Math.min(300, extra);
    const event: StatusEvent = { ...plain, failureReason: 'r'.repeat(reason), failureMessage: 'm'.repeat(extra - reason) };
    expect(storedLength(timelineEntryOf(event))).toBe(chars);
    return event;
  }

  it('entries of 800 characters: 20 fill the budget to the character, the 21st is cut', () => {
    const events = range(0, 30).map((i) => sized(i, 800));
    expect(20 * 800).toBe(MAX_TIMELINE_CHARS);
    for (const timeline of timelinesOf(events)) {
      expect(fingerprints(timeline).status).toEqual(range(0, 20).map(fp));
      expect(timeline.status.cutoff?.fingerprint).toBe(fp(20));
      expect(timelineTruncated(timeline)).toBe(true);
    }
  });

  it('one character more in an early entry leaves one entry fewer', () => {
    const events = range(0, 30).map((i) => sized(i, i === 3 ? 801 : 800));
    for (const timeline of timelinesOf(events)) expect(fingerprints(timeline).status).toEqual(range(0, 19).map(fp));
  });

  it('20 entries of exactly the budget, and nothing after them: all kept, not truncated', () => {
    for (const timeline of timelinesOf(range(0, 20).map((i) => sized(i, 800)))) {
      expect(fingerprints(timeline).status).toHaveLength(20);
      expect(timelineTruncated(timeline)).toBe(false);
    }
  });

  it('a failure message of 50,000 characters is cut to 500, so long mail-server text still leaves room', () => {
    const events = range(0, 45).map((i) => statusEvent(i, at(i), 'x'.repeat(50_000), A));
    const entry = timelineEntryOf(events[0] as StatusEvent);
    expect(entry.failureMessage).toHaveLength(500);
    const kept = Math.floor(MAX_TIMELINE_CHARS / storedLength(entry));
    for (const timeline of timelinesOf(events)) {
      expect(fingerprints(timeline).status).toEqual(range(0, kept).map(fp));
      expect(timeline.status).toEqual(oracleGroup(events.map((e) => timelineEntryOf(e))));
    }
  });

  it('long entries first: the short ones after them fit only into what is left', () => {
    const events = [...range(0, 16).map((i) => sized(i, 880)), ...range(16, 40).map((i) => sized(i, 200))];
    // 16 x 880 = 14,080; then 200-character entries fit nine times (15,880), and the tenth would make 16,080.
    for (const timeline of timelinesOf(events)) {
      expect(fingerprints(timeline).status).toEqual(range(0, 25).map(fp));
      expect(timeline.status.cutoff?.fingerprint).toBe(fp(25));
    }
  });

  it('an entry that does not fit ends the prefix: shorter later entries that would fit are not kept past it', () => {
    const events = [...range(0, 19).map((i) => sized(i, 800)), sized(19, 850), ...range(20, 30).map((i) => sized(i, 150))];
    // 19 x 800 = 15,200; 850 more would make 16,050; ten of 150 would have fit in the 800 left.
    for (const timeline of timelinesOf(events)) {
      expect(fingerprints(timeline).status).toEqual(range(0, 19).map(fp));
      expect(timeline.status.cutoff?.fingerprint).toBe(fp(19));
      expect(timelineTruncated(timeline)).toBe(true);
    }
  });
});

describe('duplicates', () => {
  const events = range(0, 45).map((i) => statusEvent(i, at(i), `m${i}`, A));

  it('every record delivered three times, kept or cut, gives the same timeline as once', () => {
    const thrice = [...events, ...shuffled(events, 7), ...[...events].reverse()];
    for (const timeline of timelinesOf(thrice)) {
      expect(fingerprints(timeline).status).toEqual(range(0, 40).map(fp));
      expect(timeline.status.cutoff).toEqual({ time: at(40), fingerprint: fp(40) });
    }
  });

  it('a duplicate of a kept record in the same batch adds no entry and truncates nothing', () => {
    const few = [...events.slice(0, 5), ...events.slice(0, 5)];
    for (const timeline of timelinesOf(few)) {
      expect(fingerprints(timeline).status).toEqual(range(0, 5).map(fp));
      expect(timelineTruncated(timeline)).toBe(false);
    }
  });
});
