import { assert, type Json, type JsonObject } from './json.js';
import { type Generator, type Item, type Outcome } from './model.js';
import { envelope } from './envelope.js';
import { type Special } from './specials.js';
import { SECOND, MINUTE, type TimeFormat } from './time.js';
import { CAT_STATUS, type Sender } from './vocabulary.js';

// ---------------------------------------------------------------------------------------------------
// Delivery status updates, one or more per recipient

function hardBounceValue(gen: Generator, value: boolean): Json {
  const r = gen.rng.float();
  if (r < 0.7) return value;
  if (r < 0.85) return value ? 'true' : 'false';
  if (r < 0.93) return value ? 'True' : 'False';
  return value ? 'TRUE' : 'FALSE';
}

export function statusRecord(gen: Generator, options: {
  ticks: number;
  messageId: string;
  sender: Sender;
  username: string;
  recipient: string;
  status: string;
  hard: boolean;
  smtp?: { smtp: string; enhanced: string; reason?: string; message?: string };
  emptyFailureFields?: boolean;
  plain?: boolean;
  format?: TimeFormat;
}): JsonObject {
  const p: JsonObject = {
    OperationType: 'DeliveryStatusUpdate',
    OperationCategory: CAT_STATUS,
    RecipientId: options.recipient,
    DeliveryStatus: options.status,
  };
  if (options.smtp) {
    p['SmtpStatusCode'] = options.smtp.smtp;
    p['EnhancedSmtpStatusCode'] = options.smtp.enhanced;
    if (options.smtp.reason !== undefined) p['FailureReason'] = options.smtp.reason;
    if (options.smtp.message !== undefined) p['FailureMessage'] = options.smtp.message;
  }
  if (options.emptyFailureFields) {
    if (!options.smtp) {
      p['SmtpStatusCode'] = '';
      p['EnhancedSmtpStatusCode'] = '';
    }
    p['FailureReason'] = '';
    p['FailureMessage'] = '';
  }
  p['SenderDomain'] = options.sender.domain;
  p['SenderUsername'] = options.username;
  p['IsHardBounce'] = options.plain ? options.hard : hardBounceValue(gen, options.hard);
  return envelope(gen, {
    ticks: options.ticks,
    category: CAT_STATUS,
    operationName: 'DeliveryStatusUpdate',
    operationVersion: '1.0',
    correlationId: options.messageId,
    properties: p,
    withLocation: true,
    ...(options.plain === undefined ? {} : { plain: options.plain }),
    ...(options.format === undefined ? {} : { format: options.format }),
  });
}

function outcomeFor(gen: Generator, address: string, sendTicks: number, statusTicks: number): Outcome {
  if (gen.bounceCode.has(address)) {
    const bounced = gen.bouncedAt.get(address);
    if (bounced !== undefined && bounced < sendTicks) return 'Suppressed';
    if (bounced === undefined) gen.bouncedAt.set(address, statusTicks);
    return 'Bounced';
  }
  if (gen.fullMailboxes.includes(address)) return gen.rng.chance(0.85) ? 'Failed' : 'Delivered';
  if (gen.optedOut.includes(address)) return 'SuppressedOptOut';
  return gen.rng.weighted<Outcome>([
    ['Delivered', 0.976],
    ['Quarantined', 0.013],
    ['FilteredSpam', 0.011],
  ]);
}

/** The status records of one recipient; deliveredTicks is set only when its mail was plainly delivered (no special case). */
export function recipientStatuses(
  gen: Generator,
  message: { messageId: string; sender: Sender; username: string; special: Special | undefined; sendTicks: number; outTicks: number },
  address: string,
): { items: Item[]; deliveredTicks: number | undefined } {
  const rng = gen.rng;
  const { messageId, sender, username, special, sendTicks, outTicks } = message;
  let deliveredTicks: number | undefined;
  const statusItems: Item[] = [];
  const statusTicks = outTicks + rng.int(2 * SECOND, 40 * SECOND) + (rng.chance(0.05) ? rng.int(2 * MINUTE, 30 * MINUTE) : 0);
  const outcome: Outcome =
    special?.address === address && special.outcome !== undefined ? special.outcome : outcomeFor(gen, address, sendTicks, statusTicks);
  const addStatus = (record: JsonObject, ticks: number): Item => {
    const item = gen.add({ kind: 'valid', value: record, arrival: ticks + gen.latency() });
    statusItems.push(item);
    return item;
  };
  const base = { messageId, sender, username, recipient: address };
  switch (outcome) {
    case 'Delivered':
      addStatus(
        statusRecord(gen, { ...base, ticks: statusTicks, status: 'Delivered', hard: false, smtp: { smtp: '250', enhanced: '2.6.0' }, emptyFailureFields: rng.chance(0.25) }),
        statusTicks,
      );
      deliveredTicks = statusTicks;
      break;
    case 'Bounced': {
      const code = gen.bounceCode.get(address);
      assert(code, `no bounce code for ${address}`);
      addStatus(
        statusRecord(gen, { ...base, ticks: statusTicks, status: 'Bounced', hard: true, smtp: { smtp: code.smtp, enhanced: code.enhanced, reason: code.reason, message: code.message(address) } }),
        statusTicks,
      );
      break;
    }
    case 'Suppressed':
    case 'SuppressedOptOut': {
      const ticks = outTicks + rng.int(1_000_000, 10_000_000);
      addStatus(statusRecord(gen, { ...base, ticks, status: 'Suppressed', hard: outcome === 'Suppressed' }), ticks);
      break;
    }
    case 'Failed': {
      const message = rng.pick([
        '552 5.2.2 Mailbox full',
        `552 5.2.2 <${address}>: Mailbox full: quota exceeded`,
        "552 5.2.2 The recipient's inbox is out of storage space.",
      ]);
      addStatus(
        statusRecord(gen, { ...base, ticks: statusTicks, status: 'Failed', hard: false, smtp: { smtp: '552', enhanced: '5.2.2', reason: 'DestinationMailboxFull', message } }),
        statusTicks,
      );
      break;
    }
    case 'Quarantined':
      addStatus(
        statusRecord(gen, {
          ...base,
          ticks: statusTicks,
          status: 'Quarantined',
          hard: false,
          smtp: { smtp: '250', enhanced: '2.6.0', reason: 'MessageQuarantined', message: "Message accepted and held in the recipient's quarantine" },
        }),
        statusTicks,
      );
      break;
    case 'FilteredSpam':
      addStatus(
        statusRecord(gen, {
          ...base,
          ticks: statusTicks,
          status: 'FilteredSpam',
          hard: false,
          smtp: { smtp: '550', enhanced: '5.7.1', reason: 'SpamFiltered', message: '550 5.7.1 Message rejected as spam by Content Filtering.' },
        }),
        statusTicks,
      );
      break;
    case 'SupersedeNatural':
    case 'SupersedeReversed': {
      const later = statusTicks + (outcome === 'SupersedeNatural' ? 95 : 130) * MINUTE + rng.int(0, SECOND);
      const deliveredRecord = statusRecord(gen, { ...base, ticks: statusTicks, status: 'Delivered', hard: false, smtp: { smtp: '250', enhanced: '2.6.0' }, plain: true });
      const bouncedRecord = statusRecord(gen, {
        ...base,
        ticks: later,
        status: 'Bounced',
        hard: true,
        smtp: { smtp: '550', enhanced: '5.1.1', reason: 'BadDestinationMailboxAddress', message: `550 5.1.1 <${address}>: Recipient address rejected: User unknown` },
        plain: true,
      });
      const label = outcome === 'SupersedeNatural' ? 'supersede-in-order' : 'supersede-reversed';
      if (outcome === 'SupersedeNatural') {
        gen.add({ kind: 'valid', value: deliveredRecord, arrival: statusTicks + 2 * MINUTE, forced: 'archive', label, noDuplicate: true });
        gen.add({ kind: 'valid', value: bouncedRecord, arrival: later + 3 * MINUTE, forced: 'archive', label, noDuplicate: true });
      } else {
        gen.add({ kind: 'valid', value: bouncedRecord, arrival: later + 2 * MINUTE, forced: 'archive', label, noDuplicate: true });
        gen.add({ kind: 'valid', value: deliveredRecord, arrival: later + 20 * MINUTE, forced: 'archive', label, noDuplicate: true });
      }
      gen.specialCases.push({
        label,
        messageId,
        recipient: address,
        description:
          outcome === 'SupersedeNatural'
            ? 'Delivered (250 2.6.0), then an asynchronous Bounced (550 5.1.1, IsHardBounce true) 95 min later. Both in archive/PT1H.json, in time order. Final status: Bounced.'
            : 'Delivered (250 2.6.0), then an asynchronous Bounced (550 5.1.1, IsHardBounce true) 130 min later, but the Delivered record was held up in the pipeline: in archive/PT1H.json the Bounced line comes BEFORE the older Delivered line. Final status by time: Bounced.',
        times: { Delivered: deliveredRecord['time'] as string, Bounced: bouncedRecord['time'] as string },
      });
      break;
    }
    case 'Tie': {
      const bouncedRecord = statusRecord(gen, {
        ...base,
        ticks: statusTicks,
        status: 'Bounced',
        hard: true,
        smtp: { smtp: '550', enhanced: '5.1.1', reason: 'BadDestinationMailboxAddress', message: `550 5.1.1 <${address}>: Recipient address rejected: User unknown` },
        plain: true,
      });
      const deliveredRecord = statusRecord(gen, { ...base, ticks: statusTicks, status: 'Delivered', hard: false, smtp: { smtp: '250', enhanced: '2.6.0' }, plain: true });
      gen.add({ kind: 'valid', value: bouncedRecord, arrival: statusTicks + 90 * SECOND, forced: 'archive', label: 'tie', noDuplicate: true });
      gen.add({ kind: 'valid', value: deliveredRecord, arrival: statusTicks + 90 * SECOND + 1, forced: 'archive', label: 'tie', noDuplicate: true });
      gen.specialCases.push({
        label: 'tie',
        messageId,
        recipient: address,
        description:
          'Two status records for the same recipient with exactly the same time string and different statuses: Bounced (550 5.1.1, IsHardBounce true) and Delivered (250 2.6.0). Adjacent lines in archive/PT1H.json, Bounced first. The final status is whatever the ledger\'s tie rule says; it must not depend on arrival order. The pair counts as a hard bounce either way.',
        times: { Bounced: bouncedRecord['time'] as string, Delivered: deliveredRecord['time'] as string },
      });
      break;
    }
  }
  return { items: statusItems, deliveredTicks };
}
