import { loadConfig, type LedgerConfig } from '../config.js';
import { openLedgerTables, type LedgerTables } from '../store/ledgerTables.js';

/**
 * One CLI command's access to the ledger: config from the environment, tables on LEDGER_STORAGE, or an
 * embedded Azurite persisted under LEDGER_DATA_DIR when it is unset, always closed afterwards (closing
 * is what flushes the embedded database to disk).
 */
export async function withLedger<T>(
  env: Readonly<Record<string, string | undefined>>,
  use: (ledger: { config: LedgerConfig; tables: LedgerTables }) => Promise<T>,
): Promise<T> {
  const config = loadConfig(env);
  const tables = await openLedgerTables(config, { allowEmbedded: true });
  try {
    return await use({ config, tables });
  } finally {
    await tables.close();
  }
}
