import pLimit from 'p-limit';
import type { LedgerConfig } from '../../config.js';
import type { SuppressionListTarget } from '../../config/suppressionLists.js';
import { readBounceList } from '../../api/listReads.js';
import { LedgerError } from '../../errors.js';
import { listAlertDeliveries } from '../../store/alertDeliveryStore.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { StorageMeter } from '../../store/storageRetry.js';
import { markUnsuppressed, unsuppressedAt } from '../../store/unsuppressedMarks.js';
import { workerCredential } from '../../store/workerCredential.js';
import { createArmSuppressionClient, type SuppressionListClient } from '../../suppression/suppressionListClient.js';
import { planSync, type SyncPlan } from '../../suppression/syncPlan.js';
import { table } from '../output.js';

/**
 * `suppress sync [--dry-run]` reconciles the bounce registry with the configured suppression lists
 * (adding what is missing, see planSync), and `unsuppress <address>` takes an address off every list
 * and leaves the marker that keeps the sink and the next sync from putting it back.
 */
type Ledger = { readonly config: LedgerConfig; readonly tables: LedgerTables };

const MARKER_READS_IN_FLIGHT = 16;

function listsOf(config: LedgerConfig): ReadonlyMap<string, SuppressionListTarget> {
  const s = config.suppression;
  if (s.kind === 'on') return s.lists;
  if (s.kind === 'disabled') throw new LedgerError('config_invalid', `${s.settings.join(' and ')}: ${s.reason}`);
  throw new LedgerError('config_invalid', 'LEDGER_SUPPRESSION_LISTS is not set: no suppression list to work on');
}

/** ARM with this machine's credential (your az login, or the managed identity), the SDK retrying throttling and 5xx a few times. */
export function defaultSuppressionClient(config: LedgerConfig): SuppressionListClient {
  const s = config.suppression;
  const endpoint = s.kind === 'on' ? s.armEndpoint : 'https://management.azure.com';
  return createArmSuppressionClient({ endpoint, credential: workerCredential(), timeoutMs: s.kind === 'on' ? s.timeoutMs : 10_000, maxRetries: 3 });
}

export interface SyncResult extends SyncPlan {
  readonly dryRun: boolean;
  readonly lists: number;
}

export async function suppressSyncCommand(ledger: Ledger, client: SuppressionListClient, options: { dryRun: boolean }): Promise<SyncResult> {
  const lists = listsOf(ledger.config);
  const { tables } = ledger;
  const io = { policy: tables.retryPolicy, meter: new StorageMeter() };
  const registry = await readBounceList(tables, { since: null, q: null });
  const domainsByAddress = new Map<string, Set<string>>();
  for (const d of await listAlertDeliveries(tables.alerts, io)) {
    if (d.alert.type !== 'hard_bounce' || d.alert.senderDomain === null) continue;
    const address = d.alert.recipient.trim().toLowerCase();
    domainsByAddress.set(address, (domainsByAddress.get(address) ?? new Set<string>()).add(d.alert.senderDomain.trim().toLowerCase()));
  }
  const limit = pLimit(MARKER_READS_IN_FLIGHT);
  const marks = await Promise.all(registry.map((r) => limit(async () => [r.address.toLowerCase(), await unsuppressedAt(tables.bounces, r.address, io)] as const)));
  const onList = new Map<string, Set<string>>();
  for (const target of new Map([...lists.values()].map((t) => [t.resourceId, t])).values()) {
    const addresses = new Set<string>();
    for await (const entry of client.list(target)) addresses.add(entry.email.trim().toLowerCase());
    onList.set(target.resourceId, addresses);
  }
  const plan = planSync({
    registry,
    domainsByAddress,
    unsuppressedAt: new Map(marks.flatMap(([a, at]) => (at === null ? [] : [[a, at] as const]))),
    lists,
    onList,
  });
  if (!options.dryRun) {
    const byId = new Map([...lists.values()].map((t) => [t.resourceId, t]));
    for (const { address, list } of plan.add) {
      const target = byId.get(list);
      if (target !== undefined) await client.add(target, address, 'acs-email-ledger: suppress sync from the bounce registry');
    }
  }
  return { ...plan, dryRun: options.dryRun, lists: onList.size };
}

export interface UnsuppressResult {
  readonly address: string;
  readonly removedFrom: readonly string[];
  readonly unsuppressedAt: string;
}

/**
 * The marker first, then the lists: should a removal fail, the marker already keeps the dispatcher from
 * adding the address back, and running the command again finishes the job (a delete of nothing is fine).
 */
export async function unsuppressCommand(ledger: Ledger, client: SuppressionListClient, address: string, now: Date): Promise<UnsuppressResult> {
  const lists = listsOf(ledger.config);
  const normalized = address.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(normalized)) throw new LedgerError('usage', `expected an email address, got "${address}"`);
  const { tables } = ledger;
  await markUnsuppressed(tables.bounces, normalized, now, { policy: tables.retryPolicy, meter: new StorageMeter() });
  const targets = [...new Map([...lists.values()].map((t) => [t.resourceId, t])).values()];
  for (const target of targets) await client.remove(target, normalized);
  return { address: normalized, removedFrom: targets.map((t) => t.resourceId), unsuppressedAt: now.toISOString() };
}

export function renderSync(result: SyncResult): string {
  const verb = result.dryRun ? 'would add' : 'added';
  const lines = [
    `${result.lists} suppression list(s): ${result.add.length} address(es) ${verb}, ${result.present} already listed, ${result.skipped.length} skipped, ${result.onlyOnList} only on a list (kept).`,
  ];
  if (result.add.length > 0) lines.push(table(['address', 'sender domain', result.dryRun ? 'would go on' : 'now on'], result.add.map((a) => [a.address, a.senderDomain, shortList(a.list)])));
  if (result.skipped.length > 0) lines.push(table(['skipped', 'why'], result.skipped.map((s) => [s.address, s.reason])));
  return lines.join('\n');
}

export function renderUnsuppress(result: UnsuppressResult): string {
  return `${result.address}: removed from ${result.removedFrom.map(shortList).join(', ')}; its bounces until ${result.unsuppressedAt} will not put it back.`;
}

/** "<domain>/<list>" out of the resource id. */
function shortList(resourceId: string): string {
  const parts = resourceId.split('/');
  return `${parts[parts.length - 3] ?? ''}/${parts[parts.length - 1] ?? ''}`;
}
