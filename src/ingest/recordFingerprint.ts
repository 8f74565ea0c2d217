import { createHash } from 'node:crypto';

/**
 * ACS Email log records carry no record id, and Event Hubs delivers at least once. A record's identity is
 * therefore its normalised content: same category, correlation id, time and properties (after loose types
 * are resolved, so `"False"` and `false` agree) means the same record. 128 bits of SHA-256 in base64url
 * keep the key short enough for a Table RowKey with negligible collision risk.
 */
export function recordFingerprint(normalised: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(normalised)).digest('base64url').slice(0, 22);
}
