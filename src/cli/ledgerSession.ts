import { loadConfig, type LedgerConfig } from '../config.js';
import { openLedgerTables, type LedgerTables } from '../store/ledgerTables.js';
import { lockDataDir } from './dataDirLock.js';

/**
 * One CLI command's access to the ledger: config from the environment, tables on LEDGER_STORAGE, or an
 * embedded Azurite persisted under LEDGER_DATA_DIR when it is unset, always closed afterwards (closing
 * is what flushes the embedded database to disk). The embedded ledger's folder is locked for the
 * command's whole run, so a second CLI on it is refused instead of silently losing records.
 */
export async function withLedger<T>(
  env: Readonly<Record<string, string | undefined>>,
  use: (ledger: { config: LedgerConfig; tables: LedgerTables }) => Promise<T>,
): Promise<T> {
  const config = loadConfig(env);
  const lock = config.storage === undefined ? await lockDataDir(config.dataDir) : undefined;
  try {
    const tables = await openLedgerTables(config, { allowEmbedded: true });
    try {
      return await use({ config, tables });
    } finally {
      await tables.close();
    }
  } finally {
    await lock?.release();
  }
}
