import { EMAIL_CATEGORIES } from './ledgerEvent.js';

/** Names and spellings the classifier maps to one form; shared by its general path and its fast path. */

export type OurCategory = keyof typeof EMAIL_CATEGORIES;

/** Wire categories, plus the Log Analytics table names an export may carry instead. */
export const CATEGORY_BY_NAME: ReadonlyMap<string, OurCategory> = new Map([
  ['emailsendmailoperational', 'send'],
  ['acsemailsendmailoperational', 'send'],
  ['emailstatusupdateoperational', 'status'],
  ['acsemailstatusupdateoperational', 'status'],
  ['emailuserengagementoperational', 'engagement'],
  ['acsemailuserengagementoperational', 'engagement'],
  ['usage', 'usage'],
  ['acsbillingusage', 'usage'],
]);

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const KNOWN_STATUSES = [
  'OutForDelivery', 'Delivered', 'Bounced', 'Suppressed', 'Failed', 'Quarantined', 'FilteredSpam', 'Expanded',
] as const;
const STATUS_BY_LOWER = new Map<string, string>(KNOWN_STATUSES.map((s) => [s.toLowerCase(), s]));

/** Known statuses in their documented spelling (Event Grid and the SDKs differ in case); others as sent. */
export function canonicalStatus(status: string): string {
  return STATUS_BY_LOWER.get(status.toLowerCase()) ?? status;
}

/** Logs say View/Click, Event Grid says view/click. */
export function canonicalEngagement(type: string): string {
  const lower = type.toLowerCase();
  if (lower === 'view') return 'View';
  if (lower === 'click') return 'Click';
  return type;
}

/** Resource ids arrive upper- or mixed-case, with or without the leading slash; compare them as one. */
export function normaliseResourceId(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const trimmed = value.trim().toUpperCase();
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
