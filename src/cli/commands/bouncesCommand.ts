import { readSuppression } from '../../api/ledgerReads.js';
import type { ListPaging } from '../../api/listPages.js';
import { bouncesListReader, readBounceList, readBouncesPage, type BouncesFilter } from '../../api/listReads.js';
import { LedgerError } from '../../errors.js';
import type { BounceRecord, SuppressionAnswer } from '../../store/bounceRegistry.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { table } from '../output.js';
import { listQueryOf, nextListPage } from './listFlags.js';

export { bouncesCsv } from '../../api/listReads.js';

export interface BouncesPage {
  readonly bounces: BounceRecord[];
  readonly continuation: string | null;
}

/** `--search` is the API's `q`. */
const BOUNCES_FLAGS = { q: 'search' } as const;

/** The flags of `bounces`, as GET /api/bounces reads its parameters; --csv exports every page, so it takes no paging flags. */
export function bouncesQueryOf(opts: { since?: string; search?: string; limit?: string; continuation?: string; csv?: boolean }): { filters: BouncesFilter; paging: ListPaging } {
  if (opts.csv === true && (opts.limit !== undefined || opts.continuation !== undefined)) {
    throw new LedgerError('usage', `--${opts.limit !== undefined ? 'limit' : 'continuation'}: does not apply to --csv, which exports every page`);
  }
  return listQueryOf(bouncesListReader, { since: opts.since, search: opts.search, limit: opts.limit, continuation: opts.continuation }, BOUNCES_FLAGS);
}

/** `bounces`: one page of the bounce registry. */
export function bouncesCommand(tables: LedgerTables, query: { filters: BouncesFilter; paging: ListPaging }): Promise<BouncesPage> {
  return readBouncesPage(tables, query.filters, query.paging);
}

/** `bounces --csv`: the whole registry (every page) of the filters. */
export function bouncesExport(tables: LedgerTables, filters: BouncesFilter): Promise<BounceRecord[]> {
  return readBounceList(tables, filters);
}

export function checkCommand(tables: LedgerTables, address: string, now: Date): Promise<SuppressionAnswer> {
  return readSuppression(tables, address, now);
}

export function renderBounces(page: BouncesPage, opts: Readonly<Record<string, unknown>> = {}): string {
  if (page.bounces.length === 0) return 'No hard bounces recorded.';
  const rows = table(
    ['address', 'bounces', 'suppressed', 'last bounce', 'last status', 'code', 'lease until'],
    page.bounces.map((r) => [r.address, r.hardBounces, r.suppressedSends, r.lastBounceAt, r.lastStatus, r.lastEnhancedSmtpStatusCode ?? '', r.lease?.end ?? '']),
  );
  return [rows, ...nextListPage('bounces', opts, ['since', 'search', 'limit'], page.continuation)].join('\n');
}

/** The soft-bounce line of `check`, when the address's current run crossed. */
function softBounceLine(answer: SuppressionAnswer): string[] {
  const s = answer.softBounce;
  if (s?.escalated !== 'soft_bounce') return [];
  return [`${answer.address}: escalated for repeated soft bounces (${s.softFailures} message(s) failed temporarily since ${s.lastDeliveredAt ?? 'the first record'}; crossed ${s.lastEscalatedAt ?? '?'}): treat it like a hard bounce.`];
}

export function renderCheck(answer: SuppressionAnswer): string {
  if (!answer.hardBounced) {
    const soft = softBounceLine(answer);
    return soft.length > 0 ? soft.join('\n') : `${answer.address}: no hard bounce recorded. Sending is fine as far as this ledger knows.`;
  }
  const r = answer.record;
  const lines = [
    `${answer.address}: hard-bounced on ${r?.hardBounces ?? 0} message(s); last ${r?.lastBounceAt ?? '?'} (${[r?.lastStatus, r?.lastEnhancedSmtpStatusCode].filter(Boolean).join(' ')}).`,
    answer.likelySuppressedNow
      ? `ACS is likely suppressing it until about ${answer.suppressedUntil}: sends will be dropped as Suppressed.`
      : `ACS's suppression lease likely ended ${answer.suppressedUntil ?? ''}; the address still bounced: remove it from your list.`,
    ...softBounceLine(answer),
  ];
  return lines.join('\n');
}
