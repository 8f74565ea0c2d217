import { type Json } from './json.js';
import { Rng } from './random.js';
import { SEED } from './settings.js';
import { SPECIAL_ADDRESSES } from './specials.js';
import { SECOND, MINUTE, type TimeFormat } from './time.js';
import { FIRST_NAMES, LAST_NAMES, RECIPIENT_DOMAINS, HARD_BOUNCES, type Sender, type HardBounce } from './vocabulary.js';

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
}
