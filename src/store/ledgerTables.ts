import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { escapeLineSeparatorsPolicy } from './lineSeparatorPolicy.js';
import type { LedgerConfig, StorageTarget } from '../config.js';
import { LedgerError } from '../errors.js';
import { startEmbeddedAzurite, type EmbeddedAzurite } from './embeddedAzurite.js';
import type { StorageRetryPolicy } from './storageRetry.js';
import { workerCredential } from './workerCredential.js';
import { RowCache } from './rowCache.js';
import { DEFAULT_STORAGE_RETRY, StorageMeter, withStorageRetry } from './storageRetry.js';

/** The ledger's tables. Names are the configured prefix plus the role, e.g. ledgerMessages. */
export interface LedgerTables {
  /** One partition per message: the message row, its recipient rows, applied-record rows, alert rows. */
  readonly messages: TableClient;
  /** One partition per resource and UTC day: totals per usage and unit type, plus usage RecordIds. */
  readonly usage: TableClient;
  /** Rejected records with their reason, raw text and origin. */
  readonly deadLetters: TableClient;
  /** Per-address bounce registry and per-domain send/bounce counters (alerts issue). */
  readonly bounces: TableClient;
  /** Index of alerts awaiting dispatch (the outbox rows themselves live in the message partitions). */
  readonly alerts: TableClient;
  /** Time and recipient indexes and the hourly and daily sums, in four shard partitions (src/indexes/). */
  readonly index: TableClient;
  readonly retryPolicy: StorageRetryPolicy;
  /** What this process remembers of the rows it read and wrote (one per process: see rowCache.ts). */
  readonly rowCache: RowCache;
  /** Where the data is, for messages to the user (never includes a key). */
  readonly description: string;
  /**
   * Makes what was written so far survive a kill of this process: saves the embedded store to disk;
   * a no-op on real storage (every acknowledged write is already durable there).
   */
  persist(): Promise<void>;
  close(): Promise<void>;
}

type TableRole = 'messages' | 'usage' | 'deadLetters' | 'bounces' | 'alerts' | 'index';

export function tableName(prefix: string, role: TableRole): string {
  return `${prefix}${role.charAt(0).toUpperCase()}${role.slice(1)}`;
}

/**
 * Opens (and creates if needed) the ledger tables on the configured storage. With no LEDGER_STORAGE and
 * `allowEmbedded`, starts Azurite in this process, persisted under LEDGER_DATA_DIR.
 */
export async function openLedgerTables(config: LedgerConfig, options: { allowEmbedded: boolean }): Promise<LedgerTables> {
  let embedded: EmbeddedAzurite | undefined;
  let target: StorageTarget;
  if (config.storage !== undefined) {
    target = config.storage;
  } else if (options.allowEmbedded) {
    embedded = await startEmbeddedAzurite({ dataDir: config.dataDir });
    target = { kind: 'connectionString', connectionString: embedded.connectionString };
  } else {
    throw new LedgerError(
      'config_invalid',
      'LEDGER_STORAGE is not set: give a storage connection string or a Table endpoint URL (https://<account>.table.core.windows.net)',
    );
  }
  const make = (name: string) => createTableClient(target, name);
  const tables = {
    messages: make(tableName(config.tablePrefix, 'messages')),
    usage: make(tableName(config.tablePrefix, 'usage')),
    deadLetters: make(tableName(config.tablePrefix, 'deadLetters')),
    bounces: make(tableName(config.tablePrefix, 'bounces')),
    alerts: make(tableName(config.tablePrefix, 'alerts')),
    index: make(tableName(config.tablePrefix, 'index')),
  };
  const retryPolicy: StorageRetryPolicy = { ...DEFAULT_STORAGE_RETRY, maxAttempts: config.storageMaxAttempts, timeoutMs: config.storageTimeoutMs };
  const io = { policy: retryPolicy, meter: new StorageMeter() };
  try {
    // createTable answers 409 when the table exists; the SDK turns that into success.
    await Promise.all(
      Object.values(tables).map((table) =>
        withStorageRetry('create table', (abortSignal) => table.createTable({ abortSignal }), { ...io, context: { table: table.tableName } }),
      ),
    );
  } catch (error) {
    await embedded?.close();
    throw new LedgerError(
      'storage_unavailable',
      `Cannot open the ledger tables on ${describeTarget(target, embedded)}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      { retryable: true, cause: error },
    );
  }
  return {
    ...tables,
    retryPolicy,
    rowCache: new RowCache(config.rowCacheRows),
    description: describeTarget(target, embedded, config.dataDir),
    persist: () => embedded?.persist() ?? Promise.resolve(),
    close: async () => {
      await embedded?.close();
    },
  };
}

function createTableClient(target: StorageTarget, name: string): TableClient {
  // Our own retry (storageRetry.ts) decides what is retried; the SDK's would multiply attempts.
  const options: TableServiceClientOptions = {
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: escapeLineSeparatorsPolicy(), position: 'perCall' }],
  };
  if (target.kind === 'endpoint') {
    return new TableClient(target.url, name, workerCredential(), {
      ...options,
      allowInsecureConnection: target.url.startsWith('http:'),
    });
  }
  const insecure = /DefaultEndpointsProtocol=http;|TableEndpoint=http:|UseDevelopmentStorage=true/i.test(target.connectionString);
  return TableClient.fromConnectionString(target.connectionString, name, { ...options, allowInsecureConnection: insecure });
}

function describeTarget(target: StorageTarget, embedded?: EmbeddedAzurite, dataDir?: string): string {
  if (embedded !== undefined) return `embedded Azurite (data in ${dataDir ?? '?'})`;
  if (target.kind === 'endpoint') return target.url;
  const endpoint = /TableEndpoint=([^;]+)/i.exec(target.connectionString)?.[1];
  const account = /AccountName=([^;]+)/i.exec(target.connectionString)?.[1];
  if (/UseDevelopmentStorage=true/i.test(target.connectionString)) return 'local Azurite (UseDevelopmentStorage=true)';
  return endpoint ?? (account ? `storage account ${account}` : 'the configured storage account');
}
