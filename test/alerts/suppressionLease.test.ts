import { describe, expect, it } from 'vitest';
import { forecastSuppressionLease, isLeaseActive } from '../../src/alerts/suppressionLease.js';

const at = (iso: string) => new Date(iso);

describe('forecastSuppressionLease (ACS managed suppression list)', () => {
  it('no bounce, no lease', () => {
    expect(forecastSuppressionLease([])).toBeNull();
  });

  it('a first hard bounce leases the address for 24 hours', () => {
    expect(forecastSuppressionLease(['2025-03-14T10:00:00Z'])).toEqual({ level: 0, start: '2025-03-14T10:00:00.000Z', end: '2025-03-15T10:00:00.000Z' });
  });

  it('bouncing again within the lease escalates 48 h, 96 h, 7 d, then caps at 14 d', () => {
    const times = ['2025-03-01T00:00:00Z', '2025-03-01T12:00:00Z', '2025-03-02T12:00:00Z', '2025-03-04T12:00:00Z', '2025-03-08T12:00:00Z', '2025-03-12T12:00:00Z'];
    const steps = times.map((_, i) => forecastSuppressionLease(times.slice(0, i + 1)));
    expect(steps.map((l) => l?.level)).toEqual([0, 1, 2, 3, 4, 4]);
    expect(steps[1]?.end).toBe('2025-03-03T12:00:00.000Z'); // +48 h from the second bounce
    expect(steps[3]?.end).toBe('2025-03-11T12:00:00.000Z'); // +7 d
    expect(steps[5]?.end).toBe('2025-03-26T12:00:00.000Z'); // +14 d, the cap
  });

  it('a bounce after the lease lapsed starts over at 24 hours', () => {
    expect(forecastSuppressionLease(['2025-03-01T00:00:00Z', '2025-03-03T00:00:00Z'])).toMatchObject({ level: 0, end: '2025-03-04T00:00:00.000Z' });
  });

  it('does not depend on the order or repetition of the bounce times', () => {
    const times = ['2025-03-01T00:00:00Z', '2025-03-01T12:00:00Z', '2025-03-02T12:00:00Z'];
    expect(forecastSuppressionLease([...times].reverse().concat(times[0] ?? ''))).toEqual(forecastSuppressionLease(times));
  });

  it('is active before its end and not after', () => {
    const lease = forecastSuppressionLease(['2025-03-14T10:00:00Z']);
    expect(isLeaseActive(lease, at('2025-03-15T09:59:59Z'))).toBe(true);
    expect(isLeaseActive(lease, at('2025-03-15T10:00:00Z'))).toBe(false);
    expect(isLeaseActive(null, at('2025-03-15T09:00:00Z'))).toBe(false);
  });
});
