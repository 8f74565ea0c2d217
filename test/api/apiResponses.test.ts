import { describe, expect, it } from 'vitest';
import { failureResponse } from '../../src/api/apiResponses.js';
import { LedgerError } from '../../src/errors.js';

/** What a thrown error becomes (pure: no storage involved). */
const answer = (thrown: unknown) => {
  const logs: string[] = [];
  return { response: failureResponse(thrown, { route: 'stats', log: (m) => logs.push(m) }), logs };
};

describe('failures as responses', () => {
  it('a usage error naming a parameter is a 400 naming it (e.g. a grouping switched off by a setting)', () => {
    const thrown = Object.assign(new LedgerError('usage', 'group: provider grouping is off', { context: { param: 'group' } }), { reason: 'provider grouping is off' });
    expect(answer(thrown).response).toMatchObject({ status: 400, body: { error: 'provider grouping is off', param: 'group' } });
  });

  it('storage unavailable through its retries is a 503 with Retry-After, its detail only in the log, secrets scrubbed', () => {
    const thrown = new LedgerError('storage_unavailable', 'read message failed 3 times (503: AccountKey=abc123)', { retryable: true, context: { table: 'ledgerMessages' } });
    const { response, logs } = answer(thrown);
    expect(response).toMatchObject({ status: 503, headers: { 'Retry-After': '5' }, body: { error: 'the ledger storage did not answer in time; retry later', retryable: true } });
    expect(JSON.stringify(response.body)).not.toContain('read message');
    expect(logs.join('\n')).toContain('storage_unavailable');
    expect(logs.join('\n')).toContain('ledgerMessages');
    expect(logs.join('\n')).not.toContain('abc123');
  });

  it('a transient storage fault that escaped the retries is a 503 too', () => {
    expect(answer(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).response.status).toBe(503);
  });

  it('anything else is a 500 without a stack or the message', () => {
    const { response } = answer(new TypeError('Cannot read properties of undefined'));
    expect(response).toMatchObject({ status: 500, body: { retryable: false } });
    expect(JSON.stringify(response.body)).not.toMatch(/Cannot read|at .*\.ts/);
    expect(answer(new LedgerError('config_invalid', 'LEDGER_STORAGE is required')).response.body).toEqual({ error: 'the function app is misconfigured; see its log', retryable: false });
  });
});
