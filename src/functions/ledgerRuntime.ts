import { loadConfig, type LedgerConfig } from '../config.js';
import { openLedgerTables, type LedgerTables } from '../store/ledgerTables.js';

/**
 * What every function invocation in this worker shares: the validated configuration and the open
 * tables. Built on first use (not at import, so a bad setting is reported by the invocation that needs
 * it, with the setting's name), then kept for the life of the worker.
 */
export interface LedgerRuntime {
  readonly config: LedgerConfig;
  readonly tables: LedgerTables;
}

let runtime: Promise<LedgerRuntime> | undefined;

/** The worker's settings, read on their own: parking a batch needs them when the tables would not open. */
export function readLedgerConfig(): LedgerConfig {
  return loadConfig(process.env);
}

export function getLedgerRuntime(): Promise<LedgerRuntime> {
  runtime ??= (async () => {
    const config = readLedgerConfig();
    const tables = await openLedgerTables(config, { allowEmbedded: false });
    return { config, tables };
  })();
  // A failed start is not cached: the next invocation tries again (storage may be back).
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}
