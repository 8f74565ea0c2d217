import { z } from 'zod';
import { parseClicksQuery, parseFailuresQuery, parseGuardrailQuery } from '../queries/aggregateParams.js';
import { clicksInWindow, failuresInWindow } from '../queries/aggregates.js';
import { computeStats } from '../queries/computeStats.js';
import { clicksDocumentSchema, failuresDocumentSchema, guardrailDocumentSchema, messagesDocumentSchema, recipientMessagesDocumentSchema, statsDocumentSchema } from '../queries/documents.js';
import { guardrailLevels } from '../queries/guardrail.js';
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
  failure: { description: 'only messages with a recipient that failed so: a `failure` key as GET /api/failures lists it', schema: { type: 'string', minLength: 1, maxLength: 1_000 } },
  provider: { description: 'only messages (or counts) with a recipient at this mailbox provider group, e.g. Microsoft (case-insensitive)', schema: { type: 'string', minLength: 1, maxLength: 100 } },
  at: { description: `the time whose guardrail window is shown (default now): ${TIME}`, schema: { type: 'string' } },
  limit: { description: `messages per page, or rows of an aggregate (default ${DEFAULT_LIMIT})`, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
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
    const { tables, config } = await ledger();
    const { providers } = config;
    return found(await messagesInWindow(tables.index, query, storageIoOf(tables), { providers }));
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

export const failuresRoute: ApiRoute = defineRoute({
  name: 'getFailures',
  route: 'failures',
  summary: 'Recipients by failure (status, SMTP and enhanced code, reason) in a window, biggest first (`failures --json`)',
  path: noParams,
  query: queryReader(QUERY_PARAMS.failures, (values, { now }) => parseFailuresQuery(values, now)),
  response: failuresDocumentSchema,
  answer: async ({ query }, { ledger }) => {
    const { tables, config } = await ledger();
    return found(await failuresInWindow(tables.index, query, config.providers, storageIoOf(tables)));
  },
});

export const clicksRoute: ApiRoute = defineRoute({
  name: 'getClicks',
  route: 'clicks',
  summary: 'The links most recipients clicked, of messages in a window of UTC days, biggest first (`clicks --json`)',
  path: noParams,
  query: queryReader(QUERY_PARAMS.clicks, (values, { now }) => parseClicksQuery(values, now)),
  response: clicksDocumentSchema,
  answer: async ({ query }, { ledger }) => {
    const { tables } = await ledger();
    return found(await clicksInWindow(tables.index, query, storageIoOf(tables)));
  },
});

export const guardrailRoute: ApiRoute = defineRoute({
  name: 'getGuardrail',
  route: 'guardrail',
  summary: "The bounce-rate guardrail's level per sender domain for the window ending at a time (`guardrail --json`)",
  path: noParams,
  query: queryReader(QUERY_PARAMS.guardrail, (values, { now }) => parseGuardrailQuery(values, now)),
  response: guardrailDocumentSchema,
  answer: async ({ query }, { ledger }) => {
    const { tables, config } = await ledger();
    return found(await guardrailLevels(tables.bounces, query, config.bounceRate, storageIoOf(tables)));
  },
});
