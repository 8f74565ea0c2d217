import { listDeadLetters, type StoredDeadLetter } from '../../store/deadLetterStore.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { StorageMeter } from '../../store/storageRetry.js';

/** `deadletters`: every rejected record with its reason and origin. */
export async function deadLettersCommand(tables: LedgerTables, options: { reason?: string } = {}): Promise<StoredDeadLetter[]> {
  const letters: StoredDeadLetter[] = [];
  for await (const letter of listDeadLetters(tables.deadLetters, { policy: tables.retryPolicy, meter: new StorageMeter() })) {
    if (options.reason === undefined || letter.reasonCode === options.reason) letters.push(letter);
  }
  return letters.sort((a, b) => a.location.localeCompare(b.location, 'en', { numeric: true }));
}

/**
 * Two ways a record can be set aside, shown under every listing so nobody looks for one in the other.
 */
export const SET_ASIDE_PATHS = [
  'Dead letters are single records the ledger rejected (bad JSON, a missing field); the rest of their batch was applied.',
  'Whole batches the tables could not take before the retries ran out are parked in blob storage instead:',
  '  npx acs-email-ledger replay --parked   (applies them and removes each once applied)',
].join('\n');

export function renderDeadLetters(letters: readonly StoredDeadLetter[]): string {
  if (letters.length === 0) return `No dead letters.\n\n${SET_ASIDE_PATHS}`;
  const lines = [`${letters.length} dead letter(s):`];
  for (const l of letters) {
    lines.push('', `${l.location}  [${l.reasonCode}]${l.category ? ` ${l.category}` : ''}`, `  ${l.reason}`);
    const raw = l.raw.length > 200 ? `${l.raw.slice(0, 200)}…` : l.raw;
    lines.push(`  raw (${l.rawLength} chars${l.truncated ? ', stored truncated' : ''}): ${raw.replace(/\s+/g, ' ')}`);
  }
  lines.push('', SET_ASIDE_PATHS);
  return lines.join('\n');
}
