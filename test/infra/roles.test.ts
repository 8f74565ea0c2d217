import { expect, it } from 'vitest';
import { type ArmResource, type ArmTemplate, allTemplates, describeCompiled, evaluateValue, mainTemplate as mainTemplateOf, moduleDeployment, moduleScope, resourcesOf } from './armTemplate.js';

/**
 * Azure built-in role definition ids (the same in every tenant). Sources: the "Azure built-in roles"
 * reference (learn.microsoft.com/azure/role-based-access-control/built-in-roles), cross-checked against
 * Azure-Samples azd Functions templates. Only roles named here may appear in infra/.
 */
const BUILT_IN_ROLES: Record<string, string> = {
  'a638d3c7-ab3a-418d-83e6-5f17a39d4fde': 'Azure Event Hubs Data Receiver',
  '2b629674-e913-4c01-ae53-ef4638d8f975': 'Azure Event Hubs Data Sender',
  'f526a384-b230-433a-b45c-95f59c4a2dec': 'Azure Event Hubs Data Owner',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
};

/**
 * Custom roles this template defines, by the last argument of their definition's guid(). The only one:
 * suppression-rbac.bicep's, narrower than the one built-in role that covers suppression lists
 * ("Communication and Email Service Owner", which also manages the services, domains and keys).
 */
const CUSTOM_ROLES: Record<string, string> = { 'suppression-list-writer': 'ACS suppression list writer (custom)' };

/**
 * What the running app needs, and nothing more: role @ type of the resource it is scoped to.
 * - Data Receiver on the hub only (the trigger receives; it never sends, and no other hub is its business);
 * - Blob Data Owner on the account: the documented minimum for AzureWebJobsStorage by identity, which also
 *   covers Event Hubs checkpoints and the Flex deployment package;
 * - Table Data Contributor on the account: the ledger tables and the host's diagnostic events;
 * - Monitoring Metrics Publisher on Application Insights (local auth is off there);
 * - Key Vault Secrets User on each webhook secret (the alert webhook's two, Event Grid's one), not on the vault;
 * - with suppression lists only, the custom suppression list writer on each list's email service domain.
 */
const FUNCTION_APP_ROLES = [
  'ACS suppression list writer (custom) @ Microsoft.Communication/emailServices/domains',
  'Azure Event Hubs Data Receiver @ Microsoft.EventHub/namespaces/eventhubs',
  'Key Vault Secrets User @ Microsoft.KeyVault/vaults/secrets',
  'Key Vault Secrets User @ Microsoft.KeyVault/vaults/secrets',
  'Key Vault Secrets User @ Microsoft.KeyVault/vaults/secrets',
  'Monitoring Metrics Publisher @ Microsoft.Insights/components',
  'Storage Blob Data Owner @ Microsoft.Storage/storageAccounts',
  'Storage Table Data Contributor @ Microsoft.Storage/storageAccounts',
];

/**
 * What the Event Grid system topic's identity (eventgrid-access.bicep) needs: send to the logs hub (only
 * with eventHub delivery) and write dead letters into their one container.
 */
const EVENT_GRID_TOPIC_ROLES = [
  'Azure Event Hubs Data Sender @ Microsoft.EventHub/namespaces/eventhubs',
  'Storage Blob Data Contributor @ Microsoft.Storage/storageAccounts/blobServices/containers',
];
/** The principal of those roles: the topic's user-assigned identity, created in the same module. */
const EVENT_GRID_PRINCIPAL = 'reference(topicIdentity).principalId';

/** Roles no identity is ever given by this template. */
const NEVER_GRANTED = ['Owner', 'Contributor', 'Azure Event Hubs Data Owner'];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Assignment {
  readonly module: string;
  readonly role: string;
  readonly scopeType: string;
  readonly principal: string;
  readonly principalType: unknown;
  readonly condition: unknown;
  readonly name: string;
}

/** "resourceId(Microsoft.EventHub/namespaces/eventhubs, <param:ns>, <param:hub>)" -> its resource type. */
function scopeType(scope: unknown): string {
  const m = /^resourceId\(([\w.]+\/[\w/]+),/.exec(String(scope));
  return m ? (m[1] as string) : `unknown scope (${String(scope)})`;
}

function assignmentsOf(module: string, template: ArmTemplate): Assignment[] {
  const scope = moduleScope(template);
  return resourcesOf(template)
    .filter((r: ArmResource) => r.type === 'Microsoft.Authorization/roleAssignments')
    .map((r) => {
      const props = evaluateValue(r.properties, scope) as { roleDefinitionId: string; principalId: string; principalType?: string };
      const guid = /^subscriptionResourceId\(Microsoft\.Authorization\/roleDefinitions, ([0-9a-f-]+)\)$/.exec(props.roleDefinitionId)?.[1] ?? '';
      const custom = CUSTOM_ROLES[props.roleDefinitionId.match(/^resourceId\(Microsoft\.Authorization\/roleDefinitions, guid\(.*, ([\w-]+)\)\)$/)?.[1] ?? ''];
      return {
        module,
        role: BUILT_IN_ROLES[guid] ?? custom ?? `unknown role (${props.roleDefinitionId})`,
        scopeType: scopeType(evaluateValue(r.scope, scope)),
        principal: props.principalId,
        principalType: props.principalType,
        condition: r.condition,
        name: r.name,
      };
    });
}

describeCompiled('role assignments (compiled)', () => {
  const templates = allTemplates();
  const assignments = templates.flatMap(({ module, template }) => assignmentsOf(module, template));

  it('use only built-in role ids from the table, under variables named after the role', () => {
    let constants = 0;
    for (const { module, template } of templates) {
      for (const [name, value] of Object.entries(template.variables ?? {})) {
        if (typeof value !== 'string' || !GUID.test(value)) continue;
        constants += 1;
        const role = BUILT_IN_ROLES[value.toLowerCase()];
        expect(role, `${module}: ${name} = ${value} is not a known built-in role id`).toBeDefined();
        // eventHubsDataReceiverRoleId <-> "Azure Event Hubs Data Receiver"
        const fromRole = (role ?? '').replace(/^Azure /, '').replace(/\s+/g, '').toLowerCase();
        expect(name.toLowerCase(), `${module}: ${name} holds the id of "${role}"`).toBe(`${fromRole}roleid`);
      }
    }
    expect(constants).toBe(7);
  });

  it('give the function app exactly the roles it needs, each at the narrowest working scope', () => {
    const app = assignments.filter((a) => a.principal === '<param:functionPrincipalId>');
    expect(app.map((a) => `${a.role} @ ${a.scopeType}`).sort()).toEqual(FUNCTION_APP_ROLES);
    for (const a of app) expect(a.principalType, `${a.module} ${a.role}`).toBe('ServicePrincipal');
  });

  it('grant the user-assigned identity, created before the app, and create the app only after its roles', () => {
    for (const module of ['rbac', 'keyvault']) {
      expect(moduleDeployment(module).properties.parameters.functionPrincipalId?.value, module).toMatch(/'identity'\), '[\d-]+'\)\.outputs\.principalId\.value\]$/);
    }
    const api = moduleDeployment('api');
    for (const before of ['identity', 'rbac', 'keyvault']) {
      expect(api.dependsOn, `api after ${before}`).toContain(`[resourceId('Microsoft.Resources/deployments', '${before}')]`);
    }
    // No role is granted to a system-assigned identity (which would exist only once the app does).
    expect(JSON.stringify(templates)).not.toMatch(/identity\.principalId|SystemAssigned/);
  });

  it('give a developer, only on request, receive-only access to the hub', () => {
    const dev = assignments.filter((a) => a.principal === '<param:localDevPrincipalId>');
    expect(dev.map((a) => `${a.role} @ ${a.scopeType}`)).toEqual(['Azure Event Hubs Data Receiver @ Microsoft.EventHub/namespaces/eventhubs']);
    for (const a of dev) expect(a.condition).toBe("[not(empty(parameters('localDevPrincipalId')))]");
    // The compiler writes a conditional module parameter as a whole {value: ...} object.
    expect(moduleDeployment('rbac').properties.parameters.localDevPrincipalId).toBe("[if(parameters('allowLocalDevAccess'), createObject('value', parameters('principalId')), createObject('value', ''))]");
  });

  it('give the Event Grid topic identity send-only on the hub (eventHub delivery only) and the dead-letter container, nothing broader', () => {
    const topic = assignments.filter((a) => a.principal === EVENT_GRID_PRINCIPAL);
    expect(topic.map((a) => `${a.role} @ ${a.scopeType}`).sort()).toEqual(EVENT_GRID_TOPIC_ROLES);
    for (const a of topic) {
      expect(a.module).toBe('eventgrid-access');
      expect(a.principalType, a.role).toBe('ServicePrincipal');
    }
    expect(topic.find((a) => a.role === 'Azure Event Hubs Data Sender')?.condition).toBe("[parameters('deliverToEventHub')]");
    expect(topic.find((a) => a.role === 'Storage Blob Data Contributor')?.condition).toBeUndefined();
    // The container is the dead-letter one: its name is the module's default, and main passes no other.
    const access = moduleDeployment('eventgrid-access');
    expect(access.properties.template.parameters?.deadLetterContainerName?.defaultValue).toBe('eventgrid-deadletter');
    expect(access.properties.parameters.deadLetterContainerName).toBeUndefined();
    expect(access.properties.parameters.deliverToEventHub?.value).toBe("[equals(parameters('eventGridDelivery'), 'eventHub')]");
    // Data Sender is granted to nobody else: the app only receives.
    expect(assignments.filter((a) => a.role === 'Azure Event Hubs Data Sender' && a.principal !== EVENT_GRID_PRINCIPAL)).toEqual([]);
  });

  it('grant nobody else anything, and never a broad role', () => {
    expect(assignments.filter((a) => !['<param:functionPrincipalId>', '<param:localDevPrincipalId>', EVENT_GRID_PRINCIPAL].includes(a.principal))).toEqual([]);
    for (const a of assignments) expect(NEVER_GRANTED, `${a.module} ${a.role}`).not.toContain(a.role);
  });

  it('have deterministic names: guid(scope id, principal, role)', () => {
    expect(assignments.length).toBe(11);
    // The principal part: a principal id parameter, or the resource id of an identity made in the same
    // module (its principal id is only known once it exists, too late for a name).
    const principal = String.raw`(?:parameters\('\w+PrincipalId'\)|resourceId\('Microsoft\.ManagedIdentity/userAssignedIdentities', parameters\('\w+'\)\))`;
    for (const a of assignments) {
      expect(a.name, `${a.module} ${a.role}`).toMatch(new RegExp(String.raw`^\[guid\(resourceId\('[\w./]+', .+\), ${principal}, (?:variables\('\w+RoleId'\)|resourceId\('Microsoft\.Authorization/roleDefinitions', .+\))\)\]$`));
    }
  });
});

describeCompiled('the suppression list role (compiled infra/app/suppression-rbac.bicep)', () => {
  const found = allTemplates().find(({ module }) => module.includes('suppression-rbac'));
  const template = found?.template as ArmTemplate;
  const definition = resourcesOf(template).find((r) => r.type === 'Microsoft.Authorization/roleDefinitions');
  const props = evaluateValue(definition?.properties, moduleScope(template)) as { type: string; assignableScopes: string[]; permissions: { actions: string[]; notActions: string[]; dataActions: string[] }[] };

  it('allows the addresses of suppression lists, read, write and delete, and nothing else', () => {
    expect(props.type).toBe('CustomRole');
    expect(props.permissions).toEqual([
      {
        actions: ['read', 'write', 'delete'].map((op) => `Microsoft.Communication/EmailServices/Domains/SuppressionLists/SuppressionListAddresses/${op}`),
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ]);
    expect(props.assignableScopes).toEqual(['resourceGroup().id']);
  });

  it('is deployed once per configured list, into the list\'s resource group, and not at all without lists', () => {
    const deployment = resourcesOf(mainTemplateOf()).find((r) => r.type === 'Microsoft.Resources/deployments' && r.name.includes('suppression-rbac'));
    const copy = (deployment as unknown as { copy?: { count: string } }).copy;
    expect(copy?.count).toBe("[length(variables('suppressionListIds'))]");
    expect(mainTemplateOf().variables?.['suppressionListIds']).toContain("if(empty(parameters('suppressionLists')), createArray()");
    expect(String(deployment?.resourceGroup)).toContain("[variables('suppressionListIds')[copyIndex()][4]]");
  });
});

it('lists every role the infra may use once', () => {
  expect(new Set(Object.values(BUILT_IN_ROLES)).size).toBe(Object.keys(BUILT_IN_ROLES).length);
});
