import type { LedgerTables } from '../../store/ledgerTables.js';
import { listUsage, type UsageRow } from '../../store/ledgerSummary.js';
import { table } from '../output.js';

/** `usage`: quantities per resource, usage type, unit type and UTC day. */
export function usageCommand(tables: LedgerTables, options: { since?: string; until?: string }): Promise<UsageRow[]> {
  return listUsage(tables, options);
}

export function renderUsage(rows: readonly UsageRow[]): string {
  if (rows.length === 0) return 'No usage recorded.';
  return table(
    ['day', 'usage type', 'unit', 'quantity', 'records', 'resource'],
    rows.map((r) => [r.day, r.usageType, r.unitType, Number(r.quantity.toFixed(6)), r.records, r.resourceId]),
  );
}
