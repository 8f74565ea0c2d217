import type { TableClient } from '@azure/data-tables';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { providerWarning } from '../../src/config/providerDomains.js';
import { computeStats } from '../../src/queries/computeStats.js';
import { statsDocumentSchema } from '../../src/queries/documents.js';
import { BUILT_IN_PROVIDERS, providerGrouping } from '../../src/queries/providers.js';
import { parseStatsQuery, QueryParamError, queryOrThrow } from '../../src/queries/queryParams.js';
import { openIndexTable, projection, recipient, testIo, writeIndex } from './indexFixture.js';

/** Exact sums per bucket and group, the rates, and the provider grouping with its setting. */
const now = new Date('2026-12-01T00:00:00Z');
const stats = (o: Record<string, string>) => queryOrThrow(parseStatsQuery(new Map(Object.entries(o)), now));
let index: TableClient;

beforeAll(async () => {
  index = await openIndexTable();
  await writeIndex(index, [
    {
      projection: projection('m1', '2026-11-30T09:10:00.0000000Z', 'contoso.com', [
        recipient('a@outlook.com', { views: 2, clicks: 1 }),
        recipient('b@hotmail.co.uk', { status: 'Bounced', hardBounce: true }),
        recipient('c@gmail.com', { views: 1 }),
        recipient('d@contoso.com', { status: 'Expanded' }),
      ]),
    },
    {
      projection: projection('m2', '2026-11-30T10:59:59.9999999Z', 'fabrikam.com', [
        recipient('e@gmail.com', { status: 'Failed' }),
        recipient('f@GMAIL.com', { status: null, views: 3 }),
      ]),
    },
    { projection: projection('m3', '2026-11-29T23:00:00.0000000Z', 'contoso.com', [recipient('g@outlook.com', { status: 'Suppressed' })]) },
  ]);
});

describe('computeStats', () => {
  it('sums a day, ungrouped, with the rates as defined', async () => {
    const doc = await computeStats(index, stats({ from: '2026-11-30', to: '2026-12-01', group: 'none' }), providerGrouping(), testIo());
    statsDocumentSchema.parse(doc);
    expect(doc.rows).toHaveLength(1);
    const expected = {
      recipients: 6, statuses: { '(none)': 1, Bounced: 1, Delivered: 2, Expanded: 1, Failed: 1 }, finalRecipients: 4, hardBounces: 1,
      viewers: 3, clickers: 1, views: 6, clicks: 1, deliveryRate: 0.5, hardBounceRate: 0.25, openRate: 1.5, clickRate: 0.5,
    };
    expect(JSON.parse(JSON.stringify(doc.rows[0]))).toEqual({ bucket: '2026-11-30', group: null, ...expected });
    expect(JSON.parse(JSON.stringify(doc.totals))).toEqual(expected);
    expect(doc).toMatchObject({ from: '2026-11-30T00:00:00.0000000Z', to: '2026-12-01T00:00:00.0000000Z', by: 'day', group: 'none' });
    // One daily row per (sender, recipient domain) pair and shard: 5 pairs on the 30th.
    expect(doc.rowsRead).toBeGreaterThanOrEqual(5);
  });

  it('buckets by hour and groups by sender domain; rates are null on a zero denominator', async () => {
    const doc = await computeStats(index, stats({ by: 'hour', from: '2026-11-29T23:00Z', to: '2026-11-30T11:00Z' }), providerGrouping(), testIo());
    expect(doc.rows.map((r) => [r.bucket, r.group, r.recipients])).toEqual([
      ['2026-11-29T23', 'contoso.com', 1],
      ['2026-11-30T09', 'contoso.com', 4],
      ['2026-11-30T10', 'fabrikam.com', 2],
    ]);
    expect(doc.rows[2]).toMatchObject({ finalRecipients: 1, deliveryRate: 0, openRate: null, clickRate: null, hardBounceRate: 0 });
    expect(doc.rows[0]).toMatchObject({ deliveryRate: 0, openRate: null });
  });

  it('groups by recipient domain, lower-cased', async () => {
    const doc = await computeStats(index, stats({ from: '2026-11-30', to: '2026-12-01', group: 'recipient-domain' }), providerGrouping(), testIo());
    expect(doc.rows.map((r) => [r.group, r.recipients])).toEqual([
      ['contoso.com', 1],
      ['gmail.com', 3],
      ['hotmail.co.uk', 1],
      ['outlook.com', 1],
    ]);
  });

  it('groups by provider with the built-in map; unknown domains are Other', async () => {
    const doc = await computeStats(index, stats({ from: '2026-11-29', to: '2026-12-01', group: 'provider' }), providerGrouping(), testIo());
    expect(doc.rows.map((r) => [r.bucket, r.group, r.recipients])).toEqual([
      ['2026-11-29', 'Microsoft', 1],
      ['2026-11-30', 'Google', 3],
      ['2026-11-30', 'Microsoft', 2],
      ['2026-11-30', 'Other', 1],
    ]);
    expect(doc.totals.recipients).toBe(7);
  });

  it('moves domains named by LEDGER_PROVIDER_DOMAINS, keeping the rest of the built-in map', async () => {
    const config = loadConfig({ LEDGER_PROVIDER_DOMAINS: JSON.stringify({ 'Contoso Mail': ['Contoso.com'], Google: ['hotmail.co.uk'] }) });
    const doc = await computeStats(index, stats({ from: '2026-11-30', to: '2026-12-01', group: 'provider' }), config.providers, testIo());
    expect(doc.rows.map((r) => [r.group, r.recipients])).toEqual([
      ['Contoso Mail', 1],
      ['Google', 4],
      ['Microsoft', 1],
    ]);
  });

  it.each([
    ['not JSON', '{"Microsoft": [', 'is not JSON'],
    ['an array', '["outlook.com"]', 'expected a JSON object'],
    ['a bad domain', '{"X": ["not a domain"]}', 'expected domains such as contoso.com'],
    ['a string for domains', '{"X": "x.com"}', 'LEDGER_PROVIDER_DOMAINS'],
    ['a domain under two providers', '{"X": ["x.com"], "Y": ["x.com"]}', 'x.com is listed under both X and Y'],
  ])('a bad setting (%s) switches provider grouping off, loudly, and nothing else', async (_what, value, reason) => {
    const config = loadConfig({ LEDGER_PROVIDER_DOMAINS: value });
    expect(config.providers.kind).toBe('disabled');
    expect(providerWarning(config.providers)).toContain('LEDGER_PROVIDER_DOMAINS');
    expect(providerWarning(config.providers)).toContain(reason);
    const failed = await computeStats(index, stats({ group: 'provider' }), config.providers, testIo()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(QueryParamError);
    expect(failed).toMatchObject({ param: 'group' });
    expect((failed as QueryParamError).reason).toContain('LEDGER_PROVIDER_DOMAINS');
    const bySender = await computeStats(index, stats({ from: '2026-11-30', to: '2026-12-01' }), config.providers, testIo());
    expect(bySender.rows.map((r) => r.group)).toEqual(['contoso.com', 'fabrikam.com']);
  });

  it('refuses a window holding more sum rows than a stats answer may read, naming from', async () => {
    const failed = await computeStats(index, stats({ from: '2026-11-29', to: '2026-12-01' }), providerGrouping(), testIo(), { maxSumRows: 3 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(QueryParamError);
    expect(failed).toMatchObject({ param: 'from' });
    expect((failed as QueryParamError).reason).toContain('more than 3 sum rows');
  });

  it('has a built-in map naming each domain once', () => {
    const all = Object.values(BUILT_IN_PROVIDERS).flat();
    expect(new Set(all).size).toBe(all.length);
    for (const d of ['outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'gmail.com', 'googlemail.com', 'yahoo.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'gmx.de', 'web.de', 'proton.me']) {
      expect(all).toContain(d);
    }
    expect(loadConfig({}).providers.kind).toBe('enabled');
  });
});
