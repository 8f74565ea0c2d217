import type { BounceRateAlert, HardBounceAlert, LedgerAlert, SoftBounceEscalationAlert } from '../../alerts/alert.js';

/**
 * What a webhook body looks like, per LEDGER_ALERT_WEBHOOK_FORMAT:
 * - `standard`: the alert document itself, for programs (the public contract in alert.ts);
 * - `teams`: an Adaptive Card in the shape the Teams "Workflows" webhook trigger posts to a channel;
 * - `slack`: a Slack incoming-webhook message (`text` is the notification fallback, `blocks` the body).
 * Everything here is pure: an alert in, a JSON value out.
 */

export type WebhookFormat = 'standard' | 'teams' | 'slack';

// ---------------------------------------------------------------------------------------------------
// What a human needs to know about an alert, independent of where it is shown.

export interface AlertFact {
  readonly title: string;
  readonly value: string;
}

export interface AlertDescription {
  /** `critical` for every hard bounce and critical rates: someone should act; `warning` otherwise. */
  readonly severity: 'critical' | 'warning';
  readonly title: string;
  /** One or two sentences: what happened and what to do about it. */
  readonly summary: string;
  readonly facts: readonly AlertFact[];
  /** The receiving server's own words, when it gave any (long, so shown apart from the facts). */
  readonly details: string | undefined;
  /** Identifies the alert for someone who has to find it in the ledger or the logs. */
  readonly footer: string;
}

export function describeAlert(alert: LedgerAlert): AlertDescription {
  switch (alert.type) {
    case 'hard_bounce':
      return describeHardBounce(alert);
    case 'bounce_rate':
      return describeBounceRate(alert);
    case 'soft_bounce_escalation':
      return describeSoftBounceEscalation(alert);
    default:
      return assertNever(alert);
  }
}

function describeHardBounce(alert: HardBounceAlert): AlertDescription {
  const sender = senderAddress(alert.senderUsername, alert.senderDomain);
  const smtp = [alert.smtpStatusCode, alert.enhancedSmtpStatusCode].filter(isPresent).join(' ');
  const summary = alert.suppressed
    ? `Azure Communication Services did not send message ${alert.messageId} to ${alert.recipient} because this address ` +
      'hard-bounced before: something is still mailing it. Remove it from the sender\u2019s recipient list.'
    : `${alert.recipient} hard-bounced (${alert.status}): the address cannot receive mail. Stop sending to it.`;
  return {
    severity: 'critical',
    title: alert.suppressed ? `Suppressed send to a hard-bounced address: ${alert.recipient}` : `Hard bounce: ${alert.recipient}`,
    summary,
    facts: facts([
      ['Recipient', alert.recipient],
      ['Delivery status', alert.status],
      ['SMTP status', smtp === '' ? null : smtp],
      ['Failure reason', alert.failureReason],
      ['Sender', sender],
      ['Message ID', alert.messageId],
      ['Recorded at', alert.recordTime],
      ['Detected at', alert.detectedAt],
    ]),
    details: alert.failureMessage ?? undefined,
    footer: [`Alert ${alert.id}`, alert.resourceId === null ? null : `Resource ${alert.resourceId}`, alert.schema]
      .filter(isPresent)
      .join(' \u00b7 '),
  };
}

function describeBounceRate(alert: BounceRateAlert): AlertDescription {
  const window = `${alert.windowHours} h ending ${alert.windowEnd}`;
  return {
    severity: alert.level,
    title: `Bounce rate ${alert.level}: ${alert.senderDomain} at ${percent(alert.rate)}`,
    summary:
      `${alert.hardBounces} of ${alert.sends} messages sent from ${alert.senderDomain} hard-bounced in the ${window}, ` +
      `at or above the ${alert.level} threshold of ${percent(alert.threshold)}. ` +
      'A sustained high bounce rate can get the domain\u2019s sending throttled: clean the recipient lists.',
    facts: facts([
      ['Sender domain', alert.senderDomain],
      ['Bounce rate', percent(alert.rate)],
      [`${capitalize(alert.level)} threshold`, percent(alert.threshold)],
      ['Hard bounces', String(alert.hardBounces)],
      ['Sends', String(alert.sends)],
      ['Window', window],
      ['Detected at', alert.detectedAt],
    ]),
    details: undefined,
    footer: `Alert ${alert.id} \u00b7 ${alert.schema}`,
  };
}

function describeSoftBounceEscalation(alert: SoftBounceEscalationAlert): AlertDescription {
  const since = alert.since === null ? '' : ` since its last delivery (${alert.since})`;
  return {
    severity: 'critical',
    title: `Repeated soft bounces: ${alert.recipient}`,
    summary:
      `${alert.recipient} failed temporarily on ${alert.threshold} messages within ${alert.windowDays} days${since}. ` +
      'Treat it like a hard bounce: stop sending to it until it is known to accept mail again.',
    facts: facts([
      ['Recipient', alert.recipient],
      ['Soft failures', `${alert.threshold} messages`],
      ['First failure', alert.firstFailureAt],
      ['Crossed at', alert.crossedAt],
      ['SMTP status', alert.smtpStatusCode],
      ['Message IDs', alert.messageIds.join(', ')],
      ['Detected at', alert.detectedAt],
    ]),
    details: undefined,
    footer: `Alert ${alert.id} \u00b7 ${alert.schema}`,
  };
}

// ---------------------------------------------------------------------------------------------------
// format 'standard'

/** The raw alert, unchanged: receivers parse it against the documented schema. */
export function standardMessage(alert: LedgerAlert): LedgerAlert {
  return alert;
}

// ---------------------------------------------------------------------------------------------------
// format 'teams'

export interface AdaptiveTextBlock {
  readonly type: 'TextBlock';
  readonly text: string;
  readonly wrap: true;
  readonly weight?: 'Bolder';
  readonly size?: 'Small' | 'Medium';
  readonly color?: 'Attention' | 'Warning';
  readonly isSubtle?: boolean;
  readonly fontType?: 'Monospace';
}

export interface AdaptiveFactSet {
  readonly type: 'FactSet';
  readonly facts: readonly AlertFact[];
}

export interface AdaptiveCard {
  readonly $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  readonly type: 'AdaptiveCard';
  /** 1.4: the newest version every Teams client renders. */
  readonly version: '1.4';
  readonly msteams: { readonly width: 'Full' };
  readonly body: readonly (AdaptiveTextBlock | AdaptiveFactSet)[];
}

export interface TeamsWorkflowMessage {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly contentUrl: null;
      readonly content: AdaptiveCard;
    },
  ];
}

/** Teams rejects cards over ~28 KB; a server's failure text can be anything, so every text is capped. */
const TEAMS_MAX_VALUE = 1_000;
const TEAMS_MAX_DETAILS = 4_000;

export function teamsMessage(alert: LedgerAlert): TeamsWorkflowMessage {
  const d = describeAlert(alert);
  const body: (AdaptiveTextBlock | AdaptiveFactSet)[] = [
    {
      type: 'TextBlock',
      text: truncate(d.title, TEAMS_MAX_VALUE),
      wrap: true,
      weight: 'Bolder',
      size: 'Medium',
      color: d.severity === 'critical' ? 'Attention' : 'Warning',
    },
    { type: 'TextBlock', text: truncate(d.summary, TEAMS_MAX_DETAILS), wrap: true },
    { type: 'FactSet', facts: d.facts.map((f) => ({ title: f.title, value: truncate(f.value, TEAMS_MAX_VALUE) })) },
  ];
  if (d.details !== undefined) {
    body.push({ type: 'TextBlock', text: truncate(d.details, TEAMS_MAX_DETAILS), wrap: true, fontType: 'Monospace', isSubtle: true });
  }
  body.push({ type: 'TextBlock', text: truncate(d.footer, TEAMS_MAX_VALUE), wrap: true, size: 'Small', isSubtle: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// format 'slack'

export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text: SlackText }
  | { readonly type: 'section'; readonly fields: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

export interface SlackMessage {
  /** Shown in notifications and by clients that cannot render blocks. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Slack's own limits (Block Kit reference); a message over any of them is refused with HTTP 400. */
const SLACK_MAX_HEADER = 150;
const SLACK_MAX_SECTION = 3_000;
const SLACK_MAX_FIELD = 2_000;
const SLACK_MAX_FIELDS = 10;

export function slackMessage(alert: LedgerAlert): SlackMessage {
  const d = describeAlert(alert);
  const icon = d.severity === 'critical' ? ':rotating_light:' : ':warning:';
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${icon} ${d.title}`, SLACK_MAX_HEADER), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(slackEscape(d.summary), SLACK_MAX_SECTION) } },
    {
      type: 'section',
      fields: d.facts
        .slice(0, SLACK_MAX_FIELDS)
        .map((f) => ({ type: 'mrkdwn' as const, text: truncate(`*${slackEscape(f.title)}*\n${slackEscape(f.value)}`, SLACK_MAX_FIELD) })),
    },
  ];
  if (d.details !== undefined) {
    // Inside a code block so the server's text shows verbatim; a stray ``` in it must not end the block.
    const code = slackEscape(d.details).replaceAll('```', "'''");
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${truncate(code, SLACK_MAX_SECTION - 6)}\`\`\`` } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(slackEscape(d.footer), SLACK_MAX_FIELD) }] });
  return { text: truncate(slackEscape(`${d.title}. ${d.summary}`), SLACK_MAX_SECTION), blocks };
}

// ---------------------------------------------------------------------------------------------------

/** The JSON text to POST for an alert in the given format. */
export function renderWebhookBody(alert: LedgerAlert, format: WebhookFormat): string {
  switch (format) {
    case 'standard':
      return JSON.stringify(standardMessage(alert));
    case 'teams':
      return JSON.stringify(teamsMessage(alert));
    case 'slack':
      return JSON.stringify(slackMessage(alert));
    default:
      return assertNever(format);
  }
}

// ---------------------------------------------------------------------------------------------------
// helpers

function facts(rows: readonly (readonly [string, string | null])[]): AlertFact[] {
  return rows.flatMap(([title, value]) => (value === null || value === '' ? [] : [{ title, value }]));
}

function senderAddress(username: string | null, domain: string | null): string | null {
  if (username !== null && domain !== null) return `${username}@${domain}`;
  return domain ?? username;
}

/** 0.0625 -> "6.25%": two decimals so a rate just over a 2% threshold does not read as "2%". */
function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Slack reads &, < and > as control characters in every text field (links, mentions). */
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Caps text at `max` UTF-16 units, marking the cut, without splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}\u2026`;
}

function isPresent<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
