import { odata, type TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import { addHours, evaluateBounceRate, hourOf, type RateBucket, type RateLevel, type RateThresholds } from '../alerts/bounceRate.js';
import { numberOf, textOf } from '../store/entityFields.js';
import { withStorageRetry, type StorageCallIo } from '../store/storageRetry.js';
import type { GuardrailDocument } from './documents.js';
import type { GuardrailQuery } from './aggregateParams.js';

/**
 * `guardrail`: the bounce-rate guardrail's level per sender domain for the window ending at a time,
 * from the guardrail's own counters (src/store/bounceRateStore.ts: partition "rate|<domain>", rows
 * "h|<hour>"), judged by the same function the alerts use (src/alerts/bounceRate.ts). One listing of
 * the domains (their "pending" rows), then per domain one read of the window's hours.
 */
const DOMAIN_CONCURRENCY = 8;
const LEVEL_ORDER: Readonly<Record<RateLevel, number>> = { critical: 0, warning: 1, ok: 2 };

export async function guardrailLevels(bounces: TableClient, query: GuardrailQuery, thresholds: RateThresholds, io: StorageCallIo): Promise<GuardrailDocument> {
  const domains = await listRateDomains(bounces, io);
  const end = hourOf(query.at);
  const start = addHours(end, -(thresholds.windowHours - 1));
  const limit = pLimit(DOMAIN_CONCURRENCY);
  let rowsRead = domains.length;
  const evaluated = await Promise.all(
    domains.map(({ partitionKey, senderDomain }) =>
      limit(async () => {
        const buckets = await readHours(bounces, partitionKey, start, end, io);
        rowsRead += buckets.length;
        const e = evaluateBounceRate(buckets, end, thresholds);
        return { senderDomain, sends: e.sends, hardBounces: e.hardBounces, rate: e.sends === 0 ? null : e.hardBounces / e.sends, level: e.level };
      }),
    ),
  );
  const active = evaluated
    .filter((d) => d.sends > 0 || d.hardBounces > 0)
    .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || (b.rate ?? 0) - (a.rate ?? 0) || (a.senderDomain < b.senderDomain ? -1 : a.senderDomain > b.senderDomain ? 1 : 0));
  return { at: query.at, windowHours: thresholds.windowHours, minSends: thresholds.minSends, warning: thresholds.warning, critical: thresholds.critical, domains: active, rowsRead };
}

/** Every domain the guardrail has counted: each has a "pending" row from its first counter change on. */
async function listRateDomains(bounces: TableClient, io: StorageCallIo): Promise<{ partitionKey: string; senderDomain: string }[]> {
  return withStorageRetry(
    'list guardrail domains',
    async (abortSignal) => {
      const found: { partitionKey: string; senderDomain: string }[] = [];
      const filter = odata`PartitionKey ge ${'rate|'} and PartitionKey lt ${'rate}'} and RowKey eq ${'pending'}`;
      for await (const e of bounces.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['PartitionKey', 'senderDomain'] }, abortSignal })) {
        const senderDomain = textOf(e, 'senderDomain');
        if (senderDomain !== null && e.partitionKey !== undefined) found.push({ partitionKey: e.partitionKey, senderDomain });
      }
      return found;
    },
    { ...io, context: {} },
  );
}

async function readHours(bounces: TableClient, partitionKey: string, from: string, to: string, io: StorageCallIo): Promise<RateBucket[]> {
  return withStorageRetry(
    'read guardrail hours',
    async (abortSignal) => {
      const buckets: RateBucket[] = [];
      const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${`h|${from}`} and RowKey le ${`h|${to}`}`;
      for await (const e of bounces.listEntities<Record<string, unknown>>({ queryOptions: { filter }, abortSignal })) {
        buckets.push({ hour: textOf(e, 'hour') ?? '', sends: numberOf(e, 'sends') ?? 0, hardBounces: numberOf(e, 'hardBounces') ?? 0 });
      }
      return buckets;
    },
    { ...io, context: { partitionKey } },
  );
}
