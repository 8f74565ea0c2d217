import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listDeadLetters } from '../../src/store/deadLetterStore.js';
import { listUsage } from '../../src/store/ledgerSummary.js';
import { MAX_USAGE_QUANTITY, mergeUsage, toMicros } from '../../src/state/mergeUsage.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { openTestTables } from '../helpers/ledgerFixture.js';

/** Usage quantities on real Azurite: one that cannot be summed exactly is dead-lettered, never read back as 0. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function usage(i: number, quantity: unknown, unitType = 'bytes'): SourcedBody {
  const record = {
    time: '2025-03-15T10:00:00.0000000Z', resourceId: 'subscriptions/s/resourcegroups/rg/providers/microsoft.communication/communicationservices/acs',
    operationName: 'Usage', category: 'Usage', correlationId: `c-${i}`,
    properties: { recordId: `usage-${unitType}-${i}`, usageType: 'Email', unitType, quantity },
  };
  return { body: JSON.stringify({ records: [record] }), source: { kind: 'eventHub', partitionId: '0', sequenceNumber: i, eventIndex: 0 } };
}

async function setup(): Promise<{ tables: LedgerTables; run: (bodies: SourcedBody[]) => ReturnType<typeof processBatch> }> {
  const { tables, config } = await openTestTables();
  cleanups.push(() => tables.close());
  return { tables, run: (bodies) => processBatch(bodies, pipelineDepsFrom(config, tables)) };
}

describe('usage quantities out of range', () => {
  it.each([1e308, -1e308, MAX_USAGE_QUANTITY + 1, '1e308', 1.7976931348623157e308])('%s is dead-lettered with its reason; the day total is untouched', async (quantity) => {
    const { tables, run } = await setup();
    const { report } = await run([usage(1, 2.5), usage(2, quantity), usage(3, 0.5)]);
    expect(report).toMatchObject({ applied: 2, deadLettered: 1 });
    const letters = [];
    for await (const letter of listDeadLetters(tables.deadLetters)) letters.push(letter);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reasonCode).toBe('invalid_field');
    expect(letters[0]?.reason).toContain('quantity must be within');
    const rows = await listUsage(tables);
    expect(rows).toEqual([expect.objectContaining({ unitType: 'bytes', quantity: 3, records: 2 })]);
  });

  it('the largest allowed quantities are stored and read back exactly, in any order', async () => {
    const { tables, run } = await setup();
    const quantities = [MAX_USAGE_QUANTITY, 0.000001, MAX_USAGE_QUANTITY, -MAX_USAGE_QUANTITY, 123456789.123456];
    await run(quantities.map((q, i) => usage(i, q, 'big')));
    const [row] = await listUsage(tables);
    expect(row?.quantity).toBe(1_123_456_789.123457);
    expect(row?.records).toBe(5);
  });
});

describe('mergeUsage', () => {
  it('refuses to turn an unsummable quantity into Infinity or 0', () => {
    expect(() => toMicros(1e308)).toThrow(RangeError);
    expect(() => toMicros(Number.NaN)).toThrow(RangeError);
    const key = { resourceId: 'r', day: '2025-01-01', usageType: 'Email', unitType: 'bytes' };
    const total = mergeUsage(undefined, [{ quantity: MAX_USAGE_QUANTITY } as never, { quantity: 1 } as never], key);
    expect(total.quantityMicros).toBe((MAX_USAGE_QUANTITY + 1) * 1_000_000);
    expect(Number.isSafeInteger(total.quantityMicros)).toBe(true);
  });
});
