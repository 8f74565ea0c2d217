import { hash } from 'node:crypto';

/**
 * ACS Email log records carry no record id, and Event Hubs delivers at least once. A record's identity is
 * therefore its normalised content: same category, correlation id, time and properties (after loose types
 * are resolved, so `"False"` and `false` agree) means the same record. 128 bits of SHA-256 in base64url
 * keep the key short enough for a Table RowKey with negligible collision risk.
 */
export function recordFingerprint(normalised: readonly unknown[]): string {
  return fingerprintOfJson(JSON.stringify(normalised));
}

/**
 * The fingerprint of normalised content already written as the JSON text recordFingerprint would write
 * (the classifier's fast path builds that text without the intermediate array). Stored rows are keyed by
 * these values, so the text and the hash must never change. One-shot `hash` rather than a Hash object
 * per record: same digest, about half the cost.
 */
export function fingerprintOfJson(json: string): string {
  return hash('sha256', json, 'base64url').slice(0, 22);
}
