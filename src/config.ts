import { z } from 'zod';
import { LedgerError } from './errors.js';
import { connectionStringProblem } from './store/connectionStringProblem.js';
import { flag, fraction, optionalText, positiveInt, wholeNumber } from './config/settingParsers.js';
import { providerDomainsSetting } from './config/providerDomains.js';
import { eventGridSchema, eventGridWebhookSetting, type EventGridWebhookSetting } from './config/eventGridWebhook.js';
import { softBounceSchema, softBounceSetting, type SoftBounceSetting } from './config/softBounceSetting.js';
import { suppressionSchema, suppressionSettings, type SuppressionSettings } from './config/suppressionLists.js';
import type { ProviderGrouping } from './queries/providers.js';

/**
 * All configuration is read here, once, from the environment (app settings in Azure, local.settings.json
 * under Core Tools, the shell for the CLI), validated, and then passed around frozen. No other module
 * reads process.env.
 */

/** Settings read by the Functions host for the Event Hub binding (not by our code, but required to run it). */
export const HOST_BINDING_SETTINGS = {
  connection: 'EventHubConnection',
  eventHubName: 'EventHubName',
  consumerGroup: 'EventHubConsumerGroup',
} as const;

/**
 * Where the ledger tables live:
 * - a connection string (`DefaultEndpointsProtocol=...`, `UseDevelopmentStorage=true`), or
 * - a Table endpoint URL (`https://<account>.table.core.windows.net`), used with DefaultAzureCredential
 *   (managed identity in Azure, your az login locally).
 * Unset: the CLI starts an embedded Azurite; the function refuses to start.
 */
const storageSetting = optionalText.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  if (isKeyVaultReference(raw)) {
    ctx.addIssue({ code: 'custom', message: `LEDGER_STORAGE ${UNRESOLVED_KEY_VAULT}` });
    return z.NEVER;
  }
  if (/^https?:\/\//i.test(raw)) {
    try {
      const url = new URL(raw);
      return { kind: 'endpoint' as const, url: url.toString().replace(/\/$/, '') };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'LEDGER_STORAGE looks like a URL but is not one' });
      return z.NEVER;
    }
  }
  if (/(^|;)\s*(UseDevelopmentStorage|DefaultEndpointsProtocol|AccountName|AccountKey|TableEndpoint|SharedAccessSignature|EndpointSuffix)\b/i.test(raw)) {
    const problem = connectionStringProblem(raw);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `LEDGER_STORAGE is not a usable connection string: ${problem}` });
      return z.NEVER;
    }
    return { kind: 'connectionString' as const, connectionString: raw };
  }
  ctx.addIssue({
    code: 'custom',
    message: 'LEDGER_STORAGE must be a storage connection string or a Table endpoint URL (https://<account>.table.core.windows.net)',
  });
  return z.NEVER;
});

const UNRESOLVED_KEY_VAULT =
  "is an unresolved Key Vault reference (the app setting still reads \"@Microsoft.KeyVault(...)\": check the vault name, the secret and the app identity's access to it)";

function isKeyVaultReference(raw: string): boolean {
  return /^@Microsoft\.KeyVault\s*\(/i.test(raw);
}

/**
 * The webhook's address: https, or http only to this machine (a local receiver in development and
 * tests), never with a user name or password in it (they would be logged and sent in clear).
 * Messages describe the URL without quoting it, since it may carry a token.
 */
const webhookUrlSetting = optionalText.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  const fail = (why: string) => {
    ctx.addIssue({ code: 'custom', message: `LEDGER_ALERT_WEBHOOK_URL ${why}` });
    return z.NEVER;
  };
  if (isKeyVaultReference(raw)) return fail(UNRESOLVED_KEY_VAULT);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('is not a URL (expected https://...)');
  }
  if (url.username !== '' || url.password !== '') return fail('must not carry a user name or password; use LEDGER_ALERT_WEBHOOK_SECRET to sign requests');
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? url.href : fail('must use https (http is allowed only for localhost, 127.0.0.0/8 and [::1])');
  return fail(`must be an https URL, got scheme "${url.protocol}"`);
});

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const webhookSecretSetting = optionalText.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  if (isKeyVaultReference(raw)) {
    ctx.addIssue({ code: 'custom', message: `LEDGER_ALERT_WEBHOOK_SECRET ${UNRESOLVED_KEY_VAULT}` });
    return z.NEVER;
  }
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(raw) || Buffer.from(raw.slice('whsec_'.length), 'base64').length < 24) {
    ctx.addIssue({
      code: 'custom',
      message: 'LEDGER_ALERT_WEBHOOK_SECRET must be a Standard Webhooks secret: "whsec_" followed by the base64 of at least 24 random bytes',
    });
    return z.NEVER;
  }
  return raw;
});

/**
 * Settings of the optional webhook sink. Unlike every other setting, a bad one does not stop the app:
 * ingestion goes on, the webhook sink is disabled with one error line naming the setting, and alerts
 * wait as pending until the setting is fixed (see createAlertSinks).
 */
const webhookSchema = z.object({
  LEDGER_ALERT_WEBHOOK_URL: webhookUrlSetting,
  LEDGER_ALERT_WEBHOOK_SECRET: webhookSecretSetting,
  LEDGER_ALERT_WEBHOOK_FORMAT: optionalText
    .transform((v) => v ?? 'standard')
    .pipe(z.enum(['standard', 'teams', 'slack'], { message: 'LEDGER_ALERT_WEBHOOK_FORMAT must be standard, teams or slack' })),
  // Well below the dispatcher's 5-minute claim on an alert, so a slow receiver cannot outlive the claim.
  LEDGER_ALERT_WEBHOOK_TIMEOUT_MS: positiveInt('LEDGER_ALERT_WEBHOOK_TIMEOUT_MS', 10_000, 60_000),
});

/**
 * Where whole batches are parked when the tables cannot take them (src/parking/): a Blob endpoint URL
 * (https://<account>.blob.core.windows.net, by identity) or a connection string with a BlobEndpoint.
 * Unset: derived from LEDGER_STORAGE (same account).
 */
const parkStorageSetting = optionalText.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  if (/^https?:\/\//i.test(raw) && URL.canParse(raw)) return { kind: 'endpoint' as const, url: raw.replace(/\/$/, '') };
  if (/^UseDevelopmentStorage=true/i.test(raw) || /(AccountName|BlobEndpoint|SharedAccessSignature)=/i.test(raw)) {
    return { kind: 'connectionString' as const, connectionString: raw };
  }
  ctx.addIssue({ code: 'custom', message: 'LEDGER_PARK_STORAGE must be a Blob endpoint URL (https://<account>.blob.core.windows.net) or a storage connection string' });
  return z.NEVER;
});

/** Settings the ingest path needs: a bad one stops the app, with the setting's name. */
const coreSchema = z.object({
  LEDGER_STORAGE: storageSetting,
  LEDGER_PARK_STORAGE: parkStorageSetting,
  LEDGER_DATA_DIR: optionalText.transform((v) => v ?? '.ledger'),
  LEDGER_TABLE_PREFIX: optionalText
    .transform((v) => v ?? 'ledger')
    .pipe(z.string().regex(/^[A-Za-z][A-Za-z0-9]{1,40}$/, 'LEDGER_TABLE_PREFIX must be 2-41 letters or digits, starting with a letter')),
  // Table string properties hold 32 K UTF-16 units; the limits below keep every row within them.
  LEDGER_DEADLETTER_RAW_LIMIT: positiveInt('LEDGER_DEADLETTER_RAW_LIMIT', 16_384, 30_000),
  LEDGER_MAX_CLICKED_URLS: positiveInt('LEDGER_MAX_CLICKED_URLS', 20, 25),
  LEDGER_STORAGE_MAX_ATTEMPTS: positiveInt('LEDGER_STORAGE_MAX_ATTEMPTS', 6),
  LEDGER_STORAGE_TIMEOUT_MS: positiveInt('LEDGER_STORAGE_TIMEOUT_MS', 30_000, 600_000),
  // Partition commits in flight per batch. 16 from the bench sweep (bench/RESULTS.md, 2026-12-02): 8 and 16
  // were equal on Azurite, 64 was 30% slower; 16 overlaps more of Azure's per-request latency.
  LEDGER_COMMIT_CONCURRENCY: positiveInt('LEDGER_COMMIT_CONCURRENCY', 16, 256),
  // Rows remembered to plan commits without reading them first (src/store/rowCache.ts); 0 = always read.
  // 2,000: on a 100 MB archive as fast as 20,000 (1,397 vs 1,279 records/s) at 252 MB of CLI RSS instead of 368.
  LEDGER_ROW_CACHE_ROWS: wholeNumber('LEDGER_ROW_CACHE_ROWS', 2_000, 0, 1_000_000),
  LEDGER_ALERT_LOG: flag(true),
  LEDGER_BOUNCE_RATE_WINDOW_HOURS: positiveInt('LEDGER_BOUNCE_RATE_WINDOW_HOURS', 24),
  LEDGER_BOUNCE_RATE_MIN_SENDS: positiveInt('LEDGER_BOUNCE_RATE_MIN_SENDS', 100),
  LEDGER_BOUNCE_RATE_WARNING: fraction('LEDGER_BOUNCE_RATE_WARNING', 0.02),
  LEDGER_BOUNCE_RATE_CRITICAL: fraction('LEDGER_BOUNCE_RATE_CRITICAL', 0.05),
});

/** Read apart from the core, like the webhook's: a bad value switches provider grouping off, nothing else (src/config/providerDomains.ts). */
const querySchema = z.object({ LEDGER_PROVIDER_DOMAINS: optionalText });

/** Read apart, when the function module loads: the host needs the API's auth level at registration (src/config/apiAuth.ts). */
const apiSchema = z.object({ LEDGER_API_AUTH: optionalText });

export const settingsSchema = coreSchema.extend(webhookSchema.shape).extend(suppressionSchema.shape).extend(querySchema.shape).extend(apiSchema.shape).extend(eventGridSchema.shape).extend(softBounceSchema.shape);

/** The names of every setting our code reads (the infra template must set them, and only them). */
export const LEDGER_SETTING_NAMES = Object.keys(settingsSchema.shape) as readonly (keyof typeof settingsSchema.shape)[];

export type StorageTarget = Exclude<z.output<typeof settingsSchema>['LEDGER_STORAGE'], undefined>;

export interface LedgerConfig {
  readonly storage: StorageTarget | undefined;
  /** Explicit LEDGER_PARK_STORAGE; undefined = derive from `storage` (src/parking/parkingTarget.ts). */
  readonly parkStorage: StorageTarget | undefined;
  readonly dataDir: string;
  readonly tablePrefix: string;
  readonly deadLetterRawLimit: number;
  readonly maxClickedUrls: number;
  readonly storageMaxAttempts: number;
  /** Per-attempt timeout of every storage request (a hung request is aborted and retried). */
  readonly storageTimeoutMs: number;
  /** Partition commits (one per message) a batch keeps in flight at once, 1..256. */
  readonly commitConcurrency: number;
  /** Rows this process remembers (ETag and properties) to plan commits without reading first; 0 = off. */
  readonly rowCacheRows: number;
  readonly alerts: {
    readonly webhookUrl: string | undefined;
    readonly webhookSecret: string | undefined;
    readonly webhookFormat: 'standard' | 'teams' | 'slack';
    readonly webhookTimeoutMs: number;
    readonly logSink: boolean;
    /** Set when a webhook setting is invalid: the webhook sink is off and alerts wait as pending. */
    readonly webhookDisabled: DisabledSink | undefined;
  };
  /** The ACS suppression-list sink: off (unset), on (sender domain -> list), or disabled by a bad setting. */
  readonly suppression: SuppressionSettings;
  /** Recipient domain -> mailbox provider for `stats --group provider`, or off (why) when LEDGER_PROVIDER_DOMAINS is bad. */
  readonly providers: ProviderGrouping;
  /** POST /api/eventgrid: how it authenticates, or off (why) when LEDGER_EVENTGRID_* is missing or bad (src/config/eventGridWebhook.ts). */
  readonly eventGrid: EventGridWebhookSetting;
  /** Soft-bounce escalation: on with its rule, off (COUNT 0), or disabled by a bad setting (src/config/softBounceSetting.ts). */
  readonly softBounce: SoftBounceSetting;
  readonly bounceRate: {
    readonly windowHours: number;
    readonly minSends: number;
    readonly warning: number;
    readonly critical: number;
  };
}

/** An optional sink switched off by a bad setting: which settings, and why (never their values). */
export interface DisabledSink {
  readonly sink: 'webhook' | 'suppression';
  readonly settings: readonly string[];
  readonly reason: string;
}

type WebhookConfig = Omit<LedgerConfig['alerts'], 'logSink'>;

/** The webhook's settings, or the sink disabled with the reason: never an exception. */
function webhookSettings(env: Readonly<Record<string, string | undefined>>): WebhookConfig {
  const parsed = webhookSchema.safeParse(env);
  const problems: { setting: string; message: string }[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ setting: String(issue.path[0] ?? 'LEDGER_ALERT_WEBHOOK_URL'), message: issue.message }));
  if (parsed.success && parsed.data.LEDGER_ALERT_WEBHOOK_SECRET !== undefined && parsed.data.LEDGER_ALERT_WEBHOOK_URL === undefined) {
    problems.push({ setting: 'LEDGER_ALERT_WEBHOOK_URL', message: 'LEDGER_ALERT_WEBHOOK_SECRET is set but LEDGER_ALERT_WEBHOOK_URL is not' });
  }
  if (!parsed.success || problems.length > 0) {
    const disabled: DisabledSink = Object.freeze({
      sink: 'webhook',
      settings: Object.freeze([...new Set(problems.map((p) => p.setting))]),
      reason: problems.map((p) => p.message).join('; '),
    });
    return { webhookUrl: undefined, webhookSecret: undefined, webhookFormat: 'standard', webhookTimeoutMs: 10_000, webhookDisabled: disabled };
  }
  const w = parsed.data;
  return {
    webhookUrl: w.LEDGER_ALERT_WEBHOOK_URL,
    webhookSecret: w.LEDGER_ALERT_WEBHOOK_SECRET,
    webhookFormat: w.LEDGER_ALERT_WEBHOOK_FORMAT,
    webhookTimeoutMs: w.LEDGER_ALERT_WEBHOOK_TIMEOUT_MS,
    webhookDisabled: undefined,
  };
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): LedgerConfig {
  const parsed = coreSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || 'settings'}: ${issue.message}`);
    throw new LedgerError('config_invalid', `Invalid configuration:\n${lines.join('\n')}`);
  }
  const s = parsed.data;
  if (s.LEDGER_BOUNCE_RATE_WARNING >= s.LEDGER_BOUNCE_RATE_CRITICAL) {
    throw new LedgerError(
      'config_invalid',
      `Invalid configuration:\n  - LEDGER_BOUNCE_RATE_WARNING (${s.LEDGER_BOUNCE_RATE_WARNING}) must be below LEDGER_BOUNCE_RATE_CRITICAL (${s.LEDGER_BOUNCE_RATE_CRITICAL})`,
    );
  }
  const webhook = webhookSettings(env);
  return Object.freeze({
    storage: s.LEDGER_STORAGE,
    parkStorage: s.LEDGER_PARK_STORAGE,
    dataDir: s.LEDGER_DATA_DIR,
    tablePrefix: s.LEDGER_TABLE_PREFIX,
    deadLetterRawLimit: s.LEDGER_DEADLETTER_RAW_LIMIT,
    maxClickedUrls: s.LEDGER_MAX_CLICKED_URLS,
    storageMaxAttempts: s.LEDGER_STORAGE_MAX_ATTEMPTS,
    storageTimeoutMs: s.LEDGER_STORAGE_TIMEOUT_MS,
    commitConcurrency: s.LEDGER_COMMIT_CONCURRENCY,
    rowCacheRows: s.LEDGER_ROW_CACHE_ROWS,
    alerts: Object.freeze({ ...webhook, logSink: s.LEDGER_ALERT_LOG }),
    suppression: suppressionSettings(env),
    providers: providerDomainsSetting(typeof env['LEDGER_PROVIDER_DOMAINS'] === 'string' ? env['LEDGER_PROVIDER_DOMAINS'] : undefined),
    eventGrid: eventGridWebhookSetting(env),
    softBounce: softBounceSetting(env),
    bounceRate: Object.freeze({
      windowHours: s.LEDGER_BOUNCE_RATE_WINDOW_HOURS,
      minSends: s.LEDGER_BOUNCE_RATE_MIN_SENDS,
      warning: s.LEDGER_BOUNCE_RATE_WARNING,
      critical: s.LEDGER_BOUNCE_RATE_CRITICAL,
    }),
  });
}
