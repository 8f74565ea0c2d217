import { describe, expect, it } from 'vitest';
import { classifyRecord } from '../../src/ingest/classifyRecord.js';
import { decodeBody } from '../../src/ingest/decodeBody.js';
import type { RecordSource } from '../../src/ingest/recordSource.js';
import { codesOfStatusMessage } from '../../src/eventgrid/statusMessageCodes.js';
import { deliveryReport, engagementReport, EG_TOPIC } from '../helpers/eventGridStream.js';

const SOURCE: RecordSource = { kind: 'inline', label: 'test' };
const MESSAGE = '6B0B8A9E-1D2C-4B5A-9F8E-7D6C5B4A3F21';
const classify = (raw: unknown) => classifyRecord(raw, SOURCE, 0);
const eventOf = (raw: unknown) => {
  const c = classify(raw);
  if (c.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(c)}`);
  return c.event;
};

describe('Event Grid delivery reports', () => {
  for (const cloudEvents of [false, true]) {
    it(`become status records (${cloudEvents ? 'CloudEvents' : 'Event Grid schema'})`, () => {
      const e = eventOf(deliveryReport('id-7', MESSAGE, 'a@example.org', 'Bounced', '2025-03-14T10:00:04Z', { cloudEvents }));
      expect(e).toMatchObject({
        kind: 'status',
        messageId: MESSAGE.toLowerCase(),
        recipient: 'a@example.org',
        deliveryStatus: 'Bounced',
        time: '2025-03-14T10:00:04.0000000Z',
        smtpStatusCode: '550',
        enhancedSmtpStatusCode: '5.1.1',
        failureReason: null,
        failureMessage: '550 5.1.1 The email account that you tried to reach does not exist.',
        senderDomain: 'example.net',
        senderUsername: 'DoNotReply',
        isHardBounce: true,
        resourceId: EG_TOPIC.toUpperCase(),
        eventGrid: { eventId: 'id-7', mailServerHostName: 'mx.example.org', internetMessageId: '<id-7@example.net>' },
      });
    });
  }

  it('is the same record (same fingerprint) in either envelope, and a redelivery is the same record', () => {
    const a = eventOf(deliveryReport('id-7', MESSAGE, 'a@example.org', 'Delivered', '2025-03-14T10:00:04Z', { cloudEvents: false }));
    const b = eventOf(deliveryReport('id-7', MESSAGE, 'a@example.org', 'Delivered', '2025-03-14T10:00:04Z', { cloudEvents: true }));
    const other = eventOf(deliveryReport('id-8', MESSAGE, 'a@example.org', 'Delivered', '2025-03-14T10:00:04Z', { cloudEvents: true }));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(other.fingerprint).not.toBe(a.fingerprint);
  });

  it('accepts the casing and spelling variants of the documented samples', () => {
    const raw = deliveryReport('id-2', MESSAGE, 'a@example.org', 'Delivered', '2025-03-14T10:00:04Z', { cloudEvents: false });
    const data = raw['data'] as Record<string, unknown>;
    const variant = {
      ...raw,
      data: { Sender: data['sender'], Recipient: 'a@example.org', MessageId: MESSAGE, Status: 'delivered', DeliveryStatusDetails: 'No error.', deliveryAttemptTimeStamp: '2025-03-14T10:00:09Z' },
    };
    expect(eventOf(variant)).toMatchObject({ deliveryStatus: 'Delivered', time: '2025-03-14T10:00:09.0000000Z', failureMessage: null, isHardBounce: false, eventGrid: { statusMessage: 'No error.', mailServerHostName: null, internetMessageId: null } });
  });

  it('treats Suppressed as a hard bounce and Failed, whatever its code, as not', () => {
    expect(eventOf(deliveryReport('s', MESSAGE, 'a@example.org', 'Suppressed', '2025-03-14T10:00:04Z', { cloudEvents: false }))).toMatchObject({ isHardBounce: true });
    const failed = eventOf(deliveryReport('f', MESSAGE, 'a@example.org', 'Failed', '2025-03-14T10:00:04Z', { cloudEvents: false }, '550 5.7.1 Rejected by policy'));
    expect(failed).toMatchObject({ isHardBounce: false, smtpStatusCode: '550', enhancedSmtpStatusCode: '5.7.1' });
  });

  it('takes the message id from the subject when data has none, and the event time when the attempt has none', () => {
    const raw = deliveryReport('id-3', MESSAGE, 'a@example.org', 'Delivered', '2025-03-14T10:00:04Z', { cloudEvents: false });
    const { messageId: _m, deliveryAttemptTimestamp: _t, ...data } = raw['data'] as Record<string, unknown>;
    expect(eventOf({ ...raw, eventTime: '2025-03-14T10:00:07Z', data })).toMatchObject({ messageId: MESSAGE.toLowerCase(), time: '2025-03-14T10:00:07.0000000Z' });
  });
});

describe('Event Grid engagement reports', () => {
  it('become engagement records, in either envelope, with the type in any case', () => {
    for (const cloudEvents of [false, true]) {
      const e = eventOf(engagementReport('e-1', MESSAGE, 'a@example.org', 'CLICK', '2025-03-14T11:00:00Z', 'https://example.org/x', { cloudEvents }));
      expect(e).toMatchObject({ kind: 'engagement', engagementType: 'Click', engagementContext: 'https://example.org/x', userAgent: 'eg-agent-2025-03-14T11:00:00Z', eventGrid: { eventId: 'e-1' } });
    }
  });
});

describe('other and malformed events', () => {
  const base = deliveryReport('id-9', MESSAGE, 'a@example.org', 'Delivered', '2025-03-14T10:00:04Z', { cloudEvents: false });
  it('ignores other event types, the validation handshake included, and counts them by type', () => {
    expect(classify({ ...base, eventType: 'Microsoft.Communication.SMSReceived' })).toEqual({ kind: 'ignored', category: 'Microsoft.Communication.SMSReceived' });
    expect(classify({ id: 'v', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'x' }, eventTime: '2025-03-14T10:00:00Z' })).toMatchObject({ kind: 'ignored' });
    expect(classify({ specversion: '1.0', type: 'Microsoft.Storage.BlobCreated', id: 'c', source: 's', data: {} })).toMatchObject({ kind: 'ignored', category: 'Microsoft.Storage.BlobCreated' });
  });

  const cases: [string, Record<string, unknown>, string, string][] = [
    ['no id', { ...base, id: undefined }, 'missing_event_id', 'id'],
    ['data not an object', { ...base, data: 'text' }, 'data_not_object', 'data'],
    ['no message id anywhere', { ...base, subject: 'sender/x', data: { ...(base['data'] as object), messageId: '' } }, 'missing_correlation_id', 'data.messageId'],
    ['no recipient', { ...base, data: { ...(base['data'] as object), recipient: ' ' } }, 'missing_recipient', 'data.recipient'],
    ['no status', { ...base, data: { ...(base['data'] as object), status: null } }, 'missing_delivery_status', 'data.status'],
    ['a bad time', { ...base, data: { ...(base['data'] as object), deliveryAttemptTimestamp: 'yesterday' } }, 'invalid_time', 'data.deliveryattempttimestamp'],
    ['details of the wrong type', { ...base, data: { ...(base['data'] as object), deliveryStatusDetails: 5 } }, 'invalid_field', 'data.deliveryStatusDetails'],
  ];
  for (const [name, raw, code, path] of cases) {
    it(`dead-letters a report with ${name}, naming the field and keeping the raw text`, () => {
      const c = classify(raw);
      expect(c).toMatchObject({ kind: 'invalid', issue: { code, path }, category: 'Microsoft.Communication.EmailDeliveryReportReceived' });
      if (c.kind === 'invalid') expect(JSON.parse(c.raw)).toEqual(JSON.parse(JSON.stringify(raw)));
    });
  }

  it('decodes a webhook-style array of events, and a single event, like a body of records', () => {
    const decoded = decodeBody(JSON.stringify([base, base]));
    expect(decoded).toMatchObject({ ok: true, records: [base, base] });
    expect(decodeBody(JSON.stringify(base))).toMatchObject({ ok: true, records: [base] });
  });
});

describe('codes in a status message', () => {
  const cases: [string | null, string | null, string | null][] = [
    ['550 5.1.1 The email account that you tried to reach does not exist', '550', '5.1.1'],
    ['452 4.2.2 mailbox full', '452', '4.2.2'],
    ['Remote server returned 550-5.7.26 unauthenticated', null, '5.7.26'],
    ['[HM08] Message rejected by the server', null, null],
    ['version 1.2.3.4 of the agent', null, null],
    ['5501 not a code', null, null],
    [null, null, null],
  ];
  for (const [text, smtp, enhanced] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => {
      expect(codesOfStatusMessage(text)).toEqual({ smtpStatusCode: smtp, enhancedSmtpStatusCode: enhanced });
    });
  }
});
