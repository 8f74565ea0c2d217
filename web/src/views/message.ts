/**
 * `#/message/<id>`: one message. The SendMail facts, every recipient with its final status and its
 * timeline of status and engagement records, the message-level timeline, and the message's alerts with
 * their state per sink. Two calls in parallel: the message and one page of its alerts.
 */
import { apiPath, getJson, getJsonOrNull } from '../api.js';
import { el } from '../dom.js';
import { hrefOf, type Route } from '../route.js';
import { timeEl } from '../time.js';
import type { AlertEntry, AlertList, MessageDocument, RecipientDocument } from '../types.js';
import { emptyNote, heading, pager, row, table, type View } from '../view.js';
import { codes, facts, messageLink, recipientLink, statusBadge, timelineTable } from './ledgerBits.js';

const ALERTS_PAGE = 'alerts-continuation';

function sendFacts(doc: MessageDocument): HTMLElement {
  const m = doc.message;
  if (m === null) return emptyNote('No SendMail or message-level record of this message has arrived yet, only recipient records: the facts below are what they say.');
  const sender = [m.senderUsername, m.senderDomain].filter((p) => p !== null).join('@');
  const counts = (to: number | null, cc: number | null, bcc: number | null): string => `to ${to ?? '—'}, cc ${cc ?? '—'}, bcc ${bcc ?? '—'}`;
  return facts('message', [
    ['Message id', doc.messageId],
    ['Sender', sender],
    ['Sender domain', m.senderDomain],
    ['Sent', timeEl(m.sendTime)],
    ['Size', m.sizeMb === null ? null : `${m.sizeMb.toLocaleString(undefined, { maximumFractionDigits: 5 })} MB`],
    ['Recipients (SendMail)', counts(m.toRecipientsCount, m.ccRecipientsCount, m.bccRecipientsCount)],
    ['Unique recipients', m.uniqueRecipientsCount],
    ['Attachments', m.attachmentsCount],
    ['Traffic source', m.trafficSource],
    ['Message status', m.messageStatus === null ? null : el('span', null, statusBadge(m.messageStatus), ' ', timeEl(m.messageStatusTime))],
    ['Recipients in the ledger', `${m.recipientCount} (${m.finalRecipientCount} final, ${m.hardBounceCount} hard bounced)`],
    ['Statuses', Object.entries(m.statusCounts).map(([s, n]) => `${s} ${n}`).join(', ')],
    ['Complete', m.complete ? 'yes: every unique recipient has a final status' : 'no: some recipients have no final status yet'],
    ['First record', timeEl(m.firstRecordTime)],
    ['Records applied', m.appliedRecords],
    ['Resource', m.resourceId],
  ]);
}

function recipientsTable(recipients: readonly RecipientDocument[]): HTMLElement {
  if (recipients.length === 0) return emptyNote('No recipient record of this message has arrived yet. Status records usually follow the SendMail record within minutes.');
  const rows = recipients.map((r) =>
    row(
      recipientLink(r.address),
      statusBadge(r.status),
      timeEl(r.statusTime),
      codes(r.smtpStatusCode, r.enhancedSmtpStatusCode),
      r.failureReason,
      r.failureMessage,
      r.hardBounce ? 'yes' : 'no',
      reportedBy(r),
      `${r.views} / ${r.clicks}`,
      timeEl(r.lastEngagementTime),
    ),
  );
  return table('recipients', ['Recipient', 'Final status', 'Status time', 'SMTP', 'Failure reason', 'Failure message', 'Hard bounce', 'Reported by', 'Views / clicks', 'Last engagement'], rows);
}

/** Which sources reported the status, and what only Event Grid says (the receiving server, the Message-ID). */
function reportedBy(r: RecipientDocument): HTMLElement {
  const sources = r.statusOrigins.map((o) => (o === 'logs' ? 'logs' : 'Event Grid')).join(' + ');
  const extra = [r.mailServerHostName, r.internetMessageId].filter((v): v is string => v !== null);
  return el('span', { 'data-reported-by': r.statusOrigins.join(' ') }, sources === '' ? '—' : sources, extra.length === 0 ? null : el('span', { class: 'muted' }, ` (${extra.join(', ')})`));
}

function recipientTimeline(r: RecipientDocument, open: boolean): HTMLElement {
  const entries = r.timeline ?? [];
  return el(
    'details',
    { class: 'recipient-timeline', 'data-timeline-of': r.address, open },
    el('summary', null, r.address, ' · ', statusBadge(r.status), el('span', { class: 'muted' }, ` ${entries.length} record${entries.length === 1 ? '' : 's'}`)),
    timelineTable('timeline', entries, { 'data-recipient': r.address }),
    r.timelineTruncated === true ? el('p', { class: 'note', 'data-truncated': 'true' }, 'Timeline truncated: the latest records are left out (the counts above still count them).') : null,
  );
}

function sinkCell(sinks: AlertEntry['sinks']): HTMLElement {
  const names = Object.keys(sinks);
  if (names.length === 0) return el('span', { class: 'muted' }, '—');
  return el(
    'ul',
    { class: 'timeline' },
    names.map((name) => {
      const s = sinks[name];
      if (s === undefined) return null;
      const detail = s.state === 'delivered' ? timeEl(s.at, 'short') : s.state === 'failed' ? `${s.status === undefined ? '' : `HTTP ${s.status}: `}${s.lastError}` : (s.lastError ?? '');
      return el('li', { 'data-sink': name }, `${name} `, el('span', { class: `badge ${s.state}` }, s.state), ' ', detail);
    }),
  );
}

async function alertsSection(messageId: string, route: Route, signal: AbortSignal): Promise<HTMLElement> {
  const continuation = route.params.get(ALERTS_PAGE);
  const section = el('section', { 'data-section': 'alerts' }, el('h2', null, 'Alerts'));
  const { alerts: items, continuation: next } = await getJson<AlertList>('alerts', { messageId, limit: 50, continuation }, signal);
  if (items.length === 0) {
    section.append(emptyNote(continuation === null ? 'No alert for this message: none of its recipients hard bounced.' : 'No more alerts.'));
  } else {
    const rows = items.map((a) =>
      row(timeEl(a.createdAt), a.type, a.recipient === null ? null : recipientLink(a.recipient), statusBadge(a.status), el('span', { class: `badge ${a.state}`, 'data-alert-state': a.state }, a.state), sinkCell(a.sinks), a.attempts, a.lastError === '' ? null : a.lastError),
    );
    section.append(table('alerts', ['Created', 'Type', 'Recipient', 'Status', 'State', 'Sinks', 'Attempts', 'Last error'], rows));
  }
  section.append(...pager(route, continuation, next, { param: ALERTS_PAGE, label: 'Next alerts →', marker: 'alerts' }));
  return section;
}

export const messageView: View = {
  name: 'message',
  nav: null,
  title: 'Message',
  async render({ route, root, signal }) {
    const id = (route.args[0] ?? '').trim();
    if (id === '') {
      root.append(heading('Message'), emptyNote('No message id in the address. ', el('a', { href: hrefOf('search') }, 'Search'), ' for a message id or a recipient address.'));
      return;
    }
    const [doc, alerts] = await Promise.all([getJsonOrNull<MessageDocument>(apiPath('messages', id), {}, signal), alertsSection(id, route, signal)]);
    if (doc === null) {
      root.append(
        heading('Message', el('span', { class: 'muted' }, id)),
        emptyNote(`No such message: “${id}” is not in the ledger. Check the id (the correlationId of its log records); a message sent moments ago may not have arrived yet. Or `, el('a', { href: hrefOf('search') }, 'search'), ' by recipient address.'),
      );
      return;
    }
    root.append(heading('Message', el('span', { class: 'muted' }, messageLink(doc.messageId))), el('div', { class: 'card' }, sendFacts(doc)));
    root.append(el('h2', null, `Recipients (${doc.recipients.length})`), recipientsTable(doc.recipients));
    if (doc.recipients.length > 0) {
      root.append(el('h2', null, 'Recipient timelines'), ...doc.recipients.map((r) => recipientTimeline(r, doc.recipients.length <= 10)));
    }
    root.append(
      el('h2', null, 'Message-level timeline'),
      timelineTable('message-timeline', doc.timeline ?? []),
      ...(doc.timelineTruncated === true ? [el('p', { class: 'note', 'data-truncated': 'true' }, 'Timeline truncated: more message-level records were applied than the timeline keeps.')] : []),
      alerts,
    );
  },
};
