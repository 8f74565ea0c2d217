import { z } from 'zod';

/**
 * The response documents of the queries: what `--json` prints and what the HTTP API returns, field for
 * field. The OpenAPI document is generated from these schemas (z.toJSONSchema), so a field the query
 * functions return must be declared here; the tests validate real responses against them.
 */

const time = z.string().describe('UTC time, ISO 8601 with 7 fractional digits (2026-11-30T14:05:06.1234567Z)');
const continuation = z
  .string()
  .nullable()
  .describe('Opaque token: pass it as `continuation` with the same other parameters for the next page; null on the last page');
const rowsRead = z.number().int().nonnegative().describe('Index rows this answer read from storage (its cost)');
const count = z.number().int().nonnegative();
const statusCounts = z
  .record(z.string(), z.number().int())
  .describe('Recipients by current status, each ACS status name its own key ("(none)" = no status record yet)');

export const recipientMessageSchema = z.object({
  messageId: z.string(),
  /** The message's time (index order). */
  time,
  status: z.string().nullable().describe("This recipient's current delivery status"),
  statusTime: z.string().nullable(),
  smtpStatusCode: z.string().nullable(),
  enhancedSmtpStatusCode: z.string().nullable(),
  hardBounce: z.boolean(),
  senderDomain: z.string().nullable(),
  views: count,
  clicks: count,
});

export const recipientMessagesDocumentSchema = z.object({
  address: z.string().describe('The address as asked; matched case-insensitively'),
  messages: z.array(recipientMessageSchema).describe('Newest first'),
  continuation,
  rowsRead,
});

export const windowMessageSchema = z.object({
  messageId: z.string(),
  time,
  timeSource: z.enum(['send', 'status', 'record']).describe('Where `time` comes from: the SendMail record, else the first status record, else the first record'),
  senderDomain: z.string().nullable(),
  recipients: count,
  statusCounts,
  hardBounces: count,
  recipientDomains: z.array(z.string()),
  views: count,
  clicks: count,
  failures: z.array(z.string()).describe('Failure keys of its recipients (the `failure` filter; see GET /api/failures)'),
});

export const messagesDocumentSchema = z.object({
  from: time.describe('Window start, inclusive'),
  to: time.describe('Window end, exclusive'),
  messages: z.array(windowMessageSchema).describe('Newest first, filtered'),
  continuation,
  rowsRead,
});

const rate = z.number().min(0).nullable();

export const statsCountsSchema = z.object({
  recipients: count,
  statuses: statusCounts,
  finalRecipients: count.describe('Recipients whose status is final: Delivered, Bounced, Suppressed, Failed, Quarantined, FilteredSpam'),
  hardBounces: count,
  viewers: count.describe('Recipients with at least one view'),
  clickers: count.describe('Recipients with at least one click'),
  views: count,
  clicks: count,
  deliveryRate: rate.describe('Delivered / finalRecipients; null when finalRecipients is 0'),
  hardBounceRate: rate.describe('hardBounces / finalRecipients; null when finalRecipients is 0'),
  openRate: rate.describe('viewers / Delivered; null when no recipient is Delivered'),
  clickRate: rate.describe('clickers / Delivered; null when no recipient is Delivered'),
});

export const statsRowSchema = statsCountsSchema.extend({
  bucket: z.string().describe('The hour (2026-11-30T14) or UTC day (2026-11-30)'),
  group: z
    .string()
    .nullable()
    .describe('The sender domain, recipient domain or provider of the row ("" = unknown sender or an address without @); null with group=none'),
});

export const statsDocumentSchema = z.object({
  from: time.describe('Start of the first bucket'),
  to: time.describe('End of the last bucket (exclusive)'),
  by: z.enum(['hour', 'day']),
  group: z.enum(['none', 'sender-domain', 'recipient-domain', 'provider']),
  rows: z.array(statsRowSchema).describe('By bucket, then group'),
  totals: statsCountsSchema,
  rowsRead,
});

export const verifyDifferenceSchema = z.object({
  kind: z.enum(['sum', 'time', 'recipient', 'pointer']),
  partitionKey: z.string(),
  rowKey: z.string(),
  messageId: z.string().nullable(),
  reason: z.string(),
  expected: z.string().nullable().describe('What the messages table implies (JSON), null if the row should not exist'),
  actual: z.string().nullable().describe('What the index holds (JSON), null if the row is missing'),
});

export const verifyDocumentSchema = z.object({
  from: time,
  to: time,
  consistent: z.boolean(),
  messagesChecked: count,
  messagesNotIndexed: count.describe('Messages that cannot be indexed yet (no record time, or a row from before digests)'),
  rowsRead: count.describe('Rows read from the messages and index tables'),
  differences: z.array(verifyDifferenceSchema),
});

export const failureRowSchema = z.object({
  status: z.string().describe('The final status: Bounced, Suppressed, Failed, Quarantined or FilteredSpam'),
  smtpStatusCode: z.string().nullable(),
  enhancedSmtpStatusCode: z.string().nullable(),
  failureReason: z.string().nullable().describe("ACS's FailureReason (a category such as BadDestinationMailboxAddress), at most 100 characters"),
  failure: z.string().describe('The failure key: status/smtp/enhanced/reason, each percent-encoded; the `failure` filter of GET /api/messages'),
  recipients: count.describe('Recipients whose current status is this failure, of messages in the window'),
});

export const failuresDocumentSchema = z.object({
  from: time.describe('Start of the first hour counted'),
  to: time.describe('End of the last hour counted (exclusive)'),
  failures: z.array(failureRowSchema).describe('Biggest first, at most `limit`'),
  totalFailed: count.describe('Recipients in a failure status in the window, over every failure (not only the ones listed)'),
  rowsRead,
});

export const clicksDocumentSchema = z.object({
  from: time.describe('Start of the first UTC day counted'),
  to: time.describe('End of the last UTC day counted (exclusive)'),
  urls: z
    .array(
      z.object({
        url: z.string().describe('The link: scheme, host and path, without query or fragment, at most 300 characters'),
        clickers: count.describe('Recipients of messages in the window who clicked it (a recipient of two messages counts twice)'),
      }),
    )
    .describe('Biggest first, at most `limit`'),
  rowsRead,
});

export const guardrailDocumentSchema = z.object({
  at: time.describe('The time asked for: the window is the `windowHours` whole hours ending with its hour'),
  windowHours: count,
  minSends: count.describe('Below this many sends in the window, a domain is ok whatever its rate'),
  warning: z.number().describe('Hard-bounce rate of the warning level'),
  critical: z.number().describe('Hard-bounce rate of the critical level'),
  domains: z
    .array(
      z.object({
        senderDomain: z.string(),
        sends: count.describe('Recipients sent to in the window (the guardrail counters)'),
        hardBounces: count,
        rate: z.number().min(0).nullable().describe('hardBounces / sends; null with no sends'),
        level: z.enum(['ok', 'warning', 'critical']),
      }),
    )
    .describe('Sender domains with sends or hard bounces in the window: critical first, then warning, then by rate'),
  rowsRead: count.describe('Guardrail rows this answer read from storage (its cost)'),
});

export const queryErrorDocumentSchema = z.object({
  error: z.string().describe('Why the parameter is wrong'),
  param: z.string().describe('The parameter, named as in the query string (the CLI flag without --)'),
});

export type RecipientMessage = z.infer<typeof recipientMessageSchema>;
export type RecipientMessagesDocument = z.infer<typeof recipientMessagesDocumentSchema>;
export type WindowMessage = z.infer<typeof windowMessageSchema>;
export type MessagesDocument = z.infer<typeof messagesDocumentSchema>;
export type StatsCounts = z.infer<typeof statsCountsSchema>;
export type StatsRow = z.infer<typeof statsRowSchema>;
export type StatsDocument = z.infer<typeof statsDocumentSchema>;
export type VerifyDifference = z.infer<typeof verifyDifferenceSchema>;
export type VerifyDocument = z.infer<typeof verifyDocumentSchema>;
export type FailureRow = z.infer<typeof failureRowSchema>;
export type FailuresDocument = z.infer<typeof failuresDocumentSchema>;
export type ClicksDocument = z.infer<typeof clicksDocumentSchema>;
export type GuardrailDocument = z.infer<typeof guardrailDocumentSchema>;
export type QueryErrorDocument = z.infer<typeof queryErrorDocumentSchema>;
