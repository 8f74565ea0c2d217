import type { LedgerTables } from '../../store/ledgerTables.js';
import { reindexMessages, type ReindexReport } from '../../store/reindexMessages.js';
import { StorageMeter } from '../../store/storageRetry.js';

/** `reindex`: brings the indexes and sums up to every message (and rebuilds digests of rows from before them). */
export function reindexCommand(tables: LedgerTables): Promise<ReindexReport> {
  return reindexMessages(tables.messages, tables.index, { policy: tables.retryPolicy, meter: new StorageMeter(), rowCache: tables.rowCache });
}

export function renderReindex(report: ReindexReport): string {
  const lines = [
    `Indexed ${report.messages.toLocaleString('en')} message(s): ${report.projected.toLocaleString('en')} changed in the index, ${report.digestsRebuilt.toLocaleString('en')} recipient digest(s) rebuilt from recipient rows.`,
  ];
  if (report.changedDuringRebuild > 0) lines.push(`${report.changedDuringRebuild} message(s) changed while being rebuilt: run reindex again.`);
  return lines.join('\n');
}
