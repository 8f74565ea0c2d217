import type { UsageEvent } from '../ingest/ledgerEvent.js';

/**
 * Usage totals per resource, usage type, unit type and UTC day. Quantities are summed in integer
 * micro-units: floating-point addition is not associative, and the total must not depend on the order
 * records arrive in.
 */
export interface UsageTotal {
  readonly resourceId: string;
  readonly day: string;
  readonly usageType: string;
  readonly unitType: string;
  readonly quantityMicros: number;
  readonly records: number;
}

export const MICROS = 1_000_000;

/**
 * The largest quantity one usage record may carry, in its unit (a gigabyte in bytes). Anything beyond
 * (1e308, say) would turn into Infinity or an inexact sum in micro-units, so the record is dead-lettered
 * as `invalid_field` instead. Up to this size a resource-day total stays an exact integer of micro-units
 * (below 2^53) for at least 9,000 such records.
 */
export const MAX_USAGE_QUANTITY = 1_000_000_000;

/** Whether a quantity can be summed exactly: finite and within ±MAX_USAGE_QUANTITY. */
export function isSummableQuantity(quantity: number): boolean {
  return Number.isFinite(quantity) && Math.abs(quantity) <= MAX_USAGE_QUANTITY;
}

export function toMicros(quantity: number): number {
  if (!isSummableQuantity(quantity)) {
    throw new RangeError(`usage quantity ${quantity} is outside ±${MAX_USAGE_QUANTITY}; it should have been dead-lettered`);
  }
  return Math.round(quantity * MICROS);
}

export function mergeUsage(current: UsageTotal | undefined, events: readonly UsageEvent[], key: Omit<UsageTotal, 'quantityMicros' | 'records'>): UsageTotal {
  let total = current ?? { ...key, quantityMicros: 0, records: 0 };
  for (const event of events) {
    total = { ...total, quantityMicros: total.quantityMicros + toMicros(event.quantity), records: total.records + 1 };
  }
  return total;
}
