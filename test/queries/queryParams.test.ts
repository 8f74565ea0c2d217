import { describe, expect, it } from 'vitest';
import { addressKeyPrefix, timeKeyRange } from '../../src/indexes/indexKeys.js';
import { encodeContinuation } from '../../src/queries/continuation.js';
import { parseMessagesQuery, parseRecipientQuery, parseStatsQuery, queryErrorDocument, verifyWindowOf, type QueryParse } from '../../src/queries/queryParams.js';

const now = new Date('2026-11-30T14:30:00Z');
const params = (o: Record<string, string>) => new Map(Object.entries(o));
const messages = (o: Record<string, string>, at = now) => parseMessagesQuery(params(o), at);
const stats = (o: Record<string, string>) => parseStatsQuery(params(o), now);

function errorOf<T>(parse: QueryParse<T>): { param: string; reason: string } {
  if (parse.ok) throw new Error(`expected an error, got ${JSON.stringify(parse.query)}`);
  return { param: parse.error.param, reason: parse.error.reason };
}
function queryOf<T>(parse: QueryParse<T>): T {
  if (!parse.ok) throw parse.error;
  return parse.query;
}
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('messages parameters', () => {
  it('defaults to the last 24 hours, 50 messages, no filters', () => {
    expect(queryOf(messages({}))).toMatchObject({
      from: '2026-11-29T14:30:00.0000000Z', to: '2026-11-30T14:30:00.0000000Z', status: null, senderDomain: null, recipientDomain: null, limit: 50, afterKey: null,
    });
  });

  it('reads ISO times with zones, bare dates (00:00Z) and relative forms into canonical UTC', () => {
    expect(queryOf(messages({ from: '2026-11-30T15:00:00+01:00', to: '2026-11-30T15:00:00.1234567Z' }))).toMatchObject({
      from: '2026-11-30T14:00:00.0000000Z', to: '2026-11-30T15:00:00.1234567Z',
    });
    expect(queryOf(messages({ from: '2026-11-29', to: '2026-11-30' }))).toMatchObject({ from: '2026-11-29T00:00:00.0000000Z', to: '2026-11-30T00:00:00.0000000Z' });
    expect(queryOf(messages({ from: '-90m', to: 'now' }))).toMatchObject({ from: '2026-11-30T13:00:00.0000000Z', to: '2026-11-30T14:30:00.0000000Z' });
    expect(queryOf(messages({ from: '-1w', to: '-6d' })).from).toBe('2026-11-23T14:30:00.0000000Z');
  });

  it('normalises the filters: domains lower-cased, statuses kept', () => {
    expect(queryOf(messages({ status: 'Bounced', 'sender-domain': ' Contoso.COM ', 'recipient-domain': 'Outlook.com' }))).toMatchObject({
      status: 'Bounced', senderDomain: 'contoso.com', recipientDomain: 'outlook.com',
    });
  });

  it.each([
    [{ from: 'yesterday' }, 'from'],
    [{ to: '2026-13-01' }, 'to'],
    [{ from: '2026-11-30T10:00Z', to: '2026-11-30T10:00Z' }, 'from'],
    [{ from: '2026-11-30T11:00Z', to: '2026-11-30T10:00Z' }, 'from'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: '10000000000' }, 'limit'],
    [{ limit: '2.5' }, 'limit'],
    [{ limit: '-1' }, 'limit'],
    [{ status: ' ' }, 'status'],
    [{ status: 'x'.repeat(65) }, 'status'],
    [{ 'sender-domain': 'a b.com' }, 'sender-domain'],
    [{ 'recipient-domain': 'bob@contoso.com' }, 'recipient-domain'],
    [{ 'recipient-domain': '' }, 'recipient-domain'],
    [{ senderDomain: 'contoso.com' }, 'senderDomain'],
    [{ by: 'day' }, 'by'],
    [{ from: '-1000000000d' }, 'from'],
  ])('rejects %j naming %s', (given, param) => {
    const error = errorOf(messages(given));
    expect(error.param).toBe(param);
    expect(error.reason.length).toBeGreaterThan(5);
  });

  it('ignores the Functions key parameter `code`', () => {
    expect(messages({ code: 'abc==' }).ok).toBe(true);
  });

  it('turns an error into the 400 body', () => {
    const parse = messages({ limit: '0' });
    expect(parse.ok ? null : queryErrorDocument(parse.error)).toEqual({ error: 'must be a whole number from 1 to 1000, got "0"', param: 'limit' });
  });
});

describe('continuation tokens', () => {
  const first = queryOf(messages({ from: '-2h', status: 'Delivered' }));
  const range = timeKeyRange(first.from, first.to);
  const inside = `${range.ge}0`;
  const token = (over: Partial<{ q: string; k: string; f: string; t: string }> = {}) =>
    b64({ v: 1, q: first.queryHash, k: inside, f: first.from, t: first.to, ...over });

  it('keep the first page window of a relative query as the clock moves', () => {
    const later = queryOf(messages({ from: '-2h', status: 'Delivered', continuation: token() }, new Date('2026-11-30T15:30:00Z')));
    expect(later).toMatchObject({ from: first.from, to: first.to, afterKey: inside });
    expect(encodeContinuation({ queryHash: first.queryHash, afterKey: inside, window: { from: first.from, to: first.to } })).toBe(token());
  });

  it.each([
    ['garbage', 'not base64url!'],
    ['base64 of no JSON', Buffer.from('{nope').toString('base64url')],
    ['JSON of another shape', b64({ v: 2, q: 'x', k: 'y' })],
    ['an extra field', b64({ v: 1, q: first.queryHash, k: inside, f: first.from, t: first.to, scan: true })],
    ['too long', 'A'.repeat(5000)],
    ['empty', ''],
  ])('rejects %s', (_what, continuation) => {
    expect(errorOf(messages({ from: '-2h', status: 'Delivered', continuation }))).toEqual({ param: 'continuation', reason: 'is not a continuation token of this ledger' });
  });

  it('rejects a token of another query, another window, or a key outside the window', () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: '-2h', status: 'Bounced', continuation: token() }, 'belongs to another query'],
      [{ from: '-3h', status: 'Delivered', continuation: token() }, 'belongs to another query'],
      [{ from: '-2h', status: 'Delivered', continuation: token({ q: '0'.repeat(32) }) }, 'belongs to another query'],
      [{ from: '-2h', status: 'Delivered', continuation: token({ f: '2020-01-01T00:00:00.0000000Z' }) }, 'belongs to another query'],
      [{ from: '-2h', status: 'Delivered', continuation: token({ f: '2026-12-30T12:30:00.0000000Z', t: '2026-12-30T14:30:00.0000000Z' }) }, 'belongs to another query'],
      [{ from: '-2h', status: 'Delivered', continuation: token({ f: 'now' }) }, 'belongs to another query'],
      [{ from: '-2h', status: 'Delivered', continuation: token({ k: 'a|bob@contoso.com|' }) }, "points outside this query's time window"],
      [{ from: '-2h', status: 'Delivered', continuation: token({ k: range.lt }) }, "points outside this query's time window"],
    ];
    for (const [given, reason] of cases) expect(errorOf(messages(given))).toEqual({ param: 'continuation', reason });
  });

  it('bind an absolute window exactly', () => {
    const abs = queryOf(messages({ from: '2026-11-30T10:00Z', to: '2026-11-30T11:00Z' }));
    const k = `${timeKeyRange(abs.from, abs.to).ge}5`;
    const ok = b64({ v: 1, q: abs.queryHash, k, f: abs.from, t: abs.to });
    expect(queryOf(messages({ from: '2026-11-30T10:00Z', to: '2026-11-30T11:00Z', continuation: ok })).afterKey).toBe(k);
    const widened = b64({ v: 1, q: abs.queryHash, k, f: '2026-11-01T00:00:00.0000000Z', t: abs.to });
    expect(errorOf(messages({ from: '2026-11-30T10:00Z', to: '2026-11-30T11:00Z', continuation: widened })).param).toBe('continuation');
  });

  it("bind a recipient token to the address's rows, case-insensitively", () => {
    const q = queryOf(parseRecipientQuery('Bob@Contoso.com', params({})));
    const k = `${addressKeyPrefix('bob@contoso.com')}7`;
    const ok = b64({ v: 1, q: q.queryHash, k });
    expect(queryOf(parseRecipientQuery('bob@CONTOSO.com', params({ continuation: ok }))).afterKey).toBe(k);
    expect(errorOf(parseRecipientQuery('alice@contoso.com', params({ continuation: ok })))).toEqual({ param: 'continuation', reason: 'belongs to another query' });
    const outside = b64({ v: 1, q: q.queryHash, k: 'a|bob@contoso.comx|1' });
    expect(errorOf(parseRecipientQuery('bob@contoso.com', params({ continuation: outside })))).toEqual({ param: 'continuation', reason: "points outside this address's rows" });
  });
});

describe('recipient parameters', () => {
  it('takes limit and continuation only', () => {
    expect(queryOf(parseRecipientQuery(' bob@contoso.com ', params({ limit: '10' })))).toMatchObject({ address: 'bob@contoso.com', limit: 10 });
    expect(errorOf(parseRecipientQuery('bob@contoso.com', params({ from: '-1h' })))).toEqual({ param: 'from', reason: 'is not a parameter of this query' });
    expect(errorOf(parseRecipientQuery('  ', params({}))).param).toBe('address');
    expect(errorOf(parseRecipientQuery('bob@contoso.com', params({ limit: 'ten' }))).param).toBe('limit');
  });
});

describe('stats parameters', () => {
  it('defaults to the last 30 days by day, per sender domain, on whole buckets', () => {
    expect(queryOf(stats({}))).toEqual({ from: '2026-10-31T00:00:00.0000000Z', to: '2026-12-01T00:00:00.0000000Z', by: 'day', group: 'sender-domain' });
    expect(queryOf(stats({ by: 'hour', from: '2026-11-30T10:15Z', to: '2026-11-30T12:00Z', group: 'provider' }))).toEqual({
      from: '2026-11-30T10:00:00.0000000Z', to: '2026-11-30T12:00:00.0000000Z', by: 'hour', group: 'provider',
    });
    expect(verifyWindowOf(queryOf(stats({ by: 'hour', from: '2026-11-30T10:15Z', to: '2026-11-30T12:00Z' })))).toEqual({
      from: '2026-11-30T00:00:00.0000000Z', to: '2026-12-01T00:00:00.0000000Z',
    });
  });

  it.each([
    [{ by: 'week' }, 'by'],
    [{ group: 'domain' }, 'group'],
    [{ from: 'soon' }, 'from'],
    [{ to: '-1h', from: 'now' }, 'from'],
    [{ by: 'hour', from: '-100d' }, 'from'],
    [{ from: '1900-01-01' }, 'from'],
    [{ limit: '10' }, 'limit'],
    [{ continuation: 'x' }, 'continuation'],
  ])('rejects %j naming %s', (given, param) => {
    expect(errorOf(stats(given)).param).toBe(param);
  });
});
