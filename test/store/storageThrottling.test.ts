import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { BounceObservation } from '../../src/state/bounceRecord.js';
import { getBounceRecord, recordBounceObservations } from '../../src/store/bounceRegistry.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { DEFAULT_STORAGE_RETRY, StorageMeter, retryAfterMs, retryDelayMs } from '../../src/store/storageRetry.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faultyStorageProxy.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/**
 * Throttling: storage answers 429 or 503 with Retry-After when a partition or the account is over its
 * target. The retry waits what it is told (capped by the policy's maximum delay), then succeeds: real
 * Azurite behind a real proxy that throttles on demand.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MAX_DELAY_MS = 2_500;

async function throttled(maxDelayMs = MAX_DELAY_MS): Promise<{ proxy: FaultyProxy; tables: LedgerTables }> {
  const proxy = await startFaultyProxy(inject('azuriteConnectionString'));
  cleanups.push(() => proxy.close());
  const { tables } = await openTestTables({ LEDGER_STORAGE: proxy.connectionString, LEDGER_TABLE_PREFIX: `t${randomBytes(6).toString('hex')}` });
  cleanups.push(() => tables.close());
  return { proxy, tables: { ...tables, retryPolicy: { ...tables.retryPolicy, baseDelayMs: 5, maxDelayMs } } };
}

const bounce: BounceObservation = {
  address: 'thr@example.org', messageId: 'm1', fingerprint: 'fp-thr-1', status: 'Bounced', time: '2025-05-01T10:00:00.0000000Z',
  smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1', failureReason: 'BadMailbox', failureMessage: 'no such user',
};
const reads = (req: http.IncomingMessage) => req.method === 'GET';

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe('storage that throttles', () => {
  it('a 429 with Retry-After in seconds is waited out, then the read succeeds', async () => {
    const { proxy, tables } = await throttled();
    const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
    await recordBounceObservations(tables.bounces, [bounce], io);
    const meter = new StorageMeter();
    proxy.fault = { kind: '429', remaining: 1, retryAfter: '1', only: reads };
    const { value, ms } = await timed(() => getBounceRecord(tables.bounces, bounce.address, { policy: tables.retryPolicy, meter }));
    expect(proxy.faultsInjected).toBe(1);
    expect(meter.retries).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(1_000);
    expect(value).toMatchObject({ hardBounces: 1, lastMessageId: 'm1' });
  });

  it('a 503 with Retry-After as an HTTP date is waited out, and so is a throttled transaction', async () => {
    const { proxy, tables } = await throttled();
    const retryAfter = new Date(Date.now() + 2_000).toUTCString();
    proxy.fault = { kind: '503', remaining: 1, retryAfter, only: (req) => req.method === 'POST' && (req.url ?? '').includes('$batch') };
    const meter = new StorageMeter();
    const started = Date.now();
    const { ms } = await timed(() => recordBounceObservations(tables.bounces, [bounce], { policy: tables.retryPolicy, meter }));
    expect(proxy.faultsInjected).toBe(1);
    // An HTTP date has whole seconds: what was asked is the time from the call to that date.
    const asked = Date.parse(retryAfter) - started;
    expect(asked).toBeGreaterThan(900);
    expect(ms).toBeGreaterThanOrEqual(asked - 20);
    expect(await getBounceRecord(tables.bounces, bounce.address, { policy: tables.retryPolicy, meter })).toMatchObject({ hardBounces: 1 });
  });

  it('a Retry-After longer than the maximum delay waits only the maximum', async () => {
    const { proxy, tables } = await throttled(400);
    await recordBounceObservations(tables.bounces, [bounce], { policy: tables.retryPolicy, meter: new StorageMeter() });
    proxy.fault = { kind: '429', remaining: 2, retryAfter: '3600', only: reads };
    const { value, ms } = await timed(() => getBounceRecord(tables.bounces, bounce.address, { policy: tables.retryPolicy, meter: new StorageMeter() }));
    expect(proxy.faultsInjected).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(2 * 400 - 10);
    expect(ms).toBeLessThan(2_500);
    expect(value).toMatchObject({ hardBounces: 1 });
  });
});

describe('the wait storage asks for', () => {
  const answer = (statusCode: number, headers: Record<string, string>) => ({ statusCode, response: { headers: new Map(Object.entries(headers)) } });
  const now = Date.parse('2025-05-01T10:00:00Z');

  it('reads Retry-After in seconds, as an HTTP date, or in ms, on 429 and 503 only', () => {
    expect(retryAfterMs(answer(429, { 'retry-after': '7' }), now)).toBe(7_000);
    expect(retryAfterMs(answer(503, { 'retry-after': 'Thu, 01 May 2025 10:00:03 GMT' }), now)).toBe(3_000);
    expect(retryAfterMs(answer(503, { 'retry-after': 'Thu, 01 May 2025 09:59:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(answer(429, { 'x-ms-retry-after-ms': '250' }), now)).toBe(250);
    expect(retryAfterMs(answer(429, { 'retry-after': 'soon' }), now)).toBeNull();
    expect(retryAfterMs(answer(500, { 'retry-after': '7' }), now)).toBeNull();
    expect(retryAfterMs({ statusCode: 429 }, now)).toBeNull();
  });

  it('caps it by the policy, and backs off with jitter without it', () => {
    const policy = { ...DEFAULT_STORAGE_RETRY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(retryDelayMs(answer(429, { 'retry-after': '3600' }), 1, policy, now)).toBe(1_000);
    expect(retryDelayMs(answer(429, { 'retry-after': '0.5' }), 1, policy, now)).toBeGreaterThanOrEqual(500);
    for (let attempt = 1; attempt <= 6; attempt += 1) expect(retryDelayMs({ statusCode: 503 }, attempt, policy, now)).toBeLessThanOrEqual(Math.min(1_000, 100 * 2 ** (attempt - 1)));
  });
});
