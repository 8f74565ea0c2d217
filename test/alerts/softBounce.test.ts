import { describe, expect, it } from 'vitest';
import { DAY_MS, isPermanentCode, softBounceAlertId, softBounceCrossings, softObservationsOf, softOutcomeOf, type SoftHistory, type SoftPoint } from '../../src/alerts/softBounce.js';
import type { StatusEvent } from '../../src/ingest/ledgerEvent.js';

/** The soft-bounce rule as a pure function of an address's history (src/alerts/softBounce.ts). */
const RULE = { count: 3, windowMs: 30 * DAY_MS };
const at = (day: number, hour = 0): string => new Date(Date.UTC(2025, 2, 1 + day, hour)).toISOString().replace('Z', '0000Z');
const point = (messageId: string, time: string): SoftPoint => ({ time, messageId, fingerprint: `fp-${messageId}-${time}`, code: '4.4.7' });
const history = (failures: SoftPoint[], deliveries: SoftPoint[] = []): SoftHistory => ({ failures, deliveries, truncated: false });

function status(over: Partial<StatusEvent>): StatusEvent {
  return {
    kind: 'status', fingerprint: 'f', time: at(0), resourceId: null, source: { kind: 'file', path: 'x', line: 1 } as unknown as StatusEvent['source'], recordIndex: 0,
    messageId: 'm', recipient: 'A@Example.org', deliveryStatus: 'Failed', smtpStatusCode: null, enhancedSmtpStatusCode: null, failureReason: null,
    failureMessage: null, senderDomain: null, senderUsername: null, isHardBounce: false, ...over,
  };
}

describe('what counts as a soft failure', () => {
  it('a Failed with a 4.x.x code or no code is soft; with a 5.x.x code it is permanent; IsHardBounce is the registry', () => {
    expect(softOutcomeOf(status({ enhancedSmtpStatusCode: '4.4.7' }))).toBe('soft');
    expect(softOutcomeOf(status({}))).toBe('soft');
    expect(softOutcomeOf(status({ enhancedSmtpStatusCode: '5.7.1' }))).toBe('permanent');
    expect(softOutcomeOf(status({ smtpStatusCode: '550' }))).toBe('permanent');
    expect(softOutcomeOf(status({ enhancedSmtpStatusCode: '5.1.1', isHardBounce: true, deliveryStatus: 'Bounced' }))).toBeNull();
    expect(softOutcomeOf(status({ deliveryStatus: 'Delivered' }))).toBe('delivered');
    expect(softOutcomeOf(status({ deliveryStatus: 'Expanded' }))).toBeNull();
    expect(isPermanentCode('4.2.2', '552')).toBe(false);
  });

  it('permanent failures are not observations: they neither count nor reset', () => {
    const obs = softObservationsOf([status({ enhancedSmtpStatusCode: '5.7.1' }), status({ messageId: 'n' }), status({ messageId: 'd', deliveryStatus: 'Delivered' })]);
    expect(obs.map((o) => [o.outcome, o.point.messageId, o.address])).toEqual([
      ['soft', 'n', 'a@example.org'],
      ['delivered', 'd', 'a@example.org'],
    ]);
  });
});

describe('softBounceCrossings', () => {
  it('N-1 failures do not cross, N do, once', () => {
    expect(softBounceCrossings(history([point('m1', at(0)), point('m2', at(1))]), RULE)).toEqual([]);
    const crossed = softBounceCrossings(history([point('m1', at(0)), point('m2', at(1)), point('m3', at(2)), point('m4', at(3))]), RULE);
    expect(crossed).toEqual([{ epoch: '', firstFailureAt: at(0), crossedAt: at(2), messageIds: ['m1', 'm2', 'm3'], code: '4.4.7' }]);
  });

  it('counts distinct messages: records of one message count once, at the earliest', () => {
    const h = history([point('m1', at(0)), point('m1', at(1)), point('m1', at(2)), point('m2', at(3))]);
    expect(softBounceCrossings(h, RULE)).toEqual([]);
  });

  it('a Delivered in between resets the count; the run after it crosses under its own identity', () => {
    const failures = [point('m1', at(0)), point('m2', at(1)), point('m3', at(3)), point('m4', at(4)), point('m5', at(5))];
    const reset = softBounceCrossings(history(failures, [point('ok', at(2))]), RULE);
    expect(reset.map((c) => [c.epoch, c.messageIds])).toEqual([[at(2), ['m3', 'm4', 'm5']]]);
    // A Delivered after the crossing does not undo it.
    expect(softBounceCrossings(history(failures.slice(0, 3), [point('ok', at(6))]), RULE).map((c) => c.epoch)).toEqual(['']);
  });

  it('a failure at the very instant of a Delivered belongs to the run before it (the Delivered resets what follows)', () => {
    const h = history([point('m1', at(0)), point('m2', at(1)), point('m3', at(2)), point('m4', at(2, 1))], [point('ok', at(2))]);
    expect(softBounceCrossings(h, RULE).map((c) => [c.epoch, c.messageIds])).toEqual([['', ['m1', 'm2', 'm3']]]);
  });

  it('the window edge: exactly W apart crosses, a millisecond more does not', () => {
    const edge = new Date(Date.parse(at(0)) + RULE.windowMs).toISOString();
    const over = new Date(Date.parse(at(0)) + RULE.windowMs + 1).toISOString();
    expect(softBounceCrossings(history([point('m1', at(0)), point('m2', at(10)), point('m3', edge)]), RULE)).toHaveLength(1);
    expect(softBounceCrossings(history([point('m1', at(0)), point('m2', at(10)), point('m3', over)]), RULE)).toEqual([]);
    // The window slides: m2, m3 and m4 are within it.
    const slid = softBounceCrossings(history([point('m1', at(0)), point('m2', at(10)), point('m3', over), point('m4', at(35))]), RULE);
    expect(slid.map((c) => c.messageIds)).toEqual([['m2', 'm3', 'm4']]);
  });

  it('a late earlier failure moves the crossing, never its identity', () => {
    const late = softBounceCrossings(history([point('m0', at(0)), point('m2', at(2)), point('m3', at(3)), point('m4', at(4))]), RULE);
    const early = softBounceCrossings(history([point('m2', at(2)), point('m3', at(3)), point('m4', at(4))]), RULE);
    expect(late.map((c) => c.epoch)).toEqual(early.map((c) => c.epoch));
    expect(softBounceAlertId('A@example.org', '')).toBe(softBounceAlertId('a@example.org', ''));
  });

  it('a truncated history does not count failures before its oldest kept delivery', () => {
    const h: SoftHistory = { failures: [point('m1', at(0)), point('m2', at(1)), point('m3', at(2))], deliveries: [point('ok', at(3))], truncated: true };
    expect(softBounceCrossings(h, RULE)).toEqual([]);
  });
});
