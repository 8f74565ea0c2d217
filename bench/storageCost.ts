import type { RunResult } from './scenarios.js';

/**
 * Azure Table Storage list prices used for the cost rows (Standard general-purpose v2, LRS, East US,
 * pay as you go, USD), from https://azure.microsoft.com/pricing/details/storage/tables/. They change
 * and differ by region and redundancy: override with LEDGER_BENCH_PRICE_GB_MONTH and
 * LEDGER_BENCH_PRICE_10K_TRANSACTIONS. An entity group transaction (up to 100 entities of one
 * partition) is billed as one transaction; capacity is billed on the average GB stored per day.
 */
const PRICE_GB_MONTH = Number(process.env['LEDGER_BENCH_PRICE_GB_MONTH'] ?? '0.045');
const PRICE_10K_TRANSACTIONS = Number(process.env['LEDGER_BENCH_PRICE_10K_TRANSACTIONS'] ?? '0.00036');

const GB = 1024 ** 3;
const MILLION = 1_000_000;

/** Markdown rows: rows, GB and dollars per million distinct records, for ours and (when run) the baseline. */
export function costRows(runs: { ours: RunResult; naive: RunResult | undefined }): string[] {
  const lines = [
    `Storage cost per million distinct records (entity sizes by Azure's billing rule, see bench/storedRows.ts; $${PRICE_GB_MONTH}/GB-month and $${PRICE_10K_TRANSACTIONS} per 10,000 transactions, LRS list prices):`,
    '',
    '| what | measured on | rows per million records | billed GB per million records | JSON GB per million records | storage $/month per million records | storage transactions $ per million records (all reads and writes) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [what, r] of [['ours', runs.ours], ['naive function', runs.naive]] as const) {
    if (r?.stored === undefined) continue;
    const perMillion = MILLION / r.distinct;
    const billedGb = (r.stored.billedBytes * perMillion) / GB;
    const jsonGb = (r.stored.jsonBytes * perMillion) / GB;
    const transactions = (r.roundTrips / r.records) * MILLION;
    lines.push(
      `| ${what} | ${r.distinct.toLocaleString('en')} distinct records | ${Math.round(r.stored.rows * perMillion).toLocaleString('en')} | ${billedGb.toFixed(3)} | ${jsonGb.toFixed(3)} | ${(billedGb * PRICE_GB_MONTH).toFixed(4)} | ${((transactions / 10_000) * PRICE_10K_TRANSACTIONS).toFixed(4)} |`,
    );
  }
  if (runs.ours.stored !== undefined) {
    const byTable = Object.entries(runs.ours.stored.byTable).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', ');
    lines.push('', `Ours, rows by table: ${byTable}.`);
  }
  return lines;
}
