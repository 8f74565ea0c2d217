import { isFinalStatus } from './deliveryStatus.js';
import type { RecipientState } from './messageState.js';

/**
 * What the indexes and aggregates need of each recipient, kept in the message row. With it, a message's
 * whole projection (time index, recipient index, sums, failure counts, per-URL click sums) is a
 * function of the message row alone, so a batch that changes one recipient can still rebuild the
 * message's contribution exactly, without reading the recipients it did not touch.
 */
export interface RecipientDigest {
  readonly address: string;
  readonly status: string | null;
  readonly statusTime: string | null;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  /** ACS's FailureReason (a category such as BadDestinationMailboxAddress), cut to DIGEST_REASON_CHARS. */
  readonly failureReason: string | null;
  readonly hardBounce: boolean;
  readonly views: number;
  readonly clicks: number;
  /** The recipient's first DIGEST_URLS_PER_RECIPIENT distinct click URLs (clickUrlOf), earliest clicked first. */
  readonly clickedUrls: readonly string[];
}

/**
 * Caps that keep the digest small (it rides in every message row and pointer), each a function of the
 * one recipient's state, so the digest stays order independent: a failure reason is a short category,
 * and the click aggregate counts a link by its address without query or fragment (personalised
 * tracking parameters would make every recipient's link distinct, and they may carry tokens).
 */
export const DIGEST_REASON_CHARS = 100;
export const DIGEST_URLS_PER_RECIPIENT = 5;
export const DIGEST_URL_CHARS = 300;

const cut = (value: string | null, max: number): string | null => (value === null || value.length <= max ? value : value.slice(0, max));

/** The link a click counts under: scheme, host and path (no query, no fragment), at most DIGEST_URL_CHARS. */
export function clickUrlOf(url: string): string {
  const trimmed = url.trim();
  const end = trimmed.search(/[?#]/);
  return (end < 0 ? trimmed : trimmed.slice(0, end)).slice(0, DIGEST_URL_CHARS);
}

export function digestOf(recipient: RecipientState): RecipientDigest {
  const urls: string[] = [];
  for (const { url } of recipient.clickedUrls) {
    const link = clickUrlOf(url);
    if (link.length > 0 && !urls.includes(link)) urls.push(link);
    if (urls.length === DIGEST_URLS_PER_RECIPIENT) break;
  }
  return {
    address: recipient.address,
    status: recipient.status,
    statusTime: recipient.statusTime,
    smtpStatusCode: recipient.smtpStatusCode,
    enhancedSmtpStatusCode: recipient.enhancedSmtpStatusCode,
    failureReason: cut(recipient.failureReason, DIGEST_REASON_CHARS),
    hardBounce: recipient.hardBounce,
    views: recipient.views,
    clicks: recipient.clicks,
    clickedUrls: urls,
  };
}

/** The digest with the changed recipients replaced or added; sorted by address (code units), so equal states serialise equally. */
export function updateDigest(digest: readonly RecipientDigest[], changed: Iterable<RecipientState>): RecipientDigest[] {
  const byAddress = new Map(digest.map((entry) => [entry.address, entry]));
  for (const recipient of changed) byAddress.set(recipient.address, digestOf(recipient));
  return [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

type DigestTuple = [string, string | null, string | null, string | null, string | null, 0 | 1, number, number, string | null, number[]];

/**
 * Compact JSON: `{"v":2,"u":[urls],"r":[[address, status, statusTime, smtp, enhanced, hardBounce, views,
 * clicks, failureReason, [indexes into u]], ...]}`. A message's recipients mostly click the same links,
 * so each link is written once per message. Version 1 (before failures and links) was the bare array of
 * the first eight fields.
 */
export function serializeDigest(digest: readonly RecipientDigest[]): string {
  const urls: string[] = [];
  const indexOf = new Map<string, number>();
  const entries = digest.map((d): DigestTuple => {
    const links = d.clickedUrls.map((url) => {
      let i = indexOf.get(url);
      if (i === undefined) {
        i = urls.length;
        urls.push(url);
        indexOf.set(url, i);
      }
      return i;
    });
    return [d.address, d.status, d.statusTime, d.smtpStatusCode, d.enhancedSmtpStatusCode, d.hardBounce ? 1 : 0, d.views, d.clicks, d.failureReason, links];
  });
  return JSON.stringify({ v: 2, u: urls, r: entries });
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** A version-1 entry lacks what this recipient's aggregates need: the reason of a failure, or the links clicked. */
function needsMore(entry: RecipientDigest): boolean {
  return entry.clicks > 0 || isFailureStatus(entry.status);
}

/** Final statuses other than Delivered (deliveryStatus.ts): Bounced, Suppressed, Failed, Quarantined, FilteredSpam. */
export const isFailureStatus = (status: string | null): status is string => isFinalStatus(status) && status !== 'Delivered';

export interface ParsedDigest {
  readonly recipients: RecipientDigest[];
  /** 1: written before failure reasons and links were kept (they read as null and none). */
  readonly version: 1 | 2;
}

/** The digest as stored, of either version; null when the text is not a digest. */
export function parseDigestVersioned(json: string | null): ParsedDigest | null {
  if (json === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  const version = Array.isArray(parsed) ? 1 : 2;
  const body = Array.isArray(parsed) ? { u: [], r: parsed } : parsed;
  if (typeof body !== 'object' || body === null) return null;
  const { u, r } = body as { u?: unknown; r?: unknown };
  if (!Array.isArray(u) || !Array.isArray(r) || !u.every((x) => typeof x === 'string')) return null;
  const urls = u;
  const recipients: RecipientDigest[] = [];
  for (const entry of r) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') return null;
    const links = Array.isArray(entry[9]) ? entry[9] : [];
    recipients.push({
      address: entry[0],
      status: text(entry[1]),
      statusTime: text(entry[2]),
      smtpStatusCode: text(entry[3]),
      enhancedSmtpStatusCode: text(entry[4]),
      hardBounce: entry[5] === 1,
      views: count(entry[6]),
      clicks: count(entry[7]),
      failureReason: text(entry[8]),
      clickedUrls: links.flatMap((i) => (typeof i === 'number' && urls[i] !== undefined ? [urls[i]] : [])),
    });
  }
  return { recipients, version };
}

/**
 * The digest of a message row; null when the text is not a digest (a row written before digests
 * existed), or a version-1 digest that lacks what a recipient's failure or click counts need: such a
 * message is left out of the index until `reindex` rebuilds its digest from its recipient rows.
 */
export function parseDigest(json: string | null): RecipientDigest[] | null {
  const parsed = parseDigestVersioned(json);
  if (parsed === null) return null;
  if (parsed.version === 1 && parsed.recipients.some(needsMore)) return null;
  return parsed.recipients;
}
