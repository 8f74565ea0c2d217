import { describe, expect, it } from 'vitest';
import type { HardBounceAlert, LedgerAlert } from '../../../src/alerts/alert.js';
import { sampleBounceRate, sampleHardBounce } from '../../helpers/sampleAlerts.js';
import {
  renderWebhookBody,
  slackMessage,
  teamsMessage,
  type AdaptiveFactSet,
  type AdaptiveTextBlock,
  type SlackBlock,
} from '../../../src/dispatch/sinks/messageFormats.js';

const hardBounce = sampleHardBounce({
  recipient: 'nobody@contoso.example',
  failureMessage: '550 5.1.1 <nobody@contoso.example>: Recipient address rejected: User unknown & gone',
  resourceId: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Communication/CommunicationServices/acs',
});

const suppressedBounce: HardBounceAlert = {
  ...hardBounce,
  id: 'hb_9a9a',
  status: 'Suppressed',
  suppressed: true,
  smtpStatusCode: null,
  enhancedSmtpStatusCode: null,
  failureReason: null,
  failureMessage: null,
  senderUsername: null,
  resourceId: null,
};

const bounceRate = sampleBounceRate({
  id: 'br_mail.fabrikam.example_2026-03-02T10',
  level: 'warning',
  sends: 500,
  hardBounces: 31,
  rate: 0.062,
  threshold: 0.02,
});

const ALL: readonly LedgerAlert[] = [hardBounce, suppressedBounce, bounceRate];

/** Every string anywhere in a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(strings);
  return [];
}

const cardOf = (alert: LedgerAlert) => teamsMessage(alert).attachments[0].content;
const textBlocks = (alert: LedgerAlert) => cardOf(alert).body.filter((b): b is AdaptiveTextBlock => b.type === 'TextBlock');
const factsOf = (alert: LedgerAlert) =>
  Object.fromEntries(
    cardOf(alert)
      .body.filter((b): b is AdaptiveFactSet => b.type === 'FactSet')
      .flatMap((b) => b.facts.map((f) => [f.title, f.value])),
  );

describe('format standard', () => {
  it.each(ALL)('is the alert itself ($type $id)', (alert) => {
    expect(JSON.parse(renderWebhookBody(alert, 'standard'))).toEqual(alert);
  });
});

describe('format teams', () => {
  it.each(ALL)('is a Workflows message carrying one Adaptive Card 1.4 ($type $id)', (alert) => {
    const parsed = JSON.parse(renderWebhookBody(alert, 'teams')) as Record<string, unknown>;
    expect(parsed.type).toBe('message');
    expect(parsed.attachments).toHaveLength(1);
    const [attachment] = parsed.attachments as Record<string, unknown>[];
    expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const content = attachment?.content as Record<string, unknown>;
    expect(content.type).toBe('AdaptiveCard');
    expect(content.version).toBe('1.4');
    expect(content.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    expect(Array.isArray(content.body)).toBe(true);
    expect((content.body as unknown[]).length).toBeGreaterThanOrEqual(3);
  });

  it('tells a person who bounced, why, and from which sender', () => {
    const [title, summary] = textBlocks(hardBounce);
    expect(title?.text).toBe('Hard bounce: nobody@contoso.example');
    expect(title?.color).toBe('Attention');
    expect(summary?.text).toContain('cannot receive mail');
    expect(factsOf(hardBounce)).toMatchObject({
      Recipient: 'nobody@contoso.example',
      'Delivery status': 'Bounced',
      'SMTP status': '550 5.1.1',
      'Failure reason': 'RecipientNotFound',
      Sender: 'DoNotReply@mail.fabrikam.example',
      'Message ID': hardBounce.messageId,
    });
    const texts = textBlocks(hardBounce).map((b) => b.text);
    expect(texts).toContain(hardBounce.failureMessage);
    expect(texts.some((t) => t.includes(hardBounce.id) && t.includes(hardBounce.resourceId ?? '?'))).toBe(true);
  });

  it('says that a suppressed send means the address is still being mailed, and leaves out empty facts', () => {
    const [title, summary] = textBlocks(suppressedBounce);
    expect(title?.text).toBe('Suppressed send to a hard-bounced address: nobody@contoso.example');
    expect(summary?.text).toContain('still mailing it');
    const facts = factsOf(suppressedBounce);
    expect(Object.keys(facts)).not.toContain('SMTP status');
    expect(Object.keys(facts)).not.toContain('Failure reason');
    expect(facts.Sender).toBe('mail.fabrikam.example');
    expect(strings(teamsMessage(suppressedBounce)).join('\n')).not.toMatch(/\bnull\b|\bundefined\b/);
  });

  it('shows a bounce rate as percentages against its threshold', () => {
    const [title, summary] = textBlocks(bounceRate);
    expect(title?.text).toBe('Bounce rate warning: mail.fabrikam.example at 6.20%');
    expect(title?.color).toBe('Warning');
    expect(summary?.text).toContain('31 of 500 messages');
    expect(summary?.text).toContain('24 h ending 2026-03-02T10:00:00.000Z');
    expect(factsOf(bounceRate)).toMatchObject({ 'Bounce rate': '6.20%', 'Warning threshold': '2.00%', 'Hard bounces': '31', Sends: '500' });
    expect(textBlocks({ ...bounceRate, level: 'critical' })[0]?.color).toBe('Attention');
  });

  it('caps a huge server message so the card stays under the Teams size limit', () => {
    const huge = { ...hardBounce, failureMessage: 'x'.repeat(100_000) };
    expect(renderWebhookBody(huge, 'teams').length).toBeLessThan(20_000);
    expect(textBlocks(huge).some((b) => b.text.endsWith('\u2026'))).toBe(true);
  });
});

describe('format slack', () => {
  it.each(ALL)('is an incoming-webhook message with text and blocks ($type $id)', (alert) => {
    const parsed = JSON.parse(renderWebhookBody(alert, 'slack')) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['blocks', 'text']);
    expect(typeof parsed.text).toBe('string');
    expect((parsed.text as string).length).toBeGreaterThan(20);
    const blocks = parsed.blocks as { type: string }[];
    expect(blocks[0]?.type).toBe('header');
    expect(blocks.map((b) => b.type)).toContain('section');
    expect(strings(parsed).join('\n')).not.toMatch(/\bnull\b|\bundefined\b|NaN|\[object Object\]/);
  });

  it('keeps within Block Kit limits and escapes Slack control characters', () => {
    const huge = { ...hardBounce, recipient: `${'r'.repeat(300)}@contoso.example`, failureMessage: `<b>&</b> ${'y'.repeat(10_000)}` };
    const { text, blocks } = slackMessage(huge);
    expect(text.length).toBeLessThanOrEqual(3_000);
    for (const block of blocks) checkSlackBlock(block);
    const all = strings(blocks).join('\n');
    expect(all).toContain('&lt;b&gt;&amp;&lt;/b&gt;');
    expect(all).not.toContain('<b>');
  });

  it('names the recipient in the header and lists the facts as fields', () => {
    const { text, blocks } = slackMessage(hardBounce);
    expect(text).toContain('nobody@contoso.example');
    const header = blocks[0];
    expect(header?.type === 'header' && header.text.text).toBe(':rotating_light: Hard bounce: nobody@contoso.example');
    const fields = blocks.flatMap((b) => ('fields' in b ? b.fields.map((f) => f.text) : []));
    expect(fields).toContain('*SMTP status*\n550 5.1.1');
    expect(fields).toContain('*Recipient*\nnobody@contoso.example');
  });

  it('flags a warning-level bounce rate differently from a critical one', () => {
    const header = (alert: LedgerAlert) => {
      const first = slackMessage(alert).blocks[0];
      return first?.type === 'header' ? first.text.text : '';
    };
    expect(header(bounceRate)).toBe(':warning: Bounce rate warning: mail.fabrikam.example at 6.20%');
    expect(header({ ...bounceRate, level: 'critical' })).toMatch(/^:rotating_light: Bounce rate critical/);
  });
});

function checkSlackBlock(block: SlackBlock): void {
  if (block.type === 'header') {
    expect(block.text.type).toBe('plain_text');
    expect(block.text.text.length).toBeLessThanOrEqual(150);
  } else if (block.type === 'context') {
    for (const element of block.elements) expect(element.text.length).toBeLessThanOrEqual(2_000);
  } else if ('fields' in block) {
    expect(block.fields.length).toBeLessThanOrEqual(10);
    for (const field of block.fields) expect(field.text.length).toBeLessThanOrEqual(2_000);
  } else {
    expect(block.text.text.length).toBeLessThanOrEqual(3_000);
  }
}
