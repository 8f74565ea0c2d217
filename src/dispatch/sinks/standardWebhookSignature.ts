import { createHmac } from 'node:crypto';
import { LedgerError } from '../../errors.js';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), symmetric scheme `v1`:
 *
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>
 *
 * where the key is the base64 text after `whsec_`, decoded. Any receiver that follows the spec
 * (the `standardwebhooks` libraries, Svix, ...) can verify what we send without knowing our code.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export interface StandardWebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

export interface SignStandardWebhookInput {
  /** The message id. Must stay the same across retries of one message: receivers dedupe on it. */
  readonly id: string;
  /** Unix time in seconds at which this attempt is made (fractions are dropped). */
  readonly timestamp: number;
  /** Exactly the bytes that go on the wire: a string is signed as its UTF-8 encoding. */
  readonly body: string | Uint8Array;
  /** `whsec_<base64>`; a bare base64 key is accepted too, as the reference libraries do. */
  readonly secret: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes a Standard Webhooks secret to its HMAC key. Throws `config_invalid` for a secret that cannot
 * be a key: Buffer.from(.., 'base64') would otherwise silently skip bad characters and sign with a
 * different key than the receiver's. The message never contains the secret.
 */
export function decodeWebhookSecret(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  const key = BASE64.test(encoded) && encoded.length % 4 !== 1 ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
  if (key.length === 0) {
    throw new LedgerError(
      'config_invalid',
      'The webhook secret is not a Standard Webhooks secret: expected "whsec_" followed by non-empty base64',
    );
  }
  return key;
}

/** The three Standard Webhooks headers for one attempt. Pure: same input, same headers. */
export function signStandardWebhook(input: SignStandardWebhookInput): StandardWebhookHeaders {
  if (input.id.length === 0) {
    throw new LedgerError('usage', 'A Standard Webhooks message needs a non-empty id');
  }
  const timestamp = String(Math.floor(input.timestamp));
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const mac = createHmac('sha256', decodeWebhookSecret(input.secret))
    .update(`${input.id}.${timestamp}.`, 'utf8')
    .update(body)
    .digest('base64');
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${mac}`,
  };
}
