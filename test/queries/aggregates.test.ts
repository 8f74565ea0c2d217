import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { processBatch } from '../../src/pipeline/processBatch.js';
import { parseClicksQuery, parseFailuresQuery, parseGuardrailQuery } from '../../src/queries/aggregateParams.js';
import { clicksInWindow, failuresInWindow, segmentsOf } from '../../src/queries/aggregates.js';
import { clicksDocumentSchema, failuresDocumentSchema, guardrailDocumentSchema } from '../../src/queries/documents.js';
import { guardrailLevels } from '../../src/queries/guardrail.js';
import { messagesInWindow } from '../../src/queries/indexQueries.js';
import { providerGrouping } from '../../src/queries/providers.js';
import { parseMessagesQuery, queryOrThrow } from '../../src/queries/queryParams.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { expectIndexConsistent } from '../helpers/indexOracle.js';
import { openTestTables } from '../helpers/ledgerFixture.js';
import { testIo } from './indexFixture.js';

/** failures, clicks, guardrail and the new messages filters, over rows the pipeline wrote on Azurite. */
const RESOURCE = '/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS';
const status = (id: string, time: string, to: string, s: string, extra: Record<string, unknown> = {}) => ({
  time, resourceId: RESOURCE, operationName: 'DeliveryStatusUpdate', category: 'EmailStatusUpdateOperational', correlationId: id,
  properties: { RecipientId: to, DeliveryStatus: s, SenderDomain: 'mail.example.net', IsHardBounce: s === 'Bounced', ...extra },
});
const click = (id: string, time: string, to: string, url: string) => ({
  time, resourceId: RESOURCE, operationName: 'UserEngagementUpdate', category: 'EmailUserEngagementOperational', correlationId: id,
  properties: { RecipientId: to, EngagementType: 'Click', EngagementContext: url },
});
const A = 'dddddddd-0000-4000-8000-000000000001';
const B = 'dddddddd-0000-4000-8000-000000000002';
const records = [
  { time: '2025-03-14T09:00:00.0000000Z', resourceId: RESOURCE, operationName: 'SendMail', category: 'EmailSendMailOperational', correlationId: A, properties: { UniqueRecipientsCount: 3 } },
  status(A, '2025-03-14T09:01:00.0000000Z', 'gone@outlook.com', 'Bounced', { SmtpStatusCode: '550', EnhancedSmtpStatusCode: '5.1.1', FailureReason: 'BadDestinationMailboxAddress' }),
  status(A, '2025-03-14T09:01:00.0000000Z', 'full@gmail.com', 'Failed', { SmtpStatusCode: '552', EnhancedSmtpStatusCode: '5.2.2', FailureReason: 'DestinationMailboxFull' }),
  status(A, '2025-03-14T09:01:00.0000000Z', 'ok@gmail.com', 'Delivered'),
  click(A, '2025-03-14T10:00:00.0000000Z', 'ok@gmail.com', 'https://shop.example/sale?utm=1&token=secret'),
  click(A, '2025-03-14T10:01:00.0000000Z', 'ok@gmail.com', 'https://shop.example/about#top'),
  { time: '2025-03-15T09:00:00.0000000Z', resourceId: RESOURCE, operationName: 'SendMail', category: 'EmailSendMailOperational', correlationId: B, properties: { UniqueRecipientsCount: 2 } },
  status(B, '2025-03-15T09:01:00.0000000Z', 'gone2@outlook.com', 'Bounced', { SmtpStatusCode: '550', EnhancedSmtpStatusCode: '5.1.1', FailureReason: 'BadDestinationMailboxAddress' }),
  status(B, '2025-03-15T09:01:00.0000000Z', 'yes@outlook.com', 'Delivered'),
  click(B, '2025-03-15T10:00:00.0000000Z', 'yes@outlook.com', 'https://shop.example/sale?utm=2'),
];

const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function ledger() {
  const { tables, config } = await openTestTables();
  opened.push(tables);
  const body: SourcedBody = { body: JSON.stringify({ records }), source: { kind: 'inline', label: 'aggregates' } };
  await processBatch([body], { tables, deadLetterRawLimit: config.deadLetterRawLimit, maxClickedUrls: config.maxClickedUrls, bounceRate: config.bounceRate, bounceRateSettleMs: Number.POSITIVE_INFINITY });
  return { tables, config };
}
const params = (o: Record<string, string>) => new Map(Object.entries(o));
const NOW = new Date('2025-03-16T00:00:00Z');
const BOUNCED = 'Bounced/550/5.1.1/BadDestinationMailboxAddress';

describe('aggregates', () => {
  it('counts failures by status, codes and reason, biggest first, with filters; messages filter by failure and provider', async () => {
    const { tables } = await ledger();
    await expectIndexConsistent(tables);
    const all = await failuresInWindow(tables.index, queryOrThrow(parseFailuresQuery(params({ from: '2025-03-14', to: '2025-03-16' }), NOW)), providerGrouping(), testIo());
    failuresDocumentSchema.parse(all);
    expect(all.totalFailed).toBe(3);
    expect(all.failures.map((f) => [f.failure, f.recipients])).toEqual([[BOUNCED, 2], ['Failed/552/5.2.2/DestinationMailboxFull', 1]]);
    expect(all.failures[0]).toMatchObject({ status: 'Bounced', smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1', failureReason: 'BadDestinationMailboxAddress' });
    const google = await failuresInWindow(tables.index, queryOrThrow(parseFailuresQuery(params({ from: '2025-03-14', to: '2025-03-16', provider: 'google' }), NOW)), providerGrouping(), testIo());
    expect(google.failures.map((f) => f.status)).toEqual(['Failed']);
    // A window of partial days reads the hours of its ends: only message A's hour.
    const hour = await failuresInWindow(tables.index, queryOrThrow(parseFailuresQuery(params({ from: '2025-03-14T09:30Z', to: '2025-03-15T08:00Z' }), NOW)), providerGrouping(), testIo());
    expect(hour.totalFailed).toBe(2);
    const bounced = await messagesInWindow(tables.index, queryOrThrow(parseMessagesQuery(params({ from: '2025-03-14', to: '2025-03-16', failure: BOUNCED }), NOW)), testIo());
    expect(bounced.messages.map((m) => m.messageId)).toEqual([B, A]);
    const toGoogle = await messagesInWindow(tables.index, queryOrThrow(parseMessagesQuery(params({ from: '2025-03-14', to: '2025-03-16', provider: 'Google' }), NOW)), testIo());
    expect(toGoogle.messages.map((m) => m.messageId)).toEqual([A]);
  });

  it('counts the recipients who clicked each link (without query or fragment), biggest first', async () => {
    const { tables } = await ledger();
    const doc = await clicksInWindow(tables.index, queryOrThrow(parseClicksQuery(params({ from: '2025-03-14', to: '2025-03-16' }), NOW)), testIo());
    clicksDocumentSchema.parse(doc);
    expect(doc.urls).toEqual([{ url: 'https://shop.example/sale', clickers: 2 }, { url: 'https://shop.example/about', clickers: 1 }]);
    const first = await clicksInWindow(tables.index, queryOrThrow(parseClicksQuery(params({ from: '2025-03-14', to: '2025-03-14T12:00Z' }), NOW)), testIo());
    expect(first.urls.map((u) => u.clickers)).toEqual([1, 1]);
  });

  it('shows the guardrail level per sender domain for the window ending at a time', async () => {
    const { tables, config } = await ledger();
    const doc = await guardrailLevels(tables.bounces, queryOrThrow(parseGuardrailQuery(params({ at: '2025-03-15T12:00Z' }), NOW)), { ...config.bounceRate, minSends: 1 }, testIo());
    guardrailDocumentSchema.parse(doc);
    expect(doc.domains).toHaveLength(1);
    expect(doc.domains[0]).toMatchObject({ senderDomain: 'mail.example.net', level: 'critical' });
    expect(doc.domains[0]?.hardBounces).toBeGreaterThan(0);
    const empty = await guardrailLevels(tables.bounces, queryOrThrow(parseGuardrailQuery(params({ at: '2026-01-01' }), NOW)), config.bounceRate, testIo());
    expect(empty.domains).toEqual([]);
  });

  it('splits a window into the hours of its partial days and the days between', () => {
    expect(segmentsOf('2025-03-14T09:00:00.0000000Z', '2025-03-17T03:00:00.0000000Z')).toEqual([
      { level: 'hour', from: '2025-03-14T09:00:00.0000000Z', to: '2025-03-15T00:00:00.0000000Z' },
      { level: 'day', from: '2025-03-15T00:00:00.0000000Z', to: '2025-03-17T00:00:00.0000000Z' },
      { level: 'hour', from: '2025-03-17T00:00:00.0000000Z', to: '2025-03-17T03:00:00.0000000Z' },
    ]);
    expect(segmentsOf('2025-03-14T09:00:00.0000000Z', '2025-03-14T11:00:00.0000000Z')).toEqual([{ level: 'hour', from: '2025-03-14T09:00:00.0000000Z', to: '2025-03-14T11:00:00.0000000Z' }]);
  });
});
