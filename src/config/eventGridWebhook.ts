import { z } from 'zod';
import { optionalText } from './settingParsers.js';

/**
 * The Event Grid webhook's settings (POST /api/eventgrid, src/eventgrid/):
 *   LEDGER_EVENTGRID_AUTH    secret (default): every request carries LEDGER_EVENTGRID_SECRET, in the
 *                            query parameter `secret` or the header `x-ledger-eventgrid-secret` (Event
 *                            Grid supports both: a query string in the endpoint URL, or a static
 *                            delivery header marked secret);
 *                            entra: App Service authentication validates the Entra token Event Grid's
 *                            AAD delivery sends, and the request must carry the principal it injects
 *                            (as LEDGER_API_AUTH=entra, src/config/apiAuth.ts).
 *   LEDGER_EVENTGRID_SECRET  at least 32 characters; required with `secret`.
 * Optional like the alert webhook: a missing or bad setting switches only the webhook off (it answers
 * 503 naming the setting, so Event Grid keeps retrying and loses nothing while it is fixed); the Event
 * Hub ingest, the API and the CLI go on.
 */
export const EVENTGRID_AUTH_SETTING = 'LEDGER_EVENTGRID_AUTH';
export const EVENTGRID_SECRET_SETTING = 'LEDGER_EVENTGRID_SECRET';
export const EVENTGRID_AUTH_MODES = ['secret', 'entra'] as const;
export const MIN_EVENTGRID_SECRET_LENGTH = 32;

export type EventGridWebhookSetting =
  | { readonly mode: 'secret'; readonly secret: string }
  | { readonly mode: 'entra' }
  /** Off: which setting to fix and why (never the secret's value); `unset` when the secret is simply not set (the webhook is not wanted). */
  | { readonly mode: 'off'; readonly setting: string; readonly reason: string; readonly unset: boolean };

export const eventGridSchema = z.object({
  [EVENTGRID_AUTH_SETTING]: optionalText
    .transform((v) => (v ?? 'secret').toLowerCase())
    .pipe(z.enum(EVENTGRID_AUTH_MODES, { message: `${EVENTGRID_AUTH_SETTING} must be secret or entra` })),
  [EVENTGRID_SECRET_SETTING]: optionalText.pipe(
    z
      .string()
      .refine((s) => !/^@Microsoft\.KeyVault\s*\(/i.test(s), `${EVENTGRID_SECRET_SETTING} is an unresolved Key Vault reference (check the vault, the secret and the app identity's access)`)
      .refine((s) => s.length >= MIN_EVENTGRID_SECRET_LENGTH, `${EVENTGRID_SECRET_SETTING} must be at least ${MIN_EVENTGRID_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`)
      .optional(),
  ),
});

/** The webhook's settings, or the webhook off with the reason: never an exception. */
export function eventGridWebhookSetting(env: Readonly<Record<string, string | undefined>>): EventGridWebhookSetting {
  const parsed = eventGridSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return off(String(issue?.path[0] ?? EVENTGRID_AUTH_SETTING), parsed.error.issues.map((i) => i.message).join('; '), false);
  }
  const mode = parsed.data[EVENTGRID_AUTH_SETTING];
  const secret = parsed.data[EVENTGRID_SECRET_SETTING];
  if (mode === 'entra') return Object.freeze({ mode });
  // `unset` (a quiet note, not an error) also with an explicit secret mode: the infra sets LEDGER_EVENTGRID_AUTH=secret even without webhook delivery.
  if (secret === undefined) return off(EVENTGRID_SECRET_SETTING, `${EVENTGRID_SECRET_SETTING} is not set (${EVENTGRID_AUTH_SETTING}=secret needs it)`, true);
  return Object.freeze({ mode, secret });
}

function off(setting: string, reason: string, unset: boolean): EventGridWebhookSetting {
  return Object.freeze({ mode: 'off', setting, reason: `the Event Grid webhook is off: ${reason}`, unset });
}
