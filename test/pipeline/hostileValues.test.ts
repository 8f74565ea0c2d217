import { afterEach, describe, expect, it } from 'vitest';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listDeadLetters } from '../../src/store/deadLetterStore.js';
import type { LedgerTables } from '../../src/store/ledgerTables.js';
import { getMessage } from '../../src/store/messageQueries.js';
import { dumpLedger, openTestTables } from '../helpers/ledgerFixture.js';

/** One case per class of hostile value, on Azurite: what is stored exactly, and what is dead-lettered why. */
const opened: LedgerTables[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function ledger() {
  const { tables, config } = await openTestTables();
  opened.push(tables);
  const run = (body: unknown) => processBatch([{ body, source: { kind: 'inline', label: 'test' } } satisfies SourcedBody], pipelineDepsFrom(config, tables));
  return { tables, run };
}

const id = 'ffffffff-0000-4000-8000-00000000000f';
const status = (recipient: string, deliveryStatus: string, extra: Record<string, unknown> = {}, correlationId = id) => ({
  time: '2025-03-14T10:00:00Z', category: 'EmailStatusUpdateOperational', correlationId,
  properties: { RecipientId: recipient, DeliveryStatus: deliveryStatus, SenderDomain: 'example.com', ...extra },
});

describe('hostile values on Azurite', () => {
  it('stores U+2028 and U+2029 exactly, in keys and values, in one transaction, and a replay changes nothing', async () => {
    const { tables, run } = await ledger();
    const records = [
      status('line\u2028sep@example.org', 'Bounced', { IsHardBounce: true, FailureMessage: 'a\u2028b\u2029c' }),
      status('para\u2029@example.org', 'Delivered'),
    ];
    const first = await run(JSON.stringify({ records }));
    expect(first.report).toMatchObject({ records: 2, applied: 2, deadLettered: 0 });
    const view = await getMessage(tables.messages, id);
    expect(view?.recipients.map((r) => [r.address, r.failureMessage])).toEqual([
      ['line\u2028sep@example.org', 'a\u2028b\u2029c'],
      ['para\u2029@example.org', null],
    ]);
    const dump = await dumpLedger(tables);
    const second = await run(JSON.stringify({ records }));
    expect(second.report).toMatchObject({ applied: 0, duplicates: 2 });
    expect(await dumpLedger(tables)).toEqual(dump);
  });

  it('applies twenty recipients with 253-byte internationalised addresses in one message', async () => {
    const { tables, run } = await ledger();
    const addresses = Array.from({ length: 20 }, (_, k) => `${'ü'.repeat(62)}${String(k).padStart(2, '0')}@${'ドメイン'.repeat(10)}.photo`);
    expect(Buffer.byteLength(addresses[0] ?? '')).toBe(253);
    const { report } = await run({ records: addresses.map((a) => status(a, 'Delivered')) });
    expect(report).toMatchObject({ records: 20, applied: 20, deadLettered: 0 });
    expect((await getMessage(tables.messages, id))?.recipients.map((r) => r.address)).toEqual(addresses);
  });

  it('counts statuses named like object-prototype members', async () => {
    const { tables, run } = await ledger();
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
    await run({ records: names.map((n, k) => status(`r${k}@example.org`, n)) });
    const counts = (await getMessage(tables.messages, id))?.message?.statusCounts ?? {};
    expect(Object.entries(counts).sort()).toEqual(names.map((n) => [n, 1]).sort());
  });

  it('dead-letters lone surrogates, invalid UTF-8 and deep nesting with their reason and original text', async () => {
    const { tables, run } = await ledger();
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const text = `{"records":[${JSON.stringify(status('a@example.org', 'Delivered', {}, 'x\ud800'))},${JSON.stringify(status('b\udc00@example.org', 'Delivered'))},${deep}]}`;
    const { report } = await run(text);
    expect(report).toMatchObject({ records: 3, applied: 0, deadLettered: 3, deadLettersByReason: { invalid_unicode: 2, not_an_object: 1 } });
    const bytes = Buffer.concat([Buffer.from('{"records":[{"category":"'), Buffer.from([0xff]), Buffer.from('"}]}')]);
    expect((await run(bytes)).report).toMatchObject({ records: 1, deadLettered: 1, deadLettersByReason: { invalid_utf8: 1 } });
    const letters = [];
    for await (const l of listDeadLetters(tables.deadLetters)) letters.push(l);
    expect(letters.find((l) => l.reasonCode === 'not_an_object')?.raw).toBe(deep);
    expect(letters.filter((l) => l.reasonCode === 'invalid_unicode').map((l) => l.path).sort()).toEqual(['messageId', 'recipient']);
    expect(await getMessage(tables.messages, 'x\ud800')).toBeNull();
  });
});
