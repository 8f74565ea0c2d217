import { z } from 'zod';
import { optionalText, positiveInt } from './settingParsers.js';

/**
 * Settings of the optional suppression-list sink (src/dispatch/sinks/suppressionSink.ts). Like the
 * webhook's, a bad one switches only this sink off, loudly (createAlertSinks), and its deliveries wait
 * as pending until the setting is fixed; ingestion and every other sink go on.
 *
 * LEDGER_SUPPRESSION_LISTS is a JSON object from sender domain to the ARM resource id of that domain's
 * suppression list. A map, not one id: the domain resource's name is not always the sender domain
 * (the Azure-managed domain is named "AzureManagedDomain" but sends as <guid>.azurecomm.net).
 */
export interface SuppressionListTarget {
  /** As configured (for messages); the parts below are what the ARM client needs. */
  readonly resourceId: string;
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly emailServiceName: string;
  readonly domainName: string;
  readonly suppressionListName: string;
}

const RESOURCE_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Communication\/emailServices\/([^/]+)\/domains\/([^/]+)\/suppressionLists\/([^/]+)$/i;
/** A sender domain as it appears in the logs' SenderDomain: labels of letters, digits and hyphens. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

export function parseSuppressionListId(resourceId: string): SuppressionListTarget | undefined {
  const m = RESOURCE_ID.exec(resourceId.trim());
  if (m === null) return undefined;
  const [, subscriptionId = '', resourceGroupName = '', emailServiceName = '', domainName = '', suppressionListName = ''] = m;
  return { resourceId: resourceId.trim(), subscriptionId, resourceGroupName, emailServiceName, domainName, suppressionListName };
}

const listsSetting = optionalText.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  const fail = (why: string) => {
    ctx.addIssue({ code: 'custom', message: `LEDGER_SUPPRESSION_LISTS ${why}` });
    return z.NEVER;
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail('is not JSON (expected {"<sender domain>": "/subscriptions/.../suppressionLists/<list>"})');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('must be a JSON object from sender domain to suppression list resource id');
  const lists = new Map<string, SuppressionListTarget>();
  for (const [key, value] of Object.entries(parsed)) {
    const domain = key.trim().toLowerCase();
    if (!DOMAIN.test(domain)) return fail(`has "${key}" as a sender domain, which is not a domain name`);
    if (lists.has(domain)) return fail(`names sender domain ${domain} twice`);
    const target = typeof value === 'string' ? parseSuppressionListId(value) : undefined;
    if (target === undefined) {
      return fail(`for ${domain} must be a resource id /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/emailServices/<service>/domains/<domain>/suppressionLists/<list>`);
    }
    lists.set(domain, target);
  }
  if (lists.size === 0) return fail('names no sender domain (leave it unset to turn the suppression sink off)');
  return lists;
});

const armEndpointSetting = optionalText.transform((raw, ctx) => {
  if (raw === undefined) return 'https://management.azure.com';
  if (!URL.canParse(raw) || new URL(raw).protocol !== 'https:') {
    // ARM tokens are bearer tokens: the SDK refuses to send one over http, and so do we, up front.
    ctx.addIssue({ code: 'custom', message: 'LEDGER_ARM_ENDPOINT must be an https URL (e.g. https://management.usgovcloudapi.net)' });
    return z.NEVER;
  }
  return new URL(raw).origin;
});

export const suppressionSchema = z.object({
  LEDGER_SUPPRESSION_LISTS: listsSetting,
  // Bound on one ARM call, well inside the dispatcher's lease (three times the slowest sink's timeout).
  LEDGER_SUPPRESSION_TIMEOUT_MS: positiveInt('LEDGER_SUPPRESSION_TIMEOUT_MS', 10_000, 60_000),
  LEDGER_ARM_ENDPOINT: armEndpointSetting,
});

export type SuppressionSettings =
  | { readonly kind: 'off' }
  | {
      readonly kind: 'on';
      /** Lower-cased sender domain -> its list. */
      readonly lists: ReadonlyMap<string, SuppressionListTarget>;
      readonly timeoutMs: number;
      readonly armEndpoint: string;
    }
  | { readonly kind: 'disabled'; readonly settings: readonly string[]; readonly reason: string };

/** The suppression sink's settings, or the sink disabled with the reason (never the values): never an exception. */
export function suppressionSettings(env: Readonly<Record<string, string | undefined>>): SuppressionSettings {
  const parsed = suppressionSchema.safeParse(env);
  if (!parsed.success) {
    const settings = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? 'LEDGER_SUPPRESSION_LISTS')))];
    return Object.freeze({ kind: 'disabled', settings: Object.freeze(settings), reason: parsed.error.issues.map((i) => i.message).join('; ') });
  }
  const s = parsed.data;
  if (s.LEDGER_SUPPRESSION_LISTS === undefined) return Object.freeze({ kind: 'off' });
  return Object.freeze({ kind: 'on', lists: s.LEDGER_SUPPRESSION_LISTS, timeoutMs: s.LEDGER_SUPPRESSION_TIMEOUT_MS, armEndpoint: s.LEDGER_ARM_ENDPOINT });
}
