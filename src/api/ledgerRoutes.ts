import { z } from 'zod';
import { messageDocument } from '../store/messageQueries.js';
import { defineRoute, found, missing, type ApiRoute } from './apiRoute.js';
import { AlertListSchema, BounceListSchema, DeadLetterListSchema, MessageDocumentSchema, SuppressionDocumentSchema } from './documents.js';
import { ALERT_STATES, parseSinceTime, readAlerts, readBounces, readDeadLetters, readMessage, readSuppression } from './ledgerReads.js';
import { boundedText, emailAddress, noParams, zodParams } from './params.js';

/**
 * The routes over the ledger's own reads, each the HTTP face of one CLI command: the same parameters
 * (named as its flags and arguments), the same function, the same JSON as its --json.
 */
export const messageRoute: ApiRoute = defineRoute({
  name: 'getMessageState',
  route: 'messages/{messageId}',
  summary: "One message's delivery state per recipient (`message <messageId> --json`)",
  path: zodParams('path', z.object({ messageId: boundedText('a message id', 256).describe('the message id (the correlationId of its log records)') })),
  query: noParams,
  response: MessageDocumentSchema,
  notFound: 'the ledger has no record of this message',
  answer: async ({ path }, { ledger }) => {
    const { tables } = await ledger();
    const view = await readMessage(tables, path.messageId);
    return view === null ? missing('messageId', 'no such message in the ledger') : found(messageDocument(view));
  },
});

export const suppressionRoute: ApiRoute = defineRoute({
  name: 'getSuppression',
  route: 'suppressions/{address}',
  summary: 'May I still send to this address? Hard bounces and the likely ACS suppression lease (`check <address> --json`)',
  path: zodParams('path', z.object({ address: emailAddress.describe('an email address, matched case-insensitively') })),
  query: noParams,
  response: SuppressionDocumentSchema,
  answer: async ({ path }, { ledger, now }) => found(await readSuppression((await ledger()).tables, path.address, now)),
});

const sinceTime = z
  .string()
  .transform((text, ctx) => {
    const iso = parseSinceTime(text);
    if (iso === null) ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time, e.g. 2025-03-14T08:00:00Z' });
    return iso ?? '';
  })
  .optional()
  .describe('only addresses whose last bounce is at or after this time (ISO 8601)');

export const bouncesRoute: ApiRoute = defineRoute({
  name: 'listBounces',
  route: 'bounces',
  summary: 'The bounce registry: addresses that hard-bounced, newest first (`bounces --json`)',
  path: noParams,
  query: zodParams('query', z.object({ since: sinceTime })),
  response: BounceListSchema,
  answer: async ({ query }, { ledger }) => found(await readBounces((await ledger()).tables, query.since === undefined ? {} : { since: query.since })),
});

export const alertsRoute: ApiRoute = defineRoute({
  name: 'listAlerts',
  route: 'alerts',
  summary: 'Alerts and their delivery state, oldest first (`alerts --json`)',
  path: noParams,
  query: zodParams('query', z.object({ state: z.enum(ALERT_STATES).optional().describe('only alerts in this state') })),
  response: AlertListSchema,
  answer: async ({ query }, { ledger }) => found(await readAlerts((await ledger()).tables, query.state === undefined ? {} : { state: query.state })),
});

export const deadLettersRoute: ApiRoute = defineRoute({
  name: 'listDeadLetters',
  route: 'deadletters',
  summary: 'Rejected records with their reason, origin and raw text (`deadletters --json`)',
  path: noParams,
  query: zodParams('query', z.object({ reason: boundedText('a reason code', 100).optional().describe('only this reason code, e.g. missing_correlation_id') })),
  response: DeadLetterListSchema,
  answer: async ({ query }, { ledger }) => found(await readDeadLetters((await ledger()).tables, query.reason === undefined ? {} : { reason: query.reason })),
});
