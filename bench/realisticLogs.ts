/**
 * Realistic ACS Email diagnostic records for the benchmarks, in the proportions the samples' model
 * (scripts/samples/) gives: per message a SendMail, its Usage records, an OutForDelivery status, one
 * final status per recipient (delivered, hard and soft bounces, suppressions, quarantine), engagement
 * (views, some clicks) and ~1% exact redeliveries, as Event Hubs at-least-once delivery produces.
 * Seeded, so every row of a run (and every run) gets the same input for the same size.
 */

import { mulberry32 as rng } from '../scripts/samples/random.js';

const RESOURCES = [
  '/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-EMAIL-DEMO/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS-EMAIL-DEMO',
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-email-eu/providers/Microsoft.Communication/communicationServices/acs-email-eu',
] as const;
const SENDERS = [
  ['example.com', 'donotreply'],
  ['example.com', 'billing'],
  ['mail.example.org', 'news'],
  ['notify.example.net', 'alerts'],
] as const;
const RECIPIENT_DOMAINS = ['example.com', 'example.net', 'example.org', 'contoso.test', 'fabrikam.test'] as const;
const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const DUPLICATE_SHARE = 0.01;
/** Records are delivered out of order within this many records, as several producers interleave. */
const REORDER_WINDOW = 200;

type LogRecord = Record<string, unknown>;

function uuidOf(random: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)] ?? '8'}${hex(3)}-${hex(12)}`;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Final status of one recipient, with the share of recipients it has. */
const OUTCOMES: readonly (readonly [number, LogRecord])[] = [
  [0.9, { DeliveryStatus: 'Delivered', SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', FailureReason: '', FailureMessage: '', IsHardBounce: 'false' }],
  [0.03, { DeliveryStatus: 'Bounced', SmtpStatusCode: '550', EnhancedSmtpStatusCode: '5.1.1', FailureReason: 'BadDestinationMailboxAddress', FailureMessage: '550 5.1.1 Recipient address rejected: User unknown', IsHardBounce: 'true' }],
  [0.02, { DeliveryStatus: 'Bounced', SmtpStatusCode: '452', EnhancedSmtpStatusCode: '4.2.2', FailureReason: 'MailboxFull', FailureMessage: '452 4.2.2 Mailbox full', IsHardBounce: 'false' }],
  [0.02, { DeliveryStatus: 'Suppressed', SmtpStatusCode: '', EnhancedSmtpStatusCode: '', FailureReason: 'Suppressed', FailureMessage: 'Recipient is on the suppression list', IsHardBounce: 'false' }],
  [0.015, { DeliveryStatus: 'Failed', SmtpStatusCode: '554', EnhancedSmtpStatusCode: '5.7.1', FailureReason: 'MessageRejected', FailureMessage: '554 5.7.1 Message rejected', IsHardBounce: 'false' }],
  [0.015, { DeliveryStatus: 'Quarantined', SmtpStatusCode: '', EnhancedSmtpStatusCode: '', FailureReason: 'Quarantined', FailureMessage: 'Message quarantined', IsHardBounce: 'false' }],
];

function outcomeOf(random: () => number): LogRecord {
  let x = random();
  for (const [share, outcome] of OUTCOMES) {
    if (x < share) return outcome;
    x -= share;
  }
  return OUTCOMES[0]?.[1] ?? {};
}

/** The records of one message, in the order the service emits them. */
function messageRecords(m: number, random: () => number): LogRecord[] {
  const id = uuidOf(random);
  const resourceId = pick(random, RESOURCES);
  const [senderDomain, senderUsername] = pick(random, SENDERS);
  const start = Date.parse('2025-03-14T00:00:00Z') + m * 1_700 + Math.floor(random() * 1_000);
  const at = (ms: number) => new Date(start + ms).toISOString().replace('Z', '0000Z');
  const count = 1 + Math.floor(random() * 4);
  // A small pool of dead addresses that keep bouncing, like a real list does.
  const recipients = Array.from({ length: count }, (_, r) =>
    random() < 0.02 ? `gone${Math.floor(random() * 500)}@${pick(random, RECIPIENT_DOMAINS)}` : `user${m}.${r}@${pick(random, RECIPIENT_DOMAINS)}`,
  );
  const size = Math.round(random() * 4_000_000) / 1_000_000;
  const common = { location: 'eastus', correlationId: id };
  const out: LogRecord[] = [
    { time: at(0), resourceId, ...common, operationName: 'SendMail', operationVersion: '2023-03-31', category: 'EmailSendMailOperational', properties: { OperationType: 'SendMail', OperationCategory: 'EmailSendMailOperational', Size: size, ToRecipientsCount: count, CcRecipientsCount: 0, BccRecipientsCount: 0, UniqueRecipientsCount: count, AttachmentsCount: Math.floor(random() * 3), TrafficSource: 'Email Java SDK' } },
    { time: at(500), resourceId, ...common, operationName: 'Usage', operationVersion: '1.0', category: 'Usage', properties: { recordId: uuidOf(random), usageType: 'Email', unitType: 'emails', quantity: count, startTime: at(0), endTime: at(0), tags: {}, correlationVector: `${id.slice(0, 16)}.0` } },
  ];
  if (random() < 0.4) out.push({ time: at(600), resourceId, ...common, operationName: 'Usage', operationVersion: '1.0', category: 'Usage', properties: { recordId: uuidOf(random), usageType: 'Email', unitType: 'megabytes', quantity: size * count, startTime: at(0), endTime: at(0), tags: {}, correlationVector: `${id.slice(0, 16)}.1` } });
  const status = (ms: number, recipient: string, fields: LogRecord): LogRecord => ({
    time: at(ms), resourceId, ...common, operationName: 'DeliveryStatusUpdate', operationVersion: '1.0', category: 'EmailStatusUpdateOperational',
    properties: { OperationType: 'DeliveryStatusUpdate', OperationCategory: 'EmailStatusUpdateOperational', RecipientId: recipient, ...fields, SenderDomain: senderDomain, SenderUsername: senderUsername },
  });
  out.push(status(1_000, '', { DeliveryStatus: 'OutForDelivery', IsHardBounce: 'false' }));
  recipients.forEach((recipient, r) => {
    const outcome = recipient.startsWith('gone') ? (OUTCOMES[1]?.[1] ?? {}) : outcomeOf(random);
    out.push(status(4_000 + r * 37, recipient, outcome));
    if (outcome['DeliveryStatus'] !== 'Delivered') return;
    for (const [share, type, delay] of [[0.45, 'View', 600_000], [0.12, 'Click', 900_000]] as const) {
      if (random() >= share) continue;
      out.push({
        time: at(delay + Math.floor(random() * 3_600_000)), resourceId, ...common, operationName: 'UserEngagementUpdate', operationVersion: '1.0', category: 'EmailUserEngagementOperational',
        properties: { OperationType: 'UserEngagementUpdate', OperationCategory: 'EmailUserEngagementOperational', RecipientId: recipient, EngagementType: type, ...(type === 'Click' ? { EngagementContext: `https://www.example.com/track?m=${id.slice(0, 8)}` } : {}), UserAgent: USER_AGENT, InternetMessageId: `<${id.slice(0, 18)}@${senderDomain}>` },
      });
    }
  });
  return out;
}

export interface RealisticInput {
  /** Records handed out so far, redeliveries included. */
  records: number;
  /** Distinct records among them (the redeliveries are exact copies). */
  distinct: number;
}

/**
 * Exactly `count` records, in a slightly shuffled arrival order, with ~1% exact redeliveries. `stats`
 * is filled in as they are produced.
 */
export function* realisticRecords(count: number, stats: RealisticInput = { records: 0, distinct: 0 }, seed = 20_250_314): Generator<LogRecord> {
  const random = rng(seed);
  const window: LogRecord[] = [];
  const redeliveries = new WeakSet<LogRecord>();
  let m = 0;
  while (stats.records < count) {
    while (window.length < REORDER_WINDOW) window.push(...messageRecords(m++, random));
    const index = Math.floor(random() * window.length);
    const record = window[index] as LogRecord;
    window[index] = window[window.length - 1] as LogRecord;
    window.pop();
    stats.records += 1;
    if (redeliveries.has(record)) {
      yield { ...record };
      continue;
    }
    stats.distinct += 1;
    yield record;
    if (random() < DUPLICATE_SHARE) {
      redeliveries.add(record);
      window.push(record);
    }
  }
}

/** Event Hub bodies (JSON text, as the hub delivers them) of about `perBody` records each. */
export function* realisticBodies(count: number, perBody = 20, stats: RealisticInput = { records: 0, distinct: 0 }): Generator<string> {
  let body: LogRecord[] = [];
  for (const record of realisticRecords(count, stats)) {
    body.push(record);
    if (body.length >= perBody) {
      yield JSON.stringify({ records: body });
      body = [];
    }
  }
  if (body.length > 0) yield JSON.stringify({ records: body });
}
