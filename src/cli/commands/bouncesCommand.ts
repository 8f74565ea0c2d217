import { readBounces, readSuppression } from '../../api/ledgerReads.js';
import type { BounceRecord, SuppressionAnswer } from '../../store/bounceRegistry.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { table } from '../output.js';
import { csvCell } from '../terminalText.js';

/** `bounces`: the bounce registry; `check <address>`: may I still send to it? */
export function bouncesCommand(tables: LedgerTables, options: { since?: string }): Promise<BounceRecord[]> {
  return readBounces(tables, options);
}

export function checkCommand(tables: LedgerTables, address: string, now: Date): Promise<SuppressionAnswer> {
  return readSuppression(tables, address, now);
}

const CSV_COLUMNS = [
  'address', 'hardBounces', 'suppressedSends', 'firstBounceAt', 'lastBounceAt', 'lastMessageId', 'lastStatus',
  'lastSmtpStatusCode', 'lastEnhancedSmtpStatusCode', 'lastFailureReason', 'leaseLevel', 'leaseEnd',
] as const;

/** The registry as CSV, safe to open in a spreadsheet (see csvCell). */
export function bouncesCsv(records: readonly BounceRecord[]): string {
  const rows = records.map((r) =>
    [r.address, r.hardBounces, r.suppressedSends, r.firstBounceAt, r.lastBounceAt, r.lastMessageId, r.lastStatus, r.lastSmtpStatusCode, r.lastEnhancedSmtpStatusCode, r.lastFailureReason, r.lease?.level ?? '', r.lease?.end ?? '']
      .map(csvCell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\n');
}

export function renderBounces(records: readonly BounceRecord[]): string {
  if (records.length === 0) return 'No hard bounces recorded.';
  return table(
    ['address', 'bounces', 'suppressed', 'last bounce', 'last status', 'code', 'lease until'],
    records.map((r) => [r.address, r.hardBounces, r.suppressedSends, r.lastBounceAt, r.lastStatus, r.lastEnhancedSmtpStatusCode ?? '', r.lease?.end ?? '']),
  );
}

export function renderCheck(answer: SuppressionAnswer): string {
  if (!answer.hardBounced) return `${answer.address}: no hard bounce recorded. Sending is fine as far as this ledger knows.`;
  const r = answer.record;
  const lines = [
    `${answer.address}: hard-bounced on ${r?.hardBounces ?? 0} message(s); last ${r?.lastBounceAt ?? '?'} (${[r?.lastStatus, r?.lastEnhancedSmtpStatusCode].filter(Boolean).join(' ')}).`,
    answer.likelySuppressedNow
      ? `ACS is likely suppressing it until about ${answer.suppressedUntil}: sends will be dropped as Suppressed.`
      : `ACS's suppression lease likely ended ${answer.suppressedUntil ?? ''}; the address still bounced: remove it from your list.`,
  ];
  return lines.join('\n');
}
