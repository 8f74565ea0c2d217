import { z } from 'zod';
import { LedgerError } from './errors.js';

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

const positiveInt = (name: string, fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n <= 0 || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from 1 to ${max}, got "${raw}"` });
        return z.NEVER;
      }
      return n;
    });

const fraction = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const n = Number(raw);
      if (!Number.isFinite(n) || n <= 0 || n >= 1) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a fraction between 0 and 1 (0.02 = 2%), got "${raw}"` });
        return z.NEVER;
      }
      return n;
    });

const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${raw}"` });
      return z.NEVER;
    });

const optionalText = z
  .string()
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()));

/**
 * Where the ledger tables live:
 * - a connection string (`DefaultEndpointsProtocol=...`, `UseDevelopmentStorage=true`), or
 * - a Table endpoint URL (`https://<account>.table.core.windows.net`), used with DefaultAzureCredential
 *   (managed identity in Azure, your az login locally).
 * Unset: the CLI starts an embedded Azurite; the function refuses to start.
 */
const storageSetting = optionalText.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  if (/^https?:\/\//i.test(raw)) {
    try {
      const url = new URL(raw);
      return { kind: 'endpoint' as const, url: url.toString().replace(/\/$/, '') };
    } catch {
      ctx.addIssue({ code: 'custom', message: `LEDGER_STORAGE looks like a URL but is not one: "${raw}"` });
      return z.NEVER;
    }
  }
  if (/^UseDevelopmentStorage=true/i.test(raw) || /(AccountName|TableEndpoint|SharedAccessSignature)=/i.test(raw)) {
    return { kind: 'connectionString' as const, connectionString: raw };
  }
  ctx.addIssue({
    code: 'custom',
    message: 'LEDGER_STORAGE must be a storage connection string or a Table endpoint URL (https://<account>.table.core.windows.net)',
  });
  return z.NEVER;
});

export const settingsSchema = z.object({
  LEDGER_STORAGE: storageSetting,
  LEDGER_DATA_DIR: optionalText.transform((v) => v ?? '.ledger'),
  LEDGER_TABLE_PREFIX: optionalText
    .transform((v) => v ?? 'ledger')
    .pipe(z.string().regex(/^[A-Za-z][A-Za-z0-9]{1,40}$/, 'LEDGER_TABLE_PREFIX must be 2-41 letters or digits, starting with a letter')),
  // Table string properties hold 32 K UTF-16 units; the limits below keep every row within them.
  LEDGER_DEADLETTER_RAW_LIMIT: positiveInt('LEDGER_DEADLETTER_RAW_LIMIT', 16_384, 30_000),
  LEDGER_MAX_CLICKED_URLS: positiveInt('LEDGER_MAX_CLICKED_URLS', 20, 25),
  LEDGER_STORAGE_MAX_ATTEMPTS: positiveInt('LEDGER_STORAGE_MAX_ATTEMPTS', 6),
  LEDGER_STORAGE_TIMEOUT_MS: positiveInt('LEDGER_STORAGE_TIMEOUT_MS', 30_000, 600_000),
  LEDGER_ALERT_WEBHOOK_URL: optionalText.pipe(z.url({ message: 'LEDGER_ALERT_WEBHOOK_URL must be an http(s) URL' }).optional()),
  LEDGER_ALERT_WEBHOOK_SECRET: optionalText.pipe(
    z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'LEDGER_ALERT_WEBHOOK_SECRET must be a Standard Webhooks secret: "whsec_" followed by base64')
      .optional(),
  ),
  LEDGER_ALERT_WEBHOOK_FORMAT: optionalText
    .transform((v) => v ?? 'standard')
    .pipe(z.enum(['standard', 'teams', 'slack'], { message: 'LEDGER_ALERT_WEBHOOK_FORMAT must be standard, teams or slack' })),
  // Well below the dispatcher's 5-minute claim on an alert, so a slow receiver cannot outlive the claim.
  LEDGER_ALERT_WEBHOOK_TIMEOUT_MS: positiveInt('LEDGER_ALERT_WEBHOOK_TIMEOUT_MS', 10_000, 60_000),
  LEDGER_ALERT_LOG: flag(true),
  LEDGER_BOUNCE_RATE_WINDOW_HOURS: positiveInt('LEDGER_BOUNCE_RATE_WINDOW_HOURS', 24),
  LEDGER_BOUNCE_RATE_MIN_SENDS: positiveInt('LEDGER_BOUNCE_RATE_MIN_SENDS', 100),
  LEDGER_BOUNCE_RATE_WARNING: fraction('LEDGER_BOUNCE_RATE_WARNING', 0.02),
  LEDGER_BOUNCE_RATE_CRITICAL: fraction('LEDGER_BOUNCE_RATE_CRITICAL', 0.05),
});

/** The names of every setting our code reads (the infra template must set them, and only them). */
export const LEDGER_SETTING_NAMES = Object.keys(settingsSchema.shape) as readonly (keyof typeof settingsSchema.shape)[];

export type StorageTarget = Exclude<z.output<typeof settingsSchema>['LEDGER_STORAGE'], undefined>;

export interface LedgerConfig {
  readonly storage: StorageTarget | undefined;
  readonly dataDir: string;
  readonly tablePrefix: string;
  readonly deadLetterRawLimit: number;
  readonly maxClickedUrls: number;
  readonly storageMaxAttempts: number;
  /** Per-attempt timeout of every storage request (a hung request is aborted and retried). */
  readonly storageTimeoutMs: number;
  readonly alerts: {
    readonly webhookUrl: string | undefined;
    readonly webhookSecret: string | undefined;
    readonly webhookFormat: 'standard' | 'teams' | 'slack';
    readonly webhookTimeoutMs: number;
    readonly logSink: boolean;
  };
  readonly bounceRate: {
    readonly windowHours: number;
    readonly minSends: number;
    readonly warning: number;
    readonly critical: number;
  };
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): LedgerConfig {
  const parsed = settingsSchema.safeParse(env);
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
  if (s.LEDGER_ALERT_WEBHOOK_SECRET !== undefined && s.LEDGER_ALERT_WEBHOOK_URL === undefined) {
    throw new LedgerError('config_invalid', 'Invalid configuration:\n  - LEDGER_ALERT_WEBHOOK_SECRET is set but LEDGER_ALERT_WEBHOOK_URL is not');
  }
  return Object.freeze({
    storage: s.LEDGER_STORAGE,
    dataDir: s.LEDGER_DATA_DIR,
    tablePrefix: s.LEDGER_TABLE_PREFIX,
    deadLetterRawLimit: s.LEDGER_DEADLETTER_RAW_LIMIT,
    maxClickedUrls: s.LEDGER_MAX_CLICKED_URLS,
    storageMaxAttempts: s.LEDGER_STORAGE_MAX_ATTEMPTS,
    storageTimeoutMs: s.LEDGER_STORAGE_TIMEOUT_MS,
    alerts: Object.freeze({
      webhookUrl: s.LEDGER_ALERT_WEBHOOK_URL,
      webhookSecret: s.LEDGER_ALERT_WEBHOOK_SECRET,
      webhookFormat: s.LEDGER_ALERT_WEBHOOK_FORMAT,
      webhookTimeoutMs: s.LEDGER_ALERT_WEBHOOK_TIMEOUT_MS,
      logSink: s.LEDGER_ALERT_LOG,
    }),
    bounceRate: Object.freeze({
      windowHours: s.LEDGER_BOUNCE_RATE_WINDOW_HOURS,
      minSends: s.LEDGER_BOUNCE_RATE_MIN_SENDS,
      warning: s.LEDGER_BOUNCE_RATE_WARNING,
      critical: s.LEDGER_BOUNCE_RATE_CRITICAL,
    }),
  });
}
