import { z } from 'zod';
import { csvCell, escapeForTerminal } from '../cli/terminalText.js';
import { compareText } from '../state/deliveryStatus.js';
import type { AlertState } from '../store/alertOutbox.js';
import { getAlertDeliveries, listAlertDeliveries } from '../store/alertDeliveryStore.js';
import { listBounceRecordsPage, type BounceRecord, type BounceRecordPage } from '../store/bounceRegistry.js';
import { listDeadLetters, type StoredDeadLetter } from '../store/deadLetterStore.js';
import type { LedgerTables } from '../store/ledgerTables.js';
import { ALERT_ROW_PREFIX, messagePartitionKey } from '../store/messageRows.js';
import { canonicalMessageId } from '../store/messageQueries.js';
import { readRowsWithPrefix } from '../store/partitionCommit.js';
import { textOf } from '../store/entityFields.js';
import { ALERT_STATES, parseSinceTime, storageIoOf, toAlertListItem, type AlertListItem } from './ledgerReads.js';
import { encodeContinuation } from '../queries/continuation.js';
import { LIST_MAX_LIMIT, listReader, pageOf, type ListPaging } from './listPages.js';
import { boundedText } from './params.js';

/**
 * The ledger's lists, paged (`alerts`, `bounces`, `deadletters` and GET /api/alerts, /bounces,
 * /deadletters). The parameter readers are the CLI flags' parsers too. What a page costs depends on
 * whether storage's key order is the list's order:
 * - bounces: yes (one partition per address), so a page reads limit + 1 rows (readBouncesPage);
 * - alerts and dead letters: no. Their row keys are hashes (the alert id, the dead letter id), so key
 *   order is no order a person wants; their lists keep the order that means something (oldest alert
 *   first, dead letters by origin) and each page reads the whole filtered list and cuts its page
 *   (listPages.ts). Both lists are small next to the messages (an alert per hard bounce, a row per
 *   rejected record); a time- or origin-keyed copy of the rows would make them O(page) too.
 */

// ---- alerts: oldest first (createdAt, id) ----
export interface AlertsFilter {
  readonly state: AlertState | null;
  readonly messageId: string | null;
}

export const alertsListReader = listReader(
  'alerts',
  {
    state: z.enum(ALERT_STATES).optional().describe('only alerts in this state'),
    messageId: boundedText('a message id', 256).optional().describe("only this message's alerts (hard bounces)"),
  },
  2,
  (v): AlertsFilter & { hashParts: (string | null)[] } => {
    const messageId = v.messageId === undefined ? null : canonicalMessageId(v.messageId);
    return { state: v.state ?? null, messageId, hashParts: [v.state ?? null, messageId] };
  },
);

/** Every alert matching, oldest first. One message's alerts are a read of its partition's outbox rows and a point read each. */
export async function readAlertList(tables: LedgerTables, filter: AlertsFilter): Promise<AlertListItem[]> {
  const io = storageIoOf(tables);
  const deliveries =
    filter.messageId === null
      ? await listAlertDeliveries(tables.alerts, io, filter.state === null ? {} : { states: [filter.state] })
      : await getAlertDeliveries(tables.alerts, await outboxAlertIds(tables, filter.messageId), io);
  return deliveries
    .filter((d) => filter.state === null || d.state === filter.state)
    .map(toAlertListItem)
    .sort((a, b) => compareText(a.createdAt, b.createdAt) || compareText(a.id, b.id));
}

async function outboxAlertIds(tables: LedgerTables, messageId: string): Promise<string[]> {
  const rows = await readRowsWithPrefix(tables.messages, messagePartitionKey(messageId), ALERT_ROW_PREFIX, storageIoOf(tables), { messageId });
  return rows.flatMap((row) => {
    const id = textOf(row.properties, 'alertId');
    return id === null ? [] : [id];
  });
}

export async function readAlertsPage(tables: LedgerTables, filter: AlertsFilter, paging: ListPaging): Promise<{ alerts: AlertListItem[]; continuation: string | null }> {
  const all = await readAlertList(tables, filter);
  const page = pageOf(all, paging, {
    keyOf: (a) => [a.createdAt, a.id],
    isAfter: (a, [createdAt = '', id = '']) => (compareText(a.createdAt, createdAt) || compareText(a.id, id)) > 0,
  });
  return { alerts: page.items, continuation: page.continuation };
}

// ---- bounces: the registry's key order (the address, lower-cased), read a page at a time ----
export interface BouncesFilter {
  readonly since: string | null;
  /** Lower-cased: addresses containing it. */
  readonly q: string | null;
  readonly format: 'json' | 'csv';
}

const sinceTime = z
  .string()
  .transform((text, ctx) => {
    const iso = parseSinceTime(text);
    if (iso === null) ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time, e.g. 2025-03-14T08:00:00Z' });
    return iso ?? '';
  })
  .optional()
  .describe('only addresses whose last bounce is at or after this time (ISO 8601)');

export const bouncesListReader = listReader(
  'bounces',
  {
    since: sinceTime,
    q: boundedText('text to look for', 320).optional().describe('only addresses containing this text (case-insensitive); storage cannot search text, so a rare one reads on through the registry'),
    format: z.enum(['json', 'csv']).optional().describe('csv: the whole registry (every page) as text/csv, the same as `bounces --csv`'),
  },
  1,
  (v): BouncesFilter & { hashParts: (string | null)[] } => {
    const q = v.q === undefined ? null : v.q.toLowerCase();
    return { since: v.since ?? null, q, format: v.format ?? 'json', hashParts: [v.since ?? null, q] };
  },
);

const bouncePage = (tables: LedgerTables, filter: Pick<BouncesFilter, 'since' | 'q'>, after: string | null, limit: number): Promise<BounceRecordPage> => {
  const q = filter.q;
  return listBounceRecordsPage(
    tables.bounces,
    {
      after,
      limit,
      ...(filter.since === null ? {} : { since: filter.since }),
      ...(q === null ? {} : { matches: (r: BounceRecord) => r.address.toLowerCase().includes(q) }),
    },
    storageIoOf(tables),
  );
};

/**
 * One page in the registry's key order, which storage serves: the page reads its own rows (limit + 1),
 * never the registry. The token is the last partition key given, so records added between pages show
 * up when their address sorts after it, and none is given twice.
 */
export async function readBouncesPage(
  tables: LedgerTables,
  filter: Pick<BouncesFilter, 'since' | 'q'>,
  paging: ListPaging,
): Promise<{ bounces: BounceRecord[]; continuation: string | null }> {
  const page = await bouncePage(tables, filter, paging.after?.[0] ?? null, paging.limit);
  const last = page.records[page.records.length - 1];
  const continuation = page.more && last !== undefined ? encodeContinuation({ queryHash: paging.queryHash, afterKey: JSON.stringify([last.partitionKey]), window: null }) : null;
  return { bounces: page.records.map((r) => r.record), continuation };
}

/** Every matching record (`bounces --csv`, format=csv): the same pages walked to the end, in the same order. */
export async function readBounceList(tables: LedgerTables, filter: Pick<BouncesFilter, 'since' | 'q'>): Promise<BounceRecord[]> {
  const out: BounceRecord[] = [];
  for (let after: string | null = null; ; ) {
    const page = await bouncePage(tables, filter, after, LIST_MAX_LIMIT);
    out.push(...page.records.map((r) => r.record));
    const last = page.records[page.records.length - 1];
    if (!page.more || last === undefined) return out;
    after = last.partitionKey;
  }
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

/**
 * The exact bytes `bounces --csv` prints (human output shows terminal controls escaped and ends the
 * line), which GET /api/bounces?format=csv answers too: a download equals the command's output.
 */
export const bouncesCsvText = (records: readonly BounceRecord[]): string => `${escapeForTerminal(bouncesCsv(records))}\n`;

// ---- dead letters: in the order of their origin (location, numeric-aware), then id ----
export interface DeadLettersFilter {
  readonly reason: string | null;
}

export const deadLettersListReader = listReader(
  'deadletters',
  { reason: boundedText('a reason code', 100).optional().describe('only this reason code, e.g. missing_correlation_id') },
  2,
  (v): DeadLettersFilter & { hashParts: (string | null)[] } => ({ reason: v.reason ?? null, hashParts: [v.reason ?? null] }),
);

const byOrigin = new Intl.Collator('en', { numeric: true });
const compareLetters = (a: StoredDeadLetter, b: StoredDeadLetter): number => byOrigin.compare(a.location, b.location) || compareText(a.id, b.id);

export async function readDeadLetterList(tables: LedgerTables, filter: DeadLettersFilter): Promise<StoredDeadLetter[]> {
  const letters: StoredDeadLetter[] = [];
  for await (const letter of listDeadLetters(tables.deadLetters, storageIoOf(tables))) {
    if (filter.reason === null || letter.reasonCode === filter.reason) letters.push(letter);
  }
  return letters.sort(compareLetters);
}

export async function readDeadLettersPage(
  tables: LedgerTables,
  filter: DeadLettersFilter,
  paging: ListPaging,
): Promise<{ deadLetters: StoredDeadLetter[]; continuation: string | null }> {
  const all = await readDeadLetterList(tables, filter);
  const page = pageOf(all, paging, {
    keyOf: (l) => [l.location, l.id],
    isAfter: (l, [location = '', id = '']) => (byOrigin.compare(l.location, location) || compareText(l.id, id)) > 0,
    // The id names the position exactly, also when a very long location was cut to fit the token.
    indexOf: ([, id]) => all.findIndex((l) => l.id === id),
  });
  return { deadLetters: page.items, continuation: page.continuation };
}
