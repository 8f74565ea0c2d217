import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  affectedWindowEnds,
  buildBounceRateAlert,
  crossingsOf,
  evaluateBounceRate,
  windowHours,
  type RateBucket,
} from '../../src/alerts/bounceRate.js';
import { nextRateVector } from '../../src/guardrail/messageRateVector.js';
import { emptyMessage, emptyRecipient, type RecipientState } from '../../src/state/messageState.js';

const thresholds = { windowHours: 24, minSends: 100, warning: 0.02, critical: 0.05 };
const bucket = (hour: string, sends: number, hardBounces: number): RateBucket => ({ hour, sends, hardBounces });

describe('bounce-rate guardrail', () => {
  it('the window is the 24 hours ending with the given hour, across a day boundary', () => {
    const hours = windowHours('2025-03-15T01', 24);
    expect(hours).toHaveLength(24);
    expect(hours[0]).toBe('2025-03-14T02');
    expect(hours[23]).toBe('2025-03-15T01');
  });

  it('below the minimum volume nothing fires, however bad the rate', () => {
    const e = evaluateBounceRate([bucket('2025-03-15T10', 50, 25)], '2025-03-15T10', thresholds);
    expect(e).toMatchObject({ sends: 50, hardBounces: 25, level: 'ok', crossed: null });
  });

  it('crossing 2% raises a warning, crossing 5% a critical, compared with the window an hour earlier', () => {
    expect(evaluateBounceRate([bucket('2025-03-15T10', 100, 2)], '2025-03-15T10', thresholds)).toMatchObject({ level: 'warning', crossed: 'warning' });
    expect(evaluateBounceRate([bucket('2025-03-15T10', 100, 1)], '2025-03-15T10', thresholds)).toMatchObject({ level: 'ok', crossed: null });
    expect(evaluateBounceRate([bucket('2025-03-15T10', 100, 5)], '2025-03-15T10', thresholds)).toMatchObject({ level: 'critical', crossed: 'critical' });
    const warnedBefore = [bucket('2025-03-15T09', 100, 2), bucket('2025-03-15T10', 0, 4)];
    expect(evaluateBounceRate(warnedBefore, '2025-03-15T10', thresholds)).toMatchObject({ level: 'critical', crossed: 'critical' });
  });

  it('staying above a line does not fire again: once per crossing, not once per bounce', () => {
    const buckets = [bucket('2025-03-15T09', 100, 2), bucket('2025-03-15T10', 10, 1), bucket('2025-03-15T11', 10, 0)];
    expect(crossingsOf(buckets, affectedWindowEnds(['2025-03-15T09'], 24), thresholds).map((c) => [c.windowEnd, c.crossed])).toEqual([
      ['2025-03-15T09', 'warning'],
    ]);
  });

  it('dropping back below 2% re-arms the alert for the next crossing', () => {
    const buckets = [bucket('2025-03-15T09', 100, 2), bucket('2025-03-15T10', 100, 0), bucket('2025-03-15T11', 100, 4)];
    const crossings = crossingsOf(buckets, affectedWindowEnds(buckets.map((b) => b.hour), 24), thresholds);
    expect(crossings.map((c) => [c.windowEnd, c.crossed])).toEqual([
      ['2025-03-15T09', 'warning'],
      ['2025-03-15T11', 'warning'],
    ]);
  });

  it('hours outside the window do not count', () => {
    const e = evaluateBounceRate([bucket('2025-03-14T10', 1000, 500), bucket('2025-03-15T10', 100, 0)], '2025-03-15T10', thresholds);
    expect(e).toMatchObject({ sends: 100, hardBounces: 0, level: 'ok' });
  });

  it('the crossings are a pure function of the counts: any order of the buckets gives the same', () => {
    const hour = fc.integer({ min: 0, max: 72 }).map((h) => new Date(Date.UTC(2025, 2, 14) + h * 3_600_000).toISOString().slice(0, 13));
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ hour, sends: fc.nat(80), hardBounces: fc.nat(8) }), { selector: (b) => b.hour, maxLength: 30 }), (buckets) => {
        const ends = affectedWindowEnds(buckets.map((b) => b.hour), 6);
        const small = { ...thresholds, windowHours: 6, minSends: 20 };
        const a = crossingsOf(buckets, ends, small);
        const b = crossingsOf([...buckets].reverse(), affectedWindowEnds([...buckets].reverse().map((x) => x.hour), 6), small);
        expect(b).toEqual(a);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('the alert names the domain, level, counts and threshold, with an id stable for the crossing', () => {
    const e = evaluateBounceRate([bucket('2025-03-15T10', 100, 6)], '2025-03-15T10', thresholds);
    const crossed = { ...e, crossed: 'critical' as const };
    const a = buildBounceRateAlert('example.com', crossed, thresholds, new Date('2025-03-15T10:30:00Z'));
    const b = buildBounceRateAlert('example.com', crossed, thresholds, new Date('2025-03-15T11:00:00Z'));
    expect(a).toMatchObject({ type: 'bounce_rate', level: 'critical', senderDomain: 'example.com', sends: 100, hardBounces: 6, rate: 0.06, threshold: 0.05 });
    expect(a.id).toBe(b.id);
    expect(buildBounceRateAlert('example.net', crossed, thresholds, new Date()).id).not.toBe(a.id);
  });
});

describe("a message's guardrail vector", () => {
  const id = 'm-1';
  const message = { ...emptyMessage(id), senderDomain: 'Example.COM', appliedRecords: 3 };
  const recipient = (address: string, status: string | null, time: string | null, hardBounce = false): RecipientState => ({
    ...emptyRecipient(id, address),
    status,
    statusTime: time,
    hardBounce,
  });

  it('counts a recipient in the hour of its current final status, and moves it when that status changes', () => {
    const delivered = recipient('a@x', 'Delivered', '2025-03-15T10:00:00Z');
    const first = nextRateVector(undefined, message, new Map(), [delivered, recipient('b@x', null, null)]);
    expect(first).toMatchObject({ domain: 'example.com', domains: ['example.com'], version: 3, buckets: [bucket('2025-03-15T10', 1, 0)] });
    const bounced = recipient('a@x', 'Bounced', '2025-03-15T12:30:00Z', true);
    const second = nextRateVector(first, { ...message, appliedRecords: 4 }, new Map([['a@x', delivered]]), [bounced]);
    expect(second).toMatchObject({ version: 4, buckets: [bucket('2025-03-15T12', 1, 1)] });
  });

  it('is absent while no recipient has a final status', () => {
    expect(nextRateVector(undefined, message, new Map(), [recipient('a@x', 'OutForDelivery', '2025-03-15T10:00:00Z')])).toBeUndefined();
  });
});
