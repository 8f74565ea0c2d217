import { field } from './countSamples.js';
import { at, assert, isPlainObject, type Json, type JsonObject } from './json.js';
import { type Generator, type Kind } from './model.js';
import { Rng } from './random.js';
import { EVENTGRID_DELIVERIES, EVENTGRID_ENGAGEMENT, SEED } from './settings.js';
import { canonicalTime, formatTime, EPOCH_MS, TICKS_PER_MS, SECOND, MINUTE, HOUR } from './time.js';
import { CAT_ENGAGEMENT, CAT_STATUS, SUBSCRIPTION, USER_AGENTS } from './vocabulary.js';

// ---------------------------------------------------------------------------------------------------
// The same sends, seen a second way: Event Grid delivery and engagement reports (docs/event-grid.md)

export const DELIVERY_TYPE = 'Microsoft.Communication.EmailDeliveryReportReceived';
export const ENGAGEMENT_TYPE = 'Microsoft.Communication.EmailEngagementTrackingReportReceived';
/** A mailbox only Event Grid ever reports (it hard-bounces in the log gap). */
const LOST_MAILBOX = 'old.mailbox@corp.example.com';
const TOPIC = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-email-demo/providers/Microsoft.Communication/communicationServices/acs-email-demo`;

export interface EgItem {
  readonly kind: Kind;
  readonly value?: Json;
  readonly rawLine?: string;
  readonly arrival: number;
  readonly badReason?: string;
  readonly badIssueCode?: string;
}

/** What the README and the expected counts say about the Event Grid files, beyond what a reader counts. */
export interface EventGridNotes {
  readonly subscriptionStart: string;
  readonly eventGridOnlyMessages: readonly string[];
  readonly lateBounces: readonly { messageId: string; recipient: string; time: string }[];
  readonly extraViews: readonly { messageId: string; recipient: string }[];
  readonly redeliveredEventIds: readonly string[];
}

export interface EventGridStream {
  readonly deliveries: EgItem[];
  readonly engagement: EgItem[];
  readonly notes: EventGridNotes;
}

/** 100 ns ticks since the samples' epoch, of a canonical 7-digit time. */
function ticksOf(canonical: string): number {
  return (Date.parse(canonical.slice(0, 19) + 'Z') - EPOCH_MS) * TICKS_PER_MS + Number(canonical.slice(20, 27));
}

/** Event Grid writes data timestamps with an offset (docs/event-grid.md section 2). */
const offsetTime = (ticks: number): string => formatTime(ticks, '7Z').replace('Z', '+00:00');

function statusMessage(status: string, properties: Record<string, unknown>): string {
  const failure = field(properties, 'FailureMessage');
  if (typeof failure === 'string' && failure !== '') return failure;
  if (status === 'Suppressed') return field(properties, 'IsHardBounce') === false ? 'Recipient has opted out of email from this sender.' : 'Recipient is on the suppression list because of an earlier hard bounce.';
  return '';
}

/**
 * Generates the Event Grid stream from the log records already generated. Its own PRNG (seeded from the
 * same seed) leaves the log files byte-identical to what they were before Event Grid was added.
 */
export function generateEventGrid(gen: Generator): EventGridStream {
  const rng = new Rng(SEED + 12);
  const messages = new Map(gen.messages.map((m) => [m.id, m]));
  const bySend = [...gen.messages].sort((a, b) => a.sendTicks - b.sendTicks);
  // The event subscription was created after the 160th send (of 400): reports from then on, logs all along.
  const start = at(bySend, 160).sendTicks;
  const deliveries: EgItem[] = [];
  const engagement: EgItem[] = [];
  const imid = (messageId: string, domain: string): string => `<${messageId.slice(0, 8)}.${messageId.slice(9, 13)}.${messageId.slice(14, 18)}@${domain}>`;

  const deliveryEvent = (o: { messageId: string; sender: string; domain: string; recipient: string; status: string; message: string; ticks: number }): EgItem => {
    const suppressed = o.status === 'Suppressed';
    const data: JsonObject = { sender: o.sender, recipient: o.recipient };
    if (!suppressed) data['internetMessageId'] = imid(o.messageId, o.domain);
    data['messageId'] = o.messageId;
    data['status'] = rng.chance(0.05) ? o.status.toLowerCase() : o.status;
    const details: JsonObject = { statusMessage: o.message };
    if (!suppressed) details['recipientMailServerHostName'] = `mx.${o.recipient.split('@')[1] ?? ''}`;
    data['deliveryStatusDetails'] = details;
    data[rng.chance(0.04) ? 'deliveryAttemptTimeStamp' : 'deliveryAttemptTimestamp'] = offsetTime(o.ticks - rng.int(0, 9_000_000));
    const publish = o.ticks + rng.int(2 * SECOND, 150 * SECOND);
    const value = { id: rng.guid(), topic: TOPIC, subject: `sender/${o.sender}/message/${o.messageId}`, data, eventType: DELIVERY_TYPE, dataVersion: '1.0', metadataVersion: '1', eventTime: formatTime(publish, '7Z') };
    return { kind: 'valid', value, arrival: publish + rng.int(SECOND / 10, 3 * SECOND) };
  };
  const engagementEvent = (o: { messageId: string; sender: string; recipient: string; type: string; link: string; agent: string; internetMessageId?: string; ticks: number }): EgItem => {
    const data: JsonObject = { sender: o.sender, recipient: o.recipient, messageId: o.messageId };
    if (o.internetMessageId !== undefined) data['internetMessageId'] = o.internetMessageId;
    data['userActionTimestamp'] = offsetTime(o.ticks - rng.int(0, 5_000_000));
    data['engagementContext'] = o.link;
    data['userAgent'] = o.agent;
    data['engagementType'] = rng.chance(0.05) ? o.type : o.type.toLowerCase();
    const publish = o.ticks + rng.int(SECOND / 2, 20 * SECOND);
    const value = { id: rng.guid(), source: TOPIC, subject: `sender/${o.sender}/message/${o.messageId}`, data, type: ENGAGEMENT_TYPE, time: formatTime(publish, '7Z'), specversion: '1.0' };
    return { kind: 'valid', value, arrival: publish + rng.int(SECOND / 10, 3 * SECOND) };
  };

  // 1. Every recipient-level status and every engagement the logs record from the subscription's start on.
  const pairsSeen = new Map<string, { messageId: string; recipient: string; statuses: string[]; ticks: number; sender: string; domain: string }>();
  const engaged: { messageId: string; recipient: string; sender: string; ticks: number }[] = [];
  for (const item of gen.items) {
    if (item.kind !== 'valid' || !isPlainObject(item.value)) continue;
    const category = field(item.value, 'category');
    if (category !== CAT_STATUS && category !== CAT_ENGAGEMENT) continue;
    const p = field(item.value, 'properties');
    assert(isPlainObject(p), 'log record without properties');
    const recipient = String(field(p, 'RecipientId'));
    const time = canonicalTime(field(item.value, 'time'));
    assert(time !== null, 'log record without time');
    const ticks = ticksOf(time);
    const messageId = String(field(item.value, 'correlationId'));
    const message = messages.get(messageId);
    assert(message, `log record of unknown message ${messageId}`);
    const sender = `${message.username}@${message.sender.domain}`;
    if (recipient === '' || ticks < start) continue;
    if (category === CAT_STATUS) {
      const status = String(field(p, 'DeliveryStatus'));
      deliveries.push(deliveryEvent({ messageId, sender, domain: message.sender.domain, recipient, status, message: statusMessage(status, p), ticks }));
      const key = `${messageId} ${recipient}`;
      const seen = pairsSeen.get(key) ?? { messageId, recipient, statuses: [], ticks, sender, domain: message.sender.domain };
      seen.statuses.push(status);
      pairsSeen.set(key, seen);
    } else {
      const type = String(field(p, 'EngagementType'));
      const link = field(p, 'EngagementContext');
      const internetMessageId = field(p, 'InternetMessageId');
      engagement.push(engagementEvent({ messageId, sender, recipient, type, link: typeof link === 'string' ? link : '', agent: String(field(p, 'UserAgent')), ...(typeof internetMessageId === 'string' ? { internetMessageId } : {}), ticks }));
      if (type === 'View') engaged.push({ messageId, recipient, sender, ticks });
    }
  }

  // 2. Four views the logs lost (resource logs are not lossless): Event Grid's count is the higher one.
  const extraViews: { messageId: string; recipient: string }[] = [];
  for (let k = 0; k < 4; k++) {
    const v = at(engaged, Math.floor(((k + 0.5) * engaged.length) / 4));
    engagement.push(engagementEvent({ messageId: v.messageId, sender: v.sender, recipient: v.recipient, type: 'View', link: '', agent: rng.pick(USER_AGENTS), ticks: v.ticks + rng.int(7, 40) * MINUTE }));
    extraViews.push({ messageId: v.messageId, recipient: v.recipient });
  }

  // 3. Two asynchronous bounces after Delivered that only Event Grid reports (addresses sent to once).
  const sendsTo = new Map<string, number>();
  for (const m of gen.messages) for (const r of m.recipients) sendsTo.set(r, (sendsTo.get(r) ?? 0) + 1);
  const onlyDelivered = [...pairsSeen.values()].filter((s) => s.statuses.length === 1 && s.statuses[0] === 'Delivered' && sendsTo.get(s.recipient) === 1);
  const lateBounces: { messageId: string; recipient: string; time: string }[] = [];
  for (const k of [0.3, 0.7]) {
    const s = at(onlyDelivered, Math.floor(k * onlyDelivered.length));
    const ticks = s.ticks + rng.int(2 * HOUR, 3 * HOUR);
    deliveries.push(deliveryEvent({ ...s, status: 'Bounced', message: `550 5.1.1 <${s.recipient}>: Recipient address rejected: User unknown in virtual mailbox table`, ticks }));
    lateBounces.push({ messageId: s.messageId, recipient: s.recipient, time: formatTime(ticks, '7Z') });
  }

  // 4. Eight messages whose logs were lost in a 20-minute gap: they exist only in Event Grid.
  const gapStart = at(bySend, 250).sendTicks;
  const eventGridOnlyMessages: string[] = [];
  for (let k = 0; k < 8; k++) {
    const like = rng.pick(bySend);
    const messageId = rng.guid();
    eventGridOnlyMessages.push(messageId);
    const sender = `${like.username}@${like.sender.domain}`;
    const sendTicks = gapStart + rng.int(0, 20 * MINUTE);
    assert(!sendsTo.has(LOST_MAILBOX), `${LOST_MAILBOX} is already a log recipient`);
    const recipients = k === 3 ? [LOST_MAILBOX] : Array.from({ length: rng.int(1, 3) }, () => rng.pick(gen.good)).filter((r, i, all) => all.indexOf(r) === i);
    for (const recipient of recipients) {
      const ticks = sendTicks + rng.int(2 * SECOND, 40 * SECOND);
      const status = k === 3 ? 'Bounced' : k === 6 ? 'FilteredSpam' : 'Delivered';
      const message = status === 'Bounced' ? '550 5.1.1 The email account that you tried to reach does not exist.' : status === 'FilteredSpam' ? '550 5.7.1 Message rejected as spam by Content Filtering.' : '';
      deliveries.push(deliveryEvent({ messageId, sender, domain: like.sender.domain, recipient, status, message, ticks }));
      if (status === 'Delivered' && like.sender.tracking && rng.chance(0.5)) {
        engagement.push(engagementEvent({ messageId, sender, recipient, type: 'View', link: '', agent: rng.pick(USER_AGENTS), ticks: ticks + rng.int(1, 90) * MINUTE }));
      }
    }
  }

  // 5. Retries (same event id, same content), two SMS reports on a subscription without a type filter, two defects.
  const redeliveredEventIds: string[] = [];
  const redeliver = (list: EgItem[], count: number): void => {
    const originals = list.filter((i) => i.kind === 'valid');
    for (let k = 0; k < count; k++) {
      const original = at(originals, Math.floor(((k + 0.5) * originals.length) / count));
      const id = isPlainObject(original.value) ? original.value['id'] : undefined;
      assert(typeof id === 'string', 'redelivering an event without id');
      redeliveredEventIds.push(id);
      list.push({ kind: 'duplicate', value: original.value, arrival: original.arrival + rng.int(1, 40) * MINUTE });
    }
  };
  redeliver(deliveries, 6);
  redeliver(engagement, 3);
  for (let k = 0; k < 2; k++) {
    const ticks = rng.int(start, gapStart);
    const messageId = `Outgoing_20250314${rng.hex(14)}_noam`;
    const data = { MessageId: messageId, From: '15555550100', To: `1555555${rng.int(1000, 1999)}`, DeliveryStatus: 'Delivered', DeliveryStatusDetails: 'No error.', DeliveryAttempts: [{ Timestamp: formatTime(ticks, '3Z'), SegmentsSucceeded: 1, SegmentsFailed: 0 }], ReceivedTimestamp: formatTime(ticks + 2 * SECOND, '3Z'), Tag: 'reminder' };
    const value = { id: rng.guid(), topic: TOPIC, subject: `/phonenumber/${data.To}`, data, eventType: 'Microsoft.Communication.SMSDeliveryReportReceived', dataVersion: '1.0', metadataVersion: '1', eventTime: formatTime(ticks + 3 * SECOND, '7Z') };
    deliveries.push({ kind: 'foreign', value, arrival: ticks + 4 * SECOND });
  }
  const donor = at(deliveries.filter((i) => i.kind === 'valid'), 17);
  assert(isPlainObject(donor.value) && isPlainObject(donor.value['data']), 'no donor event');
  const withoutMessageId: JsonObject = { ...donor.value['data'] };
  delete withoutMessageId['messageId'];
  deliveries.push({ kind: 'bad', value: { ...donor.value, id: rng.guid(), subject: '', data: withoutMessageId }, arrival: donor.arrival + 1, badReason: 'delivery report without data.messageId, and an empty subject (nowhere to take the message id from)', badIssueCode: 'missing_correlation_id' });
  const truncated = JSON.stringify(at(engagement, 30).value).slice(0, 180);
  engagement.push({ kind: 'bad', rawLine: truncated, arrival: at(engagement, 30).arrival + 1, badReason: 'truncated CloudEvent line (cut off mid-way)', badIssueCode: 'invalid_json' });

  const byArrival = (a: EgItem, b: EgItem): number => a.arrival - b.arrival;
  deliveries.sort(byArrival);
  engagement.sort(byArrival);
  return { deliveries, engagement, notes: { subscriptionStart: formatTime(start, '7Z'), eventGridOnlyMessages, lateBounces, extraViews, redeliveredEventIds } };
}

/** deliveries.json: one JSON array, one event per line; engagement.ndjson: one CloudEvent per line. */
export function renderEventGrid(stream: EventGridStream): { path: string; content: string }[] {
  const text = (i: EgItem): string => i.rawLine ?? JSON.stringify(i.value);
  return [
    { path: EVENTGRID_DELIVERIES, content: '[\n' + stream.deliveries.map(text).join(',\n') + '\n]\n' },
    { path: EVENTGRID_ENGAGEMENT, content: stream.engagement.map(text).join('\n') + '\n' },
  ];
}
