import type { LedgerConfig } from '../../config.js';
import { parseClicksQuery, parseFailuresQuery, parseGuardrailQuery } from '../../queries/aggregateParams.js';
import { clicksInWindow, failuresInWindow } from '../../queries/aggregates.js';
import type { ClicksDocument, FailuresDocument, GuardrailDocument } from '../../queries/documents.js';
import { guardrailLevels } from '../../queries/guardrail.js';
import { QUERY_PARAMS } from '../../queries/queryParams.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { table } from '../output.js';
import { ioOf, paramsOf, percent, queryOrUsage, usageOnParamError } from './queryFlags.js';

/** `failures`, `clicks`, `guardrail`: the same query functions as GET /api/failures, /api/clicks, /api/guardrail. */
type Ledger = { readonly config: LedgerConfig; readonly tables: LedgerTables };
type Opts = Readonly<Record<string, unknown>>;

export function failuresCommand(ledger: Ledger, opts: Opts, now: Date): Promise<FailuresDocument> {
  const query = queryOrUsage(parseFailuresQuery(paramsOf(opts, QUERY_PARAMS.failures), now));
  return usageOnParamError(() => failuresInWindow(ledger.tables.index, query, ledger.config.providers, ioOf(ledger.tables)));
}

export function clicksCommand(ledger: Ledger, opts: Opts, now: Date): Promise<ClicksDocument> {
  const query = queryOrUsage(parseClicksQuery(paramsOf(opts, QUERY_PARAMS.clicks), now));
  return usageOnParamError(() => clicksInWindow(ledger.tables.index, query, ioOf(ledger.tables)));
}

export function guardrailCommand(ledger: Ledger, opts: Opts, now: Date): Promise<GuardrailDocument> {
  const query = queryOrUsage(parseGuardrailQuery(paramsOf(opts, QUERY_PARAMS.guardrail), now));
  return guardrailLevels(ledger.tables.bounces, query, ledger.config.bounceRate, ioOf(ledger.tables));
}

export function renderFailures(doc: FailuresDocument): string {
  const head = `Failures ${doc.from} to ${doc.to}: ${doc.totalFailed} recipients failed (${doc.rowsRead} sum rows read)`;
  if (doc.failures.length === 0) return `${head}.`;
  const rows = doc.failures.map((f) => [f.recipients, f.status, f.smtpStatusCode ?? '', f.enhancedSmtpStatusCode ?? '', f.failureReason ?? '', f.failure]);
  return [`${head}:`, '', table(['recipients', 'status', 'smtp', 'enhanced', 'reason', 'failure key (messages --failure)'], rows)].join('\n');
}

export function renderClicks(doc: ClicksDocument): string {
  const head = `Clicked links of messages ${doc.from} to ${doc.to} (${doc.rowsRead} link sum rows read)`;
  if (doc.urls.length === 0) return `${head}: none.`;
  return [`${head}:`, '', table(['clickers', 'link'], doc.urls.map((u) => [u.clickers, u.url]))].join('\n');
}

export function renderGuardrail(doc: GuardrailDocument): string {
  const head = `Bounce-rate guardrail, ${doc.windowHours} h ending with the hour of ${doc.at} (warning ${percent(doc.warning)}, critical ${percent(doc.critical)}, at least ${doc.minSends} sends)`;
  if (doc.domains.length === 0) return `${head}: no sends in the window.`;
  return [`${head}:`, '', table(['sender domain', 'sends', 'hard bounces', 'rate', 'level'], doc.domains.map((d) => [d.senderDomain, d.sends, d.hardBounces, percent(d.rate), d.level]))].join('\n');
}
