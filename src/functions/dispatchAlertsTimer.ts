import { app, type InvocationContext, type Timer } from '@azure/functions';
import { createAlertSinks } from '../dispatch/createAlertSinks.js';
import { dispatchAlerts } from '../dispatch/dispatchAlerts.js';
import { DEFAULT_BOUNCE_RATE_SETTLE_MS } from '../pipeline/processBatch.js';
import { settleBounceRates } from '../store/bounceRateStore.js';
import { settleSoftBounces } from '../store/softBounceStore.js';
import { softBounceRuleOf } from '../config/softBounceSetting.js';
import { StorageMeter } from '../store/storageRetry.js';
import { getLedgerRuntime } from './ledgerRuntime.js';

/**
 * Every minute: deliver every alert whose delivery is due (new ones a crashed instance left behind,
 * and retries after backoff). Throwing here is fine: the next tick tries again.
 */
export async function dispatchAlertsOnTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const { config, tables } = await getLedgerRuntime();
  const meter = new StorageMeter();
  // Bounce-rate windows that became due since their domain's last batch raise their alerts here.
  await settleBounceRates(tables.bounces, tables.alerts, config.bounceRate, { now: new Date(), settleMs: DEFAULT_BOUNCE_RATE_SETTLE_MS }, { policy: tables.retryPolicy, meter });
  // Soft-bounce crossings that settled since their address's last batch, likewise.
  const softRule = softBounceRuleOf(config.softBounce);
  const io = { policy: tables.retryPolicy, meter };
  if (softRule !== undefined) await settleSoftBounces(tables, softRule, { now: new Date(), settleMs: DEFAULT_BOUNCE_RATE_SETTLE_MS }, io);
  const report = await dispatchAlerts({ tables, sinks: createAlertSinks(config, (line) => context.log(line), undefined, { bounces: tables.bounces, io }), io });
  if (report.delivered + report.retrying + report.failed + report.orphansRemoved > 0) {
    context.log(JSON.stringify({ event: 'ledger.alerts_dispatched', invocationId: context.invocationId, ...report, storageRoundTrips: meter.roundTrips }));
  }
}

export const DISPATCH_SCHEDULE = '0 */1 * * * *';

app.timer('dispatchAlerts', { schedule: DISPATCH_SCHEDULE, runOnStartup: false, handler: dispatchAlertsOnTimer });
