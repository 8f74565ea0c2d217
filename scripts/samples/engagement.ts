import { type JsonObject } from './json.js';
import { type Generator, type Item } from './model.js';
import { envelope } from './envelope.js';
import { LATE_STATUS, type Special } from './specials.js';
import { SECOND, MINUTE, HOUR } from './time.js';
import { CAT_ENGAGEMENT, USER_AGENTS, type Sender } from './vocabulary.js';

// ---------------------------------------------------------------------------------------------------
// Views and clicks (only for senders whose domain has engagement tracking on, only for delivered mail)

export interface TrackedRecipient {
  readonly address: string;
  readonly statusItems: Item[];
  readonly deliveredTicks: number;
}

function engagementRecord(gen: Generator, options: {
  ticks: number;
  messageId: string;
  recipient: string;
  type: 'View' | 'Click';
  link?: string;
  userAgent: string;
  internetMessageId?: string;
}): JsonObject {
  const p: JsonObject = {
    OperationType: 'UserEngagementUpdate',
    OperationCategory: CAT_ENGAGEMENT,
    RecipientId: options.recipient,
    EngagementType: options.type,
  };
  if (options.link !== undefined) p['EngagementContext'] = options.link;
  p['UserAgent'] = options.userAgent;
  if (options.internetMessageId !== undefined) p['InternetMessageId'] = options.internetMessageId;
  return envelope(gen, {
    ticks: options.ticks,
    category: CAT_ENGAGEMENT,
    operationName: 'UserEngagementUpdate',
    operationVersion: '1.0',
    correlationId: options.messageId,
    properties: p,
    withLocation: true,
  });
}

export function engagementRecords(
  gen: Generator,
  message: { index: number; messageId: string; sender: Sender; special: Special | undefined },
  trackedRecipients: readonly TrackedRecipient[],
): void {
  const rng = gen.rng;
  const { index, messageId, sender, special } = message;
  const internetMessageId = rng.chance(0.5) ? `<${messageId.slice(0, 8)}.${messageId.slice(9, 13)}.${messageId.slice(14, 18)}@${sender.domain}>` : undefined;
  let forcedEngagementDone = false;
  for (const [i, tracked] of trackedRecipients.entries()) {
    const forceHere = special?.engagementBeforeStatusForced === true && i === 0;
    const lateStatusHere = LATE_STATUS.has(index) && i === 0;
    const mustEngage = forceHere || lateStatusHere;
    const viewP = sender.domain === 'mail.example.org' ? 0.5 : 0.35;
    const views = mustEngage ? 2 : rng.chance(viewP) ? rng.weighted<number>([[1, 0.7], [2, 0.2], [3, 0.07], [4, 0.03]]) : 0;
    const clicks =
      mustEngage ? 1 : views > 0 ? (rng.chance(0.38) ? rng.weighted<number>([[1, 0.7], [2, 0.2], [3, 0.1]]) : 0) : rng.chance(0.04) ? 1 : 0;
    if (views === 0 && clicks === 0) continue;
    const agent = rng.pick(USER_AGENTS);
    const otherAgent = rng.chance(0.25) ? rng.pick(USER_AGENTS) : agent;
    const engagementItems: Item[] = [];
    let t = tracked.deliveredTicks + Math.round(30 * SECOND + Math.min(rng.exp(40 * MINUTE), 5 * HOUR));
    const firstTicks = t;
    for (let v = 0; v < views; v++) {
      const record = engagementRecord(gen, { ticks: t, messageId, recipient: tracked.address, type: 'View', userAgent: v === 0 ? agent : otherAgent, ...(internetMessageId ? { internetMessageId } : {}) });
      engagementItems.push(gen.add({ kind: 'valid', value: record, arrival: t + gen.latency() }));
      t += Math.round(10 * SECOND + rng.exp(20 * MINUTE));
    }
    let c = firstTicks + rng.int(5 * SECOND, 10 * MINUTE);
    for (let k = 0; k < clicks; k++) {
      const link = rng.pick(sender.links)(rng);
      const record = engagementRecord(gen, { ticks: c, messageId, recipient: tracked.address, type: 'Click', link, userAgent: agent, ...(internetMessageId ? { internetMessageId } : {}) });
      engagementItems.push(gen.add({ kind: 'valid', value: record, arrival: c + gen.latency() }));
      c += Math.round(3 * SECOND + rng.exp(5 * MINUTE));
    }
    if (forceHere || lateStatusHere) {
      // The status record is held up until after every engagement record has arrived.
      const lastEngagement = Math.max(...engagementItems.map((e) => e.arrival));
      for (const s of tracked.statusItems) s.arrival = lastEngagement + rng.int(5, 20) * MINUTE;
    }
    if (forceHere && !forcedEngagementDone) {
      forcedEngagementDone = true;
      for (const item of [...engagementItems, ...tracked.statusItems]) {
        item.forced = 'archive';
      }
      gen.specialCases.push({
        label: 'engagement-before-status',
        messageId,
        recipient: tracked.address,
        description: `${views} View and ${clicks} Click record(s) for this recipient arrive before its Delivered status record (all in archive/PT1H.json, in that order).`,
      });
    }
  }
}
