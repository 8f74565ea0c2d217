import { describe, expect, it } from 'vitest';
import { LEDGER_SETTING_NAMES, loadConfig } from '../../src/config.js';

/** LEDGER_COMMIT_CONCURRENCY: partition commits a batch keeps in flight, a whole number from 1 to 256. */
describe('LEDGER_COMMIT_CONCURRENCY', () => {
  it('defaults to 16 when unset or blank', () => {
    expect(loadConfig({}).commitConcurrency).toBe(16);
    expect(loadConfig({ LEDGER_COMMIT_CONCURRENCY: '  ' }).commitConcurrency).toBe(16);
  });

  it.each([['1', 1], ['64', 64], ['256', 256], [' 8 ', 8]])('accepts %j', (raw, value) => {
    expect(loadConfig({ LEDGER_COMMIT_CONCURRENCY: raw }).commitConcurrency).toBe(value);
  });

  it.each(['0', '-4', '257', '1000', '2.5', 'sixteen', '1e9', 'Infinity'])('refuses %j, naming the setting and its range', (raw) => {
    expect(() => loadConfig({ LEDGER_COMMIT_CONCURRENCY: raw })).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: expect.stringContaining(`LEDGER_COMMIT_CONCURRENCY: LEDGER_COMMIT_CONCURRENCY must be a whole number from 1 to 256, got "${raw}"`),
      }),
    );
  });

  it('is a setting the code reads (so the infra template must account for it)', () => {
    expect(LEDGER_SETTING_NAMES).toContain('LEDGER_COMMIT_CONCURRENCY');
  });
});
