import type { RecipientState } from './messageState.js';

/**
 * What the indexes and aggregates need of each recipient, kept in the message row. With it, a message's
 * whole projection (time index, recipient index, sums) is a function of the message row alone, so a
 * batch that changes one recipient can still rebuild the message's contribution exactly, without
 * reading the recipients it did not touch.
 */
export interface RecipientDigest {
  readonly address: string;
  readonly status: string | null;
  readonly statusTime: string | null;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly hardBounce: boolean;
  readonly views: number;
  readonly clicks: number;
}

export function digestOf(recipient: RecipientState): RecipientDigest {
  return {
    address: recipient.address,
    status: recipient.status,
    statusTime: recipient.statusTime,
    smtpStatusCode: recipient.smtpStatusCode,
    enhancedSmtpStatusCode: recipient.enhancedSmtpStatusCode,
    hardBounce: recipient.hardBounce,
    views: recipient.views,
    clicks: recipient.clicks,
  };
}

/** The digest with the changed recipients replaced or added; sorted by address (code units), so equal states serialise equally. */
export function updateDigest(digest: readonly RecipientDigest[], changed: Iterable<RecipientState>): RecipientDigest[] {
  const byAddress = new Map(digest.map((entry) => [entry.address, entry]));
  for (const recipient of changed) byAddress.set(recipient.address, digestOf(recipient));
  return [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

type DigestTuple = [string, string | null, string | null, string | null, string | null, 0 | 1, number, number];

/** Compact JSON (one array per recipient): the digest rides in every message row. */
export function serializeDigest(digest: readonly RecipientDigest[]): string {
  return JSON.stringify(
    digest.map((d): DigestTuple => [d.address, d.status, d.statusTime, d.smtpStatusCode, d.enhancedSmtpStatusCode, d.hardBounce ? 1 : 0, d.views, d.clicks]),
  );
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** The digest read back; null when the text is not a digest (a row written before digests existed). */
export function parseDigest(json: string | null): RecipientDigest[] | null {
  if (json === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const out: RecipientDigest[] = [];
  for (const entry of parsed) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') return null;
    out.push({
      address: entry[0],
      status: text(entry[1]),
      statusTime: text(entry[2]),
      smtpStatusCode: text(entry[3]),
      enhancedSmtpStatusCode: text(entry[4]),
      hardBounce: entry[5] === 1,
      views: count(entry[6]),
      clicks: count(entry[7]),
    });
  }
  return out;
}
