import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { LedgerError } from '../errors.js';

/**
 * Azurite's Table service, started in this process. Used by the CLI when LEDGER_STORAGE is unset and by
 * the tests. We use Azurite's internal TableServer class rather than its CLI so that no telemetry code
 * path runs and we learn the real port; that class is not a public API, which is why azurite is pinned
 * to exactly 3.35.0 in package.json (the last release that runs on Node 20).
 */

interface AzuriteTableServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
  /** Also internal: the LokiJS database behind the table service (saved to disk every 5 s by itself). */
  readonly metadataStore?: { readonly db?: LokiDatabase };
}
interface LokiDatabase {
  saveDatabase(callback: (error?: unknown) => void): void;
  autosaveDirty(): boolean;
}
type TableServerCtor = new (config: unknown) => AzuriteTableServer;
type TableConfigurationCtor = new (...args: unknown[]) => unknown;

const require = createRequire(import.meta.url);

/** Azurite's well-known development account (public, documented, not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface EmbeddedAzurite {
  readonly connectionString: string;
  readonly endpoint: string;
  /**
   * Writes what the store holds to disk now (atomically: LokiJS writes a temporary file and renames
   * it). Azurite saves on its own only every 5 s, so a killed process would otherwise lose up to 5 s
   * of writes, among them alert delivery states, and re-send those alerts. A no-op in memory.
   */
  persist(): Promise<void>;
  close(): Promise<void>;
}

export interface EmbeddedAzuriteOptions {
  /** Folder for the table database; omitted = in memory. */
  readonly dataDir?: string;
  readonly port?: number;
}

export async function startEmbeddedAzurite(options: EmbeddedAzuriteOptions = {}): Promise<EmbeddedAzurite> {
  assertAzuriteInstalled();
  const TableServer = (require('azurite/dist/src/table/TableServer.js') as { default: TableServerCtor }).default;
  const TableConfiguration = (require('azurite/dist/src/table/TableConfiguration.js') as { default: TableConfigurationCtor })
    .default;
  const inMemory = options.dataDir === undefined;
  let dbPath = 'unused-in-memory.json';
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
    dbPath = path.join(options.dataDir, '__azurite_db_table__.json');
  }
  // Positional: host, port, keepAlive, dbPath, debugLog, accessLog, accessLogStream, debugLogPath,
  // loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, inMemory.
  const config = new TableConfiguration(
    '127.0.0.1', options.port ?? 0, 5, dbPath, false, false, undefined, undefined,
    false, false, '', '', '', undefined, false, inMemory,
  );
  const server = new TableServer(config);
  await server.start();
  const endpoint = `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  const blob = await startEmbeddedBlobService(options.dataDir);
  const db = server.metadataStore?.db;
  if (!inMemory && (db === undefined || typeof db.saveDatabase !== 'function')) {
    await server.close();
    await blob.server.close();
    throw new LedgerError('storage_unavailable', 'Embedded Azurite has no LokiJS database to save: azurite must be exactly 3.35.0');
  }
  const persist = (): Promise<void> =>
    inMemory || db === undefined || !db.autosaveDirty()
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          db.saveDatabase((error) =>
            error === undefined || error === null
              ? resolve()
              : reject(new LedgerError('storage_unavailable', `Cannot save the embedded store to ${dbPath}`, { cause: error })),
          );
        });
  return {
    endpoint,
    persist,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${endpoint};BlobEndpoint=${blob.endpoint};`,
    close: async () => {
      await Promise.all([server.close(), blob.server.close()]);
    },
  };
}

/**
 * Azurite's Blob service next to the tables: where whole batches are parked when the tables cannot take
 * them (src/parking/). Same internal-class approach and positional configuration as above.
 */
async function startEmbeddedBlobService(dataDir: string | undefined): Promise<{ server: AzuriteTableServer; endpoint: string }> {
  const BlobServer = (require('azurite/dist/src/blob/BlobServer.js') as { default: TableServerCtor }).default;
  const BlobConfiguration = (require('azurite/dist/src/blob/BlobConfiguration.js') as { default: TableConfigurationCtor }).default;
  const inMemory = dataDir === undefined;
  const at = (file: string) => (dataDir === undefined ? file : path.join(dataDir, file));
  // Positional: host, port, keepAlive, metadataDbPath, extentDbPath, persistenceLocations, accessLog,
  // accessLogStream, debugLog, debugLogPath, loose, skipApiVersionCheck, cert, key, pwd, oauth,
  // disableProductStyleUrl, inMemory. skipApiVersionCheck: @azure/storage-blob speaks a newer service
  // version than the Node 20-compatible Azurite knows; the calls we make are unchanged by it.
  const config = new BlobConfiguration(
    '127.0.0.1', 0, 5, at('__azurite_db_blob__.json'), at('__azurite_db_blob_extent__.json'),
    [{ locationId: 'Default', locationPath: at('__blobstorage__'), maxConcurrency: 10 }],
    false, undefined, false, undefined, false, true, '', '', '', undefined, false, inMemory,
  );
  const server = new BlobServer(config);
  await server.start();
  return { server, endpoint: `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT}` };
}

/**
 * azurite is a development dependency: the function app never starts it, so its deployed package leaves
 * it out. Only the CLI's embedded mode needs it, and says so when it is missing.
 */
function assertAzuriteInstalled(): void {
  try {
    require.resolve('azurite/package.json');
  } catch (cause) {
    throw new LedgerError(
      'config_invalid',
      'The embedded storage needs the azurite package, which is not installed here (it is a development dependency): run `npm install azurite@3.35.0`, or set LEDGER_STORAGE to a storage account',
      { cause },
    );
  }
}
