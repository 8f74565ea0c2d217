import { at, type Json, type JsonObject } from './json.js';
import { type Dest, type Generator, type MessageInfo } from './model.js';
import { SECOND, formatTime } from './time.js';
import { RESOURCE_ID, CAT_SEND, CAT_STATUS, CAT_ENGAGEMENT, CAT_USAGE } from './vocabulary.js';

// -------------------------------------------------------------------------------------------------
// Dead-letter material: one of each kind of defect

export function generateBad(gen: Generator): void {
  const rng = gen.rng;
  const msgAt = (i: number): MessageInfo => at(gen.messages, i);
  const bad = (value: Json | undefined, rawLine: string | undefined, ticks: number, forced: Dest, reason: string, code: string): void => {
    gen.add({
      kind: 'bad',
      ...(value === undefined ? {} : { value }),
      ...(rawLine === undefined ? {} : { rawLine }),
      arrival: ticks + gen.latency(),
      forced,
      badReason: reason,
      badIssueCode: code,
      noDuplicate: true,
    });
  };
  const statusProps = (m: MessageInfo, recipient: string, extra: JsonObject): JsonObject => ({
    OperationType: 'DeliveryStatusUpdate',
    OperationCategory: CAT_STATUS,
    RecipientId: recipient,
    ...extra,
    SenderDomain: m.sender.domain,
    SenderUsername: m.username,
  });
  const env = (ticks: number, category: string | undefined, op: string, corr: string | undefined, properties: Json | undefined, timeText?: string | null): JsonObject => {
    const r: JsonObject = {};
    if (timeText !== null) r['time'] = timeText ?? formatTime(ticks, '7Z');
    r['resourceId'] = RESOURCE_ID;
    r['location'] = 'eastus';
    r['operationName'] = op;
    r['operationVersion'] = op === 'SendMail' ? '2023-03-31' : '1.0';
    if (category !== undefined) r['category'] = category;
    if (corr !== undefined) r['correlationId'] = corr;
    if (properties !== undefined) r['properties'] = properties;
    return r;
  };
  const t = (m: MessageInfo, seconds: number): number => m.sendTicks + seconds * SECOND + rng.int(0, SECOND - 1);

  // 1. SendMail without correlationId (events).
  {
    const m = msgAt(22);
    bad(
      env(m.sendTicks + 7, CAT_SEND, 'SendMail', undefined, {
        OperationType: 'SendMail', OperationCategory: CAT_SEND, Size: 0.012003, ToRecipientsCount: 1, CcRecipientsCount: 0,
        BccRecipientsCount: 0, UniqueRecipientsCount: 1, AttachmentsCount: 0, TrafficSource: 'Email .NET SDK',
      }),
      undefined, m.sendTicks, 'events', 'EmailSendMailOperational record without correlationId (the message id)', 'missing_correlation_id',
    );
  }
  // 2. properties is a string, not an object (batches): a truncated, stringified blob.
  {
    const m = msgAt(48);
    const blob = JSON.stringify(statusProps(m, at(m.recipients, 0), { DeliveryStatus: 'Delivered', SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', IsHardBounce: false }));
    bad(env(t(m, 31), CAT_STATUS, 'DeliveryStatusUpdate', m.id, blob.slice(0, Math.floor(blob.length * 0.7))), undefined, t(m, 31), 'batches',
      '"properties" is a string (a truncated, stringified JSON blob), not an object', 'properties_not_object');
  }
  // 3. Status record without DeliveryStatus (archive).
  {
    const m = msgAt(71);
    bad(env(t(m, 19), CAT_STATUS, 'DeliveryStatusUpdate', m.id, statusProps(m, at(m.recipients, 0), { SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', IsHardBounce: false })),
      undefined, t(m, 19), 'archive', 'status record without DeliveryStatus', 'missing_delivery_status');
  }
  // 4. Engagement record of an unknown shape, without RecipientId (archive).
  {
    const m = msgAt(at([...gen.messages.keys()].filter((i) => msgAt(i).sender.tracking && i > 100), 0));
    bad(env(t(m, 900), CAT_ENGAGEMENT, 'UserEngagementUpdate', m.id, {
      OperationType: 'UserEngagementUpdate', OperationCategory: CAT_ENGAGEMENT, EngagementType: 'Forward',
      Engagement: { Target: 'unknown', Count: 1 }, UserAgent: 'Mozilla/5.0',
    }), undefined, t(m, 900), 'archive', 'engagement record of an unknown shape (EngagementType "Forward", nested "Engagement" object) without RecipientId', 'missing_recipient');
  }
  // 5. A line that is not JSON at all (archive).
  {
    const m = msgAt(130);
    bad(undefined, '<?xml version="1.0" encoding="utf-8"?><Error><Code>OperationTimedOut</Code><Message>Operation could not be completed within the specified time.</Message></Error>',
      m.sendTicks, 'archive', 'NDJSON line that is not JSON (a storage error response appended to the blob)', 'invalid_json');
  }
  // 6. A truncated JSON line (archive).
  {
    const m = msgAt(166);
    const full = JSON.stringify(env(t(m, 12), CAT_STATUS, 'DeliveryStatusUpdate', m.id, statusProps(m, at(m.recipients, 0), { DeliveryStatus: 'Delivered', SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', IsHardBounce: false })));
    bad(undefined, full.slice(0, Math.floor(full.length * 0.62)), t(m, 12), 'archive', 'truncated JSON line (a status record cut off mid-way)', 'invalid_json');
  }
  // 7. A Usage record whose tags are malformed JSON, so the whole line fails to parse (archive).
  {
    const m = msgAt(205);
    const time = formatTime(m.sendTicks, '7Z');
    const line = JSON.stringify(env(m.sendTicks + 1_300_000, CAT_USAGE, 'Usage', m.id, {
      recordId: rng.guid(), usageType: 'Email', unitType: 'messages', quantity: m.recipients.length, startTime: time, endTime: time, tags: 'TAGS', correlationVector: `${rng.base64ish(16)}.0`,
    })).replace('"location":"eastus",', '').replace('"tags":"TAGS"', '"tags":{"costCenter":"marketing","env":}');
    bad(undefined, line, m.sendTicks, 'archive', 'Usage record whose "tags" value is malformed JSON, so the line does not parse', 'invalid_json');
  }
  // 8. Status record with a time that is not a time (archive).
  {
    const m = msgAt(222);
    bad(env(t(m, 25), CAT_STATUS, 'DeliveryStatusUpdate', m.id, statusProps(m, at(m.recipients, 0), { DeliveryStatus: 'Delivered', SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', IsHardBounce: false }), '14/03/2025 12:31:07'),
      undefined, t(m, 25), 'archive', 'status record whose time is not an ISO 8601 time ("14/03/2025 12:31:07")', 'invalid_time');
  }
  // 9. Status record without time (archive).
  {
    const m = msgAt(243);
    bad(env(t(m, 14), CAT_STATUS, 'DeliveryStatusUpdate', m.id, statusProps(m, at(m.recipients, 0), { DeliveryStatus: 'Delivered', SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', IsHardBounce: false }), null),
      undefined, t(m, 14), 'archive', 'status record without time', 'invalid_time');
  }
  // 10. Engagement record with an empty correlationId (archive).
  {
    const i = at([...gen.messages.keys()].filter((k) => msgAt(k).delivered.length > 0 && msgAt(k).sender.tracking && k > 260), 0);
    const m = msgAt(i);
    bad(env(t(m, 600), CAT_ENGAGEMENT, 'UserEngagementUpdate', '', {
      OperationType: 'UserEngagementUpdate', OperationCategory: CAT_ENGAGEMENT, RecipientId: at(m.delivered, 0), EngagementType: 'View', UserAgent: 'Mozilla/5.0',
    }), undefined, t(m, 600), 'archive', 'engagement record with correlationId ""', 'missing_correlation_id');
  }
  // 11. A records element that is a string, not an object (events).
  {
    const m = msgAt(280);
    bad(`${formatTime(m.sendTicks, '7Z')} ${CAT_STATUS} ${m.id} Delivered`, undefined, m.sendTicks, 'events', 'element of "records" that is a JSON string, not an object', 'not_an_object');
  }
  // 12. A record without category (archive).
  {
    const m = msgAt(300);
    bad(env(t(m, 9), undefined, 'DeliveryStatusUpdate', m.id, statusProps(m, at(m.recipients, 0), { DeliveryStatus: 'Delivered', SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', IsHardBounce: false })),
      undefined, t(m, 9), 'archive', 'status-shaped record without category (operationName DeliveryStatusUpdate, but no category/type)', 'missing_category');
  }
  // 13. Engagement record with RecipientId but no EngagementType (archive).
  {
    const i = at([...gen.messages.keys()].filter((k) => msgAt(k).delivered.length > 0 && msgAt(k).sender.tracking && k > 320), 0);
    const m = msgAt(i);
    bad(env(t(m, 400), CAT_ENGAGEMENT, 'UserEngagementUpdate', m.id, {
      OperationType: 'UserEngagementUpdate', OperationCategory: CAT_ENGAGEMENT, RecipientId: at(m.delivered, 0), UserAgent: 'Mozilla/5.0',
    }), undefined, t(m, 400), 'archive', 'engagement record without EngagementType', 'missing_engagement_type');
  }
  // 14. Status record whose IsHardBounce is neither a boolean nor "true"/"false" (batches).
  {
    const i = at([...gen.messages.keys()].filter((k) => msgAt(k).delivered.length > 0 && k > 335), 0);
    const m = msgAt(i);
    bad(env(t(m, 27), CAT_STATUS, 'DeliveryStatusUpdate', m.id, statusProps(m, at(m.delivered, 0), { DeliveryStatus: 'Delivered', SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', IsHardBounce: 'unknown' })),
      undefined, t(m, 27), 'batches', 'status record with IsHardBounce "unknown" (neither a boolean nor "true"/"false")', 'invalid_field');
  }
}
