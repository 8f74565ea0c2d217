import type { DeliveryResult, LedgerAlert } from '../alerts/alert.js';

/**
 * A destination for alerts. `deliver` makes exactly one attempt and reports what happened; it never
 * throws for a delivery failure and never retries by itself: the dispatcher owns retries, backoff
 * and the outbox state. A new sink (Event Hub, Service Bus, email) is one module implementing this.
 */
export interface AlertSink {
  /** Stable name, used as the key of this sink's delivery state in the outbox ("webhook", "log"). */
  readonly name: string;
  /** Longest one `deliver` call can take; the dispatcher's lease is a small multiple of it. */
  readonly timeoutMs?: number;
  deliver(alert: LedgerAlert, signal?: AbortSignal): Promise<DeliveryResult>;
}
