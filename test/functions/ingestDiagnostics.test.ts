import { InvocationContext } from '@azure/functions';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';

/**
 * The Functions host cannot run here (Core Tools cannot be installed), so this is the boundary we fake:
 * the handler is called the way the host calls it, with an InvocationContext carrying the batch
 * metadata. Everything behind the handler is real, down to Azurite.
 */
const sampleText = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const logs: { level: string; text: string }[] = [];

function context(partitionId: string, count: number, firstSequence = 100): InvocationContext {
  return new InvocationContext({
    invocationId: `test-${randomBytes(4).toString('hex')}`,
    functionName: 'ingestDiagnostics',
    // The first of the policy's attempts: a failure here is retried, not parked (test/parking/).
    retryContext: { retryCount: 0, maxRetryCount: 8 },
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
    triggerMetadata: {
      partitionContext: { partitionId, eventHubName: 'acs-email-logs', consumerGroup: 'acs-email-ledger' },
      sequenceNumberArray: Array.from({ length: count }, (_, i) => firstSequence + i),
      offsetArray: Array.from({ length: count }, (_, i) => String(4096 * i)),
      // The host formats EnqueuedTimeUtc without a zone.
      enqueuedTimeUtcArray: Array.from({ length: count }, () => '2025-03-14T09:30:00.123'),
    },
  });
}

function batchLines(): Record<string, unknown>[] {
  return logs.filter((l) => l.text.includes('"event":"ledger.batch"')).map((l) => JSON.parse(l.text) as Record<string, unknown>);
}

describe('ingestDiagnostics handler', () => {
  let handler: (events: unknown, ctx: InvocationContext) => Promise<void>;
  let module: typeof import('../../src/functions/ingestDiagnostics.js');

  beforeAll(async () => {
    vi.stubEnv('LEDGER_STORAGE', inject('azuriteConnectionString'));
    vi.stubEnv('LEDGER_TABLE_PREFIX', `fn${randomBytes(5).toString('hex')}`);
    module = await import('../../src/functions/ingestDiagnostics.js');
    handler = module.ingestDiagnostics;
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('registers an Event Hub trigger that binds bodies as strings, many per call, with a finite retry', () => {
    expect(module.ingestTrigger).toMatchObject({
      type: 'eventHubTrigger',
      connection: 'EventHubConnection',
      eventHubName: '%EventHubName%',
      consumerGroup: '%EventHubConsumerGroup%',
      cardinality: 'many',
      dataType: 'string',
    });
    expect(module.ingestRetryPolicy.strategy).toBe('exponentialBackoff');
    expect(module.ingestRetryPolicy.maxRetryCount).toBeGreaterThan(0);
  });

  it('accepts the host shapes: parsed objects, strings, UTF-8 Buffers with a BOM', async () => {
    logs.length = 0;
    const events = [JSON.parse(sampleText('sample-event-1.json')), sampleText('sample-event-2.json'), Buffer.from(`\uFEFF${sampleText('sample-event-1.json')}`)];
    await handler(events, context('3', events.length));
    const [line] = batchLines();
    expect(batchLines()).toHaveLength(1);
    expect(line).toMatchObject({ partition: '3', firstSequence: 100, lastSequence: 102, events: 3, records: 23, applied: 14, duplicates: 9, ignored: 0, deadLettered: 0 });
    expect(line?.['storageRoundTrips']).toEqual(expect.any(Number));
    expect(line?.['durationMs']).toEqual(expect.any(Number));
  });

  it('accepts the reference variants: PascalCase top level, bare records, arrays, a Log Analytics category name', async () => {
    logs.length = 0;
    const id = 'bbbbbbbb-0000-4000-8000-00000000000b';
    const pascal = { Time: '2025-03-16T08:00:00.5Z', ResourceId: 'subscriptions/x/resourcegroups/y', Category: 'EmailStatusUpdateOperational', CorrelationId: id, Properties: { RecipientId: 'zoe@example.org', DeliveryStatus: 'bounced', IsHardBounce: 'True' } };
    const bare = { time: '2025-03-16T08:00:00', category: 'ACSEmailSendMailOperational', correlationId: id, properties: { Size: '1.5', UniqueRecipientsCount: '1' } };
    const array = [{ time: '2025-03-16T08:01:00Z', category: 'EmailUserEngagementOperational', correlationId: id, properties: { recipientid: 'zoe@example.org', engagementtype: 'view' } }];
    await handler([pascal, JSON.stringify(bare), JSON.stringify(array)], context('4', 3));
    expect(batchLines()[0]).toMatchObject({ records: 3, applied: 3, deadLettered: 0, alertsCreated: 1 });
  });

  it('dead-letters a body that is not JSON with its partition and sequence number, and the batch still succeeds', async () => {
    logs.length = 0;
    const events = ['{"records":[{"time":"2025-03-14T09:21:07Z","category":"EmailSendMailOperational"', sampleText('sample-event-2.json'), '{"records":[{"category":"SMSOperational","time":"2025-03-14T09:00:00Z"}]}'];
    await handler(events, context('5', events.length, 900));
    expect(batchLines()[0]).toMatchObject({ records: 9, deadLettered: 1, ignored: 1, deadLettersByReason: { invalid_json: 1 }, ignoredByCategory: { SMSOperational: 1 } });
    const { getLedgerRuntime } = await import('../../src/functions/ledgerRuntime.js');
    const { listDeadLetters } = await import('../../src/store/deadLetterStore.js');
    const { tables } = await getLedgerRuntime();
    const letters = [];
    for await (const l of listDeadLetters(tables.deadLetters)) letters.push(l);
    expect(letters).toEqual([expect.objectContaining({ reasonCode: 'invalid_json', location: 'partition 5, seq 900', raw: events[0] })]);
  });

  it('a single event (cardinality one) is handled too', async () => {
    logs.length = 0;
    await handler(sampleText('sample-event-1.json'), context('6', 1));
    expect(batchLines()[0]).toMatchObject({ records: 8, events: 1 });
  });
});

describe('ingestDiagnostics when storage is down', () => {
  it('throws a retryable error so the retry policy redelivers, and logs why', async () => {
    vi.resetModules();
    // A port nothing listens on: every storage call is refused.
    vi.stubEnv('LEDGER_STORAGE', inject('azuriteConnectionString').replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9'));
    vi.stubEnv('LEDGER_STORAGE_MAX_ATTEMPTS', '2');
    const { ingestDiagnostics } = await import('../../src/functions/ingestDiagnostics.js');
    logs.length = 0;
    await expect(ingestDiagnostics([sampleText('sample-event-1.json')], context('7', 1))).rejects.toMatchObject({ code: 'storage_unavailable', retryable: true });
    const failed = logs.find((l) => l.text.includes('ledger.batch_failed'));
    expect(failed?.level).toBe('error');
    expect(JSON.parse(failed?.text ?? '{}')).toMatchObject({ partition: '7', code: 'storage_unavailable', retryable: true, attempt: 1, maxAttempts: 9, finalAttempt: false });
    expect(logs.some((l) => l.text.includes('ledger.batch_park'))).toBe(false);
    vi.unstubAllEnvs();
  });
});
