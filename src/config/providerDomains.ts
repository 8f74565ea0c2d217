import { z } from 'zod';
import { providerGrouping, type ProviderGrouping } from '../queries/providers.js';

/**
 * LEDGER_PROVIDER_DOMAINS: extends or overrides the built-in mailbox-provider map (src/queries/providers.ts),
 * a JSON object of provider name -> array of domains. Like the webhook settings, a bad value does not stop
 * the app: provider grouping alone is switched off, with a warning naming the setting, and `group=provider`
 * answers an error saying why. Everything else works on.
 */
export const PROVIDER_DOMAINS_SETTING = 'LEDGER_PROVIDER_DOMAINS';

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

const overridesSchema = z
  .record(
    z.string().trim().min(1, 'a provider name is empty').max(64, 'a provider name is longer than 64 characters'),
    z.array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(DOMAIN, 'expected domains such as contoso.com'),
    ),
    { error: 'expected a JSON object of provider name -> array of domains' },
  )
  .superRefine((record, ctx) => {
    const owner = new Map<string, string>();
    for (const [provider, domains] of Object.entries(record)) {
      for (const domain of domains) {
        const other = owner.get(domain);
        if (other !== undefined && other !== provider) ctx.addIssue({ code: 'custom', message: `${domain} is listed under both ${other} and ${provider}` });
        owner.set(domain, provider);
      }
    }
  });

/** The grouping the setting asks for; never throws. */
export function providerDomainsSetting(raw: string | undefined): ProviderGrouping {
  if (raw === undefined || raw.trim() === '') return providerGrouping();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return disabled('is not JSON (expected an object of provider name -> array of domains)');
  }
  const parsed = overridesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (at ${issue.path.map(String).join('.')})` : '';
    return disabled(`${issue?.message ?? 'is not valid'}${where}`);
  }
  return providerGrouping(parsed.data);
}

function disabled(reason: string): ProviderGrouping {
  return { kind: 'disabled', setting: PROVIDER_DOMAINS_SETTING, reason: `${PROVIDER_DOMAINS_SETTING} ${reason}` };
}

/** The warning a process prints once when the setting disabled provider grouping. */
export function providerWarning(grouping: ProviderGrouping): string | undefined {
  return grouping.kind === 'disabled' ? `provider grouping is off: ${grouping.reason}; every other query works` : undefined;
}
