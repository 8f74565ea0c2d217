import { z } from 'zod';
import type { ClassifiedRecord } from '../ingest/classifyRecord.js';
import { isPlainObject } from '../ingest/decodeBody.js';
import { capIssueText, describeType, invalidRecord, loneSurrogateIssue } from '../ingest/rejection.js';
import type { EngagementEvent, StatusEvent } from '../ingest/ledgerEvent.js';
import { optionalText, requiredText, utcTime } from '../ingest/looseScalars.js';
import { recordFingerprint } from '../ingest/recordFingerprint.js';
import type { RecordIssue } from '../ingest/recordIssue.js';
import { lowerCaseKeys } from '../ingest/recordSchemas.js';
import type { RecordSource } from '../ingest/recordSource.js';
import { canonicalEngagement, canonicalStatus, GUID, normaliseResourceId } from '../ingest/recordVocabulary.js';
import { codesOfStatusMessage } from './statusMessageCodes.js';

/**
 * One Event Grid event (Event Grid schema) or CloudEvent → a ledger record, the way classifyRecord turns
 * a log record into one. ACS Email delivery reports become status records and engagement reports
 * engagement records, so that the one merge applies both sources (docs/event-grid.md); any other event
 * type is ignored and counted, and a malformed report is dead-lettered with its reason.
 */
export const EVENT_GRID_TYPES = {
  delivery: 'Microsoft.Communication.EmailDeliveryReportReceived',
  engagement: 'Microsoft.Communication.EmailEngagementTrackingReportReceived',
} as const;

const TYPE_BY_LOWER: ReadonlyMap<string, keyof typeof EVENT_GRID_TYPES> = new Map([
  [EVENT_GRID_TYPES.delivery.toLowerCase(), 'delivery'],
  [EVENT_GRID_TYPES.engagement.toLowerCase(), 'engagement'],
]);

/**
 * Either envelope, told apart from a log record by its keys: Event Grid schema has `eventType` and
 * `data`, a CloudEvent `specversion` and `type`. A log record has `category` and neither pair.
 */
export function looksLikeEventGridEvent(raw: Readonly<Record<string, unknown>>): boolean {
  if (Object.hasOwn(raw, 'eventType') || Object.hasOwn(raw, 'specversion')) return true;
  if (Object.hasOwn(raw, 'category')) return false;
  let eventType = false;
  let data = false;
  let specversion = false;
  let type = false;
  for (const key of Object.keys(raw)) {
    const lower = key.toLowerCase();
    eventType ||= lower === 'eventtype';
    data ||= lower === 'data';
    specversion ||= lower === 'specversion';
    type ||= lower === 'type';
  }
  return (eventType && data) || (specversion && type);
}

const envelope = z.object({
  id: requiredText,
  time: z.union([utcTime, z.literal(''), z.null()]).optional().transform((v) => (v ? v : null)),
  resource: optionalText,
  subject: optionalText,
});

const deliveryData = z.object({
  sender: optionalText,
  recipient: requiredText,
  messageid: optionalText,
  internetmessageid: optionalText,
  status: requiredText,
  deliveryattempttimestamp: z.union([utcTime, z.literal(''), z.null()]).optional().transform((v) => (v ? v : null)),
});

const statusDetails = z.object({ statusmessage: optionalText, recipientmailserverhostname: optionalText });

const engagementData = z.object({
  sender: optionalText,
  recipient: requiredText,
  messageid: optionalText,
  useractiontimestamp: z.union([utcTime, z.literal(''), z.null()]).optional().transform((v) => (v ? v : null)),
  engagementcontext: optionalText,
  useragent: optionalText,
  engagementtype: requiredText,
});

/** "sender/{sender}/message/{messageId}": the subject's message id, when data has none. */
const SUBJECT_MESSAGE = /\/message\/([^/]+)$/i;

export function classifyEventGridEvent(raw: Readonly<Record<string, unknown>>, source: RecordSource, recordIndex: number): ClassifiedRecord {
  const top = lowerCaseKeys(raw);
  const typeValue = top['eventtype'] ?? top['type'];
  const typeName = typeof typeValue === 'string' ? typeValue.trim() : '';
  if (typeName === '') return invalidRecord({ code: 'missing_category', message: 'the Event Grid event has no "eventType" (or CloudEvents "type")', path: 'eventType' }, raw, null);
  const ours = TYPE_BY_LOWER.get(typeName.toLowerCase());
  if (ours === undefined) return { kind: 'ignored', category: typeName };

  const env = envelope.safeParse({ id: top['id'], time: top['eventtime'] ?? top['time'], resource: top['topic'] ?? top['source'], subject: top['subject'] });
  if (!env.success) {
    const path = String(env.error.issues[0]?.path[0] ?? 'id');
    if (path === 'id') return invalidRecord({ code: 'missing_event_id', message: 'an Event Grid event needs its "id" (what de-duplicates redeliveries)', path: 'id' }, raw, typeName);
    return invalidRecord(fieldIssue(env.error, '', path === 'time' ? 'invalid_time' : 'invalid_field'), raw, typeName);
  }
  const dataValue = top['data'];
  if (!isPlainObject(dataValue)) {
    return invalidRecord({ code: 'data_not_object', message: `"data" must be a JSON object, got ${describeType(dataValue)}`, path: 'data' }, raw, typeName);
  }
  const data = lowerCaseKeys(dataValue);
  const context = { raw, typeName, source, recordIndex, eventId: env.data.id, subject: env.data.subject, eventTime: env.data.time, resourceId: normaliseResourceId(env.data.resource) };
  return ours === 'delivery' ? deliveryReport(data, context) : engagementReport(data, context);
}

interface EnvelopeContext {
  readonly raw: unknown;
  readonly typeName: string;
  readonly source: RecordSource;
  readonly recordIndex: number;
  readonly eventId: string;
  readonly subject: string | null;
  readonly eventTime: string | null;
  readonly resourceId: string | null;
}

function deliveryReport(data: Record<string, unknown>, c: EnvelopeContext): ClassifiedRecord {
  const parsed = deliveryData.safeParse(data);
  if (!parsed.success) return invalidRecord(dataIssue(parsed.error, 'delivery'), c.raw, c.typeName);
  const d = parsed.data;
  const messageId = messageIdOf(d.messageid, c.subject);
  if (messageId === null) return missingMessageId(c);
  const time = d.deliveryattempttimestamp ?? c.eventTime;
  if (time === null) return invalidRecord({ code: 'invalid_time', message: 'a delivery report needs "data.deliveryAttemptTimestamp" or an event time', path: 'data.deliveryAttemptTimestamp' }, c.raw, c.typeName);
  const details = detailsOf(data['deliverystatusdetails']);
  if (!details.ok) return invalidRecord(details.issue, c.raw, c.typeName);
  const deliveryStatus = canonicalStatus(d.status);
  const sender = senderParts(d.sender);
  const facts = { eventId: c.eventId, statusMessage: details.statusMessage, mailServerHostName: details.mailServerHostName, internetMessageId: d.internetmessageid };
  const fields = {
    recipient: d.recipient,
    deliveryStatus,
    ...codesOfStatusMessage(details.statusMessage),
    failureReason: null,
    // The status message is the only failure text Event Grid has; on a success it says nothing ("No error.").
    failureMessage: deliveryStatus === 'Delivered' || deliveryStatus === 'Expanded' ? null : details.statusMessage,
    senderDomain: sender.domain,
    senderUsername: sender.username,
    // Bounced is a hard bounce, and so is Suppressed (a send dropped for an earlier one), as the logs'
    // IsHardBounce says of both; Failed never is, whatever its code (docs/event-grid.md).
    isHardBounce: deliveryStatus === 'Bounced' || deliveryStatus === 'Suppressed',
  };
  const fingerprint = recordFingerprint(['eventgrid-delivery', c.eventId, messageId, time, c.resourceId, fields, facts]);
  const event: StatusEvent = { kind: 'status', messageId, fingerprint, time, resourceId: c.resourceId, source: c.source, recordIndex: c.recordIndex, ...fields, eventGrid: facts };
  return checked(event, c.raw, c.typeName);
}

function engagementReport(data: Record<string, unknown>, c: EnvelopeContext): ClassifiedRecord {
  const parsed = engagementData.safeParse(data);
  if (!parsed.success) return invalidRecord(dataIssue(parsed.error, 'engagement'), c.raw, c.typeName);
  const e = parsed.data;
  const messageId = messageIdOf(e.messageid, c.subject);
  if (messageId === null) return missingMessageId(c);
  const time = e.useractiontimestamp ?? c.eventTime;
  if (time === null) return invalidRecord({ code: 'invalid_time', message: 'an engagement report needs "data.userActionTimestamp" or an event time', path: 'data.userActionTimestamp' }, c.raw, c.typeName);
  const fields = { recipient: e.recipient, engagementType: canonicalEngagement(e.engagementtype), engagementContext: e.engagementcontext, userAgent: e.useragent };
  const fingerprint = recordFingerprint(['eventgrid-engagement', c.eventId, messageId, time, c.resourceId, fields]);
  const event: EngagementEvent = { kind: 'engagement', messageId, fingerprint, time, resourceId: c.resourceId, source: c.source, recordIndex: c.recordIndex, ...fields, eventGrid: { eventId: c.eventId } };
  return checked(event, c.raw, c.typeName);
}

/** data.messageId, else the subject's (as the logs' correlation ids, GUIDs are lower-cased). */
function messageIdOf(fromData: string | null, subject: string | null): string | null {
  const text = fromData ?? subjectMessageId(subject);
  if (text === null) return null;
  return GUID.test(text) ? text.toLowerCase() : text;
}

const missingMessageId = (c: EnvelopeContext): ClassifiedRecord =>
  invalidRecord({ code: 'missing_correlation_id', message: 'an Event Grid report needs "data.messageId" (the message id)', path: 'data.messageId' }, c.raw, c.typeName);

/** `deliveryStatusDetails` is an object, or (in an old sample) the status message as plain text. */
function detailsOf(value: unknown): { ok: true; statusMessage: string | null; mailServerHostName: string | null } | { ok: false; issue: RecordIssue } {
  if (value === undefined || value === null) return { ok: true, statusMessage: null, mailServerHostName: null };
  if (typeof value === 'string') return { ok: true, statusMessage: value.trim() === '' ? null : value.trim(), mailServerHostName: null };
  if (!isPlainObject(value)) return { ok: false, issue: { code: 'invalid_field', message: `data.deliveryStatusDetails must be an object or text, got ${describeType(value)}`, path: 'data.deliveryStatusDetails' } };
  const parsed = statusDetails.safeParse(lowerCaseKeys(value));
  if (!parsed.success) return { ok: false, issue: fieldIssue(parsed.error, 'data.deliveryStatusDetails.', 'invalid_field') };
  return { ok: true, statusMessage: parsed.data.statusmessage, mailServerHostName: parsed.data.recipientmailserverhostname };
}

function subjectMessageId(subject: string | null): string | null {
  const match = subject === null ? null : SUBJECT_MESSAGE.exec(subject);
  const id = match?.[1]?.trim() ?? '';
  return id === '' ? null : id;
}

/** "DoNotReply@contoso.com" → the logs' SenderUsername and SenderDomain. */
function senderParts(sender: string | null): { username: string | null; domain: string | null } {
  if (sender === null) return { username: null, domain: null };
  const at = sender.lastIndexOf('@');
  if (at <= 0 || at === sender.length - 1) return { username: null, domain: null };
  return { username: sender.slice(0, at), domain: sender.slice(at + 1).toLowerCase() };
}

function dataIssue(error: z.ZodError, type: 'delivery' | 'engagement'): RecordIssue {
  const field = String(error.issues[0]?.path[0] ?? '');
  if (field === 'recipient') return { code: 'missing_recipient', message: `an Event Grid ${type} report needs "data.recipient"`, path: 'data.recipient' };
  if (field === 'status') return { code: 'missing_delivery_status', message: 'a delivery report needs "data.status"', path: 'data.status' };
  if (field === 'engagementtype') return { code: 'missing_engagement_type', message: 'an engagement report needs "data.engagementType"', path: 'data.engagementType' };
  return fieldIssue(error, 'data.', field.endsWith('timestamp') ? 'invalid_time' : 'invalid_field');
}

function fieldIssue(error: z.ZodError, prefix: string, code: RecordIssue['code']): RecordIssue {
  const path = `${prefix}${error.issues[0]?.path.join('.') ?? ''}`;
  const text = error.issues.map((issue) => `${prefix}${issue.path.join('.')}: ${issue.message}`).join('; ');
  return { code, message: capIssueText(text), path };
}

/** The same rule as for log records: a lone surrogate can be neither a storage key nor stored exactly. */
function checked(event: StatusEvent | EngagementEvent, raw: unknown, category: string): ClassifiedRecord {
  const issue = loneSurrogateIssue([...Object.entries(event), ...Object.entries(event.eventGrid ?? {})]);
  return issue === undefined ? { kind: 'event', event } : invalidRecord(issue, raw, category);
}

