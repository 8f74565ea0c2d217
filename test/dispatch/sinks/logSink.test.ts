import { describe, expect, it } from 'vitest';
import type { LedgerAlert } from '../../../src/alerts/alert.js';
import { sampleBounceRate, sampleHardBounce } from '../../helpers/sampleAlerts.js';
import { createLogSink } from '../../../src/dispatch/sinks/logSink.js';

  // Line breaks of every kind a server might put in its answer: none may split the log line.
const hardBounce = sampleHardBounce({
  recipient: 'nobody@contoso.example',
  failureMessage: '550 5.1.1 User unknown\r\nRemote host said:\n\u2028gone\u2029',
});

const bounceRate = sampleBounceRate();

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
