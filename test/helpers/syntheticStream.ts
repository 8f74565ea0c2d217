import { readFileSync } from 'node:fs';

/**
 * A small stream that exercises every merge rule: the reference samples plus records written to hit
 * ties, late bounces, engagement before status, many clicked URLs and usage with fractional quantities.
 */
type RawRecord = Record<string, unknown>;

const RESOURCE = '/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS';

function fixtureRecords(name: string): RawRecord[] {
  const body = JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as { records: RawRecord[] };
  return body.records;
}

const status = (messageId: string, time: string, recipient: string, deliveryStatus: string, hard: unknown, extra: RawRecord = {}): RawRecord => ({
  time,
  resourceId: RESOURCE,
  operationName: 'DeliveryStatusUpdate',
  category: 'EmailStatusUpdateOperational',
  correlationId: messageId,
  properties: { RecipientId: recipient, DeliveryStatus: deliveryStatus, SenderDomain: 'example.net', SenderUsername: 'news', IsHardBounce: hard, ...extra },
});

const engagement = (messageId: string, time: string, recipient: string, type: string, url?: string): RawRecord => ({
  time,
  resourceId: RESOURCE,
  operationName: 'UserEngagementUpdate',
  category: 'EmailUserEngagementOperational',
  correlationId: messageId,
  properties: { RecipientId: recipient, EngagementType: type, ...(url ? { EngagementContext: url } : {}), UserAgent: `agent-${time}` },
});

export function syntheticStream(): RawRecord[] {
  const m1 = 'aaaaaaaa-0000-4000-8000-000000000001';
  const m2 = 'aaaaaaaa-0000-4000-8000-000000000002';
  return [
    ...fixtureRecords('sample-event-1.json'),
    ...fixtureRecords('sample-event-2.json'),
    {
      time: '2025-03-15T10:00:00.0000000Z',
      resourceId: RESOURCE,
      operationName: 'SendMail',
      category: 'EmailSendMailOperational',
      correlationId: m1,
      properties: { Size: '0.1', ToRecipientsCount: 3, CcRecipientsCount: '0', BccRecipientsCount: 0, UniqueRecipientsCount: 3, AttachmentsCount: 0 },
    },
    status(m1, '2025-03-15T10:00:01.0000000Z', '', 'OutForDelivery', false),
    // Delivered, then an asynchronous hard bounce later.
    status(m1, '2025-03-15T10:00:02.0000000Z', 'erin@example.org', 'Delivered', 'False', { SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0' }),
    status(m1, '2025-03-15T10:30:00.0000000Z', 'erin@example.org', 'Bounced', 'TRUE', { SmtpStatusCode: '550', EnhancedSmtpStatusCode: '5.1.1' }),
    // Two statuses at exactly the same time: rank decides (Failed beats Delivered).
    status(m1, '2025-03-15T10:00:03.0000000Z', 'frank@example.org', 'Delivered', false),
    status(m1, '2025-03-15T10:00:03.0000000Z', 'frank@example.org', 'Failed', 'false', { SmtpStatusCode: '552', EnhancedSmtpStatusCode: '5.2.2' }),
    // Engagement before any status, many URLs (more than the test keeps).
    engagement(m1, '2025-03-15T10:05:00.0000000Z', 'gina@example.org', 'View'),
    engagement(m1, '2025-03-15T10:06:00.0000000Z', 'gina@example.org', 'click', 'https://example.org/a'),
    engagement(m1, '2025-03-15T10:07:00.0000000Z', 'gina@example.org', 'Click', 'https://example.org/b'),
    engagement(m1, '2025-03-15T10:08:00.0000000Z', 'gina@example.org', 'Click', 'https://example.org/c'),
    engagement(m1, '2025-03-15T10:09:00.0000000Z', 'gina@example.org', 'Click', 'https://example.org/d'),
    engagement(m1, '2025-03-15T10:10:00.0000000Z', 'gina@example.org', 'Click', 'https://example.org/a'),
    status(m1, '2025-03-15T10:04:00.0000000Z', 'gina@example.org', 'Delivered', false),
    // A message whose SendMail never arrives; an address with characters Table keys forbid.
    status(m2, '2025-03-15T11:00:00.0000000Z', 'we/ird#1?\\x@example.org', 'Suppressed', true),
    status(m2, '2025-03-15T11:00:00.0000000Z', '', 'OutForDelivery', 'false'),
    ...[0.1, 0.2, 0.3, 0.7].map((quantity, i) => ({
      time: `2025-03-15T10:00:0${i}.0000000Z`,
      resourceId: RESOURCE.toLowerCase().slice(1),
      operationName: 'Usage',
      category: 'Usage',
      correlationId: m1,
      properties: { recordId: `usage-${i}`, usageType: 'Email', unitType: 'megabytes', quantity, startTime: `2025-03-15T10:00:0${i}Z` },
    })),
    { time: '2025-03-15T12:00:00Z', category: 'SMSOperational', correlationId: 'x', properties: { SmsId: '1' } },
  ];
}
