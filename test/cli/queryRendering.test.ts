import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { renderMessages } from '../../src/cli/commands/messagesCommand.js';
import { renderRecipient } from '../../src/cli/commands/recipientCommand.js';
import { renderStats } from '../../src/cli/commands/statsCommand.js';
import { createOutput } from '../../src/cli/output.js';
import { foldStats } from '../../src/queries/computeStats.js';
import type { MessagesDocument, RecipientMessagesDocument } from '../../src/queries/documents.js';

/** Text output of the query commands: hostile ledger text is shown escaped; JSON stays exact. */
const HOSTILE = '\u001b]8;;https://evil.example/\u001b\\x\u202e';
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

function shown(document: unknown, human: () => string, json = false): string {
  const stdout = new PassThrough();
  createOutput(json, { stdout, stderr: new PassThrough() }).result(document, human);
  return String(stdout.read());
}

const recipientDoc: RecipientMessagesDocument = {
  address: `${HOSTILE}@example.org`,
  messages: [{ messageId: HOSTILE, time: '2025-03-14T08:07:59.2974912Z', status: HOSTILE, statusTime: null, smtpStatusCode: '550', enhancedSmtpStatusCode: HOSTILE, hardBounce: true, senderDomain: HOSTILE, views: 0, clicks: 0 }],
  continuation: 'abc',
  rowsRead: 1,
};

describe('query command output', () => {
  it('escapes what a terminal would act on, in every column and in the next-page hint', () => {
    const text = shown(recipientDoc, () => renderRecipient(recipientDoc));
    expect(text).not.toMatch(ACTIVE);
    expect(text).toContain('More: npx acs-email-ledger recipient ');
    expect(text).toContain('--continuation abc');
    const messagesDoc: MessagesDocument = {
      from: '2025-03-14T00:00:00.0000000Z', to: '2025-03-15T00:00:00.0000000Z', continuation: null, rowsRead: 1,
      messages: [{ messageId: HOSTILE, time: '2025-03-14T08:07:59.2974912Z', timeSource: 'send', senderDomain: HOSTILE, recipients: 1, statusCounts: { [HOSTILE]: 1 }, hardBounces: 0, recipientDomains: [HOSTILE], views: 0, clicks: 0, failures: [] }],
    };
    expect(shown(messagesDoc, () => renderMessages(messagesDoc, { status: HOSTILE }))).not.toMatch(ACTIVE);
    const folded = foldStats([{ level: 'day', bucket: '2025-03-14', senderDomain: HOSTILE, recipientDomain: 'x.com', counts: { recipients: 1, statuses: new Map([[HOSTILE, 1]]), hardBounces: 0, viewers: 0, clickers: 0, views: 0, clicks: 0, failures: new Map() } }], 'sender-domain', new Map());
    const stats = { from: '2025-03-14T00:00:00.0000000Z', to: '2025-03-15T00:00:00.0000000Z', by: 'day' as const, group: 'sender-domain' as const, ...folded, rowsRead: 1 };
    expect(shown(stats, () => renderStats({ stats, verify: null }))).not.toMatch(ACTIVE);
  });

  it('prints the JSON document exactly', () => {
    expect(JSON.parse(shown(recipientDoc, () => renderRecipient(recipientDoc), true))).toEqual(recipientDoc);
  });
});
