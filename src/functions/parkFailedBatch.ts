import type { InvocationContext } from '@azure/functions';
import type { LedgerConfig } from '../config.js';
import { LedgerError, ensureError, redactSecrets } from '../errors.js';
import type { SourcedBody } from '../ingest/recordSource.js';
import { toParkedBatch } from '../parking/parkedBatch.js';
import { openParkingLot, type ParkingLot } from '../parking/parkingLot.js';
import { parkingContainerName, parkingTarget } from '../parking/parkingTarget.js';
import type { BatchOrigin } from './eventHubBatch.js';

/**
 * The last attempt failed: after it the host advances the checkpoint whatever happened, so the batch is
 * written whole to the parking container (for `replay --parked`) and the invocation succeeds. Only if
 * that write fails too does the invocation fail, with an error line that names what is now lost.
 */
let lot: { key: string; lot: ParkingLot } | undefined;

function parkingLotFor(config: LedgerConfig): ParkingLot {
  const target = parkingTarget(config);
  if (target === undefined) {
    throw new LedgerError('config_invalid', 'Nowhere to park the batch: set LEDGER_PARK_STORAGE (Blob endpoint) or LEDGER_STORAGE');
  }
  const container = parkingContainerName(config.tablePrefix);
  const key = `${JSON.stringify(target)}|${container}`;
  if (lot?.key !== key) lot = { key, lot: openParkingLot(target, container) };
  return lot.lot;
}

export async function parkFailedBatch(
  failure: { error: Error; code: string; attempt: number },
  batch: { bodies: readonly SourcedBody[]; origin: BatchOrigin },
  loadConfig: () => LedgerConfig,
  context: InvocationContext,
): Promise<void> {
  const { origin } = batch;
  const where = { partition: origin.partitionId, firstSequence: origin.firstSequenceNumber, lastSequence: origin.lastSequenceNumber };
  const message = redactSecrets(failure.error.message);
  try {
    const parkingLot = parkingLotFor(loadConfig());
    const parked = toParkedBatch(
      {
        invocationId: context.invocationId,
        partitionId: origin.partitionId,
        firstSequenceNumber: origin.firstSequenceNumber,
        lastSequenceNumber: origin.lastSequenceNumber,
        reason: { code: failure.code, message, attempt: failure.attempt },
        bodies: batch.bodies,
      },
      new Date(),
    );
    const blob = await parkingLot.park(parked);
    context.warn(
      JSON.stringify({
        event: 'ledger.batch_parked',
        invocationId: context.invocationId,
        ...where,
        events: batch.bodies.length,
        blob,
        container: parkingLot.description,
        code: failure.code,
        attempt: failure.attempt,
        replay: 'acs-email-ledger replay --parked',
      }),
    );
  } catch (thrown) {
    const parkError = ensureError(thrown);
    context.error(
      JSON.stringify({
        event: 'ledger.batch_park_failed',
        invocationId: context.invocationId,
        ...where,
        events: batch.bodies.length,
        lost: `the host now advances past partition ${origin.partitionId} sequence ${origin.firstSequenceNumber ?? '?'}..${origin.lastSequenceNumber ?? '?'}: re-read it from the hub (7-day retention) or the archive`,
        code: failure.code,
        message,
        parkCode: parkError instanceof LedgerError ? parkError.code : 'unexpected',
        parkMessage: redactSecrets(parkError.message),
      }),
    );
    throw failure.error;
  }
}
