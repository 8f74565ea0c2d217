import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { answerSuppression, getBounceRecord } from '../store/bounceRegistry.js';
import { getMessage, messageDocument } from '../store/messageQueries.js';
import { StorageMeter } from '../store/storageRetry.js';
import { getLedgerRuntime } from './ledgerRuntime.js';

/**
 * Read-only HTTP API (function-level keys). The same answers as the CLI's `check` and `message`.
 */
export async function getSuppression(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const address = request.params['address'] ?? '';
  if (!address.includes('@')) return { status: 400, jsonBody: { error: 'expected an email address', address } };
  const { tables } = await getLedgerRuntime();
  const record = await getBounceRecord(tables.bounces, address, { policy: tables.retryPolicy, meter: new StorageMeter() });
  return { status: 200, jsonBody: answerSuppression(address, record, new Date()) };
}

export async function getMessageState(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const messageId = request.params['messageId'] ?? '';
  const { tables } = await getLedgerRuntime();
  const view = await getMessage(tables.messages, messageId, { policy: tables.retryPolicy, meter: new StorageMeter() });
  if (view === null) return { status: 404, jsonBody: { error: 'no such message in the ledger', messageId } };
  return { status: 200, jsonBody: messageDocument({ messageId: view.message?.messageId ?? messageId, ...view }) };
}

app.http('getSuppression', { methods: ['GET'], authLevel: 'function', route: 'suppressions/{address}', handler: getSuppression });
app.http('getMessageState', { methods: ['GET'], authLevel: 'function', route: 'messages/{messageId}', handler: getMessageState });
