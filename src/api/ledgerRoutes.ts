import { z } from 'zod';
import { messageDocument } from '../store/messageQueries.js';
import { QueryParamError } from '../queries/queryParams.js';
import { defineRoute, found, foundText, missing, type ApiRoute } from './apiRoute.js';
import { AlertListSchema, BounceListSchema, DeadLetterListSchema, MessageDocumentSchema, SuppressionDocumentSchema } from './documents.js';
import { readMessage, readSuppression } from './ledgerReads.js';
import {
  alertsListReader,
  bouncesCsvText,
  bouncesListReader,
  deadLettersListReader,
  readAlertsPage,
  readBounceList,
  readBouncesPage,
  readDeadLettersPage,
} from './listReads.js';
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

export const bouncesRoute: ApiRoute = defineRoute({
  name: 'listBounces',
  route: 'bounces',
  summary: 'The bounce registry: addresses that hard-bounced, by address, paged; format=csv exports it whole (`bounces --json`, `bounces --csv`)',
  path: noParams,
  query: bouncesListReader,
  response: BounceListSchema,
  text: { contentType: 'text/csv; charset=utf-8', description: 'with format=csv: every matching address (all pages), the same bytes as `bounces --csv`' },
  answer: async ({ query: { filters, paging } }, { ledger }) => {
    if (filters.format === 'csv' && (paging.after !== null || paging.limitGiven)) {
      throw new QueryParamError(paging.after !== null ? 'continuation' : 'limit', 'does not apply to format=csv, which exports every page');
    }
    const { tables } = await ledger();
    if (filters.format === 'csv') return foundText(bouncesCsvText(await readBounceList(tables, filters)));
    return found(await readBouncesPage(tables, filters, paging));
  },
});

export const alertsRoute: ApiRoute = defineRoute({
  name: 'listAlerts',
  route: 'alerts',
  summary: "Alerts and their delivery state, oldest first, paged; messageId gives one message's alerts (`alerts --json`)",
  path: noParams,
  query: alertsListReader,
  response: AlertListSchema,
  answer: async ({ query: { filters, paging } }, { ledger }) => found(await readAlertsPage((await ledger()).tables, filters, paging)),
});

export const deadLettersRoute: ApiRoute = defineRoute({
  name: 'listDeadLetters',
  route: 'deadletters',
  summary: 'Rejected records with their reason, origin and raw text, paged (`deadletters --json`)',
  path: noParams,
  query: deadLettersListReader,
  response: DeadLetterListSchema,
  answer: async ({ query: { filters, paging } }, { ledger }) => found(await readDeadLettersPage((await ledger()).tables, filters, paging)),
});
