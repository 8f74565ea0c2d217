import { loadConfig, type LedgerConfig } from '../config.js';
import { openLedgerTables, type LedgerTables } from '../store/ledgerTables.js';
import { lockDataDir } from './dataDirLock.js';

/**
 * One CLI command's access to the ledger: config from the environment, tables on LEDGER_STORAGE, or an
 * embedded Azurite persisted under LEDGER_DATA_DIR when it is unset, always closed afterwards (closing
 * is what flushes the embedded database to disk). The embedded ledger's folder is locked for the
 * command's whole run, so a second CLI on it is refused instead of silently losing records. Ctrl-C or
 * SIGTERM saves the embedded database and releases the lock before exiting (130 / 143), so an
 * interrupted replay keeps what it applied; a SIGKILL loses at most the writes since the last delivered
 * alert or Azurite's own 5 s save (replaying again restores them), and leaves a lock whose dead pid the
 * next command takes over.
 */
export async function withLedger<T>(
  env: Readonly<Record<string, string | undefined>>,
  use: (ledger: { config: LedgerConfig; tables: LedgerTables }) => Promise<T>,
): Promise<T> {
  const config = loadConfig(env);
  const lock = config.storage === undefined ? await lockDataDir(config.dataDir) : undefined;
  try {
    const tables = await openLedgerTables(config, { allowEmbedded: true });
    const onSignal = (signal: NodeJS.Signals) => {
      void tables
        .persist()
        .catch((error: unknown) => process.stderr.write(`acs-email-ledger: could not save the embedded store on ${signal}: ${String(error)}\n`))
        .then(() => lock?.release())
        .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await use({ config, tables });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await tables.close();
    }
  } finally {
    await lock?.release();
  }
}
