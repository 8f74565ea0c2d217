import { z } from 'zod';
import { looseBoolean, looseCount, looseNumber, optionalText, requiredText, utcTime } from './looseScalars.js';
import { isSummableQuantity, MAX_USAGE_QUANTITY } from '../state/mergeUsage.js';

/**
 * zod schemas for the `properties` of each category. Keys are matched case-insensitively, so the
 * schemas are written over lower-cased keys (see lowerCaseKeys). Unknown keys are ignored: Azure adds
 * fields over time (TrafficSource, InternetMessageId, FailureReason all arrived later).
 */

export const sendMailProperties = z.object({
  size: looseNumber,
  torecipientscount: looseCount,
  ccrecipientscount: looseCount,
  bccrecipientscount: looseCount,
  uniquerecipientscount: looseCount,
  attachmentscount: looseCount,
  trafficsource: optionalText,
});

export const statusProperties = z.object({
  recipientid: optionalText,
  deliverystatus: requiredText,
  smtpstatuscode: optionalText,
  enhancedsmtpstatuscode: optionalText,
  failurereason: optionalText,
  failuremessage: optionalText,
  senderdomain: optionalText,
  senderusername: optionalText,
  ishardbounce: looseBoolean,
});

export const engagementProperties = z.object({
  recipientid: requiredText,
  engagementtype: requiredText,
  engagementcontext: optionalText,
  useragent: optionalText,
});

export const usageProperties = z.object({
  recordid: optionalText,
  usagetype: requiredText,
  unittype: requiredText,
  quantity: looseNumber
    .refine((n) => n !== null, { message: 'quantity is required' })
    .refine((n) => n === null || isSummableQuantity(n), { message: `quantity must be within ±${MAX_USAGE_QUANTITY} (it is summed exactly in micro-units)` }),
  starttime: z.union([utcTime, z.literal(''), z.null()]).optional().transform((v) => (v ? v : null)),
});

/**
 * Lower-cases the keys of one object level. On a key clash the first spelling wins, deterministically.
 * Null prototype: a key named "__proto__" or "constructor" is data like any other.
 */
export function lowerCaseKeys(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(object).sort()) {
    const lower = key.toLowerCase();
    if (!Object.hasOwn(out, lower)) out[lower] = object[key];
  }
  return out;
}
