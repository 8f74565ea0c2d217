import type { InvocationContext } from '@azure/functions';
import type { LedgerAlert } from '../alerts/alert.js';

/** Placeholder until the alert dispatcher lands: alerts stay pending in the outbox. */
export async function dispatchAfterCommit(alerts: readonly LedgerAlert[], context: InvocationContext): Promise<void> {
  if (alerts.length > 0) context.log(JSON.stringify({ event: 'ledger.alerts_pending', count: alerts.length }));
}
