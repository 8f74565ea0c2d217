import { originOf, type EngagementEvent, type ObservationOrigin, type StatusEvent } from '../ingest/ledgerEvent.js';
import { compareText } from './deliveryStatus.js';
import { cutToUnits as cut } from './textCuts.js';

/**
 * A recipient's (or a message's) timeline: one entry per applied status or engagement record, oldest
 * first, bounded so that a row stays well inside Azure's limits however many records a recipient gets.
 *
 * Order independence: the entries kept are a function of the SET of records applied, never of their
 * order. Each group (status records, engagement records) keeps the longest prefix, under the total order
 * (time, fingerprint), of all its entries that fits both MAX_ENTRIES and MAX_CHARS, and remembers the
 * `cutoff`: the position of the first entry that did not fit. Entries at or after the cutoff are never
 * kept again (a later, earlier-sorting entry only makes the prefix fuller), so "prefix of (prefix of S
 * plus x)" equals "prefix of (S plus x)" and the merge is commutative and associative; re-adding an entry
 * already kept or already cut off changes nothing, so it is idempotent even without the ledger's
 * de-duplication. `truncated` is "some group has a cutoff": as order-independent as the entries.
 */
export type TimelineKind = 'status' | 'view' | 'click' | 'engagement';

export interface TimelineEntry {
  readonly time: string;
  /** The record's fingerprint: the entry's identity (de-duplication) and the tie-break of the order. */
  readonly fingerprint: string;
  readonly kind: TimelineKind;
  /** The DeliveryStatus of a status record; for kind 'engagement' the EngagementType ACS sent; else null. */
  readonly status: string | null;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failureReason: string | null;
  readonly failureMessage: string | null;
  /** The clicked URL (EngagementContext) of a click. */
  readonly url: string | null;
  readonly userAgent: string | null;
  /** The diagnostic logs or an Event Grid report: both sources' reports of one delivery appear, each once. */
  readonly origin: ObservationOrigin;
}

export interface TimelinePosition {
  readonly time: string;
  readonly fingerprint: string;
}

export interface TimelineGroup {
  /** Sorted by (time, fingerprint). */
  readonly entries: readonly TimelineEntry[];
  /** The first entry (in that order) that did not fit; null while everything fits. */
  readonly cutoff: TimelinePosition | null;
}

export interface Timeline {
  readonly status: TimelineGroup;
  readonly engagement: TimelineGroup;
}

/** Entries kept per group: a recipient rarely has more than five status records. */
export const MAX_TIMELINE_ENTRIES = 40;
/** JSON characters per group: two groups stay under a fifth of a 1 MiB entity, and a 30-row transaction under 4 MiB. */
export const MAX_TIMELINE_CHARS = 16_000;

/** Field cuts (UTF-16 units, ellipsis included): long free text from mail servers and clients stays short here. */
const CUTS = { code: 100, failureReason: 300, failureMessage: 500, url: 500, userAgent: 200 } as const;

const EMPTY_GROUP: TimelineGroup = { entries: [], cutoff: null };
export const emptyTimeline = (): Timeline => ({ status: EMPTY_GROUP, engagement: EMPTY_GROUP });

export function timelineEntryOf(event: StatusEvent | EngagementEvent): TimelineEntry {
  const base = { time: event.time, fingerprint: event.fingerprint, origin: originOf(event) };
  if (event.kind === 'status') {
    return {
      ...base,
      kind: 'status',
      status: cut(event.deliveryStatus, CUTS.code),
      smtpStatusCode: cut(event.smtpStatusCode, CUTS.code),
      enhancedSmtpStatusCode: cut(event.enhancedSmtpStatusCode, CUTS.code),
      failureReason: cut(event.failureReason, CUTS.failureReason),
      failureMessage: cut(event.failureMessage, CUTS.failureMessage),
      url: null,
      userAgent: null,
    };
  }
  const kind: TimelineKind = event.engagementType === 'View' ? 'view' : event.engagementType === 'Click' ? 'click' : 'engagement';
  return {
    ...base,
    kind,
    status: kind === 'engagement' ? cut(event.engagementType, CUTS.code) : null,
    smtpStatusCode: null,
    enhancedSmtpStatusCode: null,
    failureReason: null,
    failureMessage: null,
    url: kind === 'click' ? cut(event.engagementContext, CUTS.url) : null,
    userAgent: cut(event.userAgent, CUTS.userAgent),
  };
}

export const comparePositions = (a: TimelinePosition, b: TimelinePosition): number => compareText(a.time, b.time) || compareText(a.fingerprint, b.fingerprint);

/** The group with the entries added, bounded as the file comment says. Pure. */
export function addToGroup(group: TimelineGroup, added: readonly TimelineEntry[]): TimelineGroup {
  const { cutoff } = group;
  const byFingerprint = new Map(group.entries.map((e) => [e.fingerprint, e]));
  for (const entry of added) {
    if (cutoff !== null && comparePositions(entry, cutoff) >= 0) continue;
    byFingerprint.set(entry.fingerprint, entry);
  }
  if (byFingerprint.size === group.entries.length) return group;
  const sorted = [...byFingerprint.values()].sort(comparePositions);
  let used = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const entry = sorted[i] as TimelineEntry;
    used += JSON.stringify(storedForm(entry)).length + 1;
    if (i >= MAX_TIMELINE_ENTRIES || used > MAX_TIMELINE_CHARS) {
      return { entries: sorted.slice(0, i), cutoff: { time: entry.time, fingerprint: entry.fingerprint } };
    }
  }
  return { entries: sorted, cutoff };
}

export function addToTimeline(timeline: Timeline, entry: TimelineEntry): Timeline {
  return entry.kind === 'status'
    ? { ...timeline, status: addToGroup(timeline.status, [entry]) }
    : { ...timeline, engagement: addToGroup(timeline.engagement, [entry]) };
}

/** Both groups as one list, oldest first. */
export const timelineEntries = (timeline: Timeline): TimelineEntry[] => [...timeline.status.entries, ...timeline.engagement.entries].sort(comparePositions);

export const timelineTruncated = (timeline: Timeline): boolean => timeline.status.cutoff !== null || timeline.engagement.cutoff !== null;

const KINDS: readonly TimelineKind[] = ['status', 'view', 'click', 'engagement'];
type StoredEntry = [string, string, number, string | null, string | null, string | null, string | null, string | null, string | null, string | null] | [string, string, number, string | null, string | null, string | null, string | null, string | null, string | null, string | null, 1];
/** An Event Grid entry ends in a 1; a log entry stays as rows before Event Grid wrote it. */
const storedForm = (e: TimelineEntry): StoredEntry => {
  const fields = [e.time, e.fingerprint, KINDS.indexOf(e.kind), e.status, e.smtpStatusCode, e.enhancedSmtpStatusCode, e.failureReason, e.failureMessage, e.url, e.userAgent] as const;
  return e.origin === 'eventGrid' ? [...fields, 1] : [...fields];
};

/** Compact JSON (an array per entry); equal timelines serialise equally, whatever order built them. */
export function serializeTimeline(timeline: Timeline): string {
  const group = (g: TimelineGroup) => ({ n: g.entries.map(storedForm), c: g.cutoff === null ? null : [g.cutoff.time, g.cutoff.fingerprint] });
  return JSON.stringify({ v: 1, s: group(timeline.status), e: group(timeline.engagement) });
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The timeline read back; a row written before timelines existed (null), or anything unreadable, is an empty one. */
export function parseTimeline(json: string | null): Timeline {
  if (json === null) return emptyTimeline();
  try {
    const parsed = JSON.parse(json) as { v?: unknown; s?: unknown; e?: unknown };
    if (parsed.v !== 1) return emptyTimeline();
    return { status: parseGroup(parsed.s), engagement: parseGroup(parsed.e) };
  } catch {
    return emptyTimeline();
  }
}

function parseGroup(value: unknown): TimelineGroup {
  if (typeof value !== 'object' || value === null) return EMPTY_GROUP;
  const { n, c } = value as { n?: unknown; c?: unknown };
  const entries: TimelineEntry[] = [];
  for (const raw of Array.isArray(n) ? (n as unknown[]) : []) {
    if (!Array.isArray(raw)) continue;
    const [time, fingerprint, kind] = raw as unknown[];
    const kindName = typeof kind === 'number' ? KINDS[kind] : undefined;
    if (typeof time !== 'string' || typeof fingerprint !== 'string' || kindName === undefined) continue;
    const at = (i: number) => text((raw as unknown[])[i]);
    entries.push({ time, fingerprint, kind: kindName, status: at(3), smtpStatusCode: at(4), enhancedSmtpStatusCode: at(5), failureReason: at(6), failureMessage: at(7), url: at(8), userAgent: at(9), origin: (raw as unknown[])[10] === 1 ? 'eventGrid' : 'logs' });
  }
  const cutoff = Array.isArray(c) && typeof c[0] === 'string' && typeof c[1] === 'string' ? { time: c[0], fingerprint: c[1] } : null;
  return { entries, cutoff };
}
