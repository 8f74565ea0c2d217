import { expect, it } from 'vitest';
import { EVENT_GRID_TYPES } from '../../src/eventgrid/classifyEventGridEvent.js';
import { type ArmTemplate, describeCompiled, evaluateValue, mainTemplate, moduleDeployment, moduleScope, moduleTemplate, readRepoFile, resourceOfType, resourcesOf } from './armTemplate.js';

/**
 * Event Grid as the second input (issue 12), read from the compiled templates: main.bicep's
 * eventGridDelivery = none | eventHub | webhook, infra/app/eventgrid-access.bicep (identity, roles,
 * dead-letter container, ledger resource group) and infra/app/eventgrid.bicep (system topic + subscription,
 * next to the ACS resource). Azure-side behaviour (validation handshake, delivery) cannot run here.
 */

/** The two ACS Email event types the ledger reads, from the code that classifies them. */
const EMAIL_REPORT_EVENT_TYPES = Object.values(EVENT_GRID_TYPES);
/** Where the webhook function answers (design: app.http('eventGridWebhook', { route: 'eventgrid' }) under the default 'api' prefix). */
const WEBHOOK_PATH = '/api/eventgrid';
const SECRET_HEADER = 'x-ledger-eventgrid-secret';
const DELIVERIES = ['none', 'eventHub', 'webhook'] as const;
type Delivery = (typeof DELIVERIES)[number];

const ACS_ID = '/subscriptions/sub-acs/resourceGroups/rg-acs/providers/Microsoft.Communication/communicationServices/acs-mail';
const LONG_SECRET = 's'.repeat(40);

/** main.bicep evaluated with these parameter values (others: defaults, or <param:name> stand-ins). */
function mainScope(values: Record<string, unknown>) {
  return moduleScope(mainTemplate(), values);
}

/** A module deployment of main: whether it is deployed, and the value of each parameter it is passed. */
function deployed(module: string, values: Record<string, unknown>): { on: boolean; params: Record<string, unknown> } {
  const d = moduleDeployment(module);
  const scope = mainScope(values);
  const on = d.condition === undefined || evaluateValue(d.condition, scope) === true;
  const params: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(d.properties.parameters)) params[name] = (evaluateValue(value, scope) as { value: unknown }).value;
  return { on, params };
}

function forDelivery(delivery: Delivery, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { eventGridDelivery: delivery, acsResourceId: ACS_ID, eventGridWebhookSecret: LONG_SECRET, ...more };
}

/** The subscription's properties in eventgrid.bicep for one delivery. */
function subscriptionProperties(delivery: 'eventHub' | 'webhook'): Record<string, unknown> {
  const template = moduleTemplate('eventgrid');
  const subscription = resourceOfType(template, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
  // The webhook's URL and secret default to '' (unused with the hub): stand-ins show where they go.
  return evaluateValue(subscription.properties, moduleScope(template, { delivery, webhookUrl: '<param:webhookUrl>', webhookSecret: '<param:webhookSecret>' })) as Record<string, unknown>;
}

describeCompiled('Event Grid: main.bicep eventGridDelivery (compiled)', () => {
  it('offers none (the default), eventHub and webhook, mapped to azd variables', () => {
    const p = mainTemplate().parameters?.eventGridDelivery;
    expect(p?.allowedValues).toEqual(DELIVERIES);
    expect(p?.defaultValue).toBe('none');
    const file = JSON.parse(readRepoFile('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
    expect(file.parameters.eventGridDelivery?.value).toBe('${EVENTGRID_DELIVERY=none}');
    expect(file.parameters.eventGridWebhookSecret?.value).toBe('${LEDGER_EVENTGRID_SECRET=}');
    expect(mainTemplate().parameters?.eventGridWebhookSecret?.type).toBe('securestring');
  });

  it("'none' creates nothing: no module, no Key Vault, no setting, no auth exemption", () => {
    const values = forDelivery('none');
    expect(deployed('eventgrid-access', values).on).toBe(false);
    expect(deployed('eventgrid', values).on).toBe(false);
    expect(deployed('keyvault', values).on).toBe(false);
    expect(deployed('appsettings', values).params.eventGridWebhookReference).toBe('');
    expect(deployed('api', values).params.unauthenticatedPaths).toEqual([]);
    const outputs = mainTemplate().outputs ?? {};
    expect(evaluateValue(outputs.EVENTGRID_SYSTEM_TOPIC?.value, mainScope(values))).toBe('');
  });

  it("'eventHub' deploys the identity (with the Data Sender role) and the topic, but no Key Vault and no webhook setting", () => {
    const values = forDelivery('eventHub');
    const access = deployed('eventgrid-access', values);
    expect(access.on).toBe(true);
    expect(access.params.deliverToEventHub).toBe(true);
    const eventGrid = deployed('eventgrid', values);
    expect(eventGrid.on).toBe(true);
    expect(eventGrid.params.delivery).toBe('eventHub');
    expect(eventGrid.params.webhookUrl).toBe('');
    expect(eventGrid.params.webhookSecret).toBe('');
    expect(deployed('keyvault', values).on).toBe(false);
    expect(deployed('appsettings', values).params.eventGridWebhookReference).toBe('');
  });

  it("'webhook' targets https://<app host>/api/eventgrid with the secret, keeps the secret in Key Vault and sets it on the app", () => {
    const values = forDelivery('webhook');
    const access = deployed('eventgrid-access', values);
    expect(access.on).toBe(true);
    expect(access.params.deliverToEventHub).toBe(false);
    const eventGrid = deployed('eventgrid', values);
    expect(eventGrid.params.delivery).toBe('webhook');
    const url = eventGrid.params.webhookUrl as string;
    expect(url.startsWith('https://')).toBe(true);
    expect(url).toBe(`https://reference(resourceId(Microsoft.Resources/deployments, api), 2025-04-01).outputs.defaultHostName.value${WEBHOOK_PATH}`);
    expect(eventGrid.params.webhookSecret).toBe(LONG_SECRET);
    const keyVault = deployed('keyvault', values);
    expect(keyVault.on).toBe(true);
    expect(keyVault.params.includeEventGridSecret).toBe(true);
    expect(keyVault.params.includeAlertWebhook).toBe(false);
    expect(keyVault.params.eventGridSecret).toBe(LONG_SECRET);
    expect(deployed('appsettings', values).params.eventGridWebhookReference).toBe(
      'reference(resourceId(Microsoft.Resources/deployments, keyvault), 2025-04-01).outputs.eventGridWebhookReference.value',
    );
    // With dashboard sign-in on, App Service authentication lets Event Grid through to the function.
    expect(deployed('api', values).params.unauthenticatedPaths).toEqual([WEBHOOK_PATH]);
  });

  it('stops the deployment with a message when the webhook secret is short or no ACS resource is given', () => {
    const short = deployed('keyvault', forDelivery('webhook', { eventGridWebhookSecret: 'short' })).params.eventGridSecret;
    expect(short).toMatch(/^fail\(eventGridDelivery=webhook needs eventGridWebhookSecret .*at least 32 characters\.\)$/);
    expect(deployed('keyvault', forDelivery('webhook', { eventGridWebhookSecret: 's'.repeat(32) })).params.eventGridSecret).toBe('s'.repeat(32));
    // Not checked when the webhook is off: eventHub needs no secret.
    expect(deployed('keyvault', forDelivery('eventHub', { eventGridWebhookSecret: '', alertWebhookUrl: 'https://hooks.example' })).params.eventGridSecret).toBe('');
    const noAcs = deployed('eventgrid', forDelivery('eventHub', { acsResourceId: '' })).params.communicationServiceName;
    expect(noAcs).toMatch(/^fail\(eventGridDelivery needs acsResourceId/);
  });

  it('puts the topic next to the ACS resource the diagnostic setting uses, after its identity, roles and the app settings', () => {
    const values = forDelivery('eventHub');
    const eventGrid = moduleDeployment('eventgrid') as unknown as { subscriptionId: string; resourceGroup: string; dependsOn: string[] };
    const diagnostics = moduleDeployment('acs-diagnostics') as unknown as { subscriptionId: string; resourceGroup: string };
    expect(eventGrid.subscriptionId).toBe(diagnostics.subscriptionId);
    expect(eventGrid.resourceGroup).toBe(diagnostics.resourceGroup);
    expect(evaluateValue(eventGrid.subscriptionId, mainScope(values))).toBe('sub-acs');
    expect(evaluateValue(eventGrid.resourceGroup, mainScope(values))).toBe('rg-acs');
    expect(deployed('eventgrid', values).params.communicationServiceName).toBe('acs-mail');
    for (const before of ['eventgrid-access', 'appsettings', 'api']) {
      expect(eventGrid.dependsOn, before).toContain(`[resourceId('Microsoft.Resources/deployments', '${before}')]`);
    }
  });
});

describeCompiled('Event Grid: system topic and subscription (compiled infra/app/eventgrid.bicep)', () => {
  const template = moduleTemplate('eventgrid');

  it('creates a global system topic of type CommunicationServices on the ACS resource, with the user-assigned identity', () => {
    const topic = evaluateValue(resourceOfType(template, 'Microsoft.EventGrid/systemTopics'), moduleScope(template)) as {
      apiVersion: string;
      location: string;
      identity: { type: string; userAssignedIdentities: Record<string, unknown> };
      properties: { source: string; topicType: string };
    };
    expect(topic.apiVersion).toBe('2025-02-15');
    expect(topic.location).toBe('global');
    expect(topic.properties.topicType).toBe('Microsoft.Communication.CommunicationServices');
    expect(topic.properties.source).toBe('resourceId(Microsoft.Communication/communicationServices, <param:communicationServiceName>)');
    expect(topic.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { '<param:identityId>': {} } });
    expect(resourcesOf(template).filter((r) => r.type === 'Microsoft.Communication/communicationServices' && r.existing !== true)).toEqual([]);
  });

  it('subscribes to exactly the two email report types, in the Event Grid schema, with explicit retries', () => {
    const subscription = resourceOfType(template, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
    expect(subscription.apiVersion).toBe('2025-02-15');
    expect(resourcesOf(template).filter((r) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions')).toHaveLength(1);
    for (const delivery of ['eventHub', 'webhook'] as const) {
      const props = subscriptionProperties(delivery);
      const filter = props.filter as { includedEventTypes: string[] };
      expect(Object.keys(filter), delivery).toEqual(['includedEventTypes']);
      expect([...filter.includedEventTypes].sort(), delivery).toEqual([...EMAIL_REPORT_EVENT_TYPES].sort());
      expect(EMAIL_REPORT_EVENT_TYPES).toHaveLength(2);
      expect(props.eventDeliverySchema, delivery).toBe('EventGridSchema');
      expect(props.retryPolicy, delivery).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
    }
  });

  it('dead-letters into the ledger storage container with the topic identity', () => {
    for (const delivery of ['eventHub', 'webhook'] as const) {
      expect(subscriptionProperties(delivery).deadLetterWithResourceIdentity, delivery).toEqual({
        identity: { type: 'UserAssigned', userAssignedIdentity: '<param:identityId>' },
        deadLetterDestination: { endpointType: 'StorageBlob', properties: { resourceId: '<param:deadLetterStorageAccountId>', blobContainerName: '<param:deadLetterContainerName>' } },
      });
      expect(subscriptionProperties(delivery).deadLetterDestination, delivery).toBeUndefined();
    }
  });

  it("'eventHub' delivers to the hub with the topic identity, and has no webhook destination", () => {
    const props = subscriptionProperties('eventHub');
    expect(props.deliveryWithResourceIdentity).toEqual({
      identity: { type: 'UserAssigned', userAssignedIdentity: '<param:identityId>' },
      destination: { endpointType: 'EventHub', properties: { resourceId: '<param:eventHubId>' } },
    });
    expect(props.destination).toBeNull();
  });

  it("'webhook' POSTs to the given URL with the secret as a static secret header, and no identity delivery", () => {
    const props = subscriptionProperties('webhook');
    expect(props.deliveryWithResourceIdentity).toBeNull();
    expect(props.destination).toEqual({
      endpointType: 'WebHook',
      properties: {
        endpointUrl: '<param:webhookUrl>',
        maxEventsPerBatch: 10,
        preferredBatchSizeInKilobytes: 64,
        deliveryAttributeMappings: [{ name: SECRET_HEADER, type: 'Static', properties: { value: '<param:webhookSecret>', isSecret: true } }],
      },
    });
    // The secret is nowhere in the URL: no query string.
    expect(JSON.stringify(props)).not.toMatch(/\?secret=/);
    for (const name of ['webhookSecret', 'webhookUrl']) expect(template.parameters?.[name]?.type, name).toBe('securestring');
  });
});

describeCompiled('Event Grid: identity, roles and dead-letter container (compiled infra/app/eventgrid-access.bicep)', () => {
  const template = moduleTemplate('eventgrid-access');
  const main = mainTemplate();

  it('creates the eventgrid-deadletter container, private, in the ledger storage account', () => {
    const container = evaluateValue(resourceOfType(template, 'Microsoft.Storage/storageAccounts/blobServices/containers'), moduleScope(template)) as { name: string; properties: unknown };
    expect(container.name).toBe('<param:storageAccountName>/default/eventgrid-deadletter');
    expect(container.properties).toEqual({ publicAccess: 'None' });
    expect(moduleDeployment('eventgrid-access').properties.parameters.storageAccountName?.value).toMatch(/'storage'\), '[\d-]+'\)\.outputs\.name\.value\]$/);
    expect(evaluateValue(template.outputs?.storageAccountId?.value, moduleScope(template))).toBe('resourceId(Microsoft.Storage/storageAccounts, <param:storageAccountName>)');
  });

  it('scopes Data Sender to the logs hub, the same hub the diagnostic setting streams to', () => {
    const sender = resourcesOf(template).find((r) => r.type === 'Microsoft.Authorization/roleAssignments' && r.condition !== undefined) as { scope: string };
    expect(evaluateValue(sender.scope, moduleScope(template))).toBe('resourceId(Microsoft.EventHub/namespaces/eventhubs, <param:eventHubNamespaceName>, <param:eventHubName>)');
    const passed = moduleDeployment('eventgrid-access').properties.parameters;
    expect(passed.eventHubName?.value).toBe(moduleDeployment('acs-diagnostics').properties.parameters.eventHubName?.value);
    expect(passed.eventHubNamespaceName?.value).toMatch(/'eventhubs'\), '[\d-]+'\)\.outputs\.namespaceName\.value\]$/);
    // The subscription delivers to the hub this module's output names: the one the role is scoped to.
    expect(evaluateValue(template.outputs?.eventHubId?.value, moduleScope(template))).toBe(evaluateValue(sender.scope, moduleScope(template)));
  });

  it("scopes Blob Data Contributor to the dead-letter container only", () => {
    const contributor = resourcesOf(template).find((r) => r.type === 'Microsoft.Authorization/roleAssignments' && r.condition === undefined) as { scope: string };
    expect(evaluateValue(contributor.scope, moduleScope(template))).toBe('resourceId(Microsoft.Storage/storageAccounts/blobServices/containers, <param:storageAccountName>, default, eventgrid-deadletter)');
  });

  it('hands the subscription exactly its identity, hub, account and container, from this module', () => {
    const passed = moduleDeployment('eventgrid').properties.parameters;
    for (const [param, output] of [
      ['identityId', 'identityId'],
      ['eventHubId', 'eventHubId'],
      ['deadLetterStorageAccountId', 'storageAccountId'],
      ['deadLetterContainerName', 'deadLetterContainerName'],
    ] as const) {
      expect(passed[param]?.value, param).toBe(`[reference(resourceId('Microsoft.Resources/deployments', 'eventgrid-access'), '2025-04-01').outputs.${output}.value]`);
    }
    expect(evaluateValue(template.outputs?.identityId?.value, moduleScope(template))).toBe('resourceId(Microsoft.ManagedIdentity/userAssignedIdentities, <param:identityName>)');
    expect(main.outputs?.EVENTGRID_DEADLETTER_CONTAINER).toBeDefined();
  });
});

describeCompiled('Event Grid: the app side of the webhook (compiled)', () => {
  it('sets LEDGER_EVENTGRID_AUTH=secret and LEDGER_EVENTGRID_SECRET from Key Vault only with a reference', () => {
    const template = moduleTemplate('appsettings');
    const config = resourceOfType(template, 'Microsoft.Web/sites/config');
    const settings = (eventGridWebhookReference: string) =>
      evaluateValue(config.properties, moduleScope(template, { webhookUrlReference: '', webhookSigningReference: '', eventGridWebhookReference })) as Record<string, string>;
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv.example/secrets/ledger-eventgrid-secret)';
    expect(settings(reference).LEDGER_EVENTGRID_AUTH).toBe('secret');
    expect(settings(reference).LEDGER_EVENTGRID_SECRET).toBe(reference);
    expect(Object.keys(settings('')).filter((n) => n.startsWith('LEDGER_EVENTGRID_'))).toEqual([]);
  });

  it('reads that reference from a Key Vault secret the app identity may read', () => {
    const keyVault: ArmTemplate = moduleTemplate('keyvault');
    const secret = resourcesOf(keyVault).find((r) => r.type === 'Microsoft.KeyVault/vaults/secrets' && r.name.includes('ledger-eventgrid-secret'));
    expect(secret?.condition).toBe("[parameters('includeEventGridSecret')]");
    expect(JSON.stringify(secret?.properties)).toContain("parameters('eventGridSecret')");
    expect(keyVault.outputs?.eventGridWebhookReference?.value).toMatch(/format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)', reference\('eventGridSecretResource'\)\.secretUri\)/);
    const role = resourcesOf(keyVault).find((r) => r.type === 'Microsoft.Authorization/roleAssignments' && String(r.scope).includes('ledger-eventgrid-secret'));
    expect(role?.condition).toBe("[parameters('includeEventGridSecret')]");
  });

  it('exempts the webhook path from App Service authentication, which the function replaces with its secret check', () => {
    const api = moduleTemplate('api');
    const auth = resourceOfType(api, 'Microsoft.Web/sites/config');
    const props = evaluateValue(auth.properties, moduleScope(api, { unauthenticatedPaths: [WEBHOOK_PATH] })) as { globalValidation: { excludedPaths: string[]; requireAuthentication: boolean } };
    expect(props.globalValidation.requireAuthentication).toBe(true);
    expect(props.globalValidation.excludedPaths).toEqual([WEBHOOK_PATH]);
  });
});

it('host.json keeps the default "api" route prefix the webhook URL assumes', () => {
  const host = JSON.parse(readRepoFile('host.json')) as { extensions?: { http?: { routePrefix?: string } } };
  expect(host.extensions?.http?.routePrefix ?? 'api').toBe('api');
});
