import type { LedgerConfig, StorageTarget } from '../config.js';

/**
 * Where parked batches go: LEDGER_PARK_STORAGE when set, else the same account as the tables
 * (LEDGER_STORAGE): a Table endpoint URL becomes that account's Blob endpoint, and a connection string
 * is used as it is when it carries a BlobEndpoint or names a standard account. Undefined: nowhere to park.
 */
export function parkingTarget(config: Pick<LedgerConfig, 'storage' | 'parkStorage'>): StorageTarget | undefined {
  if (config.parkStorage !== undefined) return config.parkStorage;
  const storage = config.storage;
  if (storage === undefined) return undefined;
  if (storage.kind === 'endpoint') {
    const url = new URL(storage.url);
    if (!/\.table\./i.test(url.hostname)) return undefined;
    url.hostname = url.hostname.replace(/\.table\./i, '.blob.');
    return { kind: 'endpoint', url: url.toString().replace(/\/$/, '') };
  }
  const cs = storage.connectionString;
  // A connection string with only a custom TableEndpoint says nothing about where its blobs are.
  const hasBlob = /BlobEndpoint=/i.test(cs) || /UseDevelopmentStorage=true/i.test(cs) || (/AccountName=/i.test(cs) && !/TableEndpoint=/i.test(cs));
  return hasBlob ? storage : undefined;
}

/** One container per table prefix (container names are lower case): "ledger" → "ledger-parked". */
export function parkingContainerName(tablePrefix: string): string {
  return `${tablePrefix.toLowerCase()}-parked`;
}
