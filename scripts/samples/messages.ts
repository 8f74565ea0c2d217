import { at, type Json, type JsonObject } from './json.js';
import { type Generator, type Item } from './model.js';
import { engagementRecords, type TrackedRecipient } from './engagement.js';
import { envelope } from './envelope.js';
import { MESSAGE_COUNT } from './settings.js';
import { SPECIALS, LATE_SENDMAIL } from './specials.js';
import { recipientStatuses, statusRecord } from './statuses.js';
import { SECOND, MINUTE, HOUR, formatTime } from './time.js';
import { usageRecords } from './usage.js';
import { CAT_SEND, SENDERS } from './vocabulary.js';

// ---------------------------------------------------------------------------------------------------
// Messages: a SendMail record and everything that follows from it

export function generateMessages(gen: Generator): void {
  let cursor = 8 * HOUR + gen.rng.int(0, 30 * SECOND);
  for (let index = 0; index < MESSAGE_COUNT; index++) {
    cursor += Math.round(gen.rng.chance(0.12) ? gen.rng.int(1, 3) * SECOND + gen.rng.int(0, SECOND) : gen.rng.exp(55 * SECOND));
    generateMessage(gen, index, cursor);
  }
}

function pickRecipient(gen: Generator, taken: Set<string>): string {
  for (;;) {
    const slot = gen.rng.weighted<'good' | 'nonexistent' | 'full' | 'optout'>([
      ['good', 0.928],
      ['nonexistent', 0.05],
      ['full', 0.022],
    ]);
    const pool = slot === 'good' ? gen.good : slot === 'nonexistent' ? gen.nonexistent : gen.fullMailboxes;
    const address = gen.rng.pick(pool);
    if (!taken.has(address)) return address;
  }
}

function generateMessage(gen: Generator, index: number, sendTicks: number): void {
  const rng = gen.rng;
  const special = SPECIALS.get(index);
  const sender = special
    ? at(SENDERS.filter((s) => s.domain === special.sender), 0)
    : rng.weighted(SENDERS.map((s) => [s, s.weight] as const));
  const username = rng.pick(sender.usernames);
  const messageId = rng.guid();
  const count = rng.weighted<number>([
    [1, 0.36],
    [2, 0.24],
    [3, 0.16],
    [4, 0.1],
    [5, 0.08],
    [6, 0.06],
  ]);
  const recipients: string[] = [];
  const taken = new Set<string>();
  // Two sends to addresses on the customer's opt-out list (Suppressed, IsHardBounce false).
  const forcedAddress = special?.address ?? (index === 70 ? gen.optedOut[0] : index === 260 ? gen.optedOut[1] : undefined);
  if (forcedAddress !== undefined) {
    recipients.push(forcedAddress);
    taken.add(forcedAddress);
  }
  while (recipients.length < Math.max(count, forcedAddress !== undefined ? 2 : 1)) {
    const address = pickRecipient(gen, taken);
    taken.add(address);
    recipients.push(address);
  }
  const unique = recipients.length;
  let cc = unique >= 2 && rng.chance(0.35) ? rng.int(1, Math.min(2, unique - 1)) : 0;
  const bcc = unique - cc >= 2 && rng.chance(0.2) ? 1 : 0;
  const to = unique - cc - bcc;
  // Now and then the same address is in To and Cc: the counts add up to one more than the unique count.
  if (unique >= 2 && rng.chance(0.06)) cc += 1;

  const attachments = rng.weighted<number>([
    [0, 0.75],
    [1, 0.18],
    [2, 0.05],
    [3, 0.02],
  ]);
  let size = 0.003 + rng.float() * 0.09;
  for (let a = 0; a < attachments; a++) size += 0.05 + rng.float() * 2.4;
  const sizeMb = Math.round(size * 1e6) / 1e6;
  const trafficSource = rng.chance(0.08) ? undefined : rng.pick(sender.trafficSources);

  const countsAsText = rng.chance(0.08);
  const n = (v: number): Json => (countsAsText ? String(v) : v);
  const sendProps: JsonObject = {
    OperationType: 'SendMail',
    OperationCategory: CAT_SEND,
    Size: rng.chance(0.1) ? sizeMb.toFixed(6) : sizeMb,
    ToRecipientsCount: n(to),
    CcRecipientsCount: n(cc),
    BccRecipientsCount: n(bcc),
    UniqueRecipientsCount: n(unique),
    AttachmentsCount: n(attachments),
  };
  if (trafficSource !== undefined) sendProps['TrafficSource'] = trafficSource;
  const sendFormat = gen.timeFormat();
  const sendRecord = envelope(gen, {
    ticks: sendTicks,
    category: CAT_SEND,
    operationName: 'SendMail',
    operationVersion: '2023-03-31',
    correlationId: messageId,
    properties: sendProps,
    withLocation: true,
    format: sendFormat,
  });
  const sendItem = gen.add({ kind: 'valid', value: sendRecord, arrival: sendTicks + gen.latency() });
  if (LATE_SENDMAIL.has(index)) sendItem.arrival += rng.int(10, 30) * MINUTE;
  const messageItems: Item[] = [sendItem];

  const sendTimeText = formatTime(sendTicks, sendFormat);
  messageItems.push(...usageRecords(gen, { messageId, sendTicks, sendTimeText, unique, attachments, sizeMb }));

  // Message-level OutForDelivery.
  const outTicks = sendTicks + rng.int(5_000_000, 15_000_000);
  const outRecord = statusRecord(gen, {
    ticks: outTicks,
    messageId,
    sender,
    username,
    recipient: '',
    status: 'OutForDelivery',
    hard: false,
    emptyFailureFields: rng.chance(0.3),
  });
  messageItems.push(gen.add({ kind: 'valid', value: outRecord, arrival: outTicks + gen.latency() }));

  const delivered: string[] = [];
  const trackedRecipients: TrackedRecipient[] = [];
  for (const address of recipients) {
    const statuses = recipientStatuses(gen, { messageId, sender, username, special, sendTicks, outTicks }, address);
    if (statuses.deliveredTicks !== undefined) {
      delivered.push(address);
      if (sender.tracking) trackedRecipients.push({ address, statusItems: statuses.items, deliveredTicks: statuses.deliveredTicks });
    }
    messageItems.push(...statuses.items);
  }

  engagementRecords(gen, { index, messageId, sender, special }, trackedRecipients);

  if (special?.statusBeforeSendForced === true) {
    // Every record of this message goes to the archive, and the SendMail record arrives last.
    const last = Math.max(...messageItems.map((m) => m.arrival));
    sendItem.arrival = last + rng.int(2, 6) * MINUTE;
    for (const item of messageItems) item.forced = 'archive';
    gen.specialCases.push({
      label: 'status-before-sendmail',
      messageId,
      description: 'Every record of this message is in archive/PT1H.json, and the SendMail record is the last of them (its statuses and usage come first).',
    });
  }

  gen.messages.push({ id: messageId, sender, username, recipients, delivered, sendTicks });
}
