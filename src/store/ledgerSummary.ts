import { odata } from '@azure/data-tables';
import { listDeadLetters } from './deadLetterStore.js';
import type { LedgerTables } from './ledgerTables.js';
import { fromRecipientRow } from './messageRows.js';
import { listMessages } from './messageQueries.js';
import { MICROS } from '../state/mergeUsage.js';
import { fromUsageTotalRow } from './usageRows.js';
import { StorageMeter, listEntitiesWithRetry, type StorageCallIo } from './storageRetry.js';

/** The configured retry policy of these tables, for the read models' scans (each page retried). */
function scanIo(tables: LedgerTables): StorageCallIo {
  return { policy: tables.retryPolicy, meter: new StorageMeter() };
}

/** Read models for people: the ledger at a glance, usage totals. Whole-table scans: for the CLI. */

export interface DomainSummary {
  readonly senderDomain: string;
  readonly messages: number;
  readonly complete: number;
  readonly statusCounts: Record<string, number>;
}

export interface HardBounceRow {
  readonly messageId: string;
  readonly address: string;
  readonly status: string | null;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly time: string | null;
}

export interface LedgerSummary {
  readonly messages: number;
  readonly domains: readonly DomainSummary[];
  readonly hardBounces: readonly HardBounceRow[];
  readonly deadLetters: { readonly total: number; readonly byReason: Record<string, number> };
}

export async function summarizeLedger(tables: LedgerTables): Promise<LedgerSummary> {
  const domains = new Map<string, { messages: number; complete: number; statusCounts: Record<string, number> }>();
  let messages = 0;
  const io = scanIo(tables);
  for await (const message of listMessages(tables.messages, io)) {
    messages += 1;
    const key = message.senderDomain ?? '(unknown sender)';
    const entry = domains.get(key) ?? { messages: 0, complete: 0, statusCounts: Object.create(null) as Record<string, number> };
    entry.messages += 1;
    entry.complete += Number(message.complete);
    for (const [status, n] of Object.entries(message.statusCounts)) entry.statusCounts[status] = (entry.statusCounts[status] ?? 0) + n;
    domains.set(key, entry);
  }
  const hardBounces: HardBounceRow[] = [];
  const filter = odata`rowType eq ${'recipient'} and hardBounce eq ${true}`;
  for await (const entity of listEntitiesWithRetry(tables.messages, 'list hard bounces', { filter }, io)) {
    const r = fromRecipientRow(entity);
    hardBounces.push({
      messageId: r.messageId,
      address: r.address,
      status: r.status,
      smtpStatusCode: r.smtpStatusCode,
      enhancedSmtpStatusCode: r.enhancedSmtpStatusCode,
      time: r.hardBounceTime,
    });
  }
  hardBounces.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.address.localeCompare(b.address));
  const byReason = Object.create(null) as Record<string, number>;
  let total = 0;
  for await (const letter of listDeadLetters(tables.deadLetters, io)) {
    total += 1;
    byReason[letter.reasonCode] = (byReason[letter.reasonCode] ?? 0) + 1;
  }
  return {
    messages,
    domains: [...domains].map(([senderDomain, d]) => ({ senderDomain, ...d })).sort((a, b) => a.senderDomain.localeCompare(b.senderDomain)),
    hardBounces,
    deadLetters: { total, byReason },
  };
}

export interface UsageRow {
  readonly resourceId: string;
  readonly day: string;
  readonly usageType: string;
  readonly unitType: string;
  readonly quantity: number;
  readonly records: number;
}

export async function listUsage(tables: LedgerTables, options: { since?: string; until?: string } = {}): Promise<UsageRow[]> {
  const rows: UsageRow[] = [];
  const filter = odata`rowType eq ${'usageTotal'}`;
  for await (const entity of listEntitiesWithRetry(tables.usage, 'list usage', { filter }, scanIo(tables))) {
    const total = fromUsageTotalRow(entity);
    if (options.since !== undefined && total.day < options.since) continue;
    if (options.until !== undefined && total.day > options.until) continue;
    rows.push({ ...total, quantity: total.quantityMicros / MICROS });
  }
  return rows.sort((a, b) => a.day.localeCompare(b.day) || a.resourceId.localeCompare(b.resourceId) || a.usageType.localeCompare(b.usageType) || a.unitType.localeCompare(b.unitType));
}
