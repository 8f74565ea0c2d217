import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_SCHEMA, type HardBounceAlert } from '../../src/alerts/alert.js';
import type { ApiLedger } from '../../src/api/apiRoute.js';
import type { DeadLetter } from '../../src/ingest/deadLetter.js';
import { writeAlertIntent } from '../../src/store/alertOutbox.js';
import { listBounceRecordsPage, recordBounceObservations, registryPartitionKey } from '../../src/store/bounceRegistry.js';
import { writeDeadLetters } from '../../src/store/deadLetterStore.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { openTestTables } from '../helpers/ledgerFixture.js';
import { callRoute } from './apiFixture.js';

/**
 * Paging of GET /api/bounces, /alerts, /deadletters on real Azurite: walking every page, at any page
 * size, gives each item of the list exactly once and in the list's order, also while items are added
 * between pages; a token only works for the query it came from; a bounce page reads its own rows only.
 */
let fixture: { ledger: ApiLedger; logs: string[] };
const io = () => ({ policy: fixture.ledger.tables.retryPolicy, meter: new StorageMeter() });

const minute = (m: number): string => new Date(Date.UTC(2025, 3, 1, 10, m)).toISOString();

// Mixed case, characters the table keys escape, a long one hashed, and a tie in bounce time.
const ADDRESSES = [
  ...Array.from({ length: 20 }, (_, i) => `user${String(i * 7 % 20).padStart(2, '0')}@example.org`),
  'Mixed.Case@Example.ORG', 'slash/hash#q?@example.net', 'pct%20@example.net', `${'l'.repeat(420)}@example.com`,
];

function bounce(address: string, i: number, at = minute(i % 5)) {
  return {
    address, messageId: `msg-${i}`, fingerprint: `fp-${address}-${i}`, status: 'Bounced', time: at,
    smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1', failureReason: 'BadMailbox', failureMessage: null,
  };
}

function hardBounceAlert(i: number): HardBounceAlert {
  return {
    schema: ALERT_SCHEMA, type: 'hard_bounce', id: `hb_test${String(i).padStart(3, '0')}`, messageId: `msg-${i}`, recipient: `r${i}@example.org`,
    status: 'Bounced', suppressed: false, smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1', failureReason: null, failureMessage: null,
    senderDomain: 'example.com', senderUsername: null, resourceId: null, recordTime: minute(i), detectedAt: minute(i),
  };
}

function deadLetter(i: number, location = `samples/bad.json:${i}`): DeadLetter {
  return {
    id: `${(i * 37 % 256).toString(16).padStart(2, '0')}dl${i}`, issue: { code: i % 3 === 0 ? 'invalid_json' : 'empty_body', message: `bad ${i}` },
    category: null, raw: `raw ${i}`, rawLength: 5, truncated: false, source: { kind: 'file', file: 'samples/bad.json', line: i }, recordIndex: 0, location,
  };
}

const addAlerts = (from: number, to: number, createdAt: (i: number) => Date) =>
  Promise.all(Array.from({ length: to - from }, (_, k) => from + k).map((i) => writeAlertIntent(fixture.ledger.tables.alerts, hardBounceAlert(i), null, io(), createdAt(i))));

beforeAll(async () => {
  const { tables, config } = await openTestTables();
  fixture = { ledger: { tables, config }, logs: [] };
  await recordBounceObservations(tables.bounces, ADDRESSES.map((a, i) => bounce(a, i)), io());
  // Three alerts share a creation time: the id breaks the tie.
  await addAlerts(0, 11, (i) => new Date(Date.UTC(2025, 3, 1, 10, i < 3 ? 0 : i)));
  await writeDeadLetters(tables.deadLetters, Array.from({ length: 13 }, (_, i) => deadLetter(i + 1)), io(), new Date());
}, 60_000);
afterAll(async () => {
  await fixture.ledger.tables.close();
});

type ListName = 'listBounces' | 'listAlerts' | 'listDeadLetters';
const LIST_OF: Record<ListName, string> = { listBounces: 'bounces', listAlerts: 'alerts', listDeadLetters: 'deadLetters' };

async function page(name: ListName, query: string): Promise<{ items: Record<string, unknown>[]; continuation: string | null }> {
  const response = await callRoute(fixture, name, { query });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const body = response.body as Record<string, unknown>;
  return { items: body[LIST_OF[name]] as Record<string, unknown>[], continuation: body['continuation'] as string | null };
}

/** Every page of the query at this page size; `between` runs after each page but the last. */
async function walk(name: ListName, filters: string, limit: number, between: (pageNo: number) => Promise<void> = async () => undefined) {
  const items: Record<string, unknown>[] = [];
  let token: string | null = null;
  for (let n = 1; n <= 1_000; n += 1) {
    const query = [filters, `limit=${limit}`, token === null ? '' : `continuation=${token}`].filter(Boolean).join('&');
    const got = await page(name, query);
    expect(got.items.length).toBeLessThanOrEqual(limit);
    // Only the last page may be short, and no page is empty but a first one of an empty list.
    if (got.continuation !== null) expect(got.items.length).toBe(limit);
    items.push(...got.items);
    if (got.continuation === null) return items;
    token = got.continuation;
    await between(n);
  }
  throw new Error('more than 1,000 pages');
}

const keyOf: Record<ListName, (item: Record<string, unknown>) => string> = {
  listBounces: (b) => String(b['address']),
  listAlerts: (a) => String(a['id']),
  listDeadLetters: (l) => String(l['id']),
};

/** The orders the documents state, computed here from the items alone. */
const byOrigin = new Intl.Collator('en', { numeric: true });
const compareText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
const ORACLE_ORDER: Record<ListName, (x: Record<string, unknown>, y: Record<string, unknown>) => number> = {
  listBounces: (x, y) => compareText(registryPartitionKey(String(x['address'])), registryPartitionKey(String(y['address']))),
  listAlerts: (x, y) => compareText(String(x['createdAt']), String(y['createdAt'])) || compareText(String(x['id']), String(y['id'])),
  listDeadLetters: (x, y) => byOrigin.compare(String(x['location']), String(y['location'])) || compareText(String(x['id']), String(y['id'])),
};

describe('walking every page', () => {
  const cases: [ListName, string, number][] = [
    ['listBounces', '', ADDRESSES.length],
    ['listBounces', 'since=2025-04-01T10:03:00Z', ADDRESSES.filter((_, i) => i % 5 >= 3).length],
    ['listBounces', 'q=USER1', 10],
    ['listAlerts', '', 11],
    ['listAlerts', 'state=pending', 11],
    ['listDeadLetters', '', 13],
    ['listDeadLetters', 'reason=invalid_json', 4],
  ];
  it.each(cases.flatMap(([name, filters, size]) => [1, 2, 7].map((limit) => [name, filters, size, limit] as const)))(
    '%s %j: %i items, every page of %i gives each once, in order',
    async (name, filters, size, limit) => {
      const whole = await page(name, [filters, 'limit=1000'].filter(Boolean).join('&'));
      expect(whole.continuation).toBeNull();
      expect(whole.items).toHaveLength(size);
      expect(whole.items).toEqual([...whole.items].sort(ORACLE_ORDER[name]));
      const walked = await walk(name, filters, limit);
      expect(walked).toEqual(whole.items);
    },
  );

  it('the dead letters come in origin order, line 2 before line 10', async () => {
    const { items } = await page('listDeadLetters', 'limit=1000');
    expect(items.map((l) => l['location'])).toEqual(Array.from({ length: 13 }, (_, i) => `samples/bad.json:${i + 1}`));
  });

  it('bounces: the CSV export walks every page, in the same order', async () => {
    const response = await callRoute(fixture, 'listBounces', { query: 'format=csv' });
    expect(response.status).toBe(200);
    const walked = await walk('listBounces', '', 2);
    const lines = (response.textBody ?? '').trimEnd().split('\n');
    expect(lines).toHaveLength(ADDRESSES.length + 1);
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(walked.map((b) => b['address']));
  });
});

describe('items added or changed between pages', () => {
  it.each([1, 2, 7])('bounces, limit %i: each original address once, in order; a new one after the cursor shows, before it does not', async (limit) => {
    const before = (await page('listBounces', 'limit=1000')).items;
    const added: string[] = [];
    const walked = await walk('listBounces', '', limit, async (n) => {
      if (n !== 2) return;
      added.push(`aaa-${limit}@example.org`, `zzz-${limit}@example.org`);
      // A new address on each side of the cursor, and a listed address bouncing again.
      await recordBounceObservations(fixture.ledger.tables.bounces, [bounce(added[0] ?? '', 900 + limit), bounce(added[1] ?? '', 901 + limit), bounce(ADDRESSES[0] ?? '', 950 + limit, minute(40))], io());
    });
    const keys = walked.map(keyOf.listBounces);
    expect(new Set(keys).size).toBe(keys.length);
    expect(walked).toEqual([...walked].sort(ORACLE_ORDER.listBounces));
    expect(keys.filter((k) => before.some((b) => b['address'] === k))).toEqual(before.map(keyOf.listBounces));
    expect(keys).toContain(`zzz-${limit}@example.org`);
    expect(keys).not.toContain(`aaa-${limit}@example.org`);
  });

  it.each([1, 2, 7])('alerts, limit %i: every alert once, in order, and the ones raised meanwhile at the end', async (limit) => {
    const before = (await page('listAlerts', 'limit=1000')).items;
    const base = 100 + limit * 10;
    const walked = await walk('listAlerts', '', limit, async (n) => {
      if (n === 1) await addAlerts(base, base + 3, (i) => new Date(Date.UTC(2025, 3, 2, 0, i)));
    });
    const ids = walked.map(keyOf.listAlerts);
    expect(new Set(ids).size).toBe(ids.length);
    expect(walked).toEqual([...walked].sort(ORACLE_ORDER.listAlerts));
    expect(ids).toEqual([...before.map(keyOf.listAlerts), ...[0, 1, 2].map((k) => hardBounceAlert(base + k).id)]);
  });

  it.each([1, 2, 7])('dead letters, limit %i: every letter once, in origin order, a new one past the cursor included', async (limit) => {
    const before = (await page('listDeadLetters', 'limit=1000')).items;
    const late = deadLetter(500 + limit, `samples/zz-late-${limit}.json:1`);
    const walked = await walk('listDeadLetters', '', limit, async (n) => {
      if (n === 1) await writeDeadLetters(fixture.ledger.tables.deadLetters, [late], io(), new Date());
    });
    const ids = walked.map(keyOf.listDeadLetters);
    expect(new Set(ids).size).toBe(ids.length);
    expect(walked).toEqual([...walked].sort(ORACLE_ORDER.listDeadLetters));
    expect(ids.filter((id) => id !== late.id && before.some((l) => l['id'] === id))).toEqual(before.map(keyOf.listDeadLetters));
    expect(ids).toContain(late.id);
  });
});

describe('a bounce page reads its own rows, not the registry', () => {
  it.each([1, 2, 7])('limit %i: one request, at most limit + 1 rows', async (limit) => {
    const meter = new StorageMeter();
    const first = await listBounceRecordsPage(fixture.ledger.tables.bounces, { after: null, limit }, { policy: fixture.ledger.tables.retryPolicy, meter });
    expect(first.records).toHaveLength(limit);
    expect(first.more).toBe(true);
    expect(first.rowsRead).toBeLessThanOrEqual(limit + 1);
    const next = await listBounceRecordsPage(fixture.ledger.tables.bounces, { after: first.records.at(-1)?.partitionKey ?? null, limit }, { policy: fixture.ledger.tables.retryPolicy, meter });
    expect(next.rowsRead).toBeLessThanOrEqual(limit + 1);
    expect(meter.roundTrips).toBe(2);
  });
});

describe('tokens and limits', () => {
  it.each([
    ['listBounces', 'since=2025-04-01T10:03:00Z', 'listBounces', ''],
    ['listBounces', 'q=user', 'listBounces', 'q=USER0'],
    ['listAlerts', '', 'listAlerts', 'state=failed'],
    ['listAlerts', '', 'listDeadLetters', ''],
    ['listDeadLetters', '', 'listBounces', ''],
    ['listDeadLetters', 'reason=invalid_json', 'listDeadLetters', 'reason=empty_body'],
  ] as const)('a token of %s %j is refused by %s %j: 400 naming continuation', async (from, fromFilters, to, toFilters) => {
    const first = await page(from, [fromFilters, 'limit=1'].filter(Boolean).join('&'));
    expect(first.continuation).not.toBeNull();
    const response = await callRoute(fixture, to, { query: [toFilters, `continuation=${first.continuation ?? ''}`].filter(Boolean).join('&') });
    expect(response).toMatchObject({ status: 400, body: { param: 'continuation' } });
  });

  it.each(['listBounces', 'listAlerts', 'listDeadLetters'] as const)('%s: a token that is not ours is 400 naming continuation', async (name) => {
    for (const token of ['nonsense', 'eyJ2IjoxfQ', '']) {
      const response = await callRoute(fixture, name, { query: `continuation=${token}` });
      expect(response, token).toMatchObject({ status: 400, body: { param: 'continuation' } });
    }
  });

  it.each(['listBounces', 'listAlerts', 'listDeadLetters'] as const)('%s: limit out of range is 400 naming limit', async (name) => {
    for (const limit of ['0', '1001', '-1', '1.5', 'ten', '', '99999999']) {
      const response = await callRoute(fixture, name, { query: `limit=${limit}` });
      expect(response, limit).toMatchObject({ status: 400, body: { param: 'limit' } });
    }
    for (const limit of ['1', '1000']) expect((await callRoute(fixture, name, { query: `limit=${limit}` })).status).toBe(200);
  });
});
