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
  /** Times of the Bounced records (newest 64), from which the suppression lease is forecast. */
  readonly bounceTimes: readonly string[];
  readonly lease: SuppressionLease | null;
}

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
  const times = suppressed ? [...(previous?.bounceTimes ?? [])] : [...(previous?.bounceTimes ?? []), observation.time];
  const bounceTimes = [...new Set(times)].sort().slice(-MAX_TIMES);
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
