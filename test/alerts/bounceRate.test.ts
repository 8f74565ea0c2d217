import { describe, expect, it } from 'vitest';
import { buildBounceRateAlert, evaluateBounceRate, windowHours, type RateBucket } from '../../src/alerts/bounceRate.js';

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
    const e = evaluateBounceRate([bucket('2025-03-15T10', 50, 25)], '2025-03-15T10', thresholds, 'ok');
    expect(e).toMatchObject({ sends: 50, hardBounces: 25, level: 'ok', crossed: null });
  });

  it('crossing 2% raises a warning, crossing 5% a critical', () => {
    expect(evaluateBounceRate([bucket('2025-03-15T10', 100, 2)], '2025-03-15T10', thresholds, 'ok')).toMatchObject({ level: 'warning', crossed: 'warning' });
    expect(evaluateBounceRate([bucket('2025-03-15T10', 100, 1)], '2025-03-15T10', thresholds, 'ok')).toMatchObject({ level: 'ok', crossed: null });
    expect(evaluateBounceRate([bucket('2025-03-15T10', 100, 5)], '2025-03-15T10', thresholds, 'ok')).toMatchObject({ level: 'critical', crossed: 'critical' });
    expect(evaluateBounceRate([bucket('2025-03-15T10', 100, 6)], '2025-03-15T10', thresholds, 'warning')).toMatchObject({ level: 'critical', crossed: 'critical' });
  });

  it('staying above a line does not fire again: once per crossing, not once per bounce', () => {
    const steps = [2, 3, 4].map((bounces) => evaluateBounceRate([bucket('2025-03-15T10', 100, bounces)], '2025-03-15T10', thresholds, 'warning'));
    expect(steps.map((s) => s.crossed)).toEqual([null, null, null]);
  });

  it('dropping back below 2% re-arms the alert for the next crossing', () => {
    const recovered = evaluateBounceRate([bucket('2025-03-15T10', 200, 1)], '2025-03-15T10', thresholds, 'warning');
    expect(recovered).toMatchObject({ level: 'ok', crossed: null });
    expect(evaluateBounceRate([bucket('2025-03-15T11', 200, 5)], '2025-03-15T11', thresholds, recovered.level)).toMatchObject({ crossed: 'warning' });
  });

  it('hours outside the window do not count', () => {
    const e = evaluateBounceRate([bucket('2025-03-14T10', 1000, 500), bucket('2025-03-15T10', 100, 0)], '2025-03-15T10', thresholds, 'ok');
    expect(e).toMatchObject({ sends: 100, hardBounces: 0, level: 'ok' });
  });

  it('the alert names the domain, level, counts and threshold, with an id stable for the crossing', () => {
    const e = evaluateBounceRate([bucket('2025-03-15T10', 100, 6)], '2025-03-15T10', thresholds, 'ok');
    const crossed = { ...e, crossed: 'critical' as const };
    const a = buildBounceRateAlert('example.com', crossed, thresholds, new Date('2025-03-15T10:30:00Z'));
    const b = buildBounceRateAlert('example.com', crossed, thresholds, new Date('2025-03-15T11:00:00Z'));
    expect(a).toMatchObject({ type: 'bounce_rate', level: 'critical', senderDomain: 'example.com', sends: 100, hardBounces: 6, rate: 0.06, threshold: 0.05 });
    expect(a.id).toBe(b.id);
    expect(buildBounceRateAlert('example.net', crossed, thresholds, new Date()).id).not.toBe(a.id);
  });
});
