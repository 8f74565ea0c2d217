import { z } from 'zod';

/**
 * The response bodies of the ledger's own reads (message, check, bounces, alerts, deadletters), as zod
 * schemas: the OpenAPI document is generated from them, and the API test validates real responses
 * against what it says. Objects are strict (no undeclared field), so a field added to a document but not
 * here fails that test instead of going undocumented. The shapes follow the TypeScript types of
 * src/state and src/store; the test is what keeps the two in step.
 */
const text = z.string();
const maybeText = z.string().nullable();
const count = z.number().int().min(0);
const maybeCount = z.number().int().min(0).nullable();
const time = z.string().describe('ISO 8601 time, UTC');
const maybeTime = time.nullable();

export const MessageStateSchema = z.strictObject({
  messageId: text,
  resourceId: maybeText,
  sendTime: maybeTime,
  sendFingerprint: maybeText,
  sizeMb: z.number().nullable(),
  toRecipientsCount: maybeCount,
  ccRecipientsCount: maybeCount,
  bccRecipientsCount: maybeCount,
  uniqueRecipientsCount: maybeCount,
  attachmentsCount: maybeCount,
  trafficSource: maybeText,
  senderDomain: maybeText,
  senderUsername: maybeText,
  senderTime: maybeTime,
  senderOrigin: z.enum(['logs', 'eventGrid']).nullable().describe('the logs when any status record named the sender; Event Grid (its sender address, split at "@") only without them'),
  messageStatus: maybeText.describe('the message-level status, e.g. OutForDelivery'),
  messageStatusTime: maybeTime,
  messageStatusFingerprint: maybeText,
  statusCounts: z.record(z.string(), count).describe('recipients holding each status, by ACS status name'),
  recipientCount: count,
  finalRecipientCount: count,
  hardBounceCount: count,
  complete: z.boolean().describe('every unique recipient has a final status'),
  appliedRecords: count,
  firstStatusTime: maybeTime.describe("the earliest status record's time: the message's time without a SendMail record"),
  firstRecordTime: maybeTime.describe("the earliest record's time: the message's time without a SendMail or status record"),
  digestComplete: z.boolean().describe('false only for a message stored before digests existed, left out of the indexes until reindexed'),
});

const TimelineEntrySchema = z.strictObject({
  time,
  kind: z.enum(['status', 'view', 'click', 'engagement']),
  status: maybeText.describe("a status record's DeliveryStatus; for kind engagement the EngagementType; else null"),
  smtpStatusCode: maybeText,
  enhancedSmtpStatusCode: maybeText,
  failureReason: maybeText.describe('cut to 300 characters'),
  failureMessage: maybeText.describe('cut to 500 characters'),
  url: maybeText.describe('the clicked URL, cut to 500 characters'),
  userAgent: maybeText.describe('cut to 200 characters'),
  origin: z.enum(['logs', 'eventGrid']).describe('which source reported it: a delivery both report appears twice here and counts once everywhere else'),
});

const origin = z.enum(['logs', 'eventGrid']);
const DeliveryDetailSchema = z.strictObject({
  time,
  smtpStatusCode: maybeText,
  enhancedSmtpStatusCode: maybeText.describe('from an Event Grid report: parsed from its status message'),
  failureReason: maybeText,
  failureMessage: maybeText.describe('cut to 1,000 characters'),
});
const DeliverySchema = z.strictObject({
  status: text,
  logs: DeliveryDetailSchema.nullable().describe("the latest log record of this status"),
  eventGrid: DeliveryDetailSchema.extend({ statusMessage: maybeText, mailServerHostName: maybeText, internetMessageId: maybeText })
    .nullable()
    .describe('the latest Event Grid delivery report of this status'),
});
const EngagementCountsSchema = z.strictObject({ views: count, clicks: count, otherEngagements: count });

const TimelineSchema = z.array(TimelineEntrySchema);

export const RecipientDocumentSchema = z.strictObject({
  address: text.describe('the recipient exactly as ACS reported it'),
  status: maybeText,
  statusTime: maybeTime,
  smtpStatusCode: maybeText,
  enhancedSmtpStatusCode: maybeText,
  failureReason: maybeText,
  failureMessage: maybeText,
  statusMessage: maybeText.describe("Event Grid's status message for the current status"),
  mailServerHostName: maybeText.describe('the receiving mail server, from Event Grid'),
  internetMessageId: maybeText.describe('the Internet Message-ID, from Event Grid'),
  statusOrigins: z.array(origin).describe('the sources that reported the current status'),
  deliveries: z.array(DeliverySchema).describe('every status reported, with what each source said of it: the fields above come from the greatest'),
  hardBounce: z.boolean(),
  hardBounceTime: maybeTime,
  views: count,
  clicks: count,
  otherEngagements: count,
  engagementBySource: z.strictObject({ logs: EngagementCountsSchema, eventGrid: EngagementCountsSchema }).describe('views and clicks are the greater of the two sources, never their sum'),
  firstViewTime: maybeTime,
  lastViewTime: maybeTime,
  firstClickTime: maybeTime,
  lastClickTime: maybeTime,
  clickedUrls: z.array(z.strictObject({ url: text, firstClickTime: time })),
  clickedUrlsTruncated: z.boolean(),
  lastUserAgent: maybeText,
  lastEngagementTime: maybeTime,
  timeline: TimelineSchema.describe('every status and engagement record of the recipient, oldest first; at most 40 of each (the earliest), fewer when their text is long'),
  timelineTruncated: z.boolean().describe('records were left out of the timeline (the latest ones); the counts above still count them'),
});

export const MessageDocumentSchema = z
  .strictObject({
    messageId: text,
    message: MessageStateSchema.nullable().describe('null while only recipient records have arrived'),
    recipients: z.array(RecipientDocumentSchema),
    timeline: TimelineSchema.describe('the message-level status records (no recipient), oldest first'),
    timelineTruncated: z.boolean().describe('more message-level records were applied than the timeline keeps'),
  })
  .describe('the same document as `message --json`');

const LeaseSchema = z.strictObject({
  level: count.describe('0 = 24 h, 1 = 48 h, ... 4 = 14 days'),
  start: time,
  end: time,
});

export const BounceRecordSchema = z.strictObject({
  address: text.describe('lower-cased'),
  hardBounces: count,
  suppressedSends: count,
  firstBounceAt: time,
  lastBounceAt: time,
  lastFingerprint: text,
  lastMessageId: text,
  lastStatus: text,
  lastSmtpStatusCode: maybeText,
  lastEnhancedSmtpStatusCode: maybeText,
  lastFailureReason: maybeText,
  lastFailureMessage: maybeText,
  bounceTimes: z.array(time).describe('one per message: its earliest Bounced record'),
  bounceEvents: z.array(z.tuple([time, text])).describe('the Bounced records as [time, messageId], newest 64'),
  lease: LeaseSchema.nullable().describe("the forecast ACS suppression lease"),
});

const SoftBounceRecordSchema = z.strictObject({
  address: text.describe('lower-cased'),
  escalated: z.literal('soft_bounce').nullable().describe('set while the run since the latest delivery has crossed'),
  escalations: count.describe('crossings alerted (newest 64 kept)'),
  lastEscalatedAt: maybeTime,
  lastAlertId: maybeText,
  softFailures: count.describe('messages that soft-failed since the latest delivery'),
  lastSoftFailureAt: maybeTime,
  lastDeliveredAt: maybeTime,
});

export const SuppressionDocumentSchema = z
  .strictObject({
    address: text.describe('lower-cased'),
    hardBounced: z.boolean(),
    likelySuppressedNow: z.boolean(),
    suppressedUntil: maybeTime,
    record: BounceRecordSchema.nullable(),
    softBounce: SoftBounceRecordSchema.nullable().describe('soft-bounce escalation (docs/soft-bounces.md); null when the address never soft-failed or delivered since the feature is on'),
  })
  .describe('the same document as `check --json`');

const continuation = z.string().nullable().describe('pass as `continuation` (with the same other parameters) for the next page; null on the last page');

export const BounceListSchema = z
  .strictObject({ bounces: z.array(BounceRecordSchema).describe("by address (the registry's key order: lower-cased, with % / \\ # ? | and control characters %-escaped; a very long address by its hash), so a page is read from storage alone"), continuation })
  .describe('the same document as `bounces --json`');

const HardBounceAlertSchema = z.strictObject({
  schema: z.literal('acs-email-ledger.alert/v1'),
  type: z.literal('hard_bounce'),
  id: text,
  messageId: text,
  recipient: text,
  status: text,
  suppressed: z.boolean(),
  smtpStatusCode: maybeText,
  enhancedSmtpStatusCode: maybeText,
  failureReason: maybeText,
  failureMessage: maybeText,
  senderDomain: maybeText,
  senderUsername: maybeText,
  resourceId: maybeText,
  recordTime: time,
  detectedAt: time,
});

const BounceRateAlertSchema = z.strictObject({
  schema: z.literal('acs-email-ledger.alert/v1'),
  type: z.literal('bounce_rate'),
  id: text,
  level: z.enum(['warning', 'critical']),
  senderDomain: text,
  windowHours: z.number().positive(),
  windowEnd: time,
  sends: count,
  hardBounces: count,
  rate: z.number().min(0).max(1),
  threshold: z.number(),
  detectedAt: time,
});

const SoftBounceEscalationAlertSchema = z.strictObject({
  schema: z.literal('acs-email-ledger.alert/v1'),
  type: z.literal('soft_bounce_escalation'),
  id: text,
  recipient: text,
  since: time.nullable().describe("the Delivered time that opened the run that crossed; null for the address's first run"),
  threshold: count,
  windowDays: z.number().positive(),
  messageIds: z.array(text).describe('the messages that made the crossing, oldest first'),
  firstFailureAt: time,
  crossedAt: time,
  smtpStatusCode: maybeText,
  detectedAt: time,
});

const SinkStateSchema = z.discriminatedUnion('state', [
  z.strictObject({
    state: z.literal('delivered'),
    at: time,
    note: text.optional().describe('why the sink had nothing to do, e.g. "skipped: no suppression list for sender domain ..."'),
  }),
  z.strictObject({ state: z.literal('pending'), lastError: text.optional() }),
  z.strictObject({ state: z.literal('failed'), lastError: text, status: z.number().int().optional(), responseBody: text.optional() }),
]);

const AlertListItemSchema = z.strictObject({
  id: text,
  type: text,
  state: z.enum(['pending', 'delivered', 'failed']),
  messageId: maybeText,
  recipient: maybeText,
  status: maybeText,
  suppressed: z.boolean().nullable(),
  senderDomain: maybeText,
  attempts: count,
  lastError: text,
  createdAt: time,
  deliveredAt: text.describe('ISO 8601 time, or "" while not delivered'),
  sinks: z.record(z.string(), SinkStateSchema).describe('delivery state per sink name'),
  alert: z.discriminatedUnion('type', [HardBounceAlertSchema, BounceRateAlertSchema, SoftBounceEscalationAlertSchema]),
});

export const AlertListSchema = z
  .strictObject({ alerts: z.array(AlertListItemSchema).describe('oldest first (createdAt, then id); storage keeps alerts by id, so each page reads every alert of the filter'), continuation })
  .describe('the same document as `alerts --json`');

const DeadLetterSchema = z.strictObject({
  id: text,
  reasonCode: text,
  reason: text,
  path: maybeText,
  category: maybeText,
  location: text.describe('where the record came from: file and line, or Event Hubs partition and sequence number'),
  raw: text,
  rawLength: count,
  truncated: z.boolean(),
  deadLetteredAt: time,
});

export const DeadLetterListSchema = z
  .strictObject({ deadLetters: z.array(DeadLetterSchema).describe('in the order of their origin (file and line, or partition and sequence number); storage keeps them by id, so each page reads every dead letter of the filter'), continuation })
  .describe('the same document as `deadletters --json`');

/** 400 and 404: what was wrong and which parameter it was. */
export const ParamErrorSchema = z.strictObject({ error: text, param: text.describe('the query or path parameter at fault') });

/** 503 (storage did not answer in time: retry later) and 500 (a fault of the app: see its logs), never a stack trace. */
export const FailureSchema = z.strictObject({ error: text, retryable: z.boolean() });
