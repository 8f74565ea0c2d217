import { ALERT_SCHEMA, type BounceRateAlert, type HardBounceAlert } from '../../src/alerts/alert.js';

/** Alert documents for sink and dispatcher tests; override what a test is about. */
export function sampleHardBounce(overrides: Partial<HardBounceAlert> = {}): HardBounceAlert {
  return {
    schema: ALERT_SCHEMA,
    type: 'hard_bounce',
    id: 'hb_5d0f0e7c',
    messageId: '0f3c9a52-8b1e-4d47-9f0e-3b8c7d2a1e55',
    recipient: 'nobody@contoso.example',
    status: 'Bounced',
    suppressed: false,
    smtpStatusCode: '550',
    enhancedSmtpStatusCode: '5.1.1',
    failureReason: 'RecipientNotFound',
    failureMessage: '550 5.1.1 User unknown',
    senderDomain: 'mail.fabrikam.example',
    senderUsername: 'DoNotReply',
    resourceId: null,
    recordTime: '2026-03-02T10:15:00.000Z',
    detectedAt: '2026-03-02T10:15:04.000Z',
    ...overrides,
  };
}

export function sampleBounceRate(overrides: Partial<BounceRateAlert> = {}): BounceRateAlert {
  return {
    schema: ALERT_SCHEMA,
    type: 'bounce_rate',
    id: 'br_1',
    level: 'critical',
    senderDomain: 'mail.fabrikam.example',
    windowHours: 24,
    windowEnd: '2026-03-02T10:00:00.000Z',
    sends: 200,
    hardBounces: 12,
    rate: 0.06,
    threshold: 0.05,
    detectedAt: '2026-03-02T10:00:05.000Z',
    ...overrides,
  };
}
