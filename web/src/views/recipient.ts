/**
 * `#/recipient/<address>`: may we still send to it (its bounce record and the forecast ACS suppression
 * lease, GET /api/suppressions/{address}), and its messages, one page at a time, each linked to its
 * message. The two calls run in parallel.
 */
import { apiPath, getJson } from '../api.js';
import { el } from '../dom.js';
import { hrefOf } from '../route.js';
import { timeEl } from '../time.js';
import { emptyNote, heading, type View } from '../view.js';
import type { SuppressionDocument } from '../types.js';
import { codes, facts, looksLikeAddress, messageLink, recipientMessages, searchForm, statusBadge } from './ledgerBits.js';


function verdict(doc: SuppressionDocument): HTMLElement {
  if (doc.likelySuppressedNow) {
    return el('p', { class: 'badge bad', 'data-suppression': 'suppressed' }, 'Likely suppressed by ACS now', doc.suppressedUntil === null ? '' : ' until ', timeEl(doc.suppressedUntil));
  }
  if (doc.hardBounced) return el('p', { class: 'badge warning', 'data-suppression': 'bounced' }, 'Hard bounced before; the forecast suppression has ended', doc.suppressedUntil === null ? '' : ' (', doc.suppressedUntil === null ? null : timeEl(doc.suppressedUntil), doc.suppressedUntil === null ? '' : ')');
  return el('p', { class: 'badge ok', 'data-suppression': 'clear' }, 'Never hard bounced: not suppressed');
}

function suppressionSection(doc: SuppressionDocument): HTMLElement {
  const section = el('section', { 'data-section': 'suppression' }, el('h2', null, 'Bounces and suppression'), verdict(doc));
  const r = doc.record;
  if (r === null) {
    section.append(el('p', { class: 'muted' }, 'The bounce registry has no record of this address.'));
    return section;
  }
  section.append(
    el(
      'div',
      { class: 'card' },
      facts('bounce-record', [
        ['Hard bounces', r.hardBounces],
        ['Suppressed sends', r.suppressedSends],
        ['First bounce', timeEl(r.firstBounceAt)],
        ['Last bounce', timeEl(r.lastBounceAt)],
        ['Last message', messageLink(r.lastMessageId)],
        ['Last status', statusBadge(r.lastStatus)],
        ['Last SMTP', codes(r.lastSmtpStatusCode, r.lastEnhancedSmtpStatusCode)],
        ['Last failure reason', r.lastFailureReason],
        ['Last failure message', r.lastFailureMessage],
        ['Suppression lease', r.lease === null ? null : el('span', null, `level ${r.lease.level}: `, timeEl(r.lease.start), ' – ', timeEl(r.lease.end))],
        ['Bounce times', r.bounceTimes.length === 0 ? null : el('ul', { class: 'timeline' }, r.bounceTimes.map((t) => el('li', null, timeEl(t))))],
      ]),
    ),
  );
  return section;
}

export const recipientView: View = {
  name: 'recipient',
  nav: null,
  title: 'Recipient',
  async render({ route, root, signal }) {
    const address = (route.args[0] ?? '').trim();
    root.append(heading('Recipient', el('span', { class: 'muted' }, address)));
    if (!looksLikeAddress(address)) {
      root.append(
        emptyNote(address === '' ? 'No address in the link. ' : `“${address}” is not an email address (name@domain). `, 'Search for a whole address or a message id:'),
        searchForm(address),
        el('p', null, 'For part of an address, use the ', el('a', { href: hrefOf('suppressions') }, 'Suppressions'), ' view.'),
      );
      return;
    }
    const [suppression, messages] = await Promise.all([getJson<SuppressionDocument>(apiPath('suppressions', address), {}, signal), recipientMessages(address, route, signal)]);
    root.append(suppressionSection(suppression), messages);
  },
};
