/**
 * Writes a deterministic, replayable stream of Azure Communication Services Email diagnostic-log
 * records into samples/, shaped as Azure Monitor sends them to Event Hubs (see
 * /work/shared/reference/acs-email-logs.md, sections 1-8), plus samples/README.md and
 * test/fixtures/samples-expected.json with the exact counts a reader must arrive at.
 *
 *   npx tsx scripts/generateSamples.ts          (or: npm run samples)
 *
 * No network, no dependencies, no clock: a seeded mulberry32 PRNG drives everything, so the output is
 * byte-identical on every run. After writing, the files are read back from disk and re-counted by an
 * independent reader (countSamples below); the script fails if that count disagrees with what the
 * generator meant to write.
 *
 * Imported (for tests), the module does nothing by itself: use readExpected() or countSamples().
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SEED = 20_250_314;
export const SAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'samples');

const MESSAGE_COUNT = 400;
const EVENTS_DIR = 'events';
const ARCHIVE_FILE = 'archive/PT1H.json';
const BATCHES_FILE = 'batches.json';
const EVENT_FILE_PATTERN = /^event-\d{3}\.json$/;
const MAX_TOTAL_BYTES = 3 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// JSON types and small helpers

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`index ${index} out of range (${items.length})`);
  return item;
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`generateSamples: ${message}`);
}

function increment(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32)

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Inclusive on both ends. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return at(items, Math.floor(this.next() * items.length));
  }
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    return at(entries, entries.length - 1)[0];
  }
  /** Exponentially distributed, with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }
  /** A lower-case version-4 GUID. */
  guid(): string {
    const variant = at(['8', '9', 'a', 'b'], Math.floor(this.next() * 4));
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }
  base64ish(length: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet.charAt(Math.floor(this.next() * alphabet.length));
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// Time: integer ticks of 100 ns since 2025-03-14T00:00:00Z (7 fractional digits, as Azure Monitor writes)

const EPOCH_MS = Date.UTC(2025, 2, 14);
const TICKS_PER_MS = 10_000;
const SECOND = 10_000_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** 7Z: 7 digits + Z (usual); 3Z: milliseconds + Z; 7 / 3: no zone suffix (UTC implied). */
type TimeFormat = '7Z' | '3Z' | '7' | '3';

function formatTime(ticks: number, format: TimeFormat): string {
  assert(Number.isInteger(ticks) && ticks >= 0, `bad ticks ${ticks}`);
  const wholeSeconds = new Date(EPOCH_MS + Math.floor(ticks / TICKS_PER_MS)).toISOString().slice(0, 19);
  const fraction7 = String(ticks % SECOND).padStart(7, '0');
  const fraction = format.startsWith('7') ? fraction7 : fraction7.slice(0, 3);
  return `${wholeSeconds}.${fraction}${format.endsWith('Z') ? 'Z' : ''}`;
}

const TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z)?$/;

/** "...T09:21:07.442Z" / "...T09:21:07.4421337" → "...T09:21:07.4420000Z" (no zone = UTC); null if not a time. */
export function canonicalTime(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const m = TIME_TEXT.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (date.getUTCDate() !== Number(d) || date.getUTCHours() !== Number(h) || date.getUTCMinutes() !== Number(mi)) return null;
  return `${date.toISOString().slice(0, 19)}.${(frac + '0000000').slice(0, 7)}Z`;
}

// ---------------------------------------------------------------------------------------------------
// Fixed vocabulary

const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
const RESOURCE_ID = `/SUBSCRIPTIONS/${SUBSCRIPTION}/RESOURCEGROUPS/RG-EMAIL-DEMO/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS-EMAIL-DEMO`;
/** One ACS resource, written four ways. Compare case-insensitively, with or without the leading slash. */
const RESOURCE_ID_VARIANTS: readonly (readonly [string, number])[] = [
  [RESOURCE_ID, 0.8],
  [RESOURCE_ID.slice(1), 0.08],
  [`/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-email-demo/providers/Microsoft.Communication/communicationServices/acs-email-demo`, 0.08],
  [`subscriptions/${SUBSCRIPTION}/resourcegroups/rg-email-demo/providers/microsoft.communication/communicationservices/acs-email-demo`, 0.04],
];

const CAT_SEND = 'EmailSendMailOperational';
const CAT_STATUS = 'EmailStatusUpdateOperational';
const CAT_ENGAGEMENT = 'EmailUserEngagementOperational';
const CAT_USAGE = 'Usage';
export const OUR_CATEGORIES: readonly string[] = [CAT_SEND, CAT_STATUS, CAT_ENGAGEMENT, CAT_USAGE];

interface Sender {
  readonly domain: string;
  readonly usernames: readonly string[];
  readonly trafficSources: readonly string[];
  /** userEngagementTracking on the Domains resource: engagement logs only for tracked domains. */
  readonly tracking: boolean;
  readonly weight: number;
  readonly links: readonly ((rng: Rng) => string)[];
}

const SENDERS: readonly Sender[] = [
  {
    domain: 'example.com',
    usernames: ['donotreply', 'orders'],
    trafficSources: ['Email .NET SDK', 'Email .NET SDK', 'Email Java SDK'],
    tracking: true,
    weight: 0.4,
    links: [
      (r) => `https://www.example.com/orders/${r.int(10_000, 99_999)}?utm_source=email`,
      () => 'https://www.example.com/account/settings',
      (r) => `https://www.example.com/track?shipment=${r.hex(10).toUpperCase()}`,
    ],
  },
  {
    domain: 'example.net',
    usernames: ['billing', 'alerts'],
    trafficSources: ['Email Python SDK', 'SMTP'],
    tracking: false,
    weight: 0.3,
    links: [],
  },
  {
    domain: 'mail.example.org',
    usernames: ['newsletter', 'support'],
    trafficSources: ['Email JavaScript SDK', 'Email JavaScript SDK', 'Email Python SDK'],
    tracking: true,
    weight: 0.3,
    links: [
      (r) => `https://www.example.org/blog/${r.pick(['spring-release', 'pricing-update', 'customer-story', 'webinar-recap'])}?utm_campaign=march-digest`,
      (r) => `https://www.example.org/unsubscribe?token=${r.hex(24)}`,
      (r) => `https://support.example.org/tickets/${r.int(100_000, 999_999)}`,
    ],
  },
];

const USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.80',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.105 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.8.1',
  'Mozilla/5.0',
];

const FIRST_NAMES = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'karl', 'laura', 'mallory',
  'nina', 'oscar', 'peggy', 'quentin', 'rupert', 'sybil', 'trent', 'ursula', 'victor', 'wendy', 'xavier', 'yolanda',
  'zoe', 'amir', 'bea', 'chen', 'dmitri', 'elena', 'fatima', 'gustavo', 'hana', 'ines', 'jonas', 'kenji', 'lucia',
  'marek', 'noor',
];
const LAST_NAMES = [
  'smith', 'jones', 'garcia', 'miller', 'davis', 'lopez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'martin',
  'lee', 'walker', 'hall', 'young', 'king', 'wright', 'scott', 'green', 'baker', 'adams', 'nelson', 'hill', 'campbell',
  'mitchell', 'roberts', 'carter', 'phillips', 'evans',
];
const RECIPIENT_DOMAINS: readonly (readonly [string, number])[] = [
  ['example.com', 0.34],
  ['example.org', 0.28],
  ['example.net', 0.24],
  ['corp.example.com', 0.08],
  ['lists.example.org', 0.06],
];

/** Hard-bounce codes from ACS's hard-bounce table (fact sheet section 7). */
const HARD_BOUNCES: readonly (readonly [{ smtp: string; enhanced: string; reason: string; message: (address: string) => string }, number])[] = [
  [{ smtp: '550', enhanced: '5.1.1', reason: 'BadDestinationMailboxAddress', message: (a) => `550 5.1.1 <${a}>: Recipient address rejected: User unknown` }, 0.6],
  [{ smtp: '550', enhanced: '5.1.10', reason: 'RecipientNotFound', message: () => '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup' }, 0.25],
  [{ smtp: '550', enhanced: '5.4.1', reason: 'RecipientAddressRejected', message: () => '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)' }, 0.15],
];
type HardBounce = (typeof HARD_BOUNCES)[number][0];

// ---------------------------------------------------------------------------------------------------
// The generator's model

type Dest = 'archive' | 'events' | 'batches';
type Kind = 'valid' | 'duplicate' | 'foreign' | 'bad';

interface Item {
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

type Outcome =
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

interface Special {
  readonly sender: string;
  readonly address?: string;
  readonly outcome?: Outcome;
  readonly statusBeforeSendForced?: boolean;
  readonly engagementBeforeStatusForced?: boolean;
}

const SUPERSEDE_NATURAL_ADDRESS = 'harper.quinn@example.org';
const SUPERSEDE_REVERSED_ADDRESS = 'rowan.ellis@example.net';
const TIE_ADDRESS = 'sasha.morgan@example.com';
const SPECIAL_ADDRESSES = new Set([SUPERSEDE_NATURAL_ADDRESS, SUPERSEDE_REVERSED_ADDRESS, TIE_ADDRESS]);

/** Message index → special treatment. */
const SPECIALS: ReadonlyMap<number, Special> = new Map([
  [40, { sender: 'mail.example.org', address: SUPERSEDE_NATURAL_ADDRESS, outcome: 'SupersedeNatural' as const }],
  [60, { sender: 'example.net', statusBeforeSendForced: true }],
  [95, { sender: 'example.net', address: SUPERSEDE_REVERSED_ADDRESS, outcome: 'SupersedeReversed' as const }],
  [120, { sender: 'example.com', engagementBeforeStatusForced: true }],
  [150, { sender: 'example.com', address: TIE_ADDRESS, outcome: 'Tie' as const }],
]);
/** Messages whose SendMail record is delayed 10-30 min in the pipeline (their statuses usually arrive first). */
const LATE_SENDMAIL = new Set([12, 77, 133, 201, 254, 310]);
/** Messages whose first Delivered recipient has its status delayed until after its engagement records. */
const LATE_STATUS = new Set([33, 188, 231, 290]);

export interface SpecialCaseInfo {
  readonly label: string;
  readonly messageId?: string;
  readonly recipient?: string;
  readonly description: string;
  readonly times?: Readonly<Record<string, string>>;
}

interface MessageInfo {
  readonly id: string;
  readonly sender: Sender;
  readonly username: string;
  readonly recipients: string[];
  readonly delivered: string[];
  readonly sendTicks: number;
}

class Generator {
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

// ---------------------------------------------------------------------------------------------------
// Layout: the arrival-ordered stream cut into event bodies and archive runs

interface Layout {
  archive: Item[];
  events: { items: Item[]; pretty: boolean }[];
  batches: Item[][];
}

function layOut(gen: Generator): Layout {
  const rng = gen.rng;
  const byArrival = (a: Item, b: Item): number => a.arrival - b.arrival || a.seq - b.seq;
  const stream = gen.items.filter((i) => i.forced === undefined).sort(byArrival);
  const forced = gen.items.filter((i) => i.forced !== undefined).sort(byArrival);

  const layout: Layout = { archive: [], events: [], batches: [] };
  const lockedEvents = new Set<number>();
  const bodySize = (): number =>
    rng.weighted<() => number>([
      [() => rng.int(1, 10), 0.4],
      [() => rng.int(11, 30), 0.4],
      [() => rng.int(31, 50), 0.2],
    ])();
  let i = 0;
  while (i < stream.length) {
    const dest = rng.weighted<Dest>([
      ['archive', 0.38],
      ['events', 0.44],
      ['batches', 0.18],
    ]);
    if (dest === 'archive') {
      const n = rng.int(8, 55);
      layout.archive.push(...stream.slice(i, i + n));
      i += n;
    } else if (dest === 'events') {
      const index = layout.events.length;
      const n = index === 2 ? 1 : index === 7 ? 50 : bodySize();
      if (index === 2 || index === 7) lockedEvents.add(index);
      layout.events.push({ items: stream.slice(i, i + n), pretty: false });
      i += n;
    } else {
      const n = bodySize();
      layout.batches.push(stream.slice(i, i + n));
      i += n;
    }
  }

  // Forced items go to their destination, at the place their arrival time puts them.
  for (const item of forced) {
    if (item.forced === 'archive') {
      let pos = layout.archive.findIndex((a) => byArrival(a, item) > 0);
      if (pos < 0) pos = layout.archive.length;
      layout.archive.splice(pos, 0, item);
      continue;
    }
    const bodies = item.forced === 'events' ? layout.events.map((e, k) => ({ items: e.items, locked: lockedEvents.has(k) })) : layout.batches.map((b) => ({ items: b, locked: false }));
    const open = (b: { items: Item[]; locked: boolean }): boolean => !b.locked && b.items.length < 50 && b.items.length > 1;
    const target =
      bodies.find((b) => open(b) && at(b.items, 0).arrival <= item.arrival && at(b.items, b.items.length - 1).arrival >= item.arrival) ??
      bodies.find((b) => open(b) && at(b.items, b.items.length - 1).arrival >= item.arrival) ??
      [...bodies].reverse().find((b) => !b.locked && b.items.length < 50);
    assert(target, `no body for a forced ${item.forced} item`);
    const contained = at(target.items, 0).arrival <= item.arrival;
    let pos = contained ? target.items.findIndex((a) => byArrival(a, item) > 0) : rng.int(1, target.items.length - 1);
    if (pos < 0) pos = target.items.length;
    target.items.splice(pos, 0, item);
  }

  // One whole event redelivered (a consumer restarted from an older checkpoint): every record a duplicate.
  const candidates = layout.events
    .map((e, k) => ({ e, k }))
    .filter(({ e, k }) => !lockedEvents.has(k) && k < layout.events.length / 2 && e.items.length >= 6 && e.items.length <= 20 && e.items.every((it) => it.kind === 'valid'));
  const chosen = at(candidates, Math.floor(candidates.length / 3));
  const copies = chosen.e.items.map((it) =>
    gen.add({ kind: 'duplicate', ...(it.value === undefined ? {} : { value: it.value }), arrival: it.arrival + 40 * MINUTE, noDuplicate: true }),
  );
  layout.events.splice(chosen.k + 5, 0, { items: copies, pretty: false });
  const eventName = (k: number): string => `${EVENTS_DIR}/event-${String(k + 1).padStart(3, '0')}.json`;
  gen.specialCases.push({
    label: 'redelivered-event',
    description: `${eventName(chosen.k + 5)} is a byte-for-byte redelivery of the records of ${eventName(chosen.k)} (${copies.length} records, all duplicates), as after a consumer restarts from an older checkpoint.`,
  });

  // Two event files pretty-printed (Azure Monitor sends compact JSON; people save them pretty).
  const small = layout.events.map((e, k) => ({ e, k })).filter(({ e }) => e.items.length >= 3 && e.items.length <= 12);
  at(small, 1).e.pretty = true;
  at(small, Math.floor(small.length * 0.6)).e.pretty = true;
  return layout;
}

function itemText(item: Item): string {
  if (item.rawLine !== undefined) return item.rawLine;
  assert(item.value !== undefined, 'item without value');
  return JSON.stringify(item.value);
}

export interface WrittenFile {
  readonly path: string;
  readonly content: string;
}

function render(layout: Layout): WrittenFile[] {
  const files: WrittenFile[] = [];
  files.push({ path: ARCHIVE_FILE, content: layout.archive.map(itemText).join('\n') + '\n' });
  const bodyOf = (items: Item[]): { records: Json[] } => ({
    records: items.map((it) => {
      assert(it.value !== undefined, 'unparseable line outside the archive');
      return it.value;
    }),
  });
  files.push({ path: BATCHES_FILE, content: '[\n' + layout.batches.map((b) => JSON.stringify(bodyOf(b))).join(',\n') + '\n]\n' });
  layout.events.forEach((e, k) => {
    const body = bodyOf(e.items);
    files.push({
      path: `${EVENTS_DIR}/event-${String(k + 1).padStart(3, '0')}.json`,
      content: (e.pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body)) + '\n',
    });
  });
  return files;
}

// ---------------------------------------------------------------------------------------------------
// The independent reader: reads samples/ back from disk and counts what a ledger must count

export interface BadRecordLocation {
  readonly file: string;
  /** 1-based line, for the NDJSON archive. */
  readonly line?: number;
  /** 0-based element of the top-level array, for batches.json. */
  readonly bodyIndex?: number;
  /** 0-based index in "records". */
  readonly recordIndex?: number;
  readonly reason: string;
}

export interface SampleCounts {
  /** Records as a reader counts them: one per element of "records", one per NDJSON line (parseable or not). */
  readonly totalRecords: number;
  /** Records of the four categories that are valid, each distinct content counted once. */
  readonly distinctValidRecords: number;
  /** Further copies of a valid record whose content was already seen (byte-identical after JSON parsing). */
  readonly duplicateRecords: number;
  /** Records of other ACS categories (SMSOperational, ChatOperational, ...): ignored, not dead-lettered. */
  readonly foreignRecords: number;
  /** Unusable records and lines: dead letters. */
  readonly badRecords: number;
  /** Distinct correlationIds (message ids) among valid email records. Every one has a SendMail record. */
  readonly messages: number;
  /** Distinct (message, RecipientId) pairs among valid recipient-level status and engagement records. */
  readonly recipients: number;
  /** Distinct recipient addresses over all messages. */
  readonly distinctRecipientAddresses: number;
  /** Distinct (message, recipient) pairs with at least one valid status record with IsHardBounce true. */
  readonly hardBounces: number;
}

interface ReadRecord {
  readonly file: string;
  readonly position: number;
  readonly category: string;
  readonly correlationId: string;
  readonly time: string;
  readonly properties: Record<string, unknown>;
}

function fieldText(object: Record<string, unknown>, name: string): string {
  const value = field(object, name);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function field(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

function looseBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false' || v === '') return false;
  }
  if (value === undefined || value === null) return false;
  return null;
}

type Verdict = { kind: 'foreign'; category: string } | { kind: 'bad'; reason: string } | { kind: 'valid'; category: string; correlationId: string; time: string; properties: Record<string, unknown> };

/** The validity rules the expected counts are based on (documented in samples/README.md). */
export function judgeRecord(value: unknown): Verdict {
  if (!isPlainObject(value)) return { kind: 'bad', reason: 'not_an_object' };
  const category = field(value, 'category');
  if (typeof category !== 'string' || category.trim() === '') return { kind: 'bad', reason: 'missing_category' };
  if (!OUR_CATEGORIES.includes(category)) return { kind: 'foreign', category };
  const properties = field(value, 'properties') ?? {};
  if (!isPlainObject(properties)) return { kind: 'bad', reason: 'properties_not_object' };
  const time = canonicalTime(field(value, 'time'));
  if (time === null) return { kind: 'bad', reason: 'invalid_time' };
  const correlation = field(value, 'correlationId');
  const correlationId = typeof correlation === 'string' ? correlation.trim() : '';
  if (correlationId === '' && category !== CAT_USAGE) return { kind: 'bad', reason: 'missing_correlation_id' };
  const text = (name: string): string | null => {
    const v = field(properties, name);
    return typeof v === 'string' && v.trim() !== '' ? v : null;
  };
  if (category === CAT_STATUS) {
    if (text('DeliveryStatus') === null) return { kind: 'bad', reason: 'missing_delivery_status' };
    if (typeof field(properties, 'RecipientId') !== 'string') return { kind: 'bad', reason: 'invalid_field' };
    if (looseBool(field(properties, 'IsHardBounce')) === null) return { kind: 'bad', reason: 'invalid_field' };
  }
  if (category === CAT_ENGAGEMENT) {
    if (text('RecipientId') === null) return { kind: 'bad', reason: 'missing_recipient' };
    if (text('EngagementType') === null) return { kind: 'bad', reason: 'missing_engagement_type' };
  }
  if (category === CAT_USAGE) {
    if (text('usageType') === null || text('unitType') === null || !Number.isFinite(Number(field(properties, 'quantity')))) {
      return { kind: 'bad', reason: 'invalid_field' };
    }
  }
  return { kind: 'valid', category, correlationId, time, properties };
}

export interface CountReport {
  readonly counts: SampleCounts;
  readonly perFile: Record<string, { records: number; valid: number; duplicates: number; foreign: number; bad: number }>;
  readonly validByCategory: Record<string, number>;
  readonly duplicatesByCategory: Record<string, number>;
  readonly foreignByCategory: Record<string, number>;
  readonly statusRecordsByDeliveryStatus: Record<string, number>;
  readonly engagementRecordsByType: Record<string, number>;
  readonly hardBouncesByStatus: Record<string, number>;
  /** Suppressed status records with IsHardBounce false (customer opt-out list, not a hard bounce). */
  readonly suppressedNotHardBounce: number;
  readonly finalRecipientStatus: Record<string, number>;
  readonly tiePairs: { messageId: string; recipient: string; time: string; statuses: string[] }[];
  readonly badRecords: BadRecordLocation[];
  readonly badByReason: Record<string, number>;
  readonly withinFileOrdering: {
    messagesWithStatusBeforeSendMail: number;
    recipientsWithEngagementBeforeStatus: number;
    duplicatesInSameFileAsOriginal: number;
    duplicatesInAnotherFile: number;
  };
  readonly formats: Record<string, number>;
  readonly eventFiles: { count: number; minRecords: number; maxRecords: number; pretty: string[] };
  readonly totalBytes: number;
}

/** Lists the files this script writes (and, before writing, removes). */
function generatedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of [ARCHIVE_FILE, BATCHES_FILE, 'README.md']) if (existsSync(join(dir, f))) out.push(f);
  if (existsSync(join(dir, EVENTS_DIR))) {
    for (const f of readdirSync(join(dir, EVENTS_DIR)).sort()) if (EVENT_FILE_PATTERN.test(f)) out.push(`${EVENTS_DIR}/${f}`);
  }
  return out;
}

/** Reads samples/ from disk (archive, then batches.json, then events/ in name order) and counts. */
export function countSamples(dir: string = SAMPLES_DIR): CountReport {
  const units: { file: string; line?: number; bodyIndex?: number; recordIndex?: number; parsed: boolean; value: unknown; text: string }[] = [];
  let totalBytes = 0;
  const archiveText = readFileSync(join(dir, ARCHIVE_FILE), 'utf8');
  totalBytes += Buffer.byteLength(archiveText);
  archiveText.split('\n').forEach((line, k) => {
    if (line.trim() === '') return;
    try {
      units.push({ file: ARCHIVE_FILE, line: k + 1, parsed: true, value: JSON.parse(line), text: line });
    } catch {
      units.push({ file: ARCHIVE_FILE, line: k + 1, parsed: false, value: undefined, text: line });
    }
  });
  const batchesText = readFileSync(join(dir, BATCHES_FILE), 'utf8');
  totalBytes += Buffer.byteLength(batchesText);
  const batches: unknown = JSON.parse(batchesText);
  assert(Array.isArray(batches), 'batches.json is not an array');
  batches.forEach((body, b) => {
    assert(isPlainObject(body) && Array.isArray(body['records']), `batches.json[${b}] is not {"records":[...]}`);
    (body['records'] as unknown[]).forEach((value, r) => units.push({ file: BATCHES_FILE, bodyIndex: b, recordIndex: r, parsed: true, value, text: JSON.stringify(value) }));
  });
  const eventNames = readdirSync(join(dir, EVENTS_DIR)).filter((f) => EVENT_FILE_PATTERN.test(f)).sort();
  const eventSizes: number[] = [];
  const pretty: string[] = [];
  for (const name of eventNames) {
    const path = `${EVENTS_DIR}/${name}`;
    const text = readFileSync(join(dir, path), 'utf8');
    totalBytes += Buffer.byteLength(text);
    if (text.includes('\n  ')) pretty.push(path);
    const body: unknown = JSON.parse(text);
    assert(isPlainObject(body) && Array.isArray(body['records']), `${path} is not {"records":[...]}`);
    const records = body['records'] as unknown[];
    eventSizes.push(records.length);
    records.forEach((value, r) => units.push({ file: path, recordIndex: r, parsed: true, value, text: JSON.stringify(value) }));
  }

  const perFile: CountReport['perFile'] = {};
  const fileStats = (f: string): CountReport['perFile'][string] => (perFile[f] ??= { records: 0, valid: 0, duplicates: 0, foreign: 0, bad: 0 });
  const seen = new Map<string, string>(); // canonical content → file of first sighting
  const valid: ReadRecord[] = [];
  const validByCategory: Record<string, number> = {};
  const duplicatesByCategory: Record<string, number> = {};
  const foreignByCategory: Record<string, number> = {};
  const badRecords: BadRecordLocation[] = [];
  const badByReason: Record<string, number> = {};
  const formats: Record<string, number> = {};
  let duplicates = 0;
  let foreign = 0;
  let dupSameFile = 0;
  let dupOtherFile = 0;
  const semanticKeys = new Set<string>();

  units.forEach((u, position) => {
    const stats = fileStats(u.file);
    stats.records++;
    const verdict: Verdict = u.parsed ? judgeRecord(u.value) : { kind: 'bad', reason: 'invalid_json' };
    if (verdict.kind === 'bad') {
      stats.bad++;
      increment(badByReason, verdict.reason);
      badRecords.push({
        file: u.file,
        ...(u.line === undefined ? {} : { line: u.line }),
        ...(u.bodyIndex === undefined ? {} : { bodyIndex: u.bodyIndex }),
        ...(u.recordIndex === undefined ? {} : { recordIndex: u.recordIndex }),
        reason: verdict.reason,
      });
      return;
    }
    if (verdict.kind === 'foreign') {
      stats.foreign++;
      foreign++;
      increment(foreignByCategory, verdict.category);
      return;
    }
    const canonical = JSON.stringify(u.value);
    const first = seen.get(canonical);
    if (first !== undefined) {
      stats.duplicates++;
      duplicates++;
      increment(duplicatesByCategory, verdict.category);
      if (first === u.file) dupSameFile++;
      else dupOtherFile++;
      return;
    }
    seen.set(canonical, u.file);
    stats.valid++;
    increment(validByCategory, verdict.category);
    const p = verdict.properties;
    const rawTime = field(u.value as Record<string, unknown>, 'time') as string;
    const shape = `${/\.\d{7}/.test(rawTime) ? '7 digits' : '3 digits'}${rawTime.endsWith('Z') ? ' + Z' : ', no zone'}`;
    increment(formats, `time: ${shape}`);
    increment(formats, `keys: ${'time' in (u.value as object) ? 'camelCase' : 'PascalCase'}`);
    const rid = String(field(u.value as Record<string, unknown>, 'resourceId'));
    increment(formats, `resourceId: ${rid.startsWith('/') ? 'leading slash' : 'no leading slash'}, ${rid === rid.toUpperCase() ? 'upper case' : rid === rid.toLowerCase() ? 'lower case' : 'mixed case'}`);
    if (verdict.category === CAT_STATUS) increment(formats, `IsHardBounce: ${JSON.stringify(field(p, 'IsHardBounce'))}`);
    if (verdict.category === CAT_SEND) {
      increment(formats, `SendMail Size: ${typeof field(p, 'Size')}`);
      increment(formats, `SendMail counts: ${typeof field(p, 'UniqueRecipientsCount')}`);
    }
    // Distinct records must stay distinct under any reasonable content key, too.
    const semantic = [
      verdict.category,
      verdict.correlationId.toLowerCase(),
      verdict.time,
      fieldText(p, 'RecipientId').toLowerCase(),
      fieldText(p, 'DeliveryStatus') || fieldText(p, 'EngagementType'),
      fieldText(p, 'recordId'),
    ].join('|');
    assert(!semanticKeys.has(semantic), `two distinct records share the content key ${semantic}`);
    semanticKeys.add(semantic);
    valid.push({ file: u.file, position, category: verdict.category, correlationId: verdict.correlationId.toLowerCase(), time: verdict.time, properties: p });
  });

  // Messages, recipients, hard bounces, final states.
  const emailRecords = valid.filter((r) => r.category !== CAT_USAGE);
  const messages = new Set(emailRecords.map((r) => r.correlationId));
  const sendMails = valid.filter((r) => r.category === CAT_SEND);
  assert(sendMails.length === messages.size, 'every message must have exactly one SendMail record');
  for (const r of valid.filter((x) => x.category === CAT_USAGE)) assert(messages.has(r.correlationId), 'usage record for an unknown message');
  const pairKey = (r: ReadRecord): string => `${r.correlationId} ${String(field(r.properties, 'RecipientId')).toLowerCase()}`;
  const recipientRecords = emailRecords.filter((r) => r.category !== CAT_SEND && fieldText(r.properties, 'RecipientId') !== '');
  const pairs = new Set(recipientRecords.map(pairKey));
  const addresses = new Set(recipientRecords.map((r) => String(field(r.properties, 'RecipientId')).toLowerCase()));
  const statusRecords = emailRecords.filter((r) => r.category === CAT_STATUS);
  const statusByDelivery: Record<string, number> = {};
  for (const r of statusRecords) increment(statusByDelivery, `${String(field(r.properties, 'DeliveryStatus'))}${String(field(r.properties, 'RecipientId')) === '' ? ' (message-level)' : ''}`);
  const engagementByType: Record<string, number> = {};
  for (const r of emailRecords.filter((x) => x.category === CAT_ENGAGEMENT)) increment(engagementByType, String(field(r.properties, 'EngagementType')));
  const hardPairs = new Map<string, string>();
  for (const r of statusRecords) {
    if (String(field(r.properties, 'RecipientId')) !== '' && looseBool(field(r.properties, 'IsHardBounce')) === true && !hardPairs.has(pairKey(r))) {
      hardPairs.set(pairKey(r), String(field(r.properties, 'DeliveryStatus')));
    }
  }
  const hardBouncesByStatus: Record<string, number> = {};
  for (const status of hardPairs.values()) increment(hardBouncesByStatus, status);

  // Unique recipients per SendMail add up to the pairs; every pair has at least one status.
  const uniqueSum = sendMails.reduce((sum, r) => sum + Number(field(r.properties, 'UniqueRecipientsCount')), 0);
  assert(uniqueSum === pairs.size, `sum of UniqueRecipientsCount ${uniqueSum} != recipient pairs ${pairs.size}`);
  for (const r of sendMails) {
    const n = (k: string): number => Number(field(r.properties, k));
    assert(n('ToRecipientsCount') + n('CcRecipientsCount') + n('BccRecipientsCount') >= n('UniqueRecipientsCount'), 'To+Cc+Bcc < Unique');
  }
  const statusByPair = new Map<string, ReadRecord[]>();
  for (const r of statusRecords) {
    if (String(field(r.properties, 'RecipientId')) === '') continue;
    const list = statusByPair.get(pairKey(r)) ?? [];
    list.push(r);
    statusByPair.set(pairKey(r), list);
  }
  assert(statusByPair.size === pairs.size, 'every recipient pair must have a status record');
  const finalRecipientStatus: Record<string, number> = {};
  const tiePairs: CountReport['tiePairs'] = [];
  for (const [key, list] of statusByPair) {
    const latest = list.reduce((a, b) => (b.time > a.time ? b : a));
    const tied = list.filter((r) => r.time === latest.time);
    if (tied.length > 1) {
      const [messageId = '', recipient = ''] = key.split(' ');
      tiePairs.push({ messageId, recipient, time: latest.time, statuses: tied.map((r) => String(field(r.properties, 'DeliveryStatus'))).sort() });
      increment(finalRecipientStatus, 'tie (see specialCases)');
    } else {
      increment(finalRecipientStatus, String(field(latest.properties, 'DeliveryStatus')));
    }
  }

  // Out-of-order arrival inside one file (across files no order is implied).
  let statusBeforeSend = 0;
  let engagementBeforeStatus = 0;
  const byFile = new Map<string, ReadRecord[]>();
  for (const r of valid) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  for (const list of byFile.values()) {
    const sendPos = new Map<string, number>();
    const firstStatus = new Map<string, number>();
    const firstPairStatus = new Map<string, number>();
    const firstPairEngagement = new Map<string, number>();
    for (const r of list) {
      if (r.category === CAT_SEND) sendPos.set(r.correlationId, r.position);
      if (r.category === CAT_STATUS && !firstStatus.has(r.correlationId)) firstStatus.set(r.correlationId, r.position);
      if (r.category === CAT_STATUS && String(field(r.properties, 'RecipientId')) !== '' && !firstPairStatus.has(pairKey(r))) firstPairStatus.set(pairKey(r), r.position);
      if (r.category === CAT_ENGAGEMENT && !firstPairEngagement.has(pairKey(r))) firstPairEngagement.set(pairKey(r), r.position);
    }
    for (const [m, pos] of sendPos) if ((firstStatus.get(m) ?? Infinity) < pos) statusBeforeSend++;
    for (const [p, pos] of firstPairStatus) if ((firstPairEngagement.get(p) ?? Infinity) < pos) engagementBeforeStatus++;
  }

  const counts: SampleCounts = {
    totalRecords: units.length,
    distinctValidRecords: valid.length,
    duplicateRecords: duplicates,
    foreignRecords: foreign,
    badRecords: badRecords.length,
    messages: messages.size,
    recipients: pairs.size,
    distinctRecipientAddresses: addresses.size,
    hardBounces: hardPairs.size,
  };
  assert(counts.totalRecords === counts.distinctValidRecords + counts.duplicateRecords + counts.foreignRecords + counts.badRecords, 'counts do not add up');
  return {
    counts,
    perFile,
    validByCategory: sortedCounts(validByCategory),
    duplicatesByCategory: sortedCounts(duplicatesByCategory),
    foreignByCategory: sortedCounts(foreignByCategory),
    statusRecordsByDeliveryStatus: sortedCounts(statusByDelivery),
    engagementRecordsByType: sortedCounts(engagementByType),
    hardBouncesByStatus: sortedCounts(hardBouncesByStatus),
    suppressedNotHardBounce: statusRecords.filter((r) => field(r.properties, 'DeliveryStatus') === 'Suppressed' && looseBool(field(r.properties, 'IsHardBounce')) === false).length,
    finalRecipientStatus: sortedCounts(finalRecipientStatus),
    tiePairs,
    badRecords,
    badByReason: sortedCounts(badByReason),
    withinFileOrdering: {
      messagesWithStatusBeforeSendMail: statusBeforeSend,
      recipientsWithEngagementBeforeStatus: engagementBeforeStatus,
      duplicatesInSameFileAsOriginal: dupSameFile,
      duplicatesInAnotherFile: dupOtherFile,
    },
    formats: sortedCounts(formats),
    eventFiles: { count: eventNames.length, minRecords: Math.min(...eventSizes), maxRecords: Math.max(...eventSizes), pretty },
    totalBytes,
  };
}

// ---------------------------------------------------------------------------------------------------
// expected.json and README.md

export interface Expected extends SampleCounts {
  readonly schema: 'acs-email-ledger.samples/v1';
  readonly generator: string;
  readonly seed: number;
  readonly files: readonly string[];
  readonly details: Omit<CountReport, 'counts'> & { readonly specialCases: readonly SpecialCaseInfo[]; readonly badRecordReasons: readonly (BadRecordLocation & { expectedIssueCode: string })[] };
}

/**
 * The machine-readable counts live beside the tests (test/fixtures/samples-expected.json), not in
 * samples/: `replay samples` reads every .json file in the folder, and the counts are not events.
 */
function expectedPathFor(dir: string): string {
  return join(dir, '..', 'test', 'fixtures', 'samples-expected.json');
}

/** The machine-readable counts written for the tests (test/fixtures/samples-expected.json). */
export function readExpected(dir: string = SAMPLES_DIR): Expected {
  return JSON.parse(readFileSync(expectedPathFor(dir), 'utf8')) as Expected;
}

function readme(expected: Expected): string {
  const c = expected;
  const d = expected.details;
  const table = (rows: Record<string, number>): string => Object.entries(rows).map(([k, v]) => `| ${k} | ${v} |`).join('\n');
  const loc = (b: BadRecordLocation): string =>
    b.line !== undefined ? `${b.file}:${b.line}` : b.bodyIndex !== undefined ? `${b.file}[${b.bodyIndex}].records[${b.recordIndex}]` : `${b.file} records[${b.recordIndex}]`;
  const special = (label: string): SpecialCaseInfo => {
    const s = d.specialCases.find((x) => x.label === label);
    assert(s, `special case ${label} missing`);
    return s;
  };
  const specialLine = (s: SpecialCaseInfo): string =>
    `- **${s.label}**: ${s.messageId ? `message \`${s.messageId}\`${s.recipient ? `, recipient \`${s.recipient}\`` : ''}. ` : ''}${s.description}${s.times ? ` Times: ${Object.entries(s.times).map(([k, v]) => `${k} \`${v}\``).join(', ')}.` : ''}`;
  return `# Sample ACS Email diagnostic-log stream

Generated by \`scripts/generateSamples.ts\` (\`npx tsx scripts/generateSamples.ts\` or \`npm run samples\`),
seed ${c.seed}. Deterministic: rerunning rewrites these files byte for byte. Do not edit them by hand;
change the script and rerun. The script removes only the files it writes (\`archive/PT1H.json\`,
\`batches.json\`, \`events/event-NNN.json\`, \`README.md\`; the counts are in \`test/fixtures/samples-expected.json\`).

Everything is invented: one ACS resource in subscription \`${SUBSCRIPTION}\`, GUIDs from a PRNG, addresses
only at example.com / example.org / example.net and their subdomains, IPs in 203.0.113.0/24. The shapes follow
\`/work/shared/reference/acs-email-logs.md\` (sections 1-8) and its two samples.

## Files

| file | format | records |
|---|---|---|
| \`archive/PT1H.json\` | NDJSON, one record per line (the Storage archive format, despite the \`.json\` name) | ${d.perFile[ARCHIVE_FILE]?.records} lines |
| \`batches.json\` | a JSON array of ${'`{"records":[...]}`'} event bodies | ${d.perFile[BATCHES_FILE]?.records} records |
| \`events/event-001.json\` … \`event-${String(d.eventFiles.count).padStart(3, '0')}.json\` | one Event Hubs event body each, ${'`{"records":[...]}`'}, ${d.eventFiles.minRecords}-${d.eventFiles.maxRecords} records; compact, except ${d.eventFiles.pretty.map((p) => `\`${p}\``).join(' and ')} (pretty-printed) | ${Object.entries(d.perFile).filter(([f]) => f.startsWith('events/')).reduce((s, [, v]) => s + v.records, 0)} records |
| \`../test/fixtures/samples-expected.json\` | the counts below, machine-readable (kept out of this folder: \`replay\` reads every .json here) | |

Total size ${(d.totalBytes / 1024 / 1024).toFixed(2)} MB. Records are in arrival order within each file, as a
consumer would see them; across files no order is implied (no partition key, any partition, any order), so a
correct ledger gives the same result whatever order the files are replayed in.

## Expected counts

Counting rules: a reader counts one record per element of \`records\` and one per non-empty NDJSON line,
whether or not the line parses. Every record falls in exactly one bucket:
totalRecords = distinctValidRecords + duplicateRecords + foreignRecords + badRecords.

| count | value | meaning |
|---|---|---|
| totalRecords | **${c.totalRecords}** | records and NDJSON lines, as read |
| distinctValidRecords | **${c.distinctValidRecords}** | valid records of the four categories, each distinct content once |
| duplicateRecords | **${c.duplicateRecords}** | further byte-identical copies (identical after JSON parsing) of a valid record |
| foreignRecords | **${c.foreignRecords}** | records of other ACS categories: ignored, not dead-lettered |
| badRecords | **${c.badRecords}** | dead letters (one of each defect, listed below) |
| messages | **${c.messages}** | distinct correlationIds of valid email records; each has exactly one SendMail |
| recipients | **${c.recipients}** | distinct (message, RecipientId) pairs; equals the sum of UniqueRecipientsCount; every pair has a status record |
| distinctRecipientAddresses | **${c.distinctRecipientAddresses}** | distinct addresses over all messages |
| hardBounces | **${c.hardBounces}** | distinct (message, recipient) pairs with a valid status record whose IsHardBounce is true (boolean or any-case string) |

Only valid records are repeated (no foreign or bad record has a copy), and no two distinct valid records share a content key (category, correlationId, time to 100 ns, RecipientId, DeliveryStatus
or EngagementType, usage recordId), so a ledger that deduplicates on normalised content instead of bytes gets the
same numbers. ${d.withinFileOrdering.duplicatesInAnotherFile} duplicates sit in another file than their first copy, ${d.withinFileOrdering.duplicatesInSameFileAsOriginal} in the same file. One whole event body (\`events/\`) is redelivered
as a later event file (every record in it a duplicate).

Distinct valid records by category:

| category | records |
|---|---|
${table(d.validByCategory)}

Duplicates by category:

| category | records |
|---|---|
${table(d.duplicatesByCategory)}

Status records (distinct) by DeliveryStatus:

| DeliveryStatus | records |
|---|---|
${table(d.statusRecordsByDeliveryStatus)}

Engagement records (distinct): ${Object.entries(d.engagementRecordsByType).map(([k, v]) => `${k} ${v}`).join(', ')}.

Hard-bounce pairs by the status of the first IsHardBounce=true record: ${Object.entries(d.hardBouncesByStatus).map(([k, v]) => `${k} ${v}`).join(', ')}.
Bounced pairs carry 550 5.1.1, 550 5.1.10 or 550 5.4.1; Suppressed pairs are addresses that hard-bounced
earlier in the stream (ACS's managed suppression list). ${d.suppressedNotHardBounce} further Suppressed rows have IsHardBounce false
(customer opt-out list): they are not hard bounces. Failed rows (552 5.2.2 mailbox full), Quarantined and
FilteredSpam rows all have IsHardBounce false.

Final recipient status if the latest \`time\` wins (times without a zone are UTC):

| status | recipients |
|---|---|
${table(d.finalRecipientStatus)}

## Special cases

${d.specialCases.map(specialLine).join('\n')}

Besides those forced cases, pipeline latency is random per record (20 s to about 15 min), so within files
${d.withinFileOrdering.messagesWithStatusBeforeSendMail} messages have a status record before their SendMail record and
${d.withinFileOrdering.recipientsWithEngagementBeforeStatus} recipients have an engagement record before any status record (counted within a single file).
Engagement records exist only for example.com and mail.example.org senders (engagement tracking on); example.net has
it off.

## Variation on purpose

${Object.entries(d.formats).map(([k, v]) => `- ${k}: ${v}`).join('\n')}

(Counted over distinct valid records.) Also: \`Size\` and the SendMail counts are sometimes numeric strings;
some SendMail records have ToRecipientsCount + CcRecipientsCount + BccRecipientsCount = UniqueRecipientsCount + 1
(an address in both To and Cc); TrafficSource is sometimes absent; Usage records have no \`location\`, and
their \`tags\` is absent, \`""\` or \`{}\`, with \`correlationVector\` when tags is present; message-level
OutForDelivery rows sometimes carry empty SMTP and Failure fields; InternetMessageId is on the engagement
records of about half the messages; category strings are always exactly the wire names. PascalCase records
use \`Time, ResourceId, Location, OperationName, OperationVersion, Category, CorrelationId, Properties\`.

Foreign categories (ignored): ${Object.entries(d.foreignByCategory).map(([k, v]) => `${k} ${v}`).join(', ')}. Some lack
correlationId, one uses PascalCase keys, and the SMS delivery reports carry a \`DeliveryStatus\` of their own:
the category decides, not the fields.

## What counts as bad, foreign, valid

Checked in this order (\`countSamples\` / \`judgeRecord\` in the script). When these samples were made, the counts were also
reproduced with \`src/ingest/decodeBody.ts\` + \`classifyRecord.ts\` and fingerprint dedupe, including the issue codes below:
not parseable JSON, or not a JSON object → bad; no \`category\` → bad; a category other than the four
(\`EmailSendMailOperational\`, \`EmailStatusUpdateOperational\`, \`EmailUserEngagementOperational\`, \`Usage\`) → foreign;
\`properties\` present but not an object → bad; \`time\` missing or not ISO 8601 → bad; an email record without a
non-empty \`correlationId\` → bad; a status record without \`DeliveryStatus\`, or with an \`IsHardBounce\` that is not a
boolean or "true"/"false" in any case → bad; an engagement record without \`RecipientId\` or \`EngagementType\` → bad.
Key names are matched case-insensitively (PascalCase records are valid). Everything else is valid.

## Bad records (dead letters)

| where | defect | issue code |
|---|---|---|
${d.badRecordReasons.map((b) => `| \`${loc(b)}\` | ${b.reason} | \`${b.expectedIssueCode}\` |`).join('\n')}

Each refers to a message (and recipient) that also has valid records, so dead-lettering them changes no other
count. The tie pair: ${special('tie').recipient} on message ${special('tie').messageId}.
`;
}

// ---------------------------------------------------------------------------------------------------
// Main

export function generateSamples(dir: string = SAMPLES_DIR): Expected {
  const gen = new Generator();
  gen.generateMessages();
  gen.generateForeign();
  gen.generateBad();
  gen.generateDuplicates();
  const layout = layOut(gen);
  const files = render(layout);

  // Remove what an earlier run wrote (only our own files), then write.
  for (const f of generatedFiles(dir)) rmSync(join(dir, f));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }

  // Count from disk, and check against what the generator meant.
  const report = countSamples(dir);
  const placed = [...layout.archive, ...layout.batches.flat(), ...layout.events.flatMap((e) => e.items)];
  const intended = { valid: 0, duplicate: 0, foreign: 0, bad: 0 };
  for (const item of placed) intended[item.kind]++;
  const c = report.counts;
  assert(placed.length === c.totalRecords, `placed ${placed.length} items, read ${c.totalRecords}`);
  assert(intended.valid === c.distinctValidRecords, `meant ${intended.valid} valid, read ${c.distinctValidRecords}`);
  assert(intended.duplicate === c.duplicateRecords, `meant ${intended.duplicate} duplicates, read ${c.duplicateRecords}`);
  assert(intended.foreign === c.foreignRecords, `meant ${intended.foreign} foreign, read ${c.foreignRecords}`);
  assert(intended.bad === c.badRecords, `meant ${intended.bad} bad, read ${c.badRecords}`);
  assert(c.messages === MESSAGE_COUNT, `messages ${c.messages}`);
  assert(report.tiePairs.length === 1, `expected exactly one tie pair, found ${report.tiePairs.length}`);
  for (const label of ['supersede-in-order', 'supersede-reversed', 'tie', 'status-before-sendmail', 'engagement-before-status', 'redelivered-event']) {
    assert(gen.specialCases.some((s) => s.label === label), `special case ${label} was not generated`);
  }
  assert(report.eventFiles.minRecords >= 1 && report.eventFiles.maxRecords <= 50, 'event body sizes out of 1..50');
  assert(report.totalBytes < MAX_TOTAL_BYTES, `samples are ${report.totalBytes} bytes`);
  assert(new Set(report.badRecords.map((b) => b.reason)).size >= 10, 'bad records should cover many reasons');

  // Bad records in file order, with the generator's reason and the issue code the ledger should report.
  const badItems = placed.filter((i) => i.kind === 'bad');
  const badInFileOrder = [
    ...layout.archive.filter((i) => i.kind === 'bad'),
    ...layout.batches.flat().filter((i) => i.kind === 'bad'),
    ...layout.events.flatMap((e) => e.items).filter((i) => i.kind === 'bad'),
  ];
  assert(badInFileOrder.length === badItems.length && badInFileOrder.length === report.badRecords.length, 'bad record bookkeeping');
  const badRecordReasons = report.badRecords.map((loc, k) => {
    const item = at(badInFileOrder, k);
    assert(item.badIssueCode === loc.reason, `bad record at ${loc.file} judged ${loc.reason}, meant ${item.badIssueCode}`);
    return { ...loc, reason: item.badReason ?? loc.reason, expectedIssueCode: loc.reason };
  });

  const { counts, ...details } = report;
  const expected: Expected = {
    schema: 'acs-email-ledger.samples/v1',
    generator: 'scripts/generateSamples.ts',
    seed: SEED,
    files: files.map((f) => f.path),
    ...counts,
    details: { ...details, badRecords: report.badRecords, specialCases: gen.specialCases, badRecordReasons },
  };
  writeFileSync(expectedPathFor(dir), JSON.stringify(expected, null, 2) + '\n');
  writeFileSync(join(dir, 'README.md'), readme(expected));
  return expected;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const expected = generateSamples();
  const { details, ...summary } = expected;
  const { files, ...counts } = summary;
  console.log(`wrote ${files.length} files to ${SAMPLES_DIR} (${(details.totalBytes / 1024 / 1024).toFixed(2)} MB)`);
  for (const [k, v] of Object.entries(counts)) if (typeof v === 'number' && k !== 'seed') console.log(`  ${k.padEnd(28)} ${v}`);
  console.log(`  special cases: ${details.specialCases.map((s) => s.label).join(', ')}`);
}
