import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalStatus, classifyRecord, normaliseResourceId, type ClassifiedRecord } from '../../src/ingest/classifyRecord.js';
import type { EngagementEvent, LedgerEvent, SendMailEvent, StatusEvent, UsageEvent } from '../../src/ingest/ledgerEvent.js';
import type { RecordIssueCode } from '../../src/ingest/recordIssue.js';
import type { RecordSource } from '../../src/ingest/recordSource.js';

type Raw = Record<string, unknown>;

const fixtureRecords = (name: string): Raw[] =>
  (JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as { records: Raw[] }).records;

const SAMPLE_1 = fixtureRecords('sample-event-1.json');
const SAMPLE_2 = fixtureRecords('sample-event-2.json');

const SOURCE_1: RecordSource = { kind: 'eventHub', partitionId: '0', sequenceNumber: 11, eventIndex: 0 };
const SOURCE_2: RecordSource = { kind: 'file', file: 'archive/PT1H.json', line: 2 };
const INLINE: RecordSource = { kind: 'inline', label: 'test' };

const RESOURCE =
  '/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-EMAIL-DEMO/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS-EMAIL-DEMO';
const MSG_1 = '6f2a1c3e-4b5d-4e7f-9a01-23456789abcd';
const MSG_2 = '0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b';
const MSG_3 = 'c4d3e2f1-a0b9-4c8d-9e7f-6a5b4c3d2e1f';
const FINGERPRINT = /^[A-Za-z0-9_-]{22}$/;

function record(index: number, records: Raw[]): Raw {
  const r = records[index];
  if (r === undefined) throw new Error(`no record ${index}`);
  return r;
}

function eventOf(result: ClassifiedRecord): LedgerEvent {
  if (result.kind !== 'event') {
    throw new Error(`expected an event, got ${result.kind}: ${result.kind === 'invalid' ? `${result.issue.code} ${result.issue.message}` : result.category}`);
  }
  return result.event;
}
function classify(raw: unknown, index = 0, source: RecordSource = INLINE): LedgerEvent {
  return eventOf(classifyRecord(raw, source, index));
}
function sendOf(raw: unknown): SendMailEvent {
  const e = classify(raw);
  if (e.kind !== 'send') throw new Error(`expected send, got ${e.kind}`);
  return e;
}
function statusOf(raw: unknown): StatusEvent {
  const e = classify(raw);
  if (e.kind !== 'status') throw new Error(`expected status, got ${e.kind}`);
  return e;
}
function engagementOf(raw: unknown): EngagementEvent {
  const e = classify(raw);
  if (e.kind !== 'engagement') throw new Error(`expected engagement, got ${e.kind}`);
  return e;
}
function usageOf(raw: unknown): UsageEvent {
  const e = classify(raw);
  if (e.kind !== 'usage') throw new Error(`expected usage, got ${e.kind}`);
  return e;
}
function fingerprintOf(raw: unknown): string {
  return classify(raw).fingerprint;
}

function invalidOf(raw: unknown, code: RecordIssueCode): Extract<ClassifiedRecord, { kind: 'invalid' }> {
  const result = classifyRecord(raw, INLINE, 0);
  if (result.kind !== 'invalid') throw new Error(`expected invalid ${code}, got ${result.kind}`);
  expect(result.issue.code).toBe(code);
  expect(result.issue.message).not.toBe('');
  return result;
}

/** A minimal valid record per category, built fresh each time so tests can mutate it. */
function statusRecord(properties: Raw = {}, top: Raw = {}): Raw {
  return {
    time: '2025-03-14T09:21:13.0127788Z',
    resourceId: RESOURCE,
    category: 'EmailStatusUpdateOperational',
    correlationId: MSG_1,
    properties: {
      RecipientId: 'bob@example.org',
      DeliveryStatus: 'Bounced',
      SmtpStatusCode: '550',
      EnhancedSmtpStatusCode: '5.1.1',
      SenderDomain: 'example.com',
      SenderUsername: 'donotreply',
      IsHardBounce: true,
      ...properties,
    },
    ...top,
  };
}
function sendRecord(properties: Raw = {}, top: Raw = {}): Raw {
  return {
    time: '2025-03-14T09:30:00.3312458Z',
    resourceId: RESOURCE,
    category: 'EmailSendMailOperational',
    correlationId: MSG_3,
    properties: { Size: 0.731402, ToRecipientsCount: 1, CcRecipientsCount: 0, BccRecipientsCount: 0, UniqueRecipientsCount: 1, AttachmentsCount: 1, TrafficSource: 'Email Python SDK', ...properties },
    ...top,
  };
}
function engagementRecord(properties: Raw = {}, top: Raw = {}): Raw {
  return {
    time: '2025-03-14T09:25:03.7741920Z',
    resourceId: RESOURCE,
    category: 'EmailUserEngagementOperational',
    correlationId: MSG_1,
    properties: {
      RecipientId: 'alice@example.com',
      EngagementType: 'Click',
      EngagementContext: 'https://www.example.com/orders/12345?utm_source=email',
      UserAgent: 'Mozilla/5.0',
      ...properties,
    },
    ...top,
  };
}
function usageRecord(properties: Raw = {}, top: Raw = {}): Raw {
  return {
    time: '2025-03-14T09:30:00.5127733Z',
    resourceId: RESOURCE,
    category: 'Usage',
    correlationId: MSG_3,
    properties: {
      recordId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      usageType: 'Email',
      unitType: 'megabytes',
      quantity: 0.731402,
      startTime: '2025-03-14T09:30:00.3312458Z',
      ...properties,
    },
    ...top,
  };
}
function withoutProperty(raw: Raw, key: string): Raw {
  const properties = { ...(raw['properties'] as Raw) };
  delete properties[key];
  return { ...raw, properties };
}
function withoutTop(raw: Raw, key: string): Raw {
  const copy = { ...raw };
  delete copy[key];
  return copy;
}

// ---------------------------------------------------------------------------------------------------------------

describe('classifyRecord: reference sample 1', () => {
  let events: LedgerEvent[] = [];
  beforeAll(() => {
    events = SAMPLE_1.map((r, i) => classify(r, i, SOURCE_1));
  });

  it('sample 1 has 8 records, all events, in the expected kinds', () => {
    expect(events.map((e) => e.kind)).toEqual(['send', 'usage', 'status', 'status', 'status', 'send', 'status', 'engagement']);
  });

  it('every sample 1 event keeps its source, record index, resource id and a 22-char fingerprint', () => {
    events.forEach((e, i) => {
      expect(e.source).toBe(SOURCE_1);
      expect(e.recordIndex).toBe(i);
      expect(e.resourceId).toBe(RESOURCE);
      expect(e.fingerprint).toMatch(FINGERPRINT);
    });
    expect(new Set(events.map((e) => e.fingerprint)).size).toBe(8);
  });

  it('sample 1 #0 SendMail has numeric Size and counts', () => {
    expect(events[0]).toEqual({
      kind: 'send',
      messageId: MSG_1,
      time: '2025-03-14T09:21:07.4421337Z',
      resourceId: RESOURCE,
      source: SOURCE_1,
      recordIndex: 0,
      fingerprint: expect.stringMatching(FINGERPRINT),
      sizeMb: 0.026019,
      toRecipientsCount: 2,
      ccRecipientsCount: 0,
      bccRecipientsCount: 0,
      uniqueRecipientsCount: 2,
      attachmentsCount: 0,
      trafficSource: 'Email .NET SDK',
    });
  });

  it('sample 1 #1 Usage takes recordId, quantity and day from startTime', () => {
    expect(events[1]).toEqual({
      kind: 'usage',
      recordId: '9d3b7a10-2c4e-4f61-8a9b-0c1d2e3f4a5b',
      correlationId: MSG_1,
      usageType: 'Email',
      unitType: 'messages',
      quantity: 2,
      day: '2025-03-14',
      time: '2025-03-14T09:21:07.6120004Z',
      resourceId: RESOURCE,
      source: SOURCE_1,
      recordIndex: 1,
      fingerprint: expect.stringMatching(FINGERPRINT),
    });
  });

  it('sample 1 #2 message-level OutForDelivery has recipient null for RecipientId "" and absent SMTP fields null', () => {
    expect(events[2]).toEqual({
      kind: 'status',
      messageId: MSG_1,
      time: '2025-03-14T09:21:09.1034521Z',
      resourceId: RESOURCE,
      source: SOURCE_1,
      recordIndex: 2,
      fingerprint: expect.stringMatching(FINGERPRINT),
      recipient: null,
      deliveryStatus: 'OutForDelivery',
      smtpStatusCode: null,
      enhancedSmtpStatusCode: null,
      failureReason: null,
      failureMessage: null,
      senderDomain: 'example.com',
      senderUsername: 'donotreply',
      isHardBounce: false,
    });
  });

  it('sample 1 #3 alice Delivered with SMTP 250 2.6.0, IsHardBounce false', () => {
    expect(events[3]).toMatchObject({
      kind: 'status',
      messageId: MSG_1,
      time: '2025-03-14T09:21:12.8876543Z',
      recipient: 'alice@example.com',
      deliveryStatus: 'Delivered',
      smtpStatusCode: '250',
      enhancedSmtpStatusCode: '2.6.0',
      failureReason: null,
      failureMessage: null,
      isHardBounce: false,
    });
  });

  it('sample 1 #4 bob Bounced is a hard bounce with failure details', () => {
    expect(events[4]).toEqual({
      kind: 'status',
      messageId: MSG_1,
      time: '2025-03-14T09:21:13.0127788Z',
      resourceId: RESOURCE,
      source: SOURCE_1,
      recordIndex: 4,
      fingerprint: expect.stringMatching(FINGERPRINT),
      recipient: 'bob@example.org',
      deliveryStatus: 'Bounced',
      smtpStatusCode: '550',
      enhancedSmtpStatusCode: '5.1.1',
      failureReason: 'BadDestinationMailboxAddress',
      failureMessage: '550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown',
      senderDomain: 'example.com',
      senderUsername: 'donotreply',
      isHardBounce: true,
    });
  });

  it('sample 1 #5 second SendMail for message 0b9e…', () => {
    expect(events[5]).toMatchObject({
      kind: 'send',
      messageId: MSG_2,
      time: '2025-03-14T09:22:30.1180042Z',
      sizeMb: 0.004117,
      toRecipientsCount: 1,
      ccRecipientsCount: 0,
      bccRecipientsCount: 0,
      uniqueRecipientsCount: 1,
      attachmentsCount: 0,
      trafficSource: 'Email .NET SDK',
    });
  });

  it('sample 1 #6 carol Suppressed is a hard bounce without SMTP fields', () => {
    expect(events[6]).toMatchObject({
      kind: 'status',
      messageId: MSG_2,
      time: '2025-03-14T09:22:31.0045567Z',
      recipient: 'carol@example.com',
      deliveryStatus: 'Suppressed',
      smtpStatusCode: null,
      enhancedSmtpStatusCode: null,
      failureReason: null,
      failureMessage: null,
      isHardBounce: true,
    });
  });

  it('sample 1 #7 alice View has no engagement context', () => {
    expect(events[7]).toEqual({
      kind: 'engagement',
      messageId: MSG_1,
      time: '2025-03-14T09:24:41.5502113Z',
      resourceId: RESOURCE,
      source: SOURCE_1,
      recordIndex: 7,
      fingerprint: expect.stringMatching(FINGERPRINT),
      recipient: 'alice@example.com',
      engagementType: 'View',
      engagementContext: null,
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36',
    });
  });
});

describe('classifyRecord: reference sample 2', () => {
  let events: LedgerEvent[] = [];
  beforeAll(() => {
    events = SAMPLE_2.map((r, i) => classify(r, i, SOURCE_2));
  });

  it('sample 2 has 7 records, all events, in the expected kinds', () => {
    expect(events.map((e) => e.kind)).toEqual(['status', 'engagement', 'status', 'send', 'status', 'usage', 'usage']);
    events.forEach((e, i) => {
      expect(e.source).toBe(SOURCE_2);
      expect(e.recordIndex).toBe(i);
    });
  });

  it('sample 2 #0 dave Failed with IsHardBounce "false" → false', () => {
    expect(events[0]).toEqual({
      kind: 'status',
      messageId: MSG_3,
      time: '2025-03-14T09:41:17.6650093Z',
      resourceId: RESOURCE,
      source: SOURCE_2,
      recordIndex: 0,
      fingerprint: expect.stringMatching(FINGERPRINT),
      recipient: 'dave@example.org',
      deliveryStatus: 'Failed',
      smtpStatusCode: '552',
      enhancedSmtpStatusCode: '5.2.2',
      failureReason: 'DestinationMailboxFull',
      failureMessage: '552 5.2.2 Mailbox full',
      senderDomain: 'example.com',
      senderUsername: 'donotreply',
      isHardBounce: false,
    });
  });

  it('sample 2 #1 alice Click keeps the clicked URL and ignores InternetMessageId', () => {
    expect(events[1]).toEqual({
      kind: 'engagement',
      messageId: MSG_1,
      time: '2025-03-14T09:25:03.7741920Z',
      resourceId: RESOURCE,
      source: SOURCE_2,
      recordIndex: 1,
      fingerprint: expect.stringMatching(FINGERPRINT),
      recipient: 'alice@example.com',
      engagementType: 'Click',
      engagementContext: 'https://www.example.com/orders/12345?utm_source=email',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    });
  });

  it('sample 2 #2 repeated bob Bounced has the same fingerprint as sample 1 #4 despite another source and index', () => {
    const first = classify(record(4, SAMPLE_1), 4, SOURCE_1);
    const again = events[2];
    expect(again?.fingerprint).toBe(first.fingerprint);
    expect({ ...again, source: null, recordIndex: null }).toEqual({ ...first, source: null, recordIndex: null });
    expect(again).toMatchObject({ kind: 'status', recipient: 'bob@example.org', deliveryStatus: 'Bounced', isHardBounce: true });
  });

  it('sample 2 #3 SendMail with Size "0.731402" → 0.731402', () => {
    expect(events[3]).toEqual({
      kind: 'send',
      messageId: MSG_3,
      time: '2025-03-14T09:30:00.3312458Z',
      resourceId: RESOURCE,
      source: SOURCE_2,
      recordIndex: 3,
      fingerprint: expect.stringMatching(FINGERPRINT),
      sizeMb: 0.731402,
      toRecipientsCount: 1,
      ccRecipientsCount: 0,
      bccRecipientsCount: 0,
      uniqueRecipientsCount: 1,
      attachmentsCount: 1,
      trafficSource: 'Email Python SDK',
    });
  });

  it('sample 2 #4 message-level row with empty-string SMTP and Failure fields → nulls, IsHardBounce "false" → false', () => {
    expect(events[4]).toMatchObject({
      kind: 'status',
      messageId: MSG_3,
      recipient: null,
      deliveryStatus: 'OutForDelivery',
      smtpStatusCode: null,
      enhancedSmtpStatusCode: null,
      failureReason: null,
      failureMessage: null,
      isHardBounce: false,
    });
  });

  it('sample 2 #5 Usage with tags "" is an event with its recordId', () => {
    expect(events[5]).toMatchObject({
      kind: 'usage',
      recordId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
      correlationId: MSG_2,
      usageType: 'Email',
      unitType: 'messages',
      quantity: 1,
      day: '2025-03-14',
    });
  });

  it('sample 2 #6 Usage with tags {} and fractional quantity', () => {
    expect(events[6]).toMatchObject({
      kind: 'usage',
      recordId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      correlationId: MSG_3,
      unitType: 'megabytes',
      quantity: 0.731402,
      day: '2025-03-14',
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('classifyRecord: IsHardBounce and loose scalars inside a record', () => {
  for (const [value, expected] of [
    [true, true],
    [false, false],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
    ['', false],
    [null, false],
  ] as const) {
    it(`IsHardBounce ${JSON.stringify(value)} is ${expected}`, () => {
      expect(statusOf(statusRecord({ IsHardBounce: value })).isHardBounce).toBe(expected);
    });
  }

  it('IsHardBounce absent is false', () => {
    expect(statusOf(withoutProperty(statusRecord(), 'IsHardBounce')).isHardBounce).toBe(false);
  });

  it('SmtpStatusCode 550 as a JSON number is "550"', () => {
    expect(statusOf(statusRecord({ SmtpStatusCode: 550 })).smtpStatusCode).toBe('550');
  });

  it('counts as strings are numbers', () => {
    const e = sendOf(sendRecord({ ToRecipientsCount: '3', CcRecipientsCount: '2', BccRecipientsCount: '1', UniqueRecipientsCount: '6', AttachmentsCount: '0' }));
    expect([e.toRecipientsCount, e.ccRecipientsCount, e.bccRecipientsCount, e.uniqueRecipientsCount, e.attachmentsCount]).toEqual([3, 2, 1, 6, 0]);
  });

  it('Size "" and absent counts are null, not 0', () => {
    const raw = withoutProperty(sendRecord({ Size: '' }), 'ToRecipientsCount');
    const e = sendOf(raw);
    expect(e.sizeMb).toBeNull();
    expect(e.toRecipientsCount).toBeNull();
  });

  it('SendMail with no properties at all is an event with all fields null', () => {
    const e = sendOf(withoutTop(sendRecord(), 'properties'));
    expect(e).toMatchObject({ sizeMb: null, toRecipientsCount: null, attachmentsCount: null, trafficSource: null });
  });

  it('Usage quantity "2" → 2', () => {
    expect(usageOf(usageRecord({ quantity: '2' })).quantity).toBe(2);
  });
});

describe('classifyRecord: key casing', () => {
  it('PascalCase top-level keys (Time, Category, CorrelationId, Properties, ResourceId) give the same event', () => {
    const camel = record(4, SAMPLE_1);
    const pascal = {
      Time: camel['time'],
      ResourceId: camel['resourceId'],
      Category: camel['category'],
      CorrelationId: camel['correlationId'],
      OperationName: camel['operationName'],
      Properties: camel['properties'],
    };
    const a = classify(camel);
    const b = classify(pascal);
    expect(b).toEqual(a);
    expect(b.kind).toBe('status');
  });

  it('UPPER-CASE top-level keys work', () => {
    const e = classify({ TIME: '2025-03-14T09:21:07Z', CATEGORY: 'EmailSendMailOperational', CORRELATIONID: MSG_1, PROPERTIES: { SIZE: 1 } });
    expect(e).toMatchObject({ kind: 'send', messageId: MSG_1, sizeMb: 1, time: '2025-03-14T09:21:07.0000000Z' });
  });

  it('lower-case properties keys work for a status record', () => {
    const e = statusOf({
      ...statusRecord(),
      properties: { recipientid: 'bob@example.org', deliverystatus: 'Bounced', smtpstatuscode: '550', enhancedsmtpstatuscode: '5.1.1', senderdomain: 'example.com', senderusername: 'donotreply', ishardbounce: 'true' },
    });
    expect(e).toMatchObject({ recipient: 'bob@example.org', deliveryStatus: 'Bounced', smtpStatusCode: '550', enhancedSmtpStatusCode: '5.1.1', senderDomain: 'example.com', isHardBounce: true });
  });

  it('lower-case properties keys work for send and engagement records', () => {
    expect(sendOf({ ...sendRecord(), properties: { size: '0.5', torecipientscount: 4, trafficsource: 'x' } })).toMatchObject({ sizeMb: 0.5, toRecipientsCount: 4, trafficSource: 'x' });
    expect(engagementOf({ ...engagementRecord(), properties: { recipientid: 'a@example.com', engagementtype: 'view', useragent: 'UA' } })).toMatchObject({
      recipient: 'a@example.com',
      engagementType: 'View',
      engagementContext: null,
      userAgent: 'UA',
    });
  });

  it('PascalCase usage properties keys work (RecordId, UsageType, UnitType, Quantity, StartTime)', () => {
    const e = usageOf({
      ...usageRecord(),
      properties: { RecordId: 'r-1', UsageType: 'Email', UnitType: 'messages', Quantity: 3, StartTime: '2025-03-13T23:59:59Z' },
    });
    expect(e).toMatchObject({ recordId: 'r-1', usageType: 'Email', unitType: 'messages', quantity: 3, day: '2025-03-13' });
  });
});

describe('classifyRecord: categories', () => {
  for (const [table, kind] of [
    ['ACSEmailSendMailOperational', 'send'],
    ['ACSEmailStatusUpdateOperational', 'status'],
    ['ACSEmailUserEngagementOperational', 'engagement'],
    ['ACSBillingUsage', 'usage'],
  ] as const) {
    it(`Log Analytics table name ${table} maps to ${kind}`, () => {
      const base = { send: sendRecord(), status: statusRecord(), engagement: engagementRecord(), usage: usageRecord() }[kind];
      expect(classify({ ...base, category: table }).kind).toBe(kind);
    });
  }

  it('Log Analytics export with Type, TimeGenerated and _ResourceId instead of category, time and resourceId', () => {
    const raw = {
      TimeGenerated: '2025-03-14T09:21:13.0127788Z',
      _ResourceId: RESOURCE.toLowerCase(),
      Type: 'ACSEmailStatusUpdateOperational',
      CorrelationId: MSG_1,
      Properties: (statusRecord()['properties'] as Raw),
    };
    const e = statusOf(raw);
    expect(e.time).toBe('2025-03-14T09:21:13.0127788Z');
    expect(e.resourceId).toBe(RESOURCE);
    expect(e.fingerprint).toBe(fingerprintOf(statusRecord()));
  });

  it('category is matched case-insensitively and trimmed', () => {
    expect(classify({ ...statusRecord(), category: 'emailstatusupdateoperational' }).kind).toBe('status');
    expect(classify({ ...sendRecord(), category: '  EMAILSENDMAILOPERATIONAL ' }).kind).toBe('send');
    expect(classify({ ...usageRecord(), category: 'usage' }).kind).toBe('usage');
  });

  for (const category of ['SMSOperational', 'ChatOperational', 'CallSummary', 'AuthOperational', 'EmailSendMail']) {
    it(`foreign category ${category} is ignored with the category name`, () => {
      expect(classifyRecord({ ...statusRecord(), category }, INLINE, 0)).toEqual({ kind: 'ignored', category });
    });
  }

  it('foreign category is ignored even with no time and a string properties value', () => {
    expect(classifyRecord({ category: ' CallSummary ', properties: 'whatever' }, INLINE, 0)).toEqual({ kind: 'ignored', category: 'CallSummary' });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('classifyRecord: invalid records', () => {
  for (const [name, raw, rawText] of [
    ['null', null, 'null'],
    ['a number', 42, '42'],
    ['a string', 'not a record', 'not a record'],
    ['an array', [statusRecord()], JSON.stringify([statusRecord()])],
    ['a boolean', true, 'true'],
  ] as const) {
    it(`not_an_object: ${name} is rejected with the raw text kept`, () => {
      const result = invalidOf(raw, 'not_an_object');
      expect(result.raw).toBe(rawText);
      expect(result.category).toBeNull();
    });
  }

  for (const [name, raw] of [
    ['absent category', withoutTop(statusRecord(), 'category')],
    ['empty category', { ...statusRecord(), category: '' }],
    ['whitespace category', { ...statusRecord(), category: '   ' }],
    ['numeric category', { ...statusRecord(), category: 7 }],
    ['null category', { ...statusRecord(), category: null }],
  ] as const) {
    it(`missing_category: ${name}`, () => {
      const result = invalidOf(raw, 'missing_category');
      expect(result.issue.path).toBe('category');
      expect(result.category).toBeNull();
      expect(JSON.parse(result.raw)).toEqual(raw);
    });
  }

  for (const [name, make] of [
    ['send without correlationId', () => withoutTop(sendRecord(), 'correlationId')],
    ['status with correlationId ""', () => statusRecord({}, { correlationId: '' })],
    ['engagement with whitespace correlationId', () => engagementRecord({}, { correlationId: '   ' })],
    ['status with a numeric correlationId', () => statusRecord({}, { correlationId: 12345 })],
  ] as const) {
    it(`missing_correlation_id: ${name}`, () => {
      const raw = make();
      const result = invalidOf(raw, 'missing_correlation_id');
      expect(result.issue.path).toBe('correlationId');
      expect(result.category).toBe(raw['category']);
      expect(result.raw).toBe(JSON.stringify(raw));
    });
  }

  it('usage without correlationId is still an event, with correlationId null', () => {
    expect(usageOf(withoutTop(usageRecord(), 'correlationId')).correlationId).toBeNull();
  });

  for (const [name, value, described] of [
    ['string properties', '{"DeliveryStatus":"Delivered"}', 'a string'],
    ['array properties', [{ DeliveryStatus: 'Delivered' }], 'an array'],
    ['numeric properties', 5, 'a number'],
  ] as const) {
    it(`properties_not_object: ${name}`, () => {
      const raw = { ...statusRecord(), properties: value };
      const result = invalidOf(raw, 'properties_not_object');
      expect(result.issue.path).toBe('properties');
      expect(result.issue.message).toContain(described);
      expect(result.category).toBe('EmailStatusUpdateOperational');
      expect(result.raw).toBe(JSON.stringify(raw));
    });
  }

  for (const [name, make] of [
    ['DeliveryStatus absent', () => withoutProperty(statusRecord(), 'DeliveryStatus')],
    ['DeliveryStatus ""', () => statusRecord({ DeliveryStatus: '' })],
    ['DeliveryStatus null', () => statusRecord({ DeliveryStatus: null })],
    ['no properties at all', () => withoutTop(statusRecord(), 'properties')],
    ['properties null', () => ({ ...statusRecord(), properties: null })],
  ] as const) {
    it(`missing_delivery_status: ${name}`, () => {
      const raw = make();
      const result = invalidOf(raw, 'missing_delivery_status');
      expect(result.issue.path).toBe('properties.DeliveryStatus');
      expect(result.category).toBe('EmailStatusUpdateOperational');
      expect(result.raw).toBe(JSON.stringify(raw));
    });
  }

  for (const [name, make] of [
    ['RecipientId absent', () => withoutProperty(engagementRecord(), 'RecipientId')],
    ['RecipientId ""', () => engagementRecord({ RecipientId: '' })],
    ['RecipientId whitespace', () => engagementRecord({ RecipientId: '  ' })],
    ['RecipientId null', () => engagementRecord({ RecipientId: null })],
  ] as const) {
    it(`missing_recipient (engagement): ${name}`, () => {
      const raw = make();
      const result = invalidOf(raw, 'missing_recipient');
      expect(result.issue.path).toBe('properties.RecipientId');
      expect(result.category).toBe('EmailUserEngagementOperational');
      expect(result.raw).toBe(JSON.stringify(raw));
    });
  }

  for (const [name, make] of [
    ['EngagementType absent', () => withoutProperty(engagementRecord(), 'EngagementType')],
    ['EngagementType ""', () => engagementRecord({ EngagementType: '' })],
    ['EngagementType null', () => engagementRecord({ EngagementType: null })],
  ] as const) {
    it(`missing_engagement_type: ${name}`, () => {
      const raw = make();
      const result = invalidOf(raw, 'missing_engagement_type');
      expect(result.issue.path).toBe('properties.EngagementType');
      expect(result.raw).toBe(JSON.stringify(raw));
    });
  }

  for (const [name, make] of [
    ['time absent', () => withoutTop(statusRecord(), 'time')],
    ['time garbage', () => statusRecord({}, { time: 'garbage' })],
    ['time 2025-02-30', () => sendRecord({}, { time: '2025-02-30T10:00:00Z' })],
    ['time as epoch number', () => engagementRecord({}, { time: 1710408067 })],
    ['time ""', () => usageRecord({}, { time: '' })],
  ] as const) {
    it(`invalid_time: ${name}`, () => {
      const raw = make();
      const result = invalidOf(raw, 'invalid_time');
      expect(result.issue.path).toBe('time');
      expect(result.category).toBe(raw['category']);
      expect(result.raw).toBe(JSON.stringify(raw));
    });
  }

  for (const [name, make, path] of [
    ['IsHardBounce "maybe"', () => statusRecord({ IsHardBounce: 'maybe' }), 'properties.ishardbounce'],
    ['ToRecipientsCount "-1"', () => sendRecord({ ToRecipientsCount: '-1' }), 'properties.torecipientscount'],
    ['AttachmentsCount 1.5', () => sendRecord({ AttachmentsCount: 1.5 }), 'properties.attachmentscount'],
    ['Size "abc"', () => sendRecord({ Size: 'abc' }), 'properties.size'],
    ['RecipientId an object on a status record', () => statusRecord({ RecipientId: { address: 'x' } }), 'properties.recipientid'],
    ['usage quantity absent', () => withoutProperty(usageRecord(), 'quantity'), 'properties.quantity'],
    ['usage quantity "lots"', () => usageRecord({ quantity: 'lots' }), 'properties.quantity'],
    ['usage usageType absent', () => withoutProperty(usageRecord(), 'usageType'), 'properties.usagetype'],
    ['usage startTime "yesterday"', () => usageRecord({ startTime: 'yesterday' }), 'properties.starttime'],
  ] as const) {
    it(`invalid_field: ${name}`, () => {
      const raw = make();
      const result = invalidOf(raw, 'invalid_field');
      // The path names the field as matched (lower-cased keys); compare case-insensitively.
      expect(result.issue.path?.toLowerCase()).toBe(path);
      expect(result.issue.message.toLowerCase()).toContain(path.replace('properties.', ''));
      expect(result.category).toBe(raw['category']);
      expect(result.raw).toBe(JSON.stringify(raw));
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------

describe('classifyRecord: fingerprints', () => {
  const bob = (): Raw => structuredClone(record(4, SAMPLE_1));

  it('fingerprint of sample 1 bob Bounced is stable across runs', () => {
    expect(fingerprintOf(bob())).toBe('Wdgoa1Eyk46yFehZTluVC4');
  });

  it('fingerprint equal for IsHardBounce false vs "False" vs "false" vs absent', () => {
    const base = fingerprintOf(statusRecord({ IsHardBounce: false }));
    expect(fingerprintOf(statusRecord({ IsHardBounce: 'False' }))).toBe(base);
    expect(fingerprintOf(statusRecord({ IsHardBounce: 'false' }))).toBe(base);
    expect(fingerprintOf(withoutProperty(statusRecord(), 'IsHardBounce'))).toBe(base);
  });

  it('fingerprint equal for IsHardBounce true vs "TRUE" vs 1', () => {
    const base = fingerprintOf(statusRecord({ IsHardBounce: true }));
    expect(fingerprintOf(statusRecord({ IsHardBounce: 'TRUE' }))).toBe(base);
    expect(fingerprintOf(statusRecord({ IsHardBounce: 1 }))).toBe(base);
  });

  it('fingerprint equal for numeric vs string Size and counts', () => {
    const numeric = fingerprintOf(sendRecord({ Size: 0.731402, ToRecipientsCount: 1 }));
    expect(fingerprintOf(sendRecord({ Size: '0.731402', ToRecipientsCount: '1' }))).toBe(numeric);
  });

  it('fingerprint equal for numeric vs string SmtpStatusCode', () => {
    expect(fingerprintOf(statusRecord({ SmtpStatusCode: 550 }))).toBe(fingerprintOf(statusRecord({ SmtpStatusCode: '550' })));
  });

  it('fingerprint equal for "" vs absent optional fields', () => {
    expect(fingerprintOf(statusRecord({ FailureReason: '', FailureMessage: '' }))).toBe(fingerprintOf(statusRecord()));
  });

  it('fingerprint equal for different key casing (top-level and properties)', () => {
    const raw = bob();
    const props = raw['properties'] as Raw;
    const recased = {
      TIME: raw['time'],
      ResourceID: raw['resourceId'],
      Category: raw['category'],
      correlationid: raw['correlationId'],
      PROPERTIES: Object.fromEntries(Object.entries(props).map(([k, v]) => [k.toLowerCase(), v])),
    };
    expect(fingerprintOf(recased)).toBe(fingerprintOf(raw));
  });

  it('fingerprint equal regardless of key order and of fields outside the content (location, operationName, extras)', () => {
    const raw = bob();
    const props = raw['properties'] as Raw;
    const reordered = Object.fromEntries(Object.entries(raw).reverse());
    reordered['properties'] = Object.fromEntries(Object.entries(props).reverse());
    reordered['location'] = 'westeurope';
    reordered['resourceGroup'] = 'rg-other';
    expect(fingerprintOf(reordered)).toBe(fingerprintOf(raw));
  });

  it('fingerprint equal for the same instant written with an offset, with 3 digits, or a lower-case resource id without slash', () => {
    const base = fingerprintOf(statusRecord({}, { time: '2025-03-14T09:21:13.0120000Z' }));
    expect(fingerprintOf(statusRecord({}, { time: '2025-03-14T11:21:13.012+02:00' }))).toBe(base);
    expect(fingerprintOf(statusRecord({}, { time: '2025-03-14T09:21:13.012Z', resourceId: RESOURCE.slice(1).toLowerCase() }))).toBe(base);
  });

  it('fingerprint equal for upper-case vs lower-case GUID correlationId', () => {
    expect(fingerprintOf(statusRecord({}, { correlationId: MSG_1.toUpperCase() }))).toBe(fingerprintOf(statusRecord()));
  });

  it('fingerprint equal for "bounced" vs "Bounced" and "view" vs "View"', () => {
    expect(fingerprintOf(statusRecord({ DeliveryStatus: 'bounced' }))).toBe(fingerprintOf(statusRecord({ DeliveryStatus: 'Bounced' })));
    expect(fingerprintOf(engagementRecord({ EngagementType: 'view' }))).toBe(fingerprintOf(engagementRecord({ EngagementType: 'View' })));
  });

  for (const [name, changed] of [
    ['time (+100 ns)', statusRecord({}, { time: '2025-03-14T09:21:13.0127789Z' })],
    ['DeliveryStatus', statusRecord({ DeliveryStatus: 'Delivered' })],
    ['recipient', statusRecord({ RecipientId: 'bob2@example.org' })],
    ['recipient "" (message-level)', statusRecord({ RecipientId: '' })],
    ['IsHardBounce', statusRecord({ IsHardBounce: false })],
    ['SmtpStatusCode', statusRecord({ SmtpStatusCode: '551' })],
    ['EnhancedSmtpStatusCode', statusRecord({ EnhancedSmtpStatusCode: '5.1.2' })],
    ['FailureReason', statusRecord({ FailureReason: 'Other' })],
    ['SenderDomain', statusRecord({ SenderDomain: 'example.net' })],
    ['message id', statusRecord({}, { correlationId: MSG_2 })],
    ['resource id', statusRecord({}, { resourceId: `${RESOURCE}-2` })],
    ['category (same properties as a status, sent as EmailUserEngagementOperational)', statusRecord({ EngagementType: 'View' }, { category: 'EmailUserEngagementOperational' })],
  ] as const) {
    it(`fingerprint differs when ${name} differs`, () => {
      expect(fingerprintOf(changed)).not.toBe(fingerprintOf(statusRecord()));
    });
  }

  for (const [name, changed] of [
    ['url (EngagementContext)', engagementRecord({ EngagementContext: 'https://www.example.com/orders/12346?utm_source=email' })],
    ['EngagementContext absent', withoutProperty(engagementRecord(), 'EngagementContext')],
    ['EngagementType', engagementRecord({ EngagementType: 'View' })],
    ['engagement recipient', engagementRecord({ RecipientId: 'alice2@example.com' })],
    ['engagement time', engagementRecord({}, { time: '2025-03-14T09:25:03.7741921Z' })],
    ['UserAgent', engagementRecord({ UserAgent: 'Mozilla/6.0' })],
  ] as const) {
    it(`fingerprint differs when ${name} differs`, () => {
      expect(fingerprintOf(changed)).not.toBe(fingerprintOf(engagementRecord()));
    });
  }

  it('fingerprint differs when a SendMail count, Size, time, message id or resource id differs', () => {
    const base = fingerprintOf(sendRecord());
    expect(fingerprintOf(sendRecord({}, { time: '2025-03-14T09:30:00.3312459Z' }))).not.toBe(base);
    expect(fingerprintOf(sendRecord({}, { correlationId: MSG_2 }))).not.toBe(base);
    expect(fingerprintOf(sendRecord({}, { resourceId: `${RESOURCE}-2` }))).not.toBe(base);
    expect(fingerprintOf(sendRecord({ TrafficSource: 'Email JS SDK' }))).not.toBe(base);
    expect(fingerprintOf(sendRecord({ Size: 0.731403 }))).not.toBe(base);
    expect(fingerprintOf(sendRecord({ CcRecipientsCount: 1 }))).not.toBe(base);
    expect(fingerprintOf(sendRecord({ AttachmentsCount: '' }))).not.toBe(base);
  });

  it('fingerprint differs when a usage quantity, unit, recordId, startTime, time or resource id differs', () => {
    const base = fingerprintOf(usageRecord());
    expect(fingerprintOf(usageRecord({ startTime: '2025-03-14T09:30:00.3312459Z' }))).not.toBe(base);
    expect(fingerprintOf(usageRecord({}, { time: '2025-03-14T09:30:00.5127734Z' }))).not.toBe(base);
    expect(fingerprintOf(usageRecord({}, { resourceId: `${RESOURCE}-2` }))).not.toBe(base);
    expect(fingerprintOf(usageRecord({ quantity: 0.731403 }))).not.toBe(base);
    expect(fingerprintOf(usageRecord({ unitType: 'messages' }))).not.toBe(base);
    expect(fingerprintOf(usageRecord({ recordId: 'other' }))).not.toBe(base);
  });

  it('usage without recordId uses "fp:" + its fingerprint as recordId', () => {
    const e = usageOf(withoutProperty(usageRecord(), 'recordId'));
    expect(e.recordId).toBe(`fp:${e.fingerprint}`);
    expect(e.fingerprint).toMatch(FINGERPRINT);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('classifyRecord: normalisation', () => {
  it('resourceId without leading slash gets one and is upper-cased', () => {
    const e = classify(statusRecord({}, { resourceId: 'subscriptions/abc/resourceGroups/rg/providers/Microsoft.Communication/CommunicationServices/acs' }));
    expect(e.resourceId).toBe('/SUBSCRIPTIONS/ABC/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS');
  });

  it('resourceId with leading slash in mixed case is upper-cased, not given a second slash', () => {
    expect(classify(statusRecord({}, { resourceId: ' /Subscriptions/x ' })).resourceId).toBe('/SUBSCRIPTIONS/X');
  });

  it('resourceId absent or "" is null', () => {
    expect(classify(withoutTop(statusRecord(), 'resourceId')).resourceId).toBeNull();
    expect(classify(statusRecord({}, { resourceId: '' })).resourceId).toBeNull();
  });

  it('normaliseResourceId rejects non-strings', () => {
    expect(normaliseResourceId(42)).toBeNull();
    expect(normaliseResourceId(null)).toBeNull();
    expect(normaliseResourceId('   ')).toBeNull();
  });

  for (const [sent, canonical] of [
    ['bounced', 'Bounced'],
    ['DELIVERED', 'Delivered'],
    ['outfordelivery', 'OutForDelivery'],
    ['suppressed', 'Suppressed'],
    ['failed', 'Failed'],
    ['quarantined', 'Quarantined'],
    ['filteredspam', 'FilteredSpam'],
    ['expanded', 'Expanded'],
    ['Deferred', 'Deferred'],
    ['someNewStatus', 'someNewStatus'],
  ] as const) {
    it(`DeliveryStatus "${sent}" → ${canonical}`, () => {
      expect(statusOf(statusRecord({ DeliveryStatus: sent })).deliveryStatus).toBe(canonical);
      expect(canonicalStatus(sent)).toBe(canonical);
    });
  }

  it('DeliveryStatus with surrounding whitespace is trimmed then canonicalised', () => {
    expect(statusOf(statusRecord({ DeliveryStatus: '  bounced ' })).deliveryStatus).toBe('Bounced');
  });

  for (const [sent, canonical] of [
    ['view', 'View'],
    ['VIEW', 'View'],
    ['click', 'Click'],
    ['Click', 'Click'],
    ['Forward', 'Forward'],
  ] as const) {
    it(`EngagementType "${sent}" → ${canonical}`, () => {
      expect(engagementOf(engagementRecord({ EngagementType: sent })).engagementType).toBe(canonical);
    });
  }

  it('GUID message id is lower-cased and trimmed', () => {
    expect(statusOf(statusRecord({}, { correlationId: `  ${MSG_1.toUpperCase()} ` })).messageId).toBe(MSG_1);
  });

  it('non-GUID message id is kept as sent (trimmed, not lower-cased)', () => {
    expect(sendOf(sendRecord({}, { correlationId: ' MSG-ABC-123 ' })).messageId).toBe('MSG-ABC-123');
  });

  it('time with 3 fractional digits becomes 7 digits', () => {
    expect(classify(statusRecord({}, { time: '2025-03-14T09:21:13.012Z' })).time).toBe('2025-03-14T09:21:13.0120000Z');
  });

  it('recipient and sender fields are trimmed', () => {
    const e = statusOf(statusRecord({ RecipientId: ' bob@example.org ', SenderDomain: ' example.com ' }));
    expect(e.recipient).toBe('bob@example.org');
    expect(e.senderDomain).toBe('example.com');
  });
});

describe('classifyRecord: usage day', () => {
  it('usage day comes from startTime, not time, when they fall on different days', () => {
    const e = usageOf(usageRecord({ startTime: '2025-03-14T23:59:58.9999999Z' }, { time: '2025-03-15T00:00:05Z' }));
    expect(e.day).toBe('2025-03-14');
    expect(e.time).toBe('2025-03-15T00:00:05.0000000Z');
  });

  it('usage day from a startTime with an offset is the UTC day', () => {
    expect(usageOf(usageRecord({ startTime: '2025-03-14T23:30:00-02:00' }, { time: '2025-03-15T01:31:00Z' })).day).toBe('2025-03-15');
  });

  it('usage day falls back to time when startTime is absent', () => {
    expect(usageOf(withoutProperty(usageRecord({}, { time: '2025-03-16T08:00:00Z' }), 'startTime')).day).toBe('2025-03-16');
  });

  it('usage day falls back to time when startTime is ""', () => {
    expect(usageOf(usageRecord({ startTime: '' }, { time: '2025-03-16T08:00:00Z' })).day).toBe('2025-03-16');
  });

  it('usage day falls back to time when startTime is null', () => {
    expect(usageOf(usageRecord({ startTime: null }, { time: '2025-03-17T08:00:00Z' })).day).toBe('2025-03-17');
  });
});
