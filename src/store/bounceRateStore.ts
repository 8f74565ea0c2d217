import { odata, type TableClient } from '@azure/data-tables';
import type { BounceRateAlert } from '../alerts/alert.js';
import {
  bounceRateAlertId,
  buildBounceRateAlert,
  evaluateBounceRate,
  windowHours,
  type RateBucket,
  type RateLevel,
  type RateThresholds,
} from '../alerts/bounceRate.js';
import { writeAlertIntent } from './alertOutbox.js';
import { commitPartition, readRows, type RowWrite, type StorageIo } from './partitionCommit.js';
import { withStorageRetry } from './storageRetry.js';
import { numberOf, textOf } from './entityFields.js';
import { encodeKey } from './tableKeys.js';

/**
 * Guardrail storage, in the bounces table:
 *   PK "rate|<domain>|<hour>"  row "count": sends and hard bounces of that hour, plus one
 *                              "s|…"/"b|…" row per counted (message, recipient): each counted once
 *   PK "ratestate|<domain>"    row "state": the level last reported, plus one outbox row per
 *                              bounce-rate alert, committed with the level change
 */
export interface RateContribution {
  readonly senderDomain: string;
  readonly hour: string;
  readonly kind: 'send' | 'bounce';
  readonly messageId: string;
  readonly recipient: string;
}

const COUNT_ROW = 'count';
const STATE_ROW = 'state';
const CONTRIBUTIONS_PER_COMMIT = 90;
const MAX_EVALUATION_ROUNDS = 5;

const ratePartitionKey = (domain: string, hour: string): string => `rate|${encodeKey(domain.toLowerCase())}|${hour}`;
const stateParitionKey = (domain: string): string => `ratestate|${encodeKey(domain.toLowerCase())}`;
const contributionRowKey = (c: RateContribution): string =>
  `${c.kind === 'send' ? 's' : 'b'}|${encodeKey(c.messageId)}|${encodeKey(c.recipient)}`;

/** Adds contributions to their hourly counters, each (kind, message, recipient) once. */
export async function recordRateContributions(bounces: TableClient, contributions: readonly RateContribution[], io: StorageIo): Promise<void> {
  const byPartition = new Map<string, RateContribution[]>();
  for (const c of contributions) {
    const key = ratePartitionKey(c.senderDomain, c.hour);
    byPartition.set(key, [...(byPartition.get(key) ?? []), c]);
  }
  for (const [partitionKey, all] of byPartition) {
    const first = all[0];
    for (let i = 0; i < all.length; i += CONTRIBUTIONS_PER_COMMIT) {
      const chunk = all.slice(i, i + CONTRIBUTIONS_PER_COMMIT);
      await commitPartition(
        bounces,
        partitionKey,
        [COUNT_ROW, ...chunk.map(contributionRowKey)],
        (rows) => {
          const fresh = chunk.filter((c) => !rows.has(contributionRowKey(c)));
          if (fresh.length === 0) return { writes: [], result: undefined };
          const count = rows.get(COUNT_ROW)?.properties ?? {};
          const [sends, hardBounces] = [numberOf(count, 'sends') ?? 0, numberOf(count, 'hardBounces') ?? 0];
          const writes: RowWrite[] = [
            {
              rowKey: COUNT_ROW,
              properties: {
                rowType: 'rateCount',
                senderDomain: first?.senderDomain.toLowerCase() ?? '',
                hour: first?.hour ?? '',
                sends: sends + fresh.filter((c) => c.kind === 'send').length,
                hardBounces: hardBounces + fresh.filter((c) => c.kind === 'bounce').length,
              },
            },
            ...fresh.map((c) => ({ rowKey: contributionRowKey(c), properties: { rowType: 'rateContribution', kind: c.kind } })),
          ];
          return { writes, result: undefined };
        },
        io,
        { ratePartition: partitionKey },
      );
    }
  }
}

/**
 * Re-evaluates one domain's rate over the window ending at `windowEndHour` (or at the newest window
 * already evaluated, if later: a partition running behind must not re-arm the guardrail with old data)
 * and, on a crossing, commits the new level together with the alert's outbox row (after writing the
 * alert's delivery row). A crossing already alerted for the same window hour is not alerted again.
 */
export async function evaluateDomainRate(
  bounces: TableClient,
  alerts: TableClient,
  senderDomain: string,
  windowEndHour: string,
  thresholds: RateThresholds,
  io: StorageIo,
  now: Date,
): Promise<BounceRateAlert | null> {
  const domain = senderDomain.toLowerCase();
  const partitionKey = stateParitionKey(domain);
  for (let round = 1; round <= MAX_EVALUATION_ROUNDS; round += 1) {
    const stored = (await readRows(bounces, partitionKey, [STATE_ROW], io, { senderDomain: domain })).get(STATE_ROW);
    const storedEnd = stored === undefined ? '' : (textOf(stored.properties, 'windowEnd') ?? '');
    const windowEnd = storedEnd > windowEndHour ? storedEnd : windowEndHour;
    const buckets = await readBuckets(bounces, domain, windowEnd, thresholds.windowHours, io);
    const outboxKeys = (['warning', 'critical'] as const).map((level) => `a|${bounceRateAlertId(domain, level, windowEnd)}`);
    const outcome = await commitPartition<{ stale: boolean; alert: BounceRateAlert | null }>(
      bounces,
      partitionKey,
      [STATE_ROW, ...outboxKeys],
      (rows) => {
        // Someone evaluated since we read the buckets: ours may be older data. Read again.
        if (rows.get(STATE_ROW)?.etag !== stored?.etag) return { writes: [], result: { stale: true, alert: null } };
        const state = rows.get(STATE_ROW)?.properties;
        const previous = (state?.['level'] as RateLevel | undefined) ?? 'ok';
        const evaluation = evaluateBounceRate(buckets, windowEnd, thresholds, previous);
        const stateRow: RowWrite = {
          rowKey: STATE_ROW,
          properties: {
            rowType: 'rateState',
            senderDomain: domain,
            level: evaluation.level,
            windowEnd: evaluation.windowEnd,
            sends: evaluation.sends,
            hardBounces: evaluation.hardBounces,
            rate: evaluation.rate,
          },
        };
        if (evaluation.crossed === null) {
          const unchanged = evaluation.level === previous && state?.['windowEnd'] === windowEnd && state['sends'] === evaluation.sends;
          return { writes: unchanged ? [] : [stateRow], result: { stale: false, alert: null } };
        }
        const alert = buildBounceRateAlert(domain, { ...evaluation, crossed: evaluation.crossed }, thresholds, now);
        const outboxKey = `a|${alert.id}`;
        if (rows.has(outboxKey)) return { writes: [stateRow], result: { stale: false, alert: null } };
        return {
          writes: [stateRow, { rowKey: outboxKey, properties: { rowType: 'alert', alertId: alert.id, alert: JSON.stringify(alert) } }],
          result: { stale: false, alert },
          beforeCommit: () => writeAlertIntent(alerts, alert, { table: 'bounces', partitionKey, rowKey: outboxKey }, io, now),
        };
      },
      io,
      { senderDomain: domain },
    );
    if (outcome.stale) continue;
    if (outcome.alert !== null) {
      // Again after the commit (create-only): restores the delivery row if it was taken for an orphan.
      await writeAlertIntent(alerts, outcome.alert, { table: 'bounces', partitionKey, rowKey: `a|${outcome.alert.id}` }, io, now);
    }
    return outcome.alert;
  }
  // Other instances kept evaluating this domain meanwhile and their evaluations stand; the guardrail
  // is advisory, and the domain's next batch evaluates again with all counters.
  return null;
}

async function readBuckets(bounces: TableClient, domain: string, windowEndHour: string, hours: number, io: StorageIo): Promise<RateBucket[]> {
  const window = windowHours(windowEndHour, hours);
  const from = ratePartitionKey(domain, window[0] ?? windowEndHour);
  const to = ratePartitionKey(domain, windowEndHour);
  return withStorageRetry(
    'read rate buckets',
    async (abortSignal) => {
      const buckets: RateBucket[] = [];
      const filter = odata`PartitionKey ge ${from} and PartitionKey le ${to} and RowKey eq ${COUNT_ROW}`;
      for await (const e of bounces.listEntities<Record<string, unknown>>({ queryOptions: { filter }, abortSignal })) {
        buckets.push({ hour: textOf(e, 'hour') ?? '', sends: numberOf(e, 'sends') ?? 0, hardBounces: numberOf(e, 'hardBounces') ?? 0 });
      }
      return buckets;
    },
    { ...io, context: { senderDomain: domain } },
  );
}
