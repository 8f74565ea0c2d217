import { readDeadLetters } from '../../api/ledgerReads.js';
import type { StoredDeadLetter } from '../../store/deadLetterStore.js';
import type { LedgerTables } from '../../store/ledgerTables.js';

/** `deadletters`: every rejected record with its reason and origin. */
export function deadLettersCommand(tables: LedgerTables, options: { reason?: string } = {}): Promise<StoredDeadLetter[]> {
  return readDeadLetters(tables, options);
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
