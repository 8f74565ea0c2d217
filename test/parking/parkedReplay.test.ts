import { InvocationContext, type RetryContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { replayParkedCommand } from '../../src/cli/commands/replayParkedCommand.js';
import { loadConfig } from '../../src/config.js';
import { parkingContainerName } from '../../src/parking/parkingTarget.js';
import { openLedgerTables } from '../../src/store/ledgerTables.js';
import { dumpLedger } from '../helpers/ledgerFixture.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faultyStorageProxy.js';

/**
 * A batch that outlives the retry policy. The Functions host is the boundary we cannot run, so the
 * handler is called the way the host calls it: the same batch once per attempt, with the host's retry
 * context. Table storage goes through the fault proxy (real Azurite behind it); the parked blob goes
 * straight to Azurite's blob service, as in Azure, where only the tables are having a bad day.
 */
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const MAX_RETRIES = 8;
const logs: { level: string; text: string }[] = [];
type Handler = (events: unknown, context: InvocationContext) => Promise<void>;

interface HostBatch {
  readonly events: unknown[];
  readonly partitionId: string;
  readonly firstSequence: number;
}

// Bodies in the three shapes the host can hand over; the parked copy must keep each one.
const batches: HostBatch[] = [
  { events: [fixture('sample-event-1.json'), JSON.parse(fixture('sample-event-2.json')) as unknown], partitionId: '2', firstSequence: 500 },
  { events: [Buffer.from(`\uFEFF${fixture('sample-event-2.json')}`), '{"records":[{"time":"2025-03-14T09:21:07Z"'], partitionId: '2', firstSequence: 502 },
];

function hostContext(batch: HostBatch, retryContext: RetryContext): InvocationContext {
  const n = batch.events.length;
  return new InvocationContext({
    invocationId: `park-${randomBytes(4).toString('hex')}`,
    functionName: 'ingestDiagnostics',
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
    retryContext,
    triggerMetadata: {
      partitionContext: { partitionId: batch.partitionId },
      sequenceNumberArray: Array.from({ length: n }, (_, i) => batch.firstSequence + i),
      offsetArray: Array.from({ length: n }, (_, i) => String(8192 + 1024 * i)),
      enqueuedTimeUtcArray: Array.from({ length: n }, () => '2025-03-14T09:30:00.123'),
    },
  });
}

const attempt = (retryCount: number): RetryContext => ({ retryCount, maxRetryCount: MAX_RETRIES });

/** A fresh module graph (the runtime and parking lot are per worker) on the given settings. */
async function worker(env: Record<string, string>): Promise<Handler> {
  vi.resetModules();
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return (await import('../../src/functions/ingestDiagnostics.js')).ingestDiagnostics;
}

const events = (name: string) => logs.filter((l) => l.text.includes(`"event":"${name}"`)).map((l) => ({ level: l.level, line: JSON.parse(l.text) as Record<string, unknown> }));

async function parkedBlobNames(prefix: string): Promise<string[]> {
  const container = BlobServiceClient.fromConnectionString(inject('azuriteConnectionString')).getContainerClient(parkingContainerName(prefix));
  if (!(await container.exists())) return [];
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names;
}

/** The per-sink delivery time is wall clock (when the log line was written), like dumpLedger's others. */
function withoutDeliveryTimes(dump: Record<string, unknown[]>): Record<string, unknown[]> {
  const strip = (row: unknown): unknown => {
    if (typeof row !== 'object' || row === null || typeof (row as { sinks?: unknown }).sinks !== 'string') return row;
    const sinks = JSON.parse((row as { sinks: string }).sinks) as Record<string, Record<string, unknown>>;
    for (const sink of Object.values(sinks)) delete sink['at'];
    return { ...row, sinks };
  };
  return Object.fromEntries(Object.entries(dump).map(([role, rows]) => [role, rows.map(strip)]));
}

describe('a batch whose last retry fails is parked, and replay --parked loses nothing', () => {
  let proxy: FaultyProxy;
  let dataDir: string;
  beforeAll(async () => {
    proxy = await startFaultyProxy(inject('azuriteConnectionString'));
    dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-park-'));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await proxy.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves exactly the state of an uninterrupted run, and no parked blob', async () => {
    const common = { LEDGER_STORAGE_MAX_ATTEMPTS: '2', LEDGER_DATA_DIR: dataDir };

    // The reference: the same batches, storage up.
    const straightPrefix = `ps${randomBytes(5).toString('hex')}`;
    const straight = await worker({ ...common, LEDGER_STORAGE: inject('azuriteConnectionString'), LEDGER_TABLE_PREFIX: straightPrefix });
    for (const batch of batches) await straight(batch.events, hostContext(batch, attempt(0)));

    // The outage: the tables answer 503 to everything for longer than the whole retry policy.
    const parkedPrefix = `pp${randomBytes(5).toString('hex')}`;
    const env = { ...common, LEDGER_STORAGE: proxy.connectionString, LEDGER_TABLE_PREFIX: parkedPrefix };
    const ingest = await worker(env);
    proxy.fault = { kind: '503', remaining: Number.POSITIVE_INFINITY };
    logs.length = 0;
    for (const batch of batches) {
      for (let retry = 0; retry < MAX_RETRIES; retry += 1) {
        await expect(ingest(batch.events, hostContext(batch, attempt(retry)))).rejects.toMatchObject({ code: 'storage_unavailable' });
      }
      // The last attempt: after it the host moves the checkpoint on, so the batch must be safe first.
      await expect(ingest(batch.events, hostContext(batch, attempt(MAX_RETRIES)))).resolves.toBeUndefined();
    }
    expect(proxy.faultsInjected).toBeGreaterThan(0);
    const parked = events('ledger.batch_parked');
    expect(parked.map((p) => p.line)).toEqual([
      expect.objectContaining({ partition: '2', firstSequence: 500, lastSequence: 501, events: 2, code: 'storage_unavailable', attempt: MAX_RETRIES + 1 }),
      expect.objectContaining({ partition: '2', firstSequence: 502, lastSequence: 503, events: 2, code: 'storage_unavailable', attempt: MAX_RETRIES + 1 }),
    ]);
    expect(parked.every((p) => p.level === 'warning')).toBe(true);
    expect(events('ledger.batch_park_failed')).toEqual([]);
    expect(await parkedBlobNames(parkedPrefix)).toEqual([
      'partition-2/seq-00000000000000000500-501.json',
      'partition-2/seq-00000000000000000502-503.json',
    ]);

    // Storage is back: the operator re-drives the parked batches.
    proxy.fault = { kind: 'none' };
    const config = loadConfig(env);
    const tables = await openLedgerTables(config, { allowEmbedded: false });
    const notes: string[] = [];
    const result = await replayParkedCommand({ config, tables }, { json: true, result: () => undefined, note: (t) => notes.push(t) });
    expect(result.parkedBatches).toBe(2);
    expect(result.report).toMatchObject({ deadLettered: 1 });
    expect(await parkedBlobNames(parkedPrefix)).toEqual([]);

    const reference = await openLedgerTables(loadConfig({ ...env, LEDGER_STORAGE: inject('azuriteConnectionString'), LEDGER_TABLE_PREFIX: straightPrefix }), { allowEmbedded: false });
    const expected = withoutDeliveryTimes(await dumpLedger(reference, { includeAlerts: true }));
    expect(expected['messages']?.length).toBeGreaterThan(0);
    expect(expected['alerts']?.length).toBeGreaterThan(0);
    expect(withoutDeliveryTimes(await dumpLedger(tables, { includeAlerts: true }))).toEqual(expected);

    // A second run finds nothing left to do.
    const again = await replayParkedCommand({ config, tables }, { json: true, result: () => undefined, note: () => undefined });
    expect(again.parkedBatches).toBe(0);
  }, 120_000);

  it('says loudly, and fails the invocation, when even the park fails', async () => {
    // Tables down and no blob service to park in: a port nothing listens on for both.
    const down = inject('azuriteConnectionString').replace(/(Table|Blob)Endpoint=http:\/\/127\.0\.0\.1:\d+/g, '$1Endpoint=http://127.0.0.1:9');
    const ingest = await worker({ LEDGER_STORAGE: down, LEDGER_STORAGE_MAX_ATTEMPTS: '1', LEDGER_TABLE_PREFIX: `pf${randomBytes(5).toString('hex')}` });
    logs.length = 0;
    const [batch] = batches;
    if (batch === undefined) throw new Error('no batch');
    await expect(ingest(batch.events, hostContext(batch, attempt(MAX_RETRIES)))).rejects.toMatchObject({ code: 'storage_unavailable' });
    const failed = events('ledger.batch_park_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.level).toBe('error');
    expect(failed[0]?.line).toMatchObject({ partition: '2', firstSequence: 500, lastSequence: 501, events: 2, code: 'storage_unavailable' });
    expect(String(failed[0]?.line['lost'])).toContain('500..501');
    expect(events('ledger.batch_parked')).toEqual([]);
  }, 120_000);
});
