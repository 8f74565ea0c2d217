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

export function toMicros(quantity: number): number {
  return Math.round(quantity * MICROS);
}

export function mergeUsage(current: UsageTotal | undefined, events: readonly UsageEvent[], key: Omit<UsageTotal, 'quantityMicros' | 'records'>): UsageTotal {
  let total = current ?? { ...key, quantityMicros: 0, records: 0 };
  for (const event of events) {
    total = { ...total, quantityMicros: total.quantityMicros + toMicros(event.quantity), records: total.records + 1 };
  }
  return total;
}
