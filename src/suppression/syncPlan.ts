import type { SuppressionListTarget } from '../config/suppressionLists.js';

/**
 * What `suppress sync` would do, as a pure function of what it read: the registry's addresses (with
 * their last hard bounce), the sender domains their hard-bounce alerts name, the unsuppress markers and
 * the lists' current addresses. An address goes on the list of every sender domain that hard-bounced
 * it (with one list configured, addresses whose alerts are gone go on that one); it is skipped when a
 * person unsuppressed it after its last bounce. Addresses only on a list are counted, never removed:
 * people add addresses by hand too.
 */
export interface SyncInputs {
  readonly registry: readonly { readonly address: string; readonly lastBounceAt: string }[];
  /** Lower-cased address -> lower-cased sender domains of its hard-bounce alerts. */
  readonly domainsByAddress: ReadonlyMap<string, ReadonlySet<string>>;
  /** Lower-cased address -> when it was unsuppressed by hand. */
  readonly unsuppressedAt: ReadonlyMap<string, string>;
  readonly lists: ReadonlyMap<string, SuppressionListTarget>;
  /** List resource id -> lower-cased addresses on it now. */
  readonly onList: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface SyncPlan {
  readonly add: readonly { readonly address: string; readonly senderDomain: string; readonly list: string }[];
  readonly present: number;
  readonly skipped: readonly { readonly address: string; readonly reason: string }[];
  readonly onlyOnList: number;
}

export function planSync(inputs: SyncInputs): SyncPlan {
  const add: { address: string; senderDomain: string; list: string }[] = [];
  const skipped: { address: string; reason: string }[] = [];
  const wanted = new Map<string, Set<string>>();
  let present = 0;
  const onlyList = inputs.lists.size === 1 ? [...inputs.lists.keys()] : [];
  for (const { address: raw, lastBounceAt } of inputs.registry) {
    const address = raw.trim().toLowerCase();
    const since = inputs.unsuppressedAt.get(address);
    if (since !== undefined && since >= lastBounceAt) {
      skipped.push({ address, reason: `unsuppressed by hand at ${since}, after its last bounce` });
      continue;
    }
    const known = [...(inputs.domainsByAddress.get(address) ?? [])];
    const domains = (known.length > 0 ? known : onlyList).filter((d) => inputs.lists.has(d));
    if (domains.length === 0) {
      skipped.push({ address, reason: known.length === 0 ? 'no hard-bounce alert names its sender domain' : `no suppression list for sender domain ${known.join(', ')}` });
      continue;
    }
    for (const senderDomain of domains.sort()) {
      const list = inputs.lists.get(senderDomain)?.resourceId ?? '';
      const listed = wanted.get(list) ?? new Set<string>();
      listed.add(address);
      wanted.set(list, listed);
      if (inputs.onList.get(list)?.has(address) === true) present += 1;
      else add.push({ address, senderDomain, list });
    }
  }
  let onlyOnList = 0;
  for (const [list, addresses] of inputs.onList) for (const a of addresses) if (wanted.get(list)?.has(a) !== true) onlyOnList += 1;
  return { add, present, skipped, onlyOnList };
}
