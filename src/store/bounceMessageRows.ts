import { isSuppression, mergeBounceObservation, type BounceObservation, type BounceRecord, type BouncedMessage } from '../state/bounceRecord.js';
import { cutText, type RowProperties } from './partitionCommit.js';
import { encodeKey } from './tableKeys.js';

/**
 * The registry's "m|<messageId>" row: what is known of one address on one message, with the
 * observations (hard-bounce status records) that made it so, folded into the row (there is no row per
 * observation). Pure: the codec and the rules that keep the row bounded and independent of the order
 * observations arrive in.
 *
 * Bounded: the row keeps the newest observations, by (time, fingerprint), that fit MAX_KEPT and the
 * JSON budget (one property, under the 30,000-unit string cap partitionCommit enforces). The kept set is
 * a prefix of the canonical order of everything ever seen, so it is the same whatever the arrival order:
 * keep(keep(S) ∪ T) = keep(S ∪ T). An observation left out is remembered only through the flags
 * (bounced, suppressed, truncated); ACS writes one or two hard-bounce records per address and message,
 * so real data never gets there, and a hostile stream cannot grow the row.
 */
export const MESSAGE_PREFIX = 'm|';
export const messageRowKey = (messageId: string): string => `${MESSAGE_PREFIX}${encodeKey(messageId)}`;
export const MAX_KEPT = 8;
const JSON_BUDGET = 28_000;
const MAX_FAILURE_MESSAGE = 4_000;
const MAX_REASON = 256;
const MAX_CODE = 64;

export interface MessageBounces {
  readonly messageId: string;
  readonly bounced: boolean;
  readonly suppressed: boolean;
  /** Some observation was left out to bound the row: the flags may know more than the observations. */
  readonly truncated: boolean;
  /** Canonical order: time, then fingerprint, ascending. */
  readonly observations: readonly BounceObservation[];
}

export const compareObservations = (a: BounceObservation, b: BounceObservation): number =>
  a.time < b.time ? -1 : a.time > b.time ? 1 : a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;

const cut = (value: string | null, max: number): string | null => (value === null || value.length <= max ? value : cutText(value, max));

/** The form the registry keeps and merges (so a rebuilt summary equals the one merged on arrival). */
export function boundObservation(o: BounceObservation): BounceObservation {
  return {
    address: o.address.trim().toLowerCase(),
    messageId: o.messageId,
    fingerprint: o.fingerprint,
    status: cut(o.status, MAX_CODE) ?? '',
    time: o.time,
    smtpStatusCode: cut(o.smtpStatusCode, MAX_CODE),
    enhancedSmtpStatusCode: cut(o.enhancedSmtpStatusCode, MAX_CODE),
    failureReason: cut(o.failureReason, MAX_REASON),
    failureMessage: cut(o.failureMessage, MAX_FAILURE_MESSAGE),
  };
}

type StoredObservation = [string, string, string, string | null, string | null, string | null, string | null];
const storedForm = (o: BounceObservation): StoredObservation => [
  o.fingerprint, o.time, o.status, o.smtpStatusCode, o.enhancedSmtpStatusCode, o.failureReason, o.failureMessage,
];

/** The newest observations that fit, in canonical order, and whether any was left out. */
function keep(all: Iterable<BounceObservation>): { kept: BounceObservation[]; truncated: boolean } {
  const unique = new Map<string, BounceObservation>();
  for (const o of all) unique.set(o.fingerprint, o);
  const newestFirst = [...unique.values()].sort((a, b) => compareObservations(b, a));
  const kept: BounceObservation[] = [];
  let used = 2;
  for (const o of newestFirst) {
    const size = JSON.stringify(storedForm(o)).length + 1;
    // Stop at the first that does not fit (never skip to a smaller one): that keeps the kept set a
    // prefix of the canonical order, hence order-independent. One bounded observation always fits.
    if (kept.length === MAX_KEPT || (kept.length > 0 && used + size > JSON_BUDGET)) return { kept: kept.reverse(), truncated: true };
    kept.push(o);
    used += size;
  }
  return { kept: kept.reverse(), truncated: false };
}

export function addObservations(known: MessageBounces | undefined, messageId: string, added: readonly BounceObservation[]): MessageBounces {
  const { kept, truncated } = keep([...(known?.observations ?? []), ...added]);
  return {
    messageId,
    bounced: (known?.bounced ?? false) || added.some((o) => !isSuppression(o)),
    suppressed: (known?.suppressed ?? false) || added.some(isSuppression),
    truncated: (known?.truncated ?? false) || truncated,
    observations: kept,
  };
}

/** Takes observations back out; the flags follow what remains unless some was left out (then they stay). */
export function removeObservations(known: MessageBounces, fingerprints: ReadonlySet<string>): MessageBounces {
  const observations = known.observations.filter((o) => !fingerprints.has(o.fingerprint));
  if (known.truncated) return { ...known, observations };
  return { ...known, observations, bounced: observations.some((o) => !isSuppression(o)), suppressed: observations.some(isSuppression) };
}

/** What merging needs to know of the pair; a row with neither flag (all retracted) is not known. */
export const knownMessage = (m: MessageBounces | undefined): BouncedMessage | undefined =>
  m === undefined || (!m.bounced && !m.suppressed) ? undefined : { bounced: m.bounced, suppressed: m.suppressed };

/** Merges observations into a record in canonical order, tracking each message's flags as it goes. */
export function foldObservations(
  record: BounceRecord | null,
  observations: readonly BounceObservation[],
  messages: Map<string, BouncedMessage | undefined>,
): BounceRecord | null {
  let next = record;
  for (const o of [...observations].sort(compareObservations)) {
    const before = messages.get(o.messageId);
    next = mergeBounceObservation(next, o, before);
    messages.set(o.messageId, { bounced: (before?.bounced ?? false) || !isSuppression(o), suppressed: (before?.suppressed ?? false) || isSuppression(o) });
  }
  return next;
}

/** The summary of a partition rebuilt from the observations its message rows keep. */
export const rebuildRecord = (rows: readonly MessageBounces[]): BounceRecord | null =>
  foldObservations(null, rows.flatMap((m) => m.observations), new Map());

export function toMessageBouncesRow(m: MessageBounces): RowProperties {
  return {
    rowType: 'bounceMessage',
    messageId: m.messageId,
    bounced: m.bounced,
    suppressed: m.suppressed,
    truncated: m.truncated,
    observations: JSON.stringify(m.observations.map(storedForm)),
  };
}

/**
 * Reads a message row back, for the partition's (lower-cased) address. A row written before the
 * observations were folded in has flags and no observations: it reads as truncated, so that its flags,
 * the only trace of its observations, are kept.
 */
export function fromMessageBouncesRow(properties: Readonly<Record<string, unknown>>, address: string): MessageBounces {
  const messageId = typeof properties['messageId'] === 'string' ? properties['messageId'] : '';
  const raw = typeof properties['observations'] === 'string' ? parseStored(properties['observations']) : null;
  const observations = (raw ?? []).flatMap((s): BounceObservation[] => {
    if (!Array.isArray(s) || typeof s[0] !== 'string' || typeof s[1] !== 'string' || typeof s[2] !== 'string') return [];
    const orNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return [{ address, messageId, fingerprint: s[0], time: s[1], status: s[2], smtpStatusCode: orNull(s[3]), enhancedSmtpStatusCode: orNull(s[4]), failureReason: orNull(s[5]), failureMessage: orNull(s[6]) }];
  });
  return {
    messageId,
    bounced: properties['bounced'] === true,
    suppressed: properties['suppressed'] === true,
    truncated: properties['truncated'] === true || raw === null,
    observations: observations.sort(compareObservations),
  };
}

function parseStored(text: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as unknown[]) : null;
  } catch {
    return null;
  }
}

/** Whether writing `next` would change the stored row (absent properties read as null, as written). */
export function sameProperties(stored: Readonly<Record<string, unknown>> | undefined, next: RowProperties): boolean {
  if (stored === undefined) return false;
  return Object.entries(next).every(([key, value]) => (stored[key] ?? null) === value);
}
