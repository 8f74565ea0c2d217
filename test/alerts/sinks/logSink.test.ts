import { describe, expect, it } from 'vitest';
import { ALERT_SCHEMA, type BounceRateAlert, type HardBounceAlert, type LedgerAlert } from '../../../src/alerts/alert.js';
import { createLogSink } from '../../../src/alerts/sinks/logSink.js';

const hardBounce: HardBounceAlert = {
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
  // Line breaks of every kind a server might put in its answer: none may split the log line.
  failureMessage: '550 5.1.1 User unknown\r\nRemote host said:\n\u2028gone\u2029',
  senderDomain: 'mail.fabrikam.example',
  senderUsername: 'DoNotReply',
  resourceId: null,
  recordTime: '2026-03-02T10:15:00.000Z',
  detectedAt: '2026-03-02T10:15:04.000Z',
};

const bounceRate: BounceRateAlert = {
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
};

async function linesFor(alert: LedgerAlert): Promise<string[]> {
  const lines: string[] = [];
  const result = await createLogSink((line) => lines.push(line)).deliver(alert);
  expect(result).toEqual({ outcome: 'delivered' });
  return lines;
}

describe('createLogSink', () => {
  it('is named "log"', () => {
    expect(createLogSink(() => undefined).name).toBe('log');
  });

  it.each([hardBounce, bounceRate])('writes exactly one LEDGER_ALERT line that parses back to the alert ($type)', async (alert) => {
    const lines = await linesFor(alert);
    expect(lines).toHaveLength(1);
    const [line = ''] = lines;
    expect(line.startsWith('LEDGER_ALERT {')).toBe(true);
    expect(line).not.toMatch(/[\n\r\u2028\u2029]/);
    const parsed = JSON.parse(line.slice('LEDGER_ALERT '.length)) as Record<string, unknown>;
    expect(parsed).toEqual(alert);
    expect(Object.keys(parsed)).toEqual(Object.keys(alert));
  });

  it('writes compact JSON, so KQL can match on exact substrings', async () => {
    const [line = ''] = await linesFor(bounceRate);
    expect(line).toContain('"type":"bounce_rate"');
    expect(line).toBe(`LEDGER_ALERT ${JSON.stringify(bounceRate)}`);
  });

  it('reports a logger that throws as a retry instead of throwing', async () => {
    const sink = createLogSink(() => {
      throw new Error('stream closed');
    });
    await expect(sink.deliver(hardBounce)).resolves.toEqual({
      outcome: 'retry',
      reason: 'log sink could not write the alert line: stream closed',
    });
  });
});
