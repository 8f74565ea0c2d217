import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LedgerConfig } from '../config.js';

/**
 * Where the CLI's log sink writes: one `LEDGER_ALERT {json}` line per alert, appended to
 * <LEDGER_DATA_DIR>/alerts.log. In Azure the same lines go to the function log (Application Insights);
 * on a terminal they would drown the summary, and on stdout they would break --json.
 */
export function alertLogWriter(config: LedgerConfig): { file: string; write: (line: string) => void } {
  const file = path.join(config.dataDir, 'alerts.log');
  return {
    file,
    write: (line) => {
      mkdirSync(config.dataDir, { recursive: true });
      appendFileSync(file, `${line}\n`);
    },
  };
}
