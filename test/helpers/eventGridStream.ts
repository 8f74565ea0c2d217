/**
 * Event Grid reports for a log stream: what an ACS resource with both a diagnostic setting and an Event
 * Grid subscription sends. Every recipient status record and engagement record of the logs gets the
 * Event Grid event ACS would publish for it (same message, recipient and status, its own time a few
 * seconds off and its own event id), in either envelope; plus reports the logs never carried.
 */
type RawRecord = Record<string, unknown>;

export const EG_TOPIC = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs';
const DELIVERY = 'Microsoft.Communication.EmailDeliveryReportReceived';
const ENGAGEMENT = 'Microsoft.Communication.EmailEngagementTrackingReportReceived';

const STATUS_MESSAGES: ReadonlyMap<string, string> = new Map([
  ['Delivered', 'No error.'],
  ['Bounced', '550 5.1.1 The email account that you tried to reach does not exist.'],
  ['Failed', '452 4.2.2 The recipient mailbox is full.'],
  ['Suppressed', 'The recipient is on the suppression list.'],
]);

/** Seconds added to a log time, so that the two sources disagree on the instant as they do in the wild. */
function shifted(time: string, seconds: number): string {
  return new Date(Date.parse(time) + seconds * 1000).toISOString();
}

export interface EventGridEnvelope {
  readonly cloudEvents: boolean;
}

export function eventGridEvent(type: 'delivery' | 'engagement', id: string, messageId: string, time: string, data: RawRecord, { cloudEvents }: EventGridEnvelope): RawRecord {
  const subject = `sender/DoNotReply@example.net/message/${messageId}`;
  const eventType = type === 'delivery' ? DELIVERY : ENGAGEMENT;
  const body = { sender: 'DoNotReply@example.net', messageId, ...data };
  return cloudEvents
    ? { id, source: EG_TOPIC, subject, type: eventType, time, specversion: '1.0', datacontenttype: 'application/json', data: body }
    : { id, topic: EG_TOPIC, subject, eventType, eventTime: time, dataVersion: '1.0', metadataVersion: '1', data: body };
}

export function deliveryReport(id: string, messageId: string, recipient: string, status: string, time: string, envelope: EventGridEnvelope, statusMessage = STATUS_MESSAGES.get(status) ?? null): RawRecord {
  return eventGridEvent('delivery', id, messageId, time, {
    recipient,
    internetMessageId: `<${id}@example.net>`,
    status: id.endsWith('1') ? status.toLowerCase() : status,
    deliveryStatusDetails: { statusMessage, recipientMailServerHostName: 'mx.example.org' },
    deliveryAttemptTimestamp: time,
  }, envelope);
}

export function engagementReport(id: string, messageId: string, recipient: string, engagementType: string, time: string, url: string | undefined, envelope: EventGridEnvelope): RawRecord {
  return eventGridEvent('engagement', id, messageId, time, {
    recipient,
    userActionTimestamp: time,
    engagementContext: url ?? '',
    userAgent: `eg-agent-${time}`,
    engagementType: engagementType.toLowerCase(),
  }, envelope);
}

const lower = (r: RawRecord): Record<string, unknown> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v]));

/** The Event Grid mirror of a log stream's recipient records (message-level, send and usage records have none). */
export function eventGridMirror(logs: readonly RawRecord[], shiftSeconds = 4): RawRecord[] {
  const out: RawRecord[] = [];
  logs.forEach((record, i) => {
    const top = lower(record);
    const p = lower((top['properties'] ?? {}) as RawRecord);
    const category = String(top['category'] ?? '');
    const messageId = String(top['correlationid'] ?? '');
    const time = shifted(String(top['time']), shiftSeconds + (i % 3));
    const recipient = typeof p['recipientid'] === 'string' ? p['recipientid'] : '';
    const envelope = { cloudEvents: i % 2 === 0 };
    const id = `eg-${String(i).padStart(4, '0')}`;
    if (category === 'EmailStatusUpdateOperational' && recipient !== '') {
      out.push(deliveryReport(id, messageId, recipient, String(p['deliverystatus']), time, envelope));
    } else if (category === 'EmailUserEngagementOperational' && recipient !== '') {
      out.push(engagementReport(id, messageId, recipient, String(p['engagementtype']), time, typeof p['engagementcontext'] === 'string' ? p['engagementcontext'] : undefined, envelope));
    }
  });
  return out;
}
