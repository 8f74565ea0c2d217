import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { softBounceSetting, warnSoftBounceOnce } from '../../src/config/softBounceSetting.js';

describe('LEDGER_SOFT_BOUNCE_COUNT / LEDGER_SOFT_BOUNCE_WINDOW_DAYS', () => {
  it('defaults to 2 failures within 30 days (listmonk, Postal)', () => {
    expect(softBounceSetting({})).toEqual({ kind: 'on', rule: { count: 2, windowMs: 30 * 86_400_000 } });
    expect(softBounceSetting({ LEDGER_SOFT_BOUNCE_COUNT: '3', LEDGER_SOFT_BOUNCE_WINDOW_DAYS: '7' })).toEqual({ kind: 'on', rule: { count: 3, windowMs: 7 * 86_400_000 } });
  });

  it('COUNT 0 switches it off', () => {
    expect(softBounceSetting({ LEDGER_SOFT_BOUNCE_COUNT: '0' })).toEqual({ kind: 'off' });
  });

  it('a bad value disables only this feature, loudly, naming the setting', () => {
    const env = { LEDGER_STORAGE: 'UseDevelopmentStorage=true', LEDGER_SOFT_BOUNCE_WINDOW_DAYS: 'a month' };
    const config = loadConfig(env);
    expect(config.softBounce).toMatchObject({ kind: 'disabled', settings: ['LEDGER_SOFT_BOUNCE_WINDOW_DAYS'] });
    expect(config.bounceRate.windowHours).toBe(24);
    const lines: string[] = [];
    warnSoftBounceOnce(config.softBounce, (line) => lines.push(line));
    warnSoftBounceOnce(config.softBounce, (line) => lines.push(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('LEDGER_SOFT_BOUNCE_WINDOW_DAYS must be a whole number');
    expect(softBounceSetting({ LEDGER_SOFT_BOUNCE_COUNT: '-1' })).toMatchObject({ kind: 'disabled', settings: ['LEDGER_SOFT_BOUNCE_COUNT'] });
  });
});
