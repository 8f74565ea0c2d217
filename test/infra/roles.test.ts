import { describe, expect, it } from 'vitest';
import { bicepFiles, declarationValue, declarations, modules, objectEntries, readBicep, resources, unquote } from './bicepText.js';

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
 * What the running app needs, and nothing more: role @ type of the resource it is scoped to.
 * - Data Receiver on the hub only (the trigger receives; it never sends, and no other hub is its business);
 * - Blob Data Owner on the account: the documented minimum for AzureWebJobsStorage by identity, which also
 *   covers Event Hubs checkpoints and the Flex deployment package;
 * - Table Data Contributor on the account: the ledger tables and the host's diagnostic events;
 * - Monitoring Metrics Publisher on Application Insights (local auth is off there);
 * - Key Vault Secrets User on each webhook secret, not on the vault.
 */
const FUNCTION_APP_ROLES = [
  'Azure Event Hubs Data Receiver @ Microsoft.EventHub/namespaces/eventhubs',
  'Key Vault Secrets User @ Microsoft.KeyVault/vaults/secrets',
  'Key Vault Secrets User @ Microsoft.KeyVault/vaults/secrets',
  'Monitoring Metrics Publisher @ Microsoft.Insights/components',
  'Storage Blob Data Owner @ Microsoft.Storage/storageAccounts',
  'Storage Table Data Contributor @ Microsoft.Storage/storageAccounts',
];

/** Roles no identity is ever given by this template. */
const NEVER_GRANTED = ['Owner', 'Contributor', 'Azure Event Hubs Data Owner', 'Azure Event Hubs Data Sender'];

const GUID = /'([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})'/g;

interface Assignment {
  readonly file: string;
  readonly symbol: string;
  readonly role: string;
  readonly scopeType: string;
  readonly principal: string;
  readonly principalType: string | undefined;
  readonly condition: string | undefined;
  readonly name: string;
}

/** `var xRoleId = '<guid>'` constants of a file. */
function roleConstants(src: string): Map<string, string> {
  const constants = new Map<string, string>();
  for (const decl of declarations(src)) {
    const value = declarationValue(decl) ?? '';
    if (decl.kind === 'var' && GUID.test(value)) constants.set(decl.name, unquote(value).toLowerCase());
    GUID.lastIndex = 0;
  }
  return constants;
}

function roleAssignments(): Assignment[] {
  const found: Assignment[] = [];
  for (const file of bicepFiles()) {
    const src = readBicep(file);
    const constants = roleConstants(src);
    const declared = resources(src);
    for (const r of declared.filter((x) => x.type === 'Microsoft.Authorization/roleAssignments')) {
      const body = objectEntries(r.body);
      const props = objectEntries(body.get('properties') ?? '{}');
      const roleConst = /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions',\s*(\w+)\)$/.exec(props.get('roleDefinitionId') ?? '')?.[1];
      const guid = roleConst === undefined ? undefined : constants.get(roleConst);
      const scopeSymbol = body.get('scope');
      const scope = declared.find((x) => x.symbol === scopeSymbol);
      found.push({
        file,
        symbol: r.symbol,
        role: (guid && BUILT_IN_ROLES[guid]) ?? `unknown role (${props.get('roleDefinitionId')})`,
        scopeType: scope?.type ?? `unknown scope (${scopeSymbol})`,
        principal: props.get('principalId') ?? '',
        principalType: props.get('principalType'),
        condition: r.condition,
        name: body.get('name') ?? '',
      });
    }
  }
  return found;
}

const assignments = roleAssignments();

describe('role assignments', () => {
  it('use only built-in role ids from the table, under constants named after the role', () => {
    for (const file of bicepFiles()) {
      const src = readBicep(file);
      for (const m of src.matchAll(GUID)) {
        const guid = (m[1] as string).toLowerCase();
        expect(BUILT_IN_ROLES[guid], `${file}: ${guid} is not a known built-in role id`).toBeDefined();
      }
      for (const [constant, guid] of roleConstants(src)) {
        // eventHubsDataReceiverRoleId <-> "Azure Event Hubs Data Receiver"
        const role = BUILT_IN_ROLES[guid] ?? '';
        const fromRole = role.replace(/^Azure /, '').replace(/\s+/g, '').toLowerCase();
        expect(constant.toLowerCase(), `${file}: ${constant} holds the id of "${role}"`).toBe(`${fromRole}roleid`);
      }
    }
  });

  it('give the function app exactly the roles it needs, each at the narrowest working scope', () => {
    const app = assignments.filter((a) => a.principal === 'functionPrincipalId');
    expect(app.map((a) => `${a.role} @ ${a.scopeType}`).sort()).toEqual(FUNCTION_APP_ROLES);
    for (const a of app) expect(a.principalType, `${a.file} ${a.symbol}`).toBe("'ServicePrincipal'");
  });

  it('grant the function app identity, which main.bicep takes from the app itself', () => {
    const main = readBicep('main.bicep');
    for (const m of modules(main).filter((x) => x.params.has('functionPrincipalId'))) {
      expect(m.params.get('functionPrincipalId'), m.symbol).toBe('api.outputs.principalId');
    }
    expect(readBicep('app/api.bicep')).toMatch(/output principalId string = site\.identity\.principalId/);
  });

  it('give a developer, only on request, receive-only access to the hub', () => {
    const dev = assignments.filter((a) => a.principal === 'localDevPrincipalId');
    expect(dev.map((a) => `${a.role} @ ${a.scopeType}`)).toEqual(['Azure Event Hubs Data Receiver @ Microsoft.EventHub/namespaces/eventhubs']);
    for (const a of dev) expect(a.condition).toBe('!empty(localDevPrincipalId)');
    const main = readBicep('main.bicep');
    expect(modules(main).find((m) => m.symbol === 'rbac')?.params.get('localDevPrincipalId')).toBe("allowLocalDevAccess ? principalId : ''");
  });

  it('grant nobody else anything, and never a broad role', () => {
    expect(assignments.filter((a) => !['functionPrincipalId', 'localDevPrincipalId'].includes(a.principal))).toEqual([]);
    for (const a of assignments) expect(NEVER_GRANTED, `${a.file} ${a.symbol}`).not.toContain(a.role);
  });

  it('have deterministic names: guid(scope id, principal, role)', () => {
    for (const a of assignments) {
      expect(a.name, `${a.file} ${a.symbol}`).toMatch(/^guid\(\w+\.id, \w+, \w+RoleId\)$/);
    }
  });
});
