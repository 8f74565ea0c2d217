import type { ObservationOrigin } from '../../ingest/ledgerEvent.js';
import { readMessage, type MessageAnswer } from '../../api/ledgerReads.js';
import { LedgerError } from '../../errors.js';
import type { LedgerTables } from '../../store/ledgerTables.js';
import { emptyTimeline, timelineEntries, timelineTruncated, type Timeline } from '../../state/timeline.js';
import { table } from '../output.js';

/** `message <messageId>`: one message's state and its recipients. */
export async function messageCommand(messageId: string, tables: LedgerTables): Promise<MessageAnswer> {
  const view = await readMessage(tables, messageId);
  if (view === null) {
    throw new LedgerError('not_found', `No message with id ${messageId} in the ledger (${tables.description})`, { context: { messageId } });
  }
  return view;
}

export function renderMessage(view: MessageAnswer): string {
  const m = view.message;
  const lines = [`Message ${view.messageId}`];
  if (m === null) {
    lines.push('  (no message-level record yet: only recipient records have arrived)');
  } else {
    lines.push(
      `  sender:      ${m.senderUsername ?? '?'}@${m.senderDomain ?? '?'}`,
      `  sent:        ${m.sendTime ?? '(no SendMail record yet)'}${m.sizeMb === null ? '' : `, ${m.sizeMb} MB`}${m.attachmentsCount ? `, ${m.attachmentsCount} attachment(s)` : ''}`,
      `  recipients:  to ${m.toRecipientsCount ?? '?'}, cc ${m.ccRecipientsCount ?? '?'}, bcc ${m.bccRecipientsCount ?? '?'}, unique ${m.uniqueRecipientsCount ?? '?'}`,
      `  status:      ${m.messageStatus ?? '-'}; ${m.complete ? 'complete' : 'in progress'} (${m.finalRecipientCount} final)`,
    );
  }
  lines.push('');
  lines.push(
    table(
      ['recipient', 'status', 'time', 'smtp', 'enhanced', 'hard bounce', 'views', 'clicks'],
      view.recipients.map((r) => [
        r.address,
        r.status ?? '-',
        r.statusTime ?? '',
        r.smtpStatusCode ?? '',
        r.enhancedSmtpStatusCode ?? '',
        r.hardBounce ? 'yes' : '',
        r.views,
        r.clicks,
      ]),
    ),
  );
  for (const r of view.recipients) {
    if (r.failureMessage) lines.push(`  ${r.address}: ${r.failureReason ?? ''} ${r.failureMessage}`.trimEnd());
    if (r.statusOrigins.includes('eventGrid')) {
      const facts = [`reported by ${r.statusOrigins.map(originName).join(' and ')}`, r.mailServerHostName && `mail server ${r.mailServerHostName}`, r.internetMessageId && `Message-ID ${r.internetMessageId}`];
      lines.push(`  ${r.address}: ${facts.filter((f): f is string => typeof f === 'string' && f !== '').join('; ')}`);
    }
  }
  const messageLevel = view.message?.timeline ?? emptyTimeline();
  if (timelineEntries(messageLevel).length > 0) lines.push('', 'Message timeline:', ...timelineLines(messageLevel));
  for (const r of view.recipients) lines.push('', `Timeline of ${r.address}:`, ...timelineLines(r.timeline));
  return lines.join('\n');
}

const originName = (origin: ObservationOrigin): string => (origin === 'logs' ? 'the logs' : 'Event Grid');

/** One line per entry, oldest first: time, what happened, its codes or URL; long text cut to a line. */
export function timelineLines(timeline: Timeline): string[] {
  const lines = timelineEntries(timeline).map((e) => {
    const what = e.kind === 'status' ? (e.status ?? '?') : e.kind === 'engagement' ? `engagement ${e.status ?? '?'}` : e.kind;
    const detail = [e.smtpStatusCode, e.enhancedSmtpStatusCode, e.url, e.failureMessage ?? e.failureReason].filter((v): v is string => v !== null && v !== '');
    const line = `  ${e.time}  ${what}${e.origin === 'eventGrid' ? ' (Event Grid)' : ''}${detail.length > 0 ? `  ${detail.join(' ')}` : ''}`;
    return line.length > 160 ? `${line.slice(0, 159)}…` : line;
  });
  if (lines.length === 0) lines.push('  (no records)');
  if (timelineTruncated(timeline)) lines.push('  (later records are left out of the timeline; the counts include them)');
  return lines;
}
