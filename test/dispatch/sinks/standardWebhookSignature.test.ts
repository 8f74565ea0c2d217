import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../../src/errors.js';
import { signStandardWebhook } from '../../../src/dispatch/sinks/standardWebhookSignature.js';

/**
 * The reference vector of the Standard Webhooks project: the "sign function works" test of its
 * JavaScript library (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts),
 * the same values the other official libraries test against.
 */
const REFERENCE = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** A realistic body: non-ASCII, so a signer that hashes UTF-16 or Latin-1 instead of UTF-8 fails. */
const ALERT_BODY = JSON.stringify({
  schema: 'acs-email-ledger.alert/v1',
  type: 'hard_bounce',
  id: 'hb_3f1c2a',
  recipient: 'zoë.müller@exämple.de',
  failureMessage: '550 5.1.1 Mailbox nicht gefunden \u{1F4ED}',
});

describe('signStandardWebhook', () => {
  it('reproduces the Standard Webhooks reference vector', () => {
    expect(signStandardWebhook(REFERENCE)).toEqual({
      'webhook-id': REFERENCE.id,
      'webhook-timestamp': String(REFERENCE.timestamp),
      'webhook-signature': REFERENCE.signature,
    });
  });

  it('agrees with the reference library on a non-ASCII alert body and a random key', () => {
    for (let i = 0; i < 20; i += 1) {
      const secret = newSecret();
      const timestamp = 1_700_000_000 + i * 37;
      const ours = signStandardWebhook({ id: `hb_${i}`, timestamp, body: ALERT_BODY, secret });
      const theirs = new Webhook(secret).sign(`hb_${i}`, new Date(timestamp * 1000), ALERT_BODY);
      expect(ours['webhook-signature']).toBe(theirs);
    }
  });

  it('produces headers the reference verifier accepts', () => {
    const secret = newSecret();
    const headers = signStandardWebhook({ id: 'hb_1', timestamp: Date.now() / 1000, body: ALERT_BODY, secret });
    expect(new Webhook(secret).verify(ALERT_BODY, { ...headers })).toEqual(JSON.parse(ALERT_BODY));
  });

  it('signs bytes and the same text as UTF-8 identically', () => {
    const secret = newSecret();
    const fromText = signStandardWebhook({ id: 'a', timestamp: 1, body: ALERT_BODY, secret });
    const fromBytes = signStandardWebhook({ id: 'a', timestamp: 1, body: Buffer.from(ALERT_BODY, 'utf8'), secret });
    expect(fromBytes).toEqual(fromText);
  });

  it('changes when the id, timestamp, body or key changes', () => {
    const base = { id: 'hb_1', timestamp: 1_700_000_000, body: ALERT_BODY, secret: newSecret() };
    const signature = (input: typeof base) => signStandardWebhook(input)['webhook-signature'];
    const variants = [
      signature(base),
      signature({ ...base, id: 'hb_2' }),
      signature({ ...base, timestamp: base.timestamp + 1 }),
      signature({ ...base, body: `${ALERT_BODY} ` }),
      signature({ ...base, secret: newSecret() }),
    ];
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('sends whole seconds, as the spec requires', () => {
    const headers = signStandardWebhook({ ...REFERENCE, timestamp: REFERENCE.timestamp + 0.999 });
    expect(headers['webhook-timestamp']).toBe(String(REFERENCE.timestamp));
    expect(headers['webhook-signature']).toBe(REFERENCE.signature);
  });

  it('accepts a bare base64 key, as the reference libraries do', () => {
    const bare = REFERENCE.secret.slice('whsec_'.length);
    expect(signStandardWebhook({ ...REFERENCE, secret: bare })['webhook-signature']).toBe(REFERENCE.signature);
  });

  it.each(['whsec_', 'whsec_not*base64!', 'whsec_abcde', ''])('refuses the unusable secret %j without echoing it', (secret) => {
    let caught: unknown;
    try {
      signStandardWebhook({ ...REFERENCE, secret });
    } catch (thrown) {
      caught = thrown;
    }
    expect(caught).toBeInstanceOf(LedgerError);
    expect((caught as LedgerError).code).toBe('config_invalid');
    if (secret.length > 'whsec_'.length) expect((caught as LedgerError).message).not.toContain(secret.slice(6));
  });
});
