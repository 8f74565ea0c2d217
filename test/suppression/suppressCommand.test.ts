import { afterEach, describe, expect, it } from 'vitest';
import { renderSync, suppressSyncCommand, unsuppressCommand } from '../../src/cli/commands/suppressCommand.js';
import { createAlertSinks } from '../../src/dispatch/createAlertSinks.js';
import { dispatchAlerts } from '../../src/dispatch/dispatchAlerts.js';
import type { SourcedBody } from '../../src/ingest/recordSource.js';
import { pipelineDepsFrom, processBatch } from '../../src/pipeline/processBatch.js';
import { listAlertDeliveries } from '../../src/store/alertDeliveryStore.js';
import { StorageMeter } from '../../src/store/storageRetry.js';
import { createArmSuppressionClient, suppressionAddressId } from '../../src/suppression/suppressionListClient.js';
import { fakeArmCredential, startFakeArm } from '../helpers/fakeArm.js';
import { openTestTables } from '../helpers/ledgerFixture.js';
import { syntheticStream } from '../helpers/syntheticStream.js';

/** `suppress sync` and `unsuppress` on Azurite, against a FAKE of ARM (test/helpers/fakeArm.ts). */
const LIST_NET = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-mail/providers/Microsoft.Communication/emailServices/svc-mail/domains/example.net/suppressionLists/bounces';
const LIST_COM = LIST_NET.replace('/domains/example.net/', '/domains/example.com/');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function setup() {
  const arm = await startFakeArm();
  const { tables, config } = await openTestTables({ LEDGER_SUPPRESSION_LISTS: JSON.stringify({ 'example.net': LIST_NET, 'example.com': LIST_COM }), LEDGER_ALERT_LOG: 'false' });
  cleanups.push(() => tables.close(), () => arm.close());
  const client = createArmSuppressionClient({ endpoint: arm.endpoint, credential: fakeArmCredential, timeoutMs: 3_000, maxRetries: 3, trustedCa: arm.ca });
  // The registry and the alerts, nothing dispatched: the lists start as the sink never ran.
  const bodies: SourcedBody[] = syntheticStream().map((r, i) => ({ body: JSON.stringify({ records: [r] }), source: { kind: 'eventHub', partitionId: '0', sequenceNumber: i, eventIndex: i } }));
  await processBatch(bodies, pipelineDepsFrom(config, tables));
  return { arm, tables, config, client, ledger: { config, tables } };
}

const onList = (arm: Awaited<ReturnType<typeof startFakeArm>>, list: string) => [...(arm.lists.get(list.toLowerCase())?.values() ?? [])].sort();

describe('suppress sync and unsuppress', () => {
  it('--dry-run prints what is missing and changes nothing; sync then adds it, and a second sync finds nothing to do', async () => {
    const { arm, client, ledger } = await setup();
    // One address already on its list, put there by the sink or a person.
    await client.add((ledger.config.suppression.kind === 'on' ? ledger.config.suppression.lists.get('example.com') : undefined)!, 'bob@example.org', 'by hand');

    const dry = await suppressSyncCommand(ledger, client, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, lists: 2, present: 1, skipped: [], onlyOnList: 0 });
    expect(dry.add).toEqual([
      { address: 'carol@example.com', senderDomain: 'example.com', list: LIST_COM },
      { address: 'erin@example.org', senderDomain: 'example.net', list: LIST_NET },
      { address: 'we/ird#1?\\x@example.org', senderDomain: 'example.net', list: LIST_NET },
    ]);
    expect(renderSync(dry).split('\n')[0]).toBe('2 suppression list(s): 3 address(es) would add, 1 already listed, 0 skipped, 0 only on a list (kept).');
    expect(arm.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);

    const done = await suppressSyncCommand(ledger, client, { dryRun: false });
    expect(done.add).toHaveLength(3);
    expect(onList(arm, LIST_NET)).toEqual(['erin@example.org', 'we/ird#1?\\x@example.org']);
    expect(onList(arm, LIST_COM)).toEqual(['bob@example.org', 'carol@example.com']);
    const again = await suppressSyncCommand(ledger, client, { dryRun: false });
    expect(again).toMatchObject({ add: [], present: 4 });
  });

  it('unsuppress takes the address off and keeps the dispatcher and sync from putting it back', async () => {
    const { arm, tables, config, client, ledger } = await setup();
    await suppressSyncCommand(ledger, client, { dryRun: false });
    const result = await unsuppressCommand(ledger, client, 'Erin@Example.org', new Date());
    expect(result.removedFrom).toEqual([LIST_NET, LIST_COM]);
    expect(arm.lists.get(LIST_NET.toLowerCase())?.has(suppressionAddressId('erin@example.org'))).toBe(false);

    // The pending alerts now go out: erin's is skipped with a note, the others are PUT again (harmlessly).
    const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
    const sinks = createAlertSinks(config, () => undefined, () => undefined, { bounces: tables.bounces, io, suppressionClient: client });
    await dispatchAlerts({ tables, sinks, io });
    const erin = (await listAlertDeliveries(tables.alerts, io)).find((d) => d.alert.type === 'hard_bounce' && d.alert.recipient === 'erin@example.org');
    expect(erin?.sinks['suppression']).toMatchObject({ state: 'delivered', note: expect.stringContaining('unsuppressed by hand') as unknown });
    expect(onList(arm, LIST_NET)).toEqual(['we/ird#1?\\x@example.org']);
    expect(onList(arm, LIST_COM)).toEqual(['bob@example.org', 'carol@example.com']);
    const sync = await suppressSyncCommand(ledger, client, { dryRun: true });
    expect(sync.add).toEqual([]);
    expect(sync.skipped).toEqual([{ address: 'erin@example.org', reason: `unsuppressed by hand at ${result.unsuppressedAt}, after its last bounce` }]);
  });
});
