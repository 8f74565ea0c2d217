import type { LedgerConfig } from '../../config.js';
import { LedgerError } from '../../errors.js';
import { fromParkedBatch } from '../../parking/parkedBatch.js';
import { openParkingLot } from '../../parking/parkingLot.js';
import { parkingContainerName, parkingTarget } from '../../parking/parkingTarget.js';
import { addReports, emptyReport } from '../../pipeline/batchReport.js';
import { processBatch } from '../../pipeline/processBatch.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import type { Output } from '../output.js';
import { finishReplay, replayPipelineDeps, type ReplayResult } from './replayCommand.js';

/**
 * `replay --parked`: re-drives every batch the function parked (its last retry failed) through the same
 * pipeline, in stream order per partition. A blob is removed only once its batch was applied, so an
 * interrupted run simply starts again; a batch applied twice counts its records as duplicates.
 */
export interface ParkedReplayResult extends ReplayResult {
  readonly parkedBatches: number;
  readonly parkedStorage: string;
}

export async function replayParkedCommand(ledger: { config: LedgerConfig; tables: LedgerTables }, out: Output): Promise<ParkedReplayResult> {
  const { config, tables } = ledger;
  const target = parkingTarget(config);
  if (target === undefined) {
    throw new LedgerError(
      'usage',
      'replay --parked needs the storage the function parks batches in: set LEDGER_STORAGE (the ledger account) or LEDGER_PARK_STORAGE (its Blob endpoint)',
    );
  }
  const lot = openParkingLot(target, parkingContainerName(config.tablePrefix));
  const started = Date.now();
  let total = emptyReport();
  let parkedBatches = 0;
  for await (const { name, batch } of lot.list()) {
    const { report } = await processBatch(fromParkedBatch(batch), replayPipelineDeps(config, tables));
    await lot.remove(name);
    total = addReports(total, report);
    parkedBatches += 1;
    out.note(`replay --parked: ${name} (${batch.events.length} events, ${report.applied} applied, ${report.duplicates} duplicates) removed`);
  }
  const finished = await finishReplay(ledger, { ...total, durationMs: Date.now() - started });
  return { ...finished, parkedBatches, parkedStorage: lot.description };
}

export function renderParkedReplay(result: ParkedReplayResult, renderReplay: (r: ReplayResult) => string): string {
  if (result.parkedBatches === 0) return `No parked batches in ${result.parkedStorage}.`;
  return `${result.parkedBatches} parked batch(es) from ${result.parkedStorage} applied and removed.\n${renderReplay(result)}`;
}
