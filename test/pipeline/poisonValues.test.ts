import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { getBounceRecord } from '../../src/store/bounceRegistry.js';
import { listDeadLetters } from '../../src/store/deadLetterStore.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { getMessage } from '../../src/store/messageQueries.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';

/** Values that exceed what a Table row can hold, and orderings that once changed the registry. */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function ledger(env: Record<string, string> = {}) {
  const { tables, config } = await openTestTables({ LEDGER_MAX_CLICKED_URLS: '25', ...env });
  opened.push(tables);
  return { tables, run: (records: unknown[]) => processBatch([{ body: JSON.stringify({ records }), source: { kind: 'inline', label: 'test' } } satisfies SourcedBody], pipelineDepsFrom(config, tables)) };
}

const id = 'cccccccc-0000-4000-8000-00000000000c';
const status = (time: string, recipient: string, deliveryStatus: string, extra: Record<string, unknown> = {}) => ({
  time, category: 'EmailStatusUpdateOperational', correlationId: id,
  properties: { RecipientId: recipient, DeliveryStatus: deliveryStatus, SenderDomain: 'example.com', IsHardBounce: true, ...extra },
});

describe('values larger than a Table property', () => {
  it('a 40,000-character failure message, 25 clicked 3,000-character URLs and a 40,000-character time do not fail the batch', async () => {
    const { tables, run } = await ledger();
    const huge = 'x'.repeat(40_000);
    const clicks = Array.from({ length: 25 }, (_, i) => ({
      time: `2025-03-14T10:${String(10 + i).padStart(2, '0')}:00Z`, category: 'EmailUserEngagementOperational', correlationId: id,
      properties: { RecipientId: 'long@example.org', EngagementType: 'Click', EngagementContext: `https://example.org/${i}/${'p'.repeat(3_000)}` },
    }));
    const { report, alerts } = await run([
      status('2025-03-14T10:00:00Z', 'long@example.org', 'Bounced', { FailureMessage: huge }),
      ...clicks,
      { time: huge, category: 'EmailSendMailOperational', correlationId: id, properties: {} },
    ]);
    expect(report).toMatchObject({ records: 27, applied: 26, deadLettered: 1, deadLettersByReason: { invalid_time: 1 } });
    expect(alerts).toHaveLength(1);
    const view = await getMessage(tables.messages, id);
    const r = view?.recipients[0];
    expect(r?.clicks).toBe(25);
    expect(r?.clickedUrls).toHaveLength(25);
    expect(r?.failureMessage?.length).toBeLessThan(10_000);
    const letters = [];
    for await (const l of listDeadLetters(tables.deadLetters)) letters.push(l);
    expect(letters[0]?.reason.length).toBeLessThanOrEqual(1_000);
  });
});

describe('bounce registry', () => {
  it('is the same whichever of a Bounced and a later Suppressed record arrives first', async () => {
    const bounced = status('2025-03-14T09:00:00Z', 'Same@Example.org', 'Bounced', { SmtpStatusCode: '550', EnhancedSmtpStatusCode: '5.1.1' });
    const suppressed = status('2025-03-14T09:05:00Z', 'Same@Example.org', 'Suppressed');
    const a = await ledger();
    await a.run([bounced]);
    await a.run([suppressed]);
    const b = await ledger();
    await b.run([suppressed]);
    await b.run([bounced]);
    expect((await dumpLedger(b.tables))['bounces']).toEqual((await dumpLedger(a.tables))['bounces']);
    const record = await getBounceRecord(a.tables.bounces, 'same@example.org', { policy: a.tables.retryPolicy, meter: new StorageMeter() });
    expect(record).toMatchObject({ hardBounces: 1, suppressedSends: 1, bounceTimes: ['2025-03-14T09:00:00.0000000Z'], lease: { level: 0 } });
  });
});

describe('bounce-rate guardrail in the pipeline', () => {
  it('crossing, recovering and crossing again within one hour neither fails nor alerts twice', async () => {
    const { run } = await ledger({ LEDGER_BOUNCE_RATE_MIN_SENDS: '10' });
    const send = (n: number, deliveryStatus: string, hard: boolean) =>
      Array.from({ length: n }, (_, i) => ({
        time: `2025-03-14T10:00:${String(i % 60).padStart(2, '0')}.${String(n).padStart(3, '0')}${deliveryStatus.length}Z`,
        category: 'EmailStatusUpdateOperational',
        correlationId: `dddddddd-0000-4000-8000-${String(Math.random()).slice(2, 14).padEnd(12, '0')}`,
        properties: { RecipientId: `r${i}@example.org`, DeliveryStatus: deliveryStatus, SenderDomain: 'rate.example', IsHardBounce: hard },
      }));
    const first = await run([...send(20, 'Delivered', false), ...send(1, 'Bounced', true)]);
    expect(first.alerts.filter((a) => a.type === 'bounce_rate')).toHaveLength(1);
    const recovered = await run(send(40, 'Delivered', false));
    expect(recovered.alerts).toHaveLength(0);
    const again = await run(send(2, 'Bounced', true));
    expect(again.alerts.filter((a) => a.type === 'bounce_rate')).toHaveLength(0);
    expect(again.report.applied).toBe(2);
  });
});
