import { createHash } from 'node:crypto';
import { CommunicationServiceManagementClient } from '@azure/arm-communication';
import type { TokenCredential } from '@azure/identity';
import type { SuppressionListTarget } from '../config/suppressionLists.js';

/**
 * The thin adapter over `@azure/arm-communication` for ACS suppression lists: add, remove and list the
 * addresses of one list. Everything else (which list, whether to call at all, what a failure means)
 * is decided by the sink and the CLI commands.
 *
 * Errors are the SDK's RestError, thrown as is: `statusCodeOf` and `retryAfterMs` (src/store/storageRetry.ts)
 * read its status and Retry-After.
 */
export interface SuppressionListEntry {
  /** The address resource's name (addressId). */
  readonly id: string;
  readonly email: string;
}

export interface SuppressionListClient {
  add(target: SuppressionListTarget, address: string, notes: string, signal?: AbortSignal): Promise<void>;
  /** Removes the address; absent already is fine (ARM answers 204 for a delete of nothing). */
  remove(target: SuppressionListTarget, address: string, signal?: AbortSignal): Promise<void>;
  list(target: SuppressionListTarget, signal?: AbortSignal): AsyncIterable<SuppressionListEntry>;
}

/**
 * The address resource's name: the SHA-256 hex of the trimmed, lower-cased address. Deterministic, so a
 * repeated PUT (a retry whose answer was lost, two dispatchers, `suppress sync` after the sink) lands on
 * the same resource and changes nothing; 64 characters of [0-9a-f], within ARM's ^[a-zA-Z0-9-]+$ and
 * 253-character limit for addressId; and no address in clear in the URL (it is in the body).
 */
export function suppressionAddressId(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase(), 'utf8').digest('hex');
}

export interface ArmClientOptions {
  readonly endpoint: string;
  readonly credential: TokenCredential;
  /** Bound on each call, attempts and waits included. */
  readonly timeoutMs: number;
  /**
   * The SDK's own retries (its policy honours Retry-After on 429 and 503). 0 for the dispatcher's sink,
   * whose one attempt per `deliver` leaves retries, backoff and Retry-After to the dispatcher; the CLI
   * commands keep a few.
   */
  readonly maxRetries: number;
  /** Extra CA certificates (PEM) to trust: tests, whose fake of ARM serves a self-signed certificate. */
  readonly trustedCa?: string;
}

export function createArmSuppressionClient(options: ArmClientOptions): SuppressionListClient {
  // One SDK client per subscription: the SDK binds the subscription at construction.
  const clients = new Map<string, CommunicationServiceManagementClient>();
  const clientFor = (subscriptionId: string): CommunicationServiceManagementClient => {
    let client = clients.get(subscriptionId);
    if (client === undefined) {
      client = new CommunicationServiceManagementClient(options.credential, subscriptionId, {
        endpoint: options.endpoint,
        retryOptions: { maxRetries: options.maxRetries },
        ...(options.trustedCa === undefined ? {} : { tlsOptions: { ca: options.trustedCa } }),
      });
      clients.set(subscriptionId, client);
    }
    return client;
  };
  const callOptions = (signal: AbortSignal | undefined) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    return { abortSignal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]), requestOptions: { timeout: options.timeoutMs } };
  };
  const path = (t: SuppressionListTarget) => [t.resourceGroupName, t.emailServiceName, t.domainName, t.suppressionListName] as const;
  return {
    async add(target, address, notes, signal) {
      await clientFor(target.subscriptionId).suppressionListAddresses.createOrUpdate(
        ...path(target),
        suppressionAddressId(address),
        { email: address.trim(), notes },
        callOptions(signal),
      );
    },
    async remove(target, address, signal) {
      await clientFor(target.subscriptionId).suppressionListAddresses.delete(...path(target), suppressionAddressId(address), callOptions(signal));
    },
    async *list(target, signal) {
      // Each page within the timeout, not the whole listing: a long list takes many pages.
      const pageOptions = { requestOptions: { timeout: options.timeoutMs }, ...(signal === undefined ? {} : { abortSignal: signal }) };
      for await (const entry of clientFor(target.subscriptionId).suppressionListAddresses.list(...path(target), pageOptions)) {
        if (entry.email !== undefined) yield { id: entry.name ?? '', email: entry.email };
      }
    },
  };
}
