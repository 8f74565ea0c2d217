import { describe, expect, it } from 'vitest';
import { ALERT_SCHEMA, type BounceRateAlert, type HardBounceAlert } from '../../src/alerts/alert.js';
import { LOG_ALERT_PREFIX } from '../../src/dispatch/sinks/logSink.js';
import { EMAIL_CATEGORIES } from '../../src/ingest/ledgerEvent.js';
import { declarationValue, declarations, modules, multilineStrings, objectEntries, readBicep, resources, unquote } from './bicepText.js';

/** The ACS log categories the ledger handles, from the code that classifies them. */
const EMAIL_LOG_CATEGORIES = Object.values(EMAIL_CATEGORIES);

/** The log line the ledger's log sink writes for each alert: this prefix, then the alert as compact JSON. */
const ALERT_LOG_PREFIX = LOG_ALERT_PREFIX;

describe('diagnostic setting on the ACS resource (infra/app/acs-diagnostics.bicep)', () => {
  const src = readBicep('app/acs-diagnostics.bicep');
  const [setting] = resources(src).filter((r) => r.type === 'Microsoft.Insights/diagnosticSettings');
  const props = objectEntries(objectEntries(setting?.body ?? '{}').get('properties') ?? '{}');

  it('streams exactly the four email log categories the code handles', () => {
    const list = declarationValue(declarations(src).find((d) => d.name === 'emailLogCategories')!) ?? '';
    const categories = list.replace(/^\[|\]$/g, '').split('\n').map((s) => s.trim()).filter(Boolean).map(unquote);
    expect([...categories].sort()).toEqual([...EMAIL_LOG_CATEGORIES].sort());
    expect(props.get('logs')).toMatch(/for category in emailLogCategories: \{\s*category: category\s*enabled: true\s*\}/);
  });

  it('names categories one by one: no category group (allLogs would export more, billed per GB)', () => {
    expect(src).not.toMatch(/categoryGroup/);
    expect(props.has('metrics')).toBe(false);
  });

  it('is set on the existing Communication Services resource and targets the ledger hub', () => {
    const scope = resources(src).find((r) => r.symbol === objectEntries(setting!.body).get('scope'));
    expect(scope?.type).toBe('Microsoft.Communication/communicationServices');
    expect(scope?.existing).toBe(true);
    expect(props.get('eventHubName')).toBe('eventHubName');
    expect(props.get('eventHubAuthorizationRuleId')).toBe('eventHubAuthorizationRuleId');
  });

  it('is deployed by main.bicep only when an ACS resource id is given, in that resource\'s group', () => {
    const acs = modules(readBicep('main.bicep')).find((m) => m.path === './app/acs-diagnostics.bicep');
    expect(acs?.condition).toBe('!empty(acsResourceId)');
    expect(objectEntries(acs!.body).get('scope')).toBe('resourceGroup(acsIdSegments[2], acsIdSegments[4])');
    expect(acs?.params.get('eventHubName')).toBe('eventHubs.outputs.eventHubName');
    expect(acs?.params.get('eventHubAuthorizationRuleId')).toBe('eventHubs.outputs.diagnosticsAuthorizationRuleId');
  });
});

describe('Azure Monitor alert rules (infra/app/alerts.bicep)', () => {
  const src = readBicep('app/alerts.bicep');
  const queries = multilineStrings(src);
  const hardBounceQuery = queries.find((q) => q.includes('"hard_bounce"'));
  const bounceRateQuery = queries.find((q) => q.includes('"bounce_rate"'));
  const rules = resources(src).filter((r) => r.type === 'Microsoft.Insights/scheduledQueryRules');

  /** Stand-in for KQL: what `| where Message startswith "P" | extend alert = parse_json(substring(Message, N))` yields. */
  function evaluate(query: string, message: string): unknown {
    const prefix = /\| where Message startswith "([^"]*)"/.exec(query)?.[1];
    const offset = Number(/parse_json\(substring\(Message, (\d+)\)\)/.exec(query)?.[1]);
    if (prefix === undefined || !Number.isInteger(offset)) throw new Error('query shape changed');
    if (!message.startsWith(prefix)) return undefined;
    return JSON.parse(message.substring(offset));
  }

  const hardBounce = {
    schema: ALERT_SCHEMA,
    type: 'hard_bounce',
    id: 'hb-1',
    messageId: '6a3f0c1e-1111-4222-8333-944455556666',
    recipient: 'gone@example.com',
    status: 'Bounced',
    suppressed: false,
    smtpStatusCode: '550',
    enhancedSmtpStatusCode: '5.1.1',
    failureReason: 'BadMailbox',
    failureMessage: null,
    senderDomain: 'contoso.com',
    senderUsername: 'donotreply',
    resourceId: null,
    recordTime: '2026-11-20T10:00:00.000Z',
    detectedAt: '2026-11-20T10:00:05.000Z',
  } satisfies HardBounceAlert;

  const bounceRate = {
    schema: ALERT_SCHEMA,
    type: 'bounce_rate',
    id: 'br-1',
    level: 'critical',
    senderDomain: 'contoso.com',
    windowHours: 24,
    windowEnd: '2026-11-20T10:00:00.000Z',
    sends: 1000,
    hardBounces: 60,
    rate: 0.06,
    threshold: 0.05,
    detectedAt: '2026-11-20T10:00:05.000Z',
  } satisfies BounceRateAlert;

  it('read the log line as the code writes it: the prefix, then the JSON from character 13', () => {
    expect(ALERT_LOG_PREFIX.length).toBe(13);
    for (const query of [hardBounceQuery, bounceRateQuery]) {
      expect(query).toBeDefined();
      expect(query).toMatch(/^\s*AppTraces\n/);
      expect(query).toContain(`| where Message startswith "${ALERT_LOG_PREFIX}"`);
      expect(query).toContain(`parse_json(substring(Message, ${ALERT_LOG_PREFIX.length}))`);
    }
    expect(evaluate(hardBounceQuery!, ALERT_LOG_PREFIX + JSON.stringify(hardBounce))).toEqual(hardBounce);
    expect(evaluate(hardBounceQuery!, `other ${JSON.stringify(hardBounce)}`)).toBeUndefined();
  });

  it('select hard bounces and rate alerts by the alert type', () => {
    expect(hardBounceQuery).toContain('| where tostring(alert.type) == "hard_bounce"');
    expect(bounceRateQuery).toContain('| where tostring(alert.type) == "bounce_rate"');
  });

  it('only read fields the alerts have', () => {
    const fields = (query: string) => [...query.matchAll(/alert\.(\w+)/g)].map((m) => m[1] as string);
    for (const field of fields(hardBounceQuery!)) expect(Object.keys(hardBounce), `hard_bounce.${field}`).toContain(field);
    for (const field of fields(bounceRateQuery!)) expect(Object.keys(bounceRate), `bounce_rate.${field}`).toContain(field);
  });

  it('query the workspace, fire on any matching line, and split by columns the query projects', () => {
    expect(rules.map((r) => r.symbol).sort()).toEqual(['bounceRateRule', 'hardBounceRule', 'parkedBatchRule']);
    for (const rule of rules) {
      const props = objectEntries(objectEntries(rule.body).get('properties') ?? '{}');
      expect(props.get('scopes'), rule.symbol).toBe('[workspaceId]');
      expect(props.get('autoMitigate'), rule.symbol).toBe('false');
      expect(props.get('actions'), rule.symbol).toMatch(/actionGroups: actionGroupIds/);
      const criteria = props.get('criteria') ?? '';
      expect(criteria).toMatch(/timeAggregation: 'Count'/);
      expect(criteria).toMatch(/operator: 'GreaterThan'/);
      expect(criteria).toMatch(/threshold: 0\b/);
      const queryVar = /query: (\w+)/.exec(criteria)?.[1];
      const query = declarationValue(declarations(src).find((d) => d.name === queryVar)!) ?? '';
      for (const dim of criteria.matchAll(/name: '(\w+)'/g)) expect(query, `${rule.symbol} dimension ${dim[1]}`).toMatch(new RegExp(`\\b${dim[1]} = `));
    }
    const hard = rules.find((r) => r.symbol === 'hardBounceRule')!;
    expect(hard.body).toMatch(/query: hardBounceQuery/);
  });

  it('notify the email receivers given as a parameter, through one action group', () => {
    const [group] = resources(src).filter((r) => r.type === 'Microsoft.Insights/actionGroups');
    expect(group?.condition).toBe('hasEmails');
    expect(group?.body).toMatch(/for \(address, i\) in emails: \{/);
    expect(src).toMatch(/var emails = filter\(map\(split\(emailAddresses, ','\)/);
    expect(src).toMatch(/var actionGroupIds = hasEmails \? \[actionGroup\.id\] : \[\]/);
    const alerts = modules(readBicep('main.bicep')).find((m) => m.path === './app/alerts.bicep');
    expect(alerts?.params.get('emailAddresses')).toBe('alertEmailAddresses');
    expect(alerts?.params.get('workspaceId')).toBe('monitoring.outputs.workspaceId');
  });
});
