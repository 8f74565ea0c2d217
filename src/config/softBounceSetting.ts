import { z } from 'zod';
import { DAY_MS, type SoftBounceRule } from '../alerts/softBounce.js';
import { wholeNumber } from './settingParsers.js';

/**
 * LEDGER_SOFT_BOUNCE_COUNT and LEDGER_SOFT_BOUNCE_WINDOW_DAYS: soft-bounce escalation (src/alerts/softBounce.ts).
 * Defaults from the peers (docs/soft-bounces.md): 2 soft failures (listmonk's `bounce.actions` soft
 * count), within 30 days (Postal keeps a suppressed address for 30 days). COUNT 0 switches it off.
 * Like the webhook's settings, a bad value does not stop the app: this feature alone is switched off,
 * with a warning naming the setting, and everything else works on.
 */
export const SOFT_BOUNCE_COUNT_SETTING = 'LEDGER_SOFT_BOUNCE_COUNT';
export const SOFT_BOUNCE_WINDOW_SETTING = 'LEDGER_SOFT_BOUNCE_WINDOW_DAYS';
export const DEFAULT_SOFT_BOUNCE_COUNT = 2;
export const DEFAULT_SOFT_BOUNCE_WINDOW_DAYS = 30;

export const softBounceSchema = z.object({
  [SOFT_BOUNCE_COUNT_SETTING]: wholeNumber(SOFT_BOUNCE_COUNT_SETTING, DEFAULT_SOFT_BOUNCE_COUNT, 0, 64),
  // 3,650 days: a bound on a typo, not a policy.
  [SOFT_BOUNCE_WINDOW_SETTING]: wholeNumber(SOFT_BOUNCE_WINDOW_SETTING, DEFAULT_SOFT_BOUNCE_WINDOW_DAYS, 1, 3_650),
});

export type SoftBounceSetting =
  | { readonly kind: 'on'; readonly rule: SoftBounceRule }
  | { readonly kind: 'off' }
  | { readonly kind: 'disabled'; readonly settings: readonly string[]; readonly reason: string };

/** The rule the settings ask for; never throws. */
export function softBounceSetting(env: Readonly<Record<string, string | undefined>>): SoftBounceSetting {
  const parsed = softBounceSchema.safeParse(env);
  if (!parsed.success) {
    return Object.freeze({
      kind: 'disabled',
      settings: Object.freeze([...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? SOFT_BOUNCE_COUNT_SETTING)))]),
      reason: parsed.error.issues.map((i) => i.message).join('; '),
    });
  }
  const count = parsed.data[SOFT_BOUNCE_COUNT_SETTING];
  if (count === 0) return Object.freeze({ kind: 'off' });
  return Object.freeze({ kind: 'on', rule: Object.freeze({ count, windowMs: parsed.data[SOFT_BOUNCE_WINDOW_SETTING] * DAY_MS }) });
}

/** The warning a process prints once when a bad setting disabled the escalation. */
export function softBounceWarning(setting: SoftBounceSetting): string | undefined {
  return setting.kind === 'disabled' ? `warning: soft-bounce escalation is off (${setting.settings.join(', ')}): ${setting.reason}` : undefined;
}

export const softBounceRuleOf = (setting: SoftBounceSetting): SoftBounceRule | undefined => (setting.kind === 'on' ? setting.rule : undefined);

const warned = new Set<string>();

/** Says so once per process (worker or CLI run), on stderr, when a bad setting disabled the escalation. */
export function warnSoftBounceOnce(setting: SoftBounceSetting, writeErrorLine: (line: string) => void = (line) => console.error(line)): void {
  const warning = softBounceWarning(setting);
  if (warning === undefined || warned.has(warning)) return;
  warned.add(warning);
  writeErrorLine(warning);
}
