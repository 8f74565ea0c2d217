import { forecastSuppressionLease, type SuppressionLease } from '../alerts/suppressionLease.js';

/**
 * The bounce registry's state for one address (case-insensitive): what it has done, so a sender can
 * ask "may I still send to this address?". Built from every hard-bounce status record (IsHardBounce
 * true) by order-independent rules: counts per distinct message, min/max times, "last" fields from the
 * record with the greatest (time, fingerprint).
 */
export interface BounceRecord {
  readonly address: string;
  /** Distinct messages on which the address hard-bounced (Bounced, or Suppressed for an earlier bounce). */
  readonly hardBounces: number;
  /** Distinct messages whose send ACS suppressed because of an earlier hard bounce. */
  readonly suppressedSends: number;
  readonly firstBounceAt: string;
  readonly lastBounceAt: string;
  readonly lastFingerprint: string;
  readonly lastMessageId: string;
  readonly lastStatus: string;
  readonly lastSmtpStatusCode: string | null;
  readonly lastEnhancedSmtpStatusCode: string | null;
  readonly lastFailureReason: string | null;
  readonly lastFailureMessage: string | null;
  /**
   * One time per message on which the address bounced: its earliest Bounced record's (of those in
   * bounceEvents), from which the suppression lease is forecast. One per message, not per record, so
   * that the logs and Event Grid reporting one bounce minutes apart do not read as a second bounce.
   */
  readonly bounceTimes: readonly string[];
  /** The Bounced records as [time, messageId], newest 64 by (time, messageId), from which bounceTimes comes. */
  readonly bounceEvents: readonly BounceEvent[];
  readonly lease: SuppressionLease | null;
}

export type BounceEvent = readonly [time: string, messageId: string];

/** The earliest time of each message among the events, oldest first. */
export function bounceTimesOf(events: readonly BounceEvent[]): string[] {
  const earliest = new Map<string, string>();
  for (const [time, messageId] of events) {
    const known = earliest.get(messageId);
    if (known === undefined || time < known) earliest.set(messageId, time);
  }
  return [...new Set(earliest.values())].sort();
}

const compareEvents = (a: BounceEvent, b: BounceEvent): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/** One hard-bounce status record, as the registry sees it. */
export interface BounceObservation {
  readonly address: string;
  readonly messageId: string;
  readonly fingerprint: string;
  readonly status: string;
  readonly time: string;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failureReason: string | null;
  readonly failureMessage: string | null;
}

/** What the registry already knows of one (address, message) pair. */
export interface BouncedMessage {
  readonly bounced: boolean;
  readonly suppressed: boolean;
}

const MAX_TIMES = 64;

export function isSuppression(observation: BounceObservation): boolean {
  return observation.status === 'Suppressed';
}

/** Applies one new observation; `message` is what was known of its (address, message) pair before. */
export function mergeBounceObservation(previous: BounceRecord | null, observation: BounceObservation, message: BouncedMessage | undefined): BounceRecord {
  const suppressed = isSuppression(observation);
  const newMessage = message === undefined;
  const newlySuppressed = suppressed && !(message?.suppressed ?? false);
  const events: BounceEvent[] = [...(previous?.bounceEvents ?? [])];
  if (!suppressed) events.push([observation.time, observation.messageId]);
  const unique = new Map(events.map((e) => [`${e[0]}\n${e[1]}`, e]));
  const bounceEvents = [...unique.values()].sort(compareEvents).slice(-MAX_TIMES);
  const bounceTimes = bounceTimesOf(bounceEvents);
  const isLatest =
    previous === null ||
    observation.time > previous.lastBounceAt ||
    (observation.time === previous.lastBounceAt && observation.fingerprint > previous.lastFingerprint);
  const counts = {
    address: previous?.address ?? observation.address.trim().toLowerCase(),
    hardBounces: (previous?.hardBounces ?? 0) + (newMessage ? 1 : 0),
    suppressedSends: (previous?.suppressedSends ?? 0) + (newlySuppressed ? 1 : 0),
    firstBounceAt: previous === null || observation.time < previous.firstBounceAt ? observation.time : previous.firstBounceAt,
    bounceTimes,
    bounceEvents,
    lease: forecastSuppressionLease(bounceTimes),
  };
  if (!isLatest && previous !== null) return { ...previous, ...counts };
  return {
    ...counts,
    lastBounceAt: observation.time,
    lastFingerprint: observation.fingerprint,
    lastMessageId: observation.messageId,
    lastStatus: observation.status,
    lastSmtpStatusCode: observation.smtpStatusCode,
    lastEnhancedSmtpStatusCode: observation.enhancedSmtpStatusCode,
    lastFailureReason: observation.failureReason,
    lastFailureMessage: observation.failureMessage,
  };
}
