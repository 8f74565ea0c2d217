import type { EngagementEvent, MessageEvent, StatusEvent } from '../../src/ingest/ledgerEvent.js';
import { mergeMessage } from '../../src/state/mergeMessage.js';
import type { MessageState, RecipientState } from '../../src/state/messageState.js';
import type { TimelineEntry, TimelineGroup, TimelineKind } from '../../src/state/timeline.js';

/** Records for the timeline tests, the pure merge that applies them, and an oracle of the bound. */
export const MESSAGE = 'bbbbbbbb-0000-4000-8000-000000000001';
const source = { kind: 'file', file: 'x', line: 1 } as const;

const base = (i: number, fingerprint: string, time: string) => ({ fingerprint, time, resourceId: null, source, recordIndex: i, messageId: MESSAGE });

export const statusEvent = (i: number, time: string, message: string, recipient: string | null, fingerprint = `s${String(i).padStart(4, '0')}`): StatusEvent => ({
  ...base(i, fingerprint, time),
  kind: 'status',
  recipient,
  deliveryStatus: i % 3 === 0 ? 'Bounced' : 'Delivered',
  smtpStatusCode: '550',
  enhancedSmtpStatusCode: '5.1.1',
  failureReason: 'BadMailbox',
  failureMessage: message,
  senderDomain: 'example.net',
  senderUsername: 'news',
  isHardBounce: i % 3 === 0,
});

export const engagementEvent = (i: number, time: string, url: string, recipient: string): EngagementEvent => ({
  ...base(i, `e${String(i).padStart(4, '0')}`, time),
  kind: 'engagement',
  recipient,
  engagementType: ['View', 'Click', 'Unsubscribe'][i % 3] ?? 'View',
  engagementContext: url,
  userAgent: `agent ${'u'.repeat(i % 400)}`,
});

/** Times from a small set, so that ties (broken by fingerprint) are common. */
export const timeOf = (n: number) => `2025-03-14T10:${String(n % 60).padStart(2, '0')}:00.0000000Z`;

/** Applies the records in batches of the given sizes, each batch on the state the previous left. */
export function applyInBatches(events: readonly MessageEvent[], sizes: readonly number[]): { message: MessageState; recipients: Map<string, RecipientState> } {
  let message: MessageState | undefined;
  const recipients = new Map<string, RecipientState>();
  for (let i = 0, k = 0; i < events.length; k += 1) {
    const size = Math.max(1, sizes[k % Math.max(1, sizes.length)] ?? 1);
    const change = mergeMessage(MESSAGE, { message, recipients }, events.slice(i, i + size), { maxClickedUrls: 20 });
    message = change.message;
    for (const r of change.changedRecipients) recipients.set(r.address, r);
    i += size;
  }
  if (message === undefined) throw new Error('no records');
  return { message, recipients };
}

export { shuffled } from '../helpers/seededShuffle.js';

const KIND_INDEX: Record<TimelineKind, number> = { status: 0, view: 1, click: 2, engagement: 3 };

/** Characters an entry takes in the stored JSON (its array and the comma after it), as timeline.ts documents the budget. */
export const storedLength = (e: TimelineEntry): number =>
  JSON.stringify([e.time, e.fingerprint, KIND_INDEX[e.kind], e.status, e.smtpStatusCode, e.enhancedSmtpStatusCode, e.failureReason, e.failureMessage, e.url, e.userAgent]).length + 1;

/**
 * The documented rule written out plainly, without the merge: of ALL the group's entries (one per
 * fingerprint), sorted by (time, fingerprint), keep the longest prefix of at most `maxEntries` entries
 * and `maxChars` stored characters; the cutoff is the first entry left out.
 */
export function oracleGroup(entries: readonly TimelineEntry[], maxEntries = 40, maxChars = 16_000): TimelineGroup {
  const unique = new Map<string, TimelineEntry>();
  for (const e of entries) if (!unique.has(e.fingerprint)) unique.set(e.fingerprint, e);
  const order = (a: TimelineEntry, b: TimelineEntry) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0);
  const sorted = [...unique.values()].sort(order);
  const kept: TimelineEntry[] = [];
  let chars = 0;
  for (const e of sorted) {
    chars += storedLength(e);
    if (kept.length === maxEntries || chars > maxChars) return { entries: kept, cutoff: { time: e.time, fingerprint: e.fingerprint } };
    kept.push(e);
  }
  return { entries: kept, cutoff: null };
}
