import { at, assert, type Json, type JsonObject } from './json.js';
import { Rng } from './random.js';
import { SEED, MESSAGE_COUNT } from './settings.js';
import { SECOND, MINUTE, HOUR, formatTime, type TimeFormat } from './time.js';
import { SUBSCRIPTION, RESOURCE_ID, RESOURCE_ID_VARIANTS, CAT_SEND, CAT_STATUS, CAT_ENGAGEMENT, CAT_USAGE, SENDERS, USER_AGENTS, FIRST_NAMES, LAST_NAMES, RECIPIENT_DOMAINS, HARD_BOUNCES, type Sender, type HardBounce } from './vocabulary.js';

// ---------------------------------------------------------------------------------------------------
// The generator's model

export type Dest = 'archive' | 'events' | 'batches';
export type Kind = 'valid' | 'duplicate' | 'foreign' | 'bad';

export interface Item {
  readonly seq: number;
  kind: Kind;
  /** The record as a JSON value (undefined for an unparseable NDJSON line). */
  readonly value?: Json;
  /** The exact NDJSON line, for lines that are not valid JSON. */
  readonly rawLine?: string;
  arrival: number;
  /** Placed in this destination instead of wherever the stream chunking puts it. */
  forced?: Dest;
  readonly label?: string;
  readonly badReason?: string;
  readonly badIssueCode?: string;
  /** Excluded from random duplication. */
  readonly noDuplicate?: boolean;
}

export type Outcome =
  | 'Delivered'
  | 'Bounced'
  | 'Suppressed'
  | 'SuppressedOptOut'
  | 'Failed'
  | 'Quarantined'
  | 'FilteredSpam'
  | 'SupersedeNatural'
  | 'SupersedeReversed'
  | 'Tie';

export interface Special {
  readonly sender: string;
  readonly address?: string;
  readonly outcome?: Outcome;
  readonly statusBeforeSendForced?: boolean;
  readonly engagementBeforeStatusForced?: boolean;
}

export const SUPERSEDE_NATURAL_ADDRESS = 'harper.quinn@example.org';
export const SUPERSEDE_REVERSED_ADDRESS = 'rowan.ellis@example.net';
export const TIE_ADDRESS = 'sasha.morgan@example.com';
export const SPECIAL_ADDRESSES = new Set([SUPERSEDE_NATURAL_ADDRESS, SUPERSEDE_REVERSED_ADDRESS, TIE_ADDRESS]);

/** Message index → special treatment. */
export const SPECIALS: ReadonlyMap<number, Special> = new Map([
  [40, { sender: 'mail.example.org', address: SUPERSEDE_NATURAL_ADDRESS, outcome: 'SupersedeNatural' as const }],
  [60, { sender: 'example.net', statusBeforeSendForced: true }],
  [95, { sender: 'example.net', address: SUPERSEDE_REVERSED_ADDRESS, outcome: 'SupersedeReversed' as const }],
  [120, { sender: 'example.com', engagementBeforeStatusForced: true }],
  [150, { sender: 'example.com', address: TIE_ADDRESS, outcome: 'Tie' as const }],
]);
/** Messages whose SendMail record is delayed 10-30 min in the pipeline (their statuses usually arrive first). */
export const LATE_SENDMAIL = new Set([12, 77, 133, 201, 254, 310]);
/** Messages whose first Delivered recipient has its status delayed until after its engagement records. */
export const LATE_STATUS = new Set([33, 188, 231, 290]);

export interface SpecialCaseInfo {
  readonly label: string;
  readonly messageId?: string;
  readonly recipient?: string;
  readonly description: string;
  readonly times?: Readonly<Record<string, string>>;
}

export interface MessageInfo {
  readonly id: string;
  readonly sender: Sender;
  readonly username: string;
  readonly recipients: string[];
  readonly delivered: string[];
  readonly sendTicks: number;
}

export class Generator {
  readonly rng = new Rng(SEED);
  readonly items: Item[] = [];
  readonly specialCases: SpecialCaseInfo[] = [];
  private seq = 0;

  // Address pools
  readonly good: string[] = [];
  readonly nonexistent: string[] = [];
  readonly fullMailboxes: string[] = [];
  readonly optedOut: string[] = [];
  readonly bounceCode = new Map<string, HardBounce>();
  /** address → ticks of its first hard bounce (then it is on the managed suppression list). */
  readonly bouncedAt = new Map<string, number>();
  readonly messages: MessageInfo[] = [];

  constructor() {
    const used = new Set<string>(SPECIAL_ADDRESSES);
    const make = (): string => {
      for (;;) {
        const first = this.rng.pick(FIRST_NAMES);
        const last = this.rng.pick(LAST_NAMES);
        const local = this.rng.weighted<string>([
          [first, 0.25],
          [`${first}.${last}`, 0.45],
          [`${first}${last.charAt(0)}`, 0.1],
          [`${first.charAt(0)}.${last}`, 0.1],
          [`${first}.${last}+news`, 0.05],
          [`${first}_${last}${this.rng.int(1, 99)}`, 0.05],
        ]);
        const address = `${local}@${this.rng.weighted(RECIPIENT_DOMAINS)}`;
        if (!used.has(address)) {
          used.add(address);
          return address;
        }
      }
    };
    for (let i = 0; i < 430; i++) this.good.push(make());
    for (const role of ['info@example.com', 'accounts@example.net', 'support@example.org', 'purchasing@corp.example.com']) {
      used.add(role);
      this.good.push(role);
    }
    for (let i = 0; i < 26; i++) {
      const address = make();
      this.nonexistent.push(address);
      this.bounceCode.set(address, this.rng.weighted(HARD_BOUNCES));
    }
    for (let i = 0; i < 8; i++) this.fullMailboxes.push(make());
    for (let i = 0; i < 2; i++) this.optedOut.push(make());
  }

  add(item: Omit<Item, 'seq'>): Item {
    const full: Item = { ...item, seq: this.seq++ };
    this.items.push(full);
    return full;
  }

  /** Pipeline latency: Azure Monitor batches and ships records minutes after the fact. */
  latency(): number {
    const tail = this.rng.chance(0.04) ? this.rng.int(2 * MINUTE, 12 * MINUTE) : 0;
    return Math.round(20 * SECOND + Math.min(this.rng.exp(45 * SECOND), 3 * MINUTE) + tail);
  }

  timeFormat(): TimeFormat {
    return this.rng.weighted<TimeFormat>([
      ['7Z', 0.866],
      ['3Z', 0.128],
      ['7', 0.003],
      ['3', 0.003],
    ]);
  }

  hardBounceValue(value: boolean): Json {
    const r = this.rng.float();
    if (r < 0.7) return value;
    if (r < 0.85) return value ? 'true' : 'false';
    if (r < 0.93) return value ? 'True' : 'False';
    return value ? 'TRUE' : 'FALSE';
  }

  /** An Azure Monitor resource-log record, camelCase (usual) or PascalCase (Log Analytics export style). */
  envelope(options: {
    ticks: number;
    category: string;
    operationName: string;
    operationVersion: string;
    correlationId: string | undefined;
    properties: Json;
    withLocation: boolean;
    plain?: boolean;
    format?: TimeFormat;
  }): JsonObject {
    const plain = options.plain === true;
    const format = options.format ?? (plain ? '7Z' : this.timeFormat());
    const resourceId = plain ? RESOURCE_ID : this.rng.weighted(RESOURCE_ID_VARIANTS);
    const pascal = !plain && this.rng.chance(0.025);
    const k = (name: string): string => (pascal ? name.charAt(0).toUpperCase() + name.slice(1) : name);
    const record: JsonObject = {};
    record[k('time')] = formatTime(options.ticks, format);
    record[k('resourceId')] = resourceId;
    if (options.withLocation) record[k('location')] = 'eastus';
    record[k('operationName')] = options.operationName;
    record[k('operationVersion')] = options.operationVersion;
    record[k('category')] = options.category;
    if (options.correlationId !== undefined) record[k('correlationId')] = options.correlationId;
    record[k('properties')] = options.properties;
    return record;
  }

  statusRecord(options: {
    ticks: number;
    messageId: string;
    sender: Sender;
    username: string;
    recipient: string;
    status: string;
    hard: boolean;
    smtp?: { smtp: string; enhanced: string; reason?: string; message?: string };
    emptyFailureFields?: boolean;
    plain?: boolean;
    format?: TimeFormat;
  }): JsonObject {
    const p: JsonObject = {
      OperationType: 'DeliveryStatusUpdate',
      OperationCategory: CAT_STATUS,
      RecipientId: options.recipient,
      DeliveryStatus: options.status,
    };
    if (options.smtp) {
      p['SmtpStatusCode'] = options.smtp.smtp;
      p['EnhancedSmtpStatusCode'] = options.smtp.enhanced;
      if (options.smtp.reason !== undefined) p['FailureReason'] = options.smtp.reason;
      if (options.smtp.message !== undefined) p['FailureMessage'] = options.smtp.message;
    }
    if (options.emptyFailureFields) {
      if (!options.smtp) {
        p['SmtpStatusCode'] = '';
        p['EnhancedSmtpStatusCode'] = '';
      }
      p['FailureReason'] = '';
      p['FailureMessage'] = '';
    }
    p['SenderDomain'] = options.sender.domain;
    p['SenderUsername'] = options.username;
    p['IsHardBounce'] = options.plain ? options.hard : this.hardBounceValue(options.hard);
    return this.envelope({
      ticks: options.ticks,
      category: CAT_STATUS,
      operationName: 'DeliveryStatusUpdate',
      operationVersion: '1.0',
      correlationId: options.messageId,
      properties: p,
      withLocation: true,
      ...(options.plain === undefined ? {} : { plain: options.plain }),
      ...(options.format === undefined ? {} : { format: options.format }),
    });
  }

  engagementRecord(options: {
    ticks: number;
    messageId: string;
    recipient: string;
    type: 'View' | 'Click';
    link?: string;
    userAgent: string;
    internetMessageId?: string;
  }): JsonObject {
    const p: JsonObject = {
      OperationType: 'UserEngagementUpdate',
      OperationCategory: CAT_ENGAGEMENT,
      RecipientId: options.recipient,
      EngagementType: options.type,
    };
    if (options.link !== undefined) p['EngagementContext'] = options.link;
    p['UserAgent'] = options.userAgent;
    if (options.internetMessageId !== undefined) p['InternetMessageId'] = options.internetMessageId;
    return this.envelope({
      ticks: options.ticks,
      category: CAT_ENGAGEMENT,
      operationName: 'UserEngagementUpdate',
      operationVersion: '1.0',
      correlationId: options.messageId,
      properties: p,
      withLocation: true,
    });
  }

  pickRecipient(taken: Set<string>): string {
    for (;;) {
      const slot = this.rng.weighted<'good' | 'nonexistent' | 'full' | 'optout'>([
        ['good', 0.928],
        ['nonexistent', 0.05],
        ['full', 0.022],
      ]);
      const pool = slot === 'good' ? this.good : slot === 'nonexistent' ? this.nonexistent : this.fullMailboxes;
      const address = this.rng.pick(pool);
      if (!taken.has(address)) return address;
    }
  }

  generateMessages(): void {
    let cursor = 8 * HOUR + this.rng.int(0, 30 * SECOND);
    for (let index = 0; index < MESSAGE_COUNT; index++) {
      cursor += Math.round(this.rng.chance(0.12) ? this.rng.int(1, 3) * SECOND + this.rng.int(0, SECOND) : this.rng.exp(55 * SECOND));
      this.generateMessage(index, cursor);
    }
  }

  generateMessage(index: number, sendTicks: number): void {
    const rng = this.rng;
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
    const forcedAddress = special?.address ?? (index === 70 ? this.optedOut[0] : index === 260 ? this.optedOut[1] : undefined);
    if (forcedAddress !== undefined) {
      recipients.push(forcedAddress);
      taken.add(forcedAddress);
    }
    while (recipients.length < Math.max(count, forcedAddress !== undefined ? 2 : 1)) {
      const address = this.pickRecipient(taken);
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
    const sendFormat = this.timeFormat();
    const sendRecord = this.envelope({
      ticks: sendTicks,
      category: CAT_SEND,
      operationName: 'SendMail',
      operationVersion: '2023-03-31',
      correlationId: messageId,
      properties: sendProps,
      withLocation: true,
      format: sendFormat,
    });
    const sendItem = this.add({ kind: 'valid', value: sendRecord, arrival: sendTicks + this.latency() });
    if (LATE_SENDMAIL.has(index)) sendItem.arrival += rng.int(10, 30) * MINUTE;
    const messageItems: Item[] = [sendItem];

    // Usage: one "messages" record, sometimes a "megabytes" one (camelCase keys, no location).
    const sendTimeText = formatTime(sendTicks, sendFormat);
    const usage = (unitType: string, quantity: number, offset: number): void => {
      const props: JsonObject = {
        recordId: rng.guid(),
        usageType: 'Email',
        unitType,
        quantity,
        startTime: sendTimeText,
        endTime: sendTimeText,
      };
      const tagsForm = rng.weighted<'absent' | 'empty' | 'object'>([
        ['absent', 0.4],
        ['empty', 0.3],
        ['object', 0.3],
      ]);
      if (tagsForm !== 'absent') {
        props['tags'] = tagsForm === 'empty' ? '' : {};
        props['correlationVector'] = `${rng.base64ish(16)}.${rng.int(0, 1)}`;
      }
      const ticks = sendTicks + offset;
      const record = this.envelope({
        ticks,
        category: CAT_USAGE,
        operationName: 'Usage',
        operationVersion: '1.0',
        correlationId: messageId,
        properties: props,
        withLocation: false,
      });
      messageItems.push(this.add({ kind: 'valid', value: record, arrival: ticks + this.latency() }));
    };
    usage('messages', unique, rng.int(1_000_000, 2_500_000));
    if (attachments > 0 || rng.chance(0.3)) usage('megabytes', Math.round(sizeMb * unique * 1e6) / 1e6, rng.int(2_600_000, 6_000_000));

    // Message-level OutForDelivery.
    const outTicks = sendTicks + rng.int(5_000_000, 15_000_000);
    const outRecord = this.statusRecord({
      ticks: outTicks,
      messageId,
      sender,
      username,
      recipient: '',
      status: 'OutForDelivery',
      hard: false,
      emptyFailureFields: rng.chance(0.3),
    });
    messageItems.push(this.add({ kind: 'valid', value: outRecord, arrival: outTicks + this.latency() }));

    const delivered: string[] = [];
    const trackedRecipients: { address: string; statusItems: Item[]; deliveredTicks: number }[] = [];
    for (const address of recipients) {
      const statusItems: Item[] = [];
      const statusTicks = outTicks + rng.int(2 * SECOND, 40 * SECOND) + (rng.chance(0.05) ? rng.int(2 * MINUTE, 30 * MINUTE) : 0);
      const outcome: Outcome =
        special?.address === address && special.outcome !== undefined ? special.outcome : this.outcomeFor(address, sendTicks, statusTicks);
      const addStatus = (record: JsonObject, ticks: number): Item => {
        const item = this.add({ kind: 'valid', value: record, arrival: ticks + this.latency() });
        statusItems.push(item);
        return item;
      };
      const base = { messageId, sender, username, recipient: address };
      switch (outcome) {
        case 'Delivered':
          addStatus(
            this.statusRecord({ ...base, ticks: statusTicks, status: 'Delivered', hard: false, smtp: { smtp: '250', enhanced: '2.6.0' }, emptyFailureFields: rng.chance(0.25) }),
            statusTicks,
          );
          delivered.push(address);
          if (sender.tracking) trackedRecipients.push({ address, statusItems, deliveredTicks: statusTicks });
          break;
        case 'Bounced': {
          const code = this.bounceCode.get(address);
          assert(code, `no bounce code for ${address}`);
          addStatus(
            this.statusRecord({ ...base, ticks: statusTicks, status: 'Bounced', hard: true, smtp: { smtp: code.smtp, enhanced: code.enhanced, reason: code.reason, message: code.message(address) } }),
            statusTicks,
          );
          break;
        }
        case 'Suppressed':
        case 'SuppressedOptOut': {
          const ticks = outTicks + rng.int(1_000_000, 10_000_000);
          addStatus(this.statusRecord({ ...base, ticks, status: 'Suppressed', hard: outcome === 'Suppressed' }), ticks);
          break;
        }
        case 'Failed': {
          const message = rng.pick([
            '552 5.2.2 Mailbox full',
            `552 5.2.2 <${address}>: Mailbox full: quota exceeded`,
            "552 5.2.2 The recipient's inbox is out of storage space.",
          ]);
          addStatus(
            this.statusRecord({ ...base, ticks: statusTicks, status: 'Failed', hard: false, smtp: { smtp: '552', enhanced: '5.2.2', reason: 'DestinationMailboxFull', message } }),
            statusTicks,
          );
          break;
        }
        case 'Quarantined':
          addStatus(
            this.statusRecord({
              ...base,
              ticks: statusTicks,
              status: 'Quarantined',
              hard: false,
              smtp: { smtp: '250', enhanced: '2.6.0', reason: 'MessageQuarantined', message: "Message accepted and held in the recipient's quarantine" },
            }),
            statusTicks,
          );
          break;
        case 'FilteredSpam':
          addStatus(
            this.statusRecord({
              ...base,
              ticks: statusTicks,
              status: 'FilteredSpam',
              hard: false,
              smtp: { smtp: '550', enhanced: '5.7.1', reason: 'SpamFiltered', message: '550 5.7.1 Message rejected as spam by Content Filtering.' },
            }),
            statusTicks,
          );
          break;
        case 'SupersedeNatural':
        case 'SupersedeReversed': {
          const later = statusTicks + (outcome === 'SupersedeNatural' ? 95 : 130) * MINUTE + rng.int(0, SECOND);
          const deliveredRecord = this.statusRecord({ ...base, ticks: statusTicks, status: 'Delivered', hard: false, smtp: { smtp: '250', enhanced: '2.6.0' }, plain: true });
          const bouncedRecord = this.statusRecord({
            ...base,
            ticks: later,
            status: 'Bounced',
            hard: true,
            smtp: { smtp: '550', enhanced: '5.1.1', reason: 'BadDestinationMailboxAddress', message: `550 5.1.1 <${address}>: Recipient address rejected: User unknown` },
            plain: true,
          });
          const label = outcome === 'SupersedeNatural' ? 'supersede-in-order' : 'supersede-reversed';
          if (outcome === 'SupersedeNatural') {
            this.add({ kind: 'valid', value: deliveredRecord, arrival: statusTicks + 2 * MINUTE, forced: 'archive', label, noDuplicate: true });
            this.add({ kind: 'valid', value: bouncedRecord, arrival: later + 3 * MINUTE, forced: 'archive', label, noDuplicate: true });
          } else {
            this.add({ kind: 'valid', value: bouncedRecord, arrival: later + 2 * MINUTE, forced: 'archive', label, noDuplicate: true });
            this.add({ kind: 'valid', value: deliveredRecord, arrival: later + 20 * MINUTE, forced: 'archive', label, noDuplicate: true });
          }
          this.specialCases.push({
            label,
            messageId,
            recipient: address,
            description:
              outcome === 'SupersedeNatural'
                ? 'Delivered (250 2.6.0), then an asynchronous Bounced (550 5.1.1, IsHardBounce true) 95 min later. Both in archive/PT1H.json, in time order. Final status: Bounced.'
                : 'Delivered (250 2.6.0), then an asynchronous Bounced (550 5.1.1, IsHardBounce true) 130 min later, but the Delivered record was held up in the pipeline: in archive/PT1H.json the Bounced line comes BEFORE the older Delivered line. Final status by time: Bounced.',
            times: { Delivered: deliveredRecord['time'] as string, Bounced: bouncedRecord['time'] as string },
          });
          break;
        }
        case 'Tie': {
          const bouncedRecord = this.statusRecord({
            ...base,
            ticks: statusTicks,
            status: 'Bounced',
            hard: true,
            smtp: { smtp: '550', enhanced: '5.1.1', reason: 'BadDestinationMailboxAddress', message: `550 5.1.1 <${address}>: Recipient address rejected: User unknown` },
            plain: true,
          });
          const deliveredRecord = this.statusRecord({ ...base, ticks: statusTicks, status: 'Delivered', hard: false, smtp: { smtp: '250', enhanced: '2.6.0' }, plain: true });
          this.add({ kind: 'valid', value: bouncedRecord, arrival: statusTicks + 90 * SECOND, forced: 'archive', label: 'tie', noDuplicate: true });
          this.add({ kind: 'valid', value: deliveredRecord, arrival: statusTicks + 90 * SECOND + 1, forced: 'archive', label: 'tie', noDuplicate: true });
          this.specialCases.push({
            label: 'tie',
            messageId,
            recipient: address,
            description:
              'Two status records for the same recipient with exactly the same time string and different statuses: Bounced (550 5.1.1, IsHardBounce true) and Delivered (250 2.6.0). Adjacent lines in archive/PT1H.json, Bounced first. The final status is whatever the ledger\'s tie rule says; it must not depend on arrival order. The pair counts as a hard bounce either way.',
            times: { Bounced: bouncedRecord['time'] as string, Delivered: deliveredRecord['time'] as string },
          });
          break;
        }
      }
      messageItems.push(...statusItems);
    }

    // Engagement (only for senders whose domain has engagement tracking on, only for delivered mail).
    const internetMessageId = rng.chance(0.5) ? `<${messageId.slice(0, 8)}.${messageId.slice(9, 13)}.${messageId.slice(14, 18)}@${sender.domain}>` : undefined;
    let forcedEngagementDone = false;
    for (const [i, tracked] of trackedRecipients.entries()) {
      const forceHere = special?.engagementBeforeStatusForced === true && i === 0;
      const lateStatusHere = LATE_STATUS.has(index) && i === 0;
      const mustEngage = forceHere || lateStatusHere;
      const viewP = sender.domain === 'mail.example.org' ? 0.5 : 0.35;
      const views = mustEngage ? 2 : rng.chance(viewP) ? rng.weighted<number>([[1, 0.7], [2, 0.2], [3, 0.07], [4, 0.03]]) : 0;
      const clicks =
        mustEngage ? 1 : views > 0 ? (rng.chance(0.38) ? rng.weighted<number>([[1, 0.7], [2, 0.2], [3, 0.1]]) : 0) : rng.chance(0.04) ? 1 : 0;
      if (views === 0 && clicks === 0) continue;
      const agent = rng.pick(USER_AGENTS);
      const otherAgent = rng.chance(0.25) ? rng.pick(USER_AGENTS) : agent;
      const engagementItems: Item[] = [];
      let t = tracked.deliveredTicks + Math.round(30 * SECOND + Math.min(rng.exp(40 * MINUTE), 5 * HOUR));
      const firstTicks = t;
      for (let v = 0; v < views; v++) {
        const record = this.engagementRecord({ ticks: t, messageId, recipient: tracked.address, type: 'View', userAgent: v === 0 ? agent : otherAgent, ...(internetMessageId ? { internetMessageId } : {}) });
        engagementItems.push(this.add({ kind: 'valid', value: record, arrival: t + this.latency() }));
        t += Math.round(10 * SECOND + rng.exp(20 * MINUTE));
      }
      let c = firstTicks + rng.int(5 * SECOND, 10 * MINUTE);
      for (let k = 0; k < clicks; k++) {
        const link = rng.pick(sender.links)(rng);
        const record = this.engagementRecord({ ticks: c, messageId, recipient: tracked.address, type: 'Click', link, userAgent: agent, ...(internetMessageId ? { internetMessageId } : {}) });
        engagementItems.push(this.add({ kind: 'valid', value: record, arrival: c + this.latency() }));
        c += Math.round(3 * SECOND + rng.exp(5 * MINUTE));
      }
      if (forceHere || lateStatusHere) {
        // The status record is held up until after every engagement record has arrived.
        const lastEngagement = Math.max(...engagementItems.map((e) => e.arrival));
        for (const s of tracked.statusItems) s.arrival = lastEngagement + rng.int(5, 20) * MINUTE;
      }
      if (forceHere && !forcedEngagementDone) {
        forcedEngagementDone = true;
        for (const item of [...engagementItems, ...tracked.statusItems]) {
          item.forced = 'archive';
        }
        this.specialCases.push({
          label: 'engagement-before-status',
          messageId,
          recipient: tracked.address,
          description: `${views} View and ${clicks} Click record(s) for this recipient arrive before its Delivered status record (all in archive/PT1H.json, in that order).`,
        });
      }
    }

    if (special?.statusBeforeSendForced === true) {
      // Every record of this message goes to the archive, and the SendMail record arrives last.
      const last = Math.max(...messageItems.map((m) => m.arrival));
      sendItem.arrival = last + rng.int(2, 6) * MINUTE;
      for (const item of messageItems) item.forced = 'archive';
      this.specialCases.push({
        label: 'status-before-sendmail',
        messageId,
        description: 'Every record of this message is in archive/PT1H.json, and the SendMail record is the last of them (its statuses and usage come first).',
      });
    }

    this.messages.push({ id: messageId, sender, username, recipients, delivered, sendTicks });
  }

  outcomeFor(address: string, sendTicks: number, statusTicks: number): Outcome {
    if (this.bounceCode.has(address)) {
      const bounced = this.bouncedAt.get(address);
      if (bounced !== undefined && bounced < sendTicks) return 'Suppressed';
      if (bounced === undefined) this.bouncedAt.set(address, statusTicks);
      return 'Bounced';
    }
    if (this.fullMailboxes.includes(address)) return this.rng.chance(0.85) ? 'Failed' : 'Delivered';
    if (this.optedOut.includes(address)) return 'SuppressedOptOut';
    return this.rng.weighted<Outcome>([
      ['Delivered', 0.976],
      ['Quarantined', 0.013],
      ['FilteredSpam', 0.011],
    ]);
  }

  // -------------------------------------------------------------------------------------------------
  // Records of other ACS categories, sent to the same hub when selected in the diagnostic setting

  generateForeign(): void {
    const rng = this.rng;
    const first = at(this.messages, 0).sendTicks;
    const last = at(this.messages, this.messages.length - 1).sendTicks;
    const when = (): number => first + Math.floor(rng.float() * (last - first));
    const ip = (): string => `203.0.113.${rng.int(2, 254)}`;
    const acsUser = (): string => `8:acs:${SUBSCRIPTION.slice(0, 8)}-2222-3333-4444-555555555555_0000001${rng.hex(1)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
    const base = (ticks: number, category: string, operationName: string, operationVersion: string, correlationId: string | undefined): JsonObject => {
      const r: JsonObject = {
        time: formatTime(ticks, this.timeFormat() === '3Z' ? '3Z' : '7Z'),
        resourceId: rng.weighted(RESOURCE_ID_VARIANTS.slice(0, 2)),
        operationName,
        operationVersion,
        category,
      };
      if (correlationId !== undefined) r['correlationId'] = correlationId;
      return r;
    };
    const push = (record: JsonObject, ticks: number): void => {
      this.add({ kind: 'foreign', value: record, arrival: ticks + this.latency(), noDuplicate: true });
    };

    for (let i = 0; i < 12; i++) {
      const t = when();
      const stamp = formatTime(t, '7Z').replace(/[-:T.Z]/g, '').slice(0, 17);
      const messageIdSms = `Outgoing_${stamp}${rng.hex(8)}_noam`;
      if (i % 5 < 3) {
        const r = base(t, 'SMSOperational', 'SMSMessagesSent', '2021-03-07', rng.guid());
        Object.assign(r, {
          resultType: 'Succeeded',
          resultSignature: 202,
          durationMs: String(rng.int(80, 400)),
          callerIpAddress: ip(),
          level: 'Informational',
          location: 'unitedstates',
          properties: {
            OutgoingMessageLength: rng.int(20, 160),
            SdkType: rng.pick(['azsdk-net-Communication.Sms', 'azsdk-js-communication-sms']),
            PlatformType: rng.pick(['Microsoft Windows 10.0.20348', 'Linux 5.15.0-1057-azure']),
            Method: 'POST',
            NumberType: rng.pick(['TollFree', 'LongCodeNumber']),
            MessageId: messageIdSms,
            CountryCode: 'US',
          },
        });
        push(r, t);
      } else {
        // An SMS delivery report: it has a DeliveryStatus, but it is not an email status record.
        const r = base(t, 'SMSOperational', 'SMSDeliveryReportsReceived', '2021-03-07', rng.guid());
        Object.assign(r, {
          resultType: 'Succeeded',
          level: 'Informational',
          location: 'unitedstates',
          properties: {
            MessageId: messageIdSms,
            DeliveryStatus: rng.pick(['Delivered', 'Failed']),
            DeliveryAttempts: '1',
            NumberType: 'TollFree',
            CountryCode: 'US',
          },
        });
        push(r, t);
      }
    }
    for (let i = 0; i < 10; i++) {
      const t = when();
      const op = rng.pick(['CreateChatThread', 'SendChatMessage', 'SendChatMessage', 'ListChatMessages']);
      const r = base(t, 'ChatOperational', op, '2021-09-07', rng.chance(0.7) ? rng.guid() : undefined);
      Object.assign(r, {
        resultType: 'Succeeded',
        resultSignature: op === 'ListChatMessages' ? 200 : 201,
        durationMs: rng.int(10, 120),
        callerIpAddress: ip(),
        level: 'Informational',
        identity: acsUser(),
        location: 'unitedstates',
        properties: {
          ChatThreadId: `19:${rng.hex(32)}@thread.v2`,
          ...(op === 'SendChatMessage' ? { ChatMessageId: String(1_710_403_200_000 + rng.int(0, 20_000_000)) } : {}),
          SdkType: 'azsdk-js-communication-chat',
          PlatformType: 'Node 20.11.1',
        },
      });
      push(r, t);
    }
    for (let i = 0; i < 6; i++) {
      const t = when();
      const callId = rng.guid();
      const start = formatTime(t - rng.int(10, 600) * SECOND, '3Z');
      const properties: JsonObject = {
        identifier: acsUser(),
        callStartTime: start,
        callDuration: rng.int(5, 900),
        callType: rng.pick(['P2P', 'Group']),
        teamsThreadId: null,
        participantId: rng.guid(),
        participantStartTime: start,
        participantDuration: String(rng.int(4, 880)),
        participantEndReason: '0',
        endpointId: rng.guid(),
        endpointType: 'VoIP',
        sdkVersion: '1.0.1.0',
        osVersion: 'Windows 10.0.17763 Arch: x64',
      };
      if (i === 0) {
        // Log Analytics export style keys, as some of our own records have.
        push(
          {
            Time: formatTime(t, '3Z'),
            ResourceId: RESOURCE_ID.slice(1),
            OperationName: 'CallSummary',
            OperationVersion: '1.0',
            Category: 'CallSummary',
            CorrelationId: callId,
            Properties: properties,
          },
          t,
        );
      } else {
        const r: JsonObject = {
          time: formatTime(t, '3Z'),
          resourceId: RESOURCE_ID.slice(1),
          operationName: 'CallSummary',
          operationVersion: '1.0',
          category: 'CallSummary',
          correlationId: callId,
          properties,
        };
        push(r, t);
      }
    }
    for (let i = 0; i < 4; i++) {
      const t = when();
      const r = base(t, 'CallDiagnostics', 'CallDiagnostics', '1.0', rng.guid());
      r['properties'] = {
        identifier: acsUser(),
        participantId: rng.guid(),
        streamId: String(rng.int(1, 4)),
        mediaType: rng.pick(['Audio', 'Video']),
        transportType: 'UDP',
        roundTripTimeAvg: rng.int(20, 90),
        jitterAvg: rng.int(1, 12),
        packetLossRateAvg: Math.round(rng.float() * 100) / 10_000,
      };
      push(r, t);
    }
    for (let i = 0; i < 4; i++) {
      const t = when();
      const r = base(t, 'AuthOperational', 'IssueToken', '2021-03-07', rng.guid());
      Object.assign(r, {
        resultType: 'Succeeded',
        resultSignature: 200,
        durationMs: String(rng.int(5, 40)),
        callerIpAddress: ip(),
        level: 'Informational',
        location: 'unitedstates',
        properties: {
          SdkType: 'azsdk-net-Communication.Identity',
          PlatformType: 'Microsoft Windows 10.0.20348',
          Identity: acsUser(),
          Scopes: rng.pick(['chat', 'voip', 'chat,voip']),
        },
      });
      push(r, t);
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Dead-letter material: one of each kind of defect

  generateBad(): void {
    const rng = this.rng;
    const msgAt = (i: number): MessageInfo => at(this.messages, i);
    const bad = (value: Json | undefined, rawLine: string | undefined, ticks: number, forced: Dest, reason: string, code: string): void => {
      this.add({
        kind: 'bad',
        ...(value === undefined ? {} : { value }),
        ...(rawLine === undefined ? {} : { rawLine }),
        arrival: ticks + this.latency(),
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
      const m = msgAt(at([...this.messages.keys()].filter((i) => msgAt(i).sender.tracking && i > 100), 0));
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
      const i = at([...this.messages.keys()].filter((k) => msgAt(k).delivered.length > 0 && msgAt(k).sender.tracking && k > 260), 0);
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
      const i = at([...this.messages.keys()].filter((k) => msgAt(k).delivered.length > 0 && msgAt(k).sender.tracking && k > 320), 0);
      const m = msgAt(i);
      bad(env(t(m, 400), CAT_ENGAGEMENT, 'UserEngagementUpdate', m.id, {
        OperationType: 'UserEngagementUpdate', OperationCategory: CAT_ENGAGEMENT, RecipientId: at(m.delivered, 0), UserAgent: 'Mozilla/5.0',
      }), undefined, t(m, 400), 'archive', 'engagement record without EngagementType', 'missing_engagement_type');
    }
    // 14. Status record whose IsHardBounce is neither a boolean nor "true"/"false" (batches).
    {
      const i = at([...this.messages.keys()].filter((k) => msgAt(k).delivered.length > 0 && k > 335), 0);
      const m = msgAt(i);
      bad(env(t(m, 27), CAT_STATUS, 'DeliveryStatusUpdate', m.id, statusProps(m, at(m.delivered, 0), { DeliveryStatus: 'Delivered', SmtpStatusCode: '250', EnhancedSmtpStatusCode: '2.6.0', IsHardBounce: 'unknown' })),
        undefined, t(m, 27), 'batches', 'status record with IsHardBounce "unknown" (neither a boolean nor "true"/"false")', 'invalid_field');
    }
  }

  // -------------------------------------------------------------------------------------------------
  // At-least-once delivery: byte-identical copies, later, often in another file

  generateDuplicates(): void {
    const rng = this.rng;
    const candidates = this.items.filter((i) => i.kind === 'valid' && i.noDuplicate !== true && i.forced === undefined);
    const target = Math.round(0.047 * this.items.length);
    const chosen = new Set<Item>();
    while (chosen.size < target) chosen.add(rng.pick(candidates));
    for (const original of [...chosen].sort((a, b) => a.seq - b.seq)) {
      const delay = rng.chance(0.35) ? rng.int(0, 3 * SECOND) : rng.int(1 * MINUTE, 90 * MINUTE);
      this.add({ kind: 'duplicate', ...(original.value === undefined ? {} : { value: original.value }), arrival: original.arrival + delay, noDuplicate: true });
    }
  }
}
