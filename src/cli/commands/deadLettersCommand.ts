import type { ListPaging } from '../../api/listPages.js';
import { deadLettersListReader, readDeadLettersPage, type DeadLettersFilter } from '../../api/listReads.js';
import type { StoredDeadLetter } from '../../store/deadLetterStore.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { listQueryOf, nextListPage } from './listFlags.js';

export interface DeadLettersPage {
  readonly deadLetters: StoredDeadLetter[];
  readonly continuation: string | null;
}

/** The flags of `deadletters`, as GET /api/deadletters reads its parameters. */
export const deadLettersQueryOf = (opts: { reason?: string; limit?: string; continuation?: string }): { filters: DeadLettersFilter; paging: ListPaging } =>
  listQueryOf(deadLettersListReader, { reason: opts.reason, limit: opts.limit, continuation: opts.continuation });

/** `deadletters`: one page of the rejected records with their reason and origin. */
export function deadLettersCommand(tables: LedgerTables, query: { filters: DeadLettersFilter; paging: ListPaging }): Promise<DeadLettersPage> {
  return readDeadLettersPage(tables, query.filters, query.paging);
}

/**
 * Two ways a record can be set aside, shown under every listing so nobody looks for one in the other.
 */
export const SET_ASIDE_PATHS = [
  'Dead letters are single records the ledger rejected (bad JSON, a missing field); the rest of their batch was applied.',
  'Whole batches the tables could not take before the retries ran out are parked in blob storage instead:',
  '  npx acs-email-ledger replay --parked   (applies them and removes each once applied)',
].join('\n');

export function renderDeadLetters(page: DeadLettersPage, opts: Readonly<Record<string, unknown>> = {}): string {
  const letters = page.deadLetters;
  if (letters.length === 0) return `No dead letters.\n\n${SET_ASIDE_PATHS}`;
  const lines = [`${letters.length} dead letter(s)${page.continuation === null ? '' : ' on this page'}:`];
  for (const l of letters) {
    lines.push('', `${l.location}  [${l.reasonCode}]${l.category ? ` ${l.category}` : ''}`, `  ${l.reason}`);
    const raw = l.raw.length > 200 ? `${l.raw.slice(0, 200)}…` : l.raw;
    lines.push(`  raw (${l.rawLength} chars${l.truncated ? ', stored truncated' : ''}): ${raw.replace(/\s+/g, ' ')}`);
  }
  lines.push(...nextListPage('deadletters', opts, ['reason', 'limit'], page.continuation));
  lines.push('', SET_ASIDE_PATHS);
  return lines.join('\n');
}
