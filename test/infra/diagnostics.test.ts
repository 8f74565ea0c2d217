import { expect, it } from 'vitest';
import { ALERT_SCHEMA, type BounceRateAlert, type HardBounceAlert } from '../../src/alerts/alert.js';
import { LOG_ALERT_PREFIX } from '../../src/dispatch/sinks/logSink.js';
import { EMAIL_CATEGORIES } from '../../src/ingest/ledgerEvent.js';
import { describeCompiled, evaluateValue, mainTemplate, moduleDeployment, moduleScope, moduleTemplate, resourceOfType, resourcesOf } from './armTemplate.js';

/** The ACS log categories the ledger handles, from the code that classifies them. */
const EMAIL_LOG_CATEGORIES = Object.values(EMAIL_CATEGORIES);

/** The log line the ledger's log sink writes for each alert: this prefix, then the alert as compact JSON. */
const ALERT_LOG_PREFIX = LOG_ALERT_PREFIX;

describeCompiled('diagnostic setting on the ACS resource (compiled infra/app/acs-diagnostics.bicep)', () => {
  const template = () => moduleTemplate('acs-diagnostics');
  const setting = () => resourceOfType(template(), 'Microsoft.Insights/diagnosticSettings') as unknown as {
    scope: string;
    properties: { copy: Array<{ name: string; count: string; input: unknown }>; eventHubName: string; eventHubAuthorizationRuleId: string; metrics?: unknown };
  };

  it('streams exactly the four email log categories the code handles, each enabled', () => {
    expect([...(template().variables?.emailLogCategories as string[])].sort()).toEqual([...EMAIL_LOG_CATEGORIES].sort());
    expect(setting().properties.copy).toEqual([
      { name: 'logs', count: "[length(variables('emailLogCategories'))]", input: { category: "[variables('emailLogCategories')[copyIndex('logs')]]", enabled: true } },
    ]);
  });

  it('names categories one by one: no category group (allLogs would export more, billed per GB)', () => {
    expect(JSON.stringify(template())).not.toMatch(/categoryGroup/);
    expect(setting().properties.metrics).toBeUndefined();
  });

  it('is set on the existing Communication Services resource and targets the ledger hub', () => {
    expect(setting().scope).toBe("[resourceId('Microsoft.Communication/communicationServices', parameters('communicationServiceName'))]");
    expect(resourcesOf(template()).filter((r) => r.type === 'Microsoft.Communication/communicationServices' && r.existing !== true)).toEqual([]);
    expect(setting().properties.eventHubName).toBe("[parameters('eventHubName')]");
    expect(setting().properties.eventHubAuthorizationRuleId).toBe("[parameters('eventHubAuthorizationRuleId')]");
  });

  it("is deployed by main.bicep only when an ACS resource id is given, in that resource's subscription and group", () => {
    const acs = moduleDeployment('acs-diagnostics') as unknown as { condition: string; subscriptionId: string; resourceGroup: string; properties: { parameters: Record<string, { value: string }> } };
    expect(acs.condition).toBe("[not(empty(parameters('acsResourceId')))]");
    expect(acs.subscriptionId).toBe("[variables('acsIdSegments')[2]]");
    expect(acs.resourceGroup).toBe("[variables('acsIdSegments')[4]]");
    expect(acs.properties.parameters.eventHubName?.value).toMatch(/'eventhubs'\), '[\d-]+'\)\.outputs\.eventHubName\.value\]$/);
    expect(acs.properties.parameters.eventHubAuthorizationRuleId?.value).toMatch(/'eventhubs'\), '[\d-]+'\)\.outputs\.diagnosticsAuthorizationRuleId\.value\]$/);
  });
});

describeCompiled('Azure Monitor alert rules (compiled infra/app/alerts.bicep)', () => {
  const template = moduleTemplate('alerts');
  const frequencies = mainTemplate().parameters?.alertEvaluationFrequency?.allowedValues as string[];
  const scopeFor = (frequency: string) => moduleScope(template, { evaluationFrequency: frequency, emailAddresses: 'ops@example.com' });
  const query = (name: 'hardBounceQuery' | 'bounceRateQuery' | 'parkedBatchQuery', frequency = 'PT5M') => evaluateValue(template.variables?.[name], scopeFor(frequency)) as string;
  const hardBounceQuery = query('hardBounceQuery');
  const bounceRateQuery = query('bounceRateQuery');
  const parkedBatchQuery = query('parkedBatchQuery');
  const rules = resourcesOf(template).filter((r) => r.type === 'Microsoft.Insights/scheduledQueryRules');

  /** Stand-in for KQL: what `| where Message startswith "P" | extend alert = parse_json(substring(Message, N))` yields. */
  function evaluate(kql: string, message: string): unknown {
    const prefix = /\| where Message startswith "([^"]*)"/.exec(kql)?.[1];
    const offset = Number(/parse_json\(substring\(Message, (\d+)\)\)/.exec(kql)?.[1]);
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
    for (const kql of [hardBounceQuery, bounceRateQuery]) {
      expect(kql).toMatch(/^AppTraces\n/);
      expect(kql).toContain(`| where Message startswith "${ALERT_LOG_PREFIX}"`);
      expect(kql).toContain(`parse_json(substring(Message, ${ALERT_LOG_PREFIX.length}))`);
    }
    expect(evaluate(hardBounceQuery, ALERT_LOG_PREFIX + JSON.stringify(hardBounce))).toEqual(hardBounce);
    expect(evaluate(hardBounceQuery, `other ${JSON.stringify(hardBounce)}`)).toBeUndefined();
  });

  it('select hard bounces and rate alerts by the alert type', () => {
    expect(hardBounceQuery).toContain('| where tostring(alert.type) == "hard_bounce"');
    expect(bounceRateQuery).toContain('| where tostring(alert.type) == "bounce_rate"');
  });

  it('only read fields the alerts have', () => {
    const fields = (kql: string) => [...kql.matchAll(/alert\.(\w+)/g)].map((m) => m[1] as string);
    for (const field of fields(hardBounceQuery)) expect(Object.keys(hardBounce), `hard_bounce.${field}`).toContain(field);
    for (const field of fields(bounceRateQuery)) expect(Object.keys(bounceRate), `bounce_rate.${field}`).toContain(field);
  });

  it('see late lines: look back far beyond the frequency, and count each line once, by the evaluation after its ingestion', () => {
    const kql: Record<string, string> = { PT1M: '1m', PT5M: '5m', PT10M: '10m', PT15M: '15m' };
    expect([...frequencies].sort()).toEqual(Object.keys(kql).sort());
    for (const frequency of frequencies) {
      const minutes = Number(/^PT(\d+)M$/.exec(frequency)?.[1]);
      for (const name of ['hardBounceQuery', 'bounceRateQuery', 'parkedBatchQuery'] as const) {
        const text = query(name, frequency);
        // Filtered on ingestion time over exactly one evaluation period: no gap between runs, no overlap.
        expect(text.split('\n')[1], `${name} @ ${frequency}`).toBe(`| where ingestion_time() > ago(${kql[frequency]})`);
      }
      for (const rule of rules) {
        const props = evaluateValue(rule.properties, scopeFor(frequency)) as { evaluationFrequency: string; windowSize: string };
        expect(props.evaluationFrequency).toBe(frequency);
        const window = Number(/^PT(\d+)H$/.exec(props.windowSize)?.[1]) * 60;
        expect(window, `${rule.name} window`).toBeGreaterThanOrEqual(minutes * 8);
      }
    }
  });

  it('query the workspace, fire on any matching line, and split by columns the query projects', () => {
    expect(rules.map((r) => r.name).sort()).toEqual([
      "[format('{0}-batch-parked', parameters('ruleNamePrefix'))]",
      "[format('{0}-bounce-rate', parameters('ruleNamePrefix'))]",
      "[format('{0}-hard-bounce', parameters('ruleNamePrefix'))]",
    ]);
    const scope = scopeFor('PT5M');
    for (const rule of rules) {
      const props = evaluateValue(rule.properties, scope) as {
        scopes: string[];
        autoMitigate: boolean;
        actions: { actionGroups: string[] };
        criteria: { allOf: Array<{ query: string; timeAggregation: string; operator: string; threshold: number; dimensions: Array<{ name: string }> }> };
      };
      expect(props.scopes).toEqual(['<param:workspaceId>']);
      expect(props.autoMitigate).toBe(false);
      expect(props.actions.actionGroups).toEqual(['resourceId(Microsoft.Insights/actionGroups, <param:actionGroupName>)']);
      const [criterion] = props.criteria.allOf;
      expect(criterion?.timeAggregation).toBe('Count');
      expect(criterion?.operator).toBe('GreaterThan');
      expect(criterion?.threshold).toBe(0);
      expect([hardBounceQuery, bounceRateQuery, parkedBatchQuery]).toContain(criterion?.query);
      for (const dim of criterion?.dimensions ?? []) expect(criterion?.query, `dimension ${dim.name}`).toMatch(new RegExp(`\\b${dim.name} = `));
    }
  });

  it('notify the email receivers given as a parameter, through one action group', () => {
    const [group] = resourcesOf(template).filter((r) => r.type === 'Microsoft.Insights/actionGroups');
    expect(group?.condition).toBe("[variables('hasEmails')]");
    expect(JSON.stringify(group)).toContain("variables('emails')");
    const alerts = moduleDeployment('alerts').properties.parameters;
    expect(alerts.emailAddresses?.value).toBe("[parameters('alertEmailAddresses')]");
    expect(alerts.workspaceId?.value).toMatch(/'monitoring'\), '[\d-]+'\)\.outputs\.workspaceId\.value\]$/);
    expect(alerts.evaluationFrequency?.value).toBe("[parameters('alertEvaluationFrequency')]");
  });
});
