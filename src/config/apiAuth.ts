import { z } from 'zod';

/**
 * LEDGER_API_AUTH: who may call the HTTP API in Azure.
 *   key    (default) every route is a function with authLevel 'function': a function or host key is
 *          needed; the dashboard asks for one and keeps it in the tab's sessionStorage.
 *   entra  the routes are anonymous at the host, and each request must carry the principal App Service
 *          authentication (Easy Auth) injects after an Entra ID sign-in. App Service strips that header
 *          from external requests, so only it can set it; with Easy Auth OFF this mode would trust a
 *          header anyone can send, so turn it on only together with Easy Auth (infra does both).
 * Read when the function module loads, before any other setting: the host needs the routes' auth
 * levels at registration. A bad value fails closed (key), loudly: an auth setting is never "disabled".
 */
export const API_AUTH_SETTING = 'LEDGER_API_AUTH';
export const API_AUTH_MODES = ['key', 'entra'] as const;
export type ApiAuthMode = (typeof API_AUTH_MODES)[number];

export interface ApiAuthSetting {
  readonly mode: ApiAuthMode;
  /** Why the setting was not taken, naming it; null when it was. */
  readonly problem: string | null;
}

const modeSchema = z.enum(API_AUTH_MODES);

export function apiAuthSetting(raw: string | undefined): ApiAuthSetting {
  if (raw === undefined || raw.trim() === '') return { mode: 'key', problem: null };
  const parsed = modeSchema.safeParse(raw.trim().toLowerCase());
  if (parsed.success) return { mode: parsed.data, problem: null };
  return { mode: 'key', problem: `${API_AUTH_SETTING}=${JSON.stringify(raw)} is not one of ${API_AUTH_MODES.join(', ')}: the API keeps its function keys` };
}

/** The Easy Auth principal header (lower-case, as the Functions host hands headers over). */
export const CLIENT_PRINCIPAL_HEADER = 'x-ms-client-principal';

/**
 * With `entra`, a request is signed in when App Service injected a principal: base64 JSON with a
 * `claims` array. Its presence is the proof (external requests cannot set it); the parse refuses junk.
 */
export function signedInPrincipal(header: string | null): { readonly name: string | null } | null {
  if (header === null || header.length === 0 || header.length > 64_000) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  const principal = z.object({ claims: z.array(z.object({ typ: z.string(), val: z.string() })) }).safeParse(parsed);
  if (!principal.success) return null;
  const name = principal.data.claims.find((c) => c.typ === 'name' || c.typ === 'preferred_username')?.val ?? null;
  return { name };
}
