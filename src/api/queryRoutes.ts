import { z } from 'zod';
import { computeStats } from '../queries/computeStats.js';
import { messagesDocumentSchema, recipientMessagesDocumentSchema, statsDocumentSchema } from '../queries/documents.js';
import { messagesInWindow, recipientMessages } from '../queries/indexQueries.js';
import { DEFAULT_LIMIT, MAX_LIMIT, QUERY_PARAMS, STATS_GROUPS, parseMessagesQuery, parseRecipientQuery, parseStatsQuery, type QueryParse } from '../queries/queryParams.js';
import { defineRoute, found, type ApiRoute } from './apiRoute.js';
import { storageIoOf } from './ledgerReads.js';
import { emailAddress, noParams, paramOk, paramProblem, zodParams, type ParamContext, type ParamDoc, type ParamReader } from './params.js';

/**
 * The routes over the indexes (src/queries): parameters parsed by the queries' own parsers (the ones
 * the CLI flags go through), answers from the same query functions as `recipient`, `messages` and
 * `stats`. The parsers own the rules; this file only documents the parameters for the OpenAPI document.
 */
type QueryParamName = (typeof QUERY_PARAMS)[keyof typeof QUERY_PARAMS][number];

const TIME = 'ISO 8601 (2026-11-30T14:00:00Z; no zone = UTC), a date (2026-11-30 = 00:00Z), now, or -<n>m|h|d|w before now';
const PARAM_DOCS: Readonly<Record<QueryParamName, Omit<ParamDoc, 'name' | 'in' | 'required'>>> = {
  from: { description: `window start, inclusive (default: 1 day before to for messages, 30 days for stats): ${TIME}`, schema: { type: 'string' } },
  to: { description: `window end, exclusive (default now): ${TIME}`, schema: { type: 'string' } },
  status: { description: 'only messages with a recipient in this delivery status, e.g. Bounced', schema: { type: 'string', minLength: 1, maxLength: 64 } },
  'sender-domain': { description: 'only messages from this sender domain', schema: { type: 'string', minLength: 1, maxLength: 255 } },
  'recipient-domain': { description: 'only messages with a recipient at this domain', schema: { type: 'string', minLength: 1, maxLength: 255 } },
  limit: { description: `messages per page (default ${DEFAULT_LIMIT})`, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
  continuation: { description: 'the `continuation` of the previous page, with the same other parameters', schema: { type: 'string' } },
  by: { description: 'bucket size (default day)', schema: { type: 'string', enum: ['hour', 'day'], default: 'day' } },
  group: { description: 'rows per sender domain, recipient domain, mailbox provider, or none (default sender-domain)', schema: { type: 'string', enum: [...STATS_GROUPS], default: 'sender-domain' } },
};

/** A reader over one of the queries' parsers; its QueryParamError becomes the 400's param and reason. */
function queryReader<T>(names: readonly QueryParamName[], parse: (values: ReadonlyMap<string, string>, context: ParamContext) => QueryParse<T>): ParamReader<T> {
  return {
    docs: names.map((name) => ({ name, in: 'query', required: false, ...PARAM_DOCS[name] })),
    read(values, context) {
      const parsed = parse(values, context);
      return parsed.ok ? paramOk(parsed.query) : paramProblem(parsed.error.param, parsed.error.reason);
    },
  };
}

export const recipientMessagesRoute: ApiRoute = defineRoute({
  name: 'listRecipientMessages',
  route: 'recipients/{address}/messages',
  summary: 'Every message sent to an address, newest first, with that recipient’s status (`recipient <address> --json`)',
  path: zodParams('path', z.object({ address: emailAddress.describe('an email address, matched case-insensitively') })),
  query: queryReader(QUERY_PARAMS.recipient, (values, { path }) => parseRecipientQuery(path.get('address') ?? '', values)),
  response: recipientMessagesDocumentSchema,
  answer: async ({ query }, { ledger }) => {
    const { tables } = await ledger();
    return found(await recipientMessages(tables.index, query, storageIoOf(tables)));
  },
});

export const messagesRoute: ApiRoute = defineRoute({
  name: 'listMessages',
  route: 'messages',
  summary: 'Messages in a time window, newest first, filtered, paginated (`messages --json`)',
  path: noParams,
  query: queryReader(QUERY_PARAMS.messages, (values, { now }) => parseMessagesQuery(values, now)),
  response: messagesDocumentSchema,
  answer: async ({ query }, { ledger }) => {
    const { tables } = await ledger();
    return found(await messagesInWindow(tables.index, query, storageIoOf(tables)));
  },
});

export const statsRoute: ApiRoute = defineRoute({
  name: 'getStats',
  route: 'stats',
  summary: 'Exact counts and rates per hour or day, per sender domain, recipient domain or provider (`stats --json`)',
  path: noParams,
  query: queryReader(QUERY_PARAMS.stats, (values, { now }) => parseStatsQuery(values, now)),
  response: statsDocumentSchema,
  answer: async ({ query }, { ledger }) => {
    const { tables, config } = await ledger();
    return found(await computeStats(tables.index, query, config.providers, storageIoOf(tables)));
  },
});
