import { expect, it } from 'vitest';
import { allTemplates, describeCompiled, evaluateValue, mainTemplate, moduleDeployment, moduleScope, moduleTemplate, readRepoFile, resourceOfType, resourcesOf } from './armTemplate.js';

/** A resource's properties with expressions evaluated (parameters as <param:name> stand-ins). */
function propertiesOf(module: string, type: string): Record<string, unknown> {
  const template = moduleTemplate(module);
  return evaluateValue(resourceOfType(template, type).properties, moduleScope(template)) as Record<string, unknown>;
}

/** Output names that announce a secret (the Bicep linter's outputs-should-not-contain-secrets, and more). */
const SECRET_LOOKING_NAME = /password|passwd|connectionstring|accountkey|accesskey|primarykey|secondarykey|instrumentationkey|sastoken|sharedaccess|secret(?!uri$)/i;
/** Expressions that read a secret: list* functions (listKeys, listConnectionStrings, ...) and key properties. */
const SECRET_READING_EXPR = /\blist[A-Z]\w*\(|ConnectionString\b|connectionString\b|InstrumentationKey|primaryKey|secondaryKey|\.value\)?\]$/;

describeCompiled('storage account (host state + ledger tables), compiled', () => {
  const props = () => propertiesOf('storage', 'Microsoft.Storage/storageAccounts');

  it('accepts Entra ID only: shared-key access is disabled', () => {
    expect(props().allowSharedKeyAccess).toBe(false);
    expect(props().defaultToOAuthAuthentication).toBe(true);
  });

  it('requires TLS 1.2 and HTTPS', () => {
    expect(props().minimumTlsVersion).toBe('TLS1_2');
    expect(props().supportsHttpsTrafficOnly).toBe(true);
  });

  it('allows no public (anonymous) blob access', () => {
    expect(props().allowBlobPublicAccess).toBe(false);
  });
});

describeCompiled('function app, compiled', () => {
  const api = moduleTemplate('api');
  const scope = moduleScope(api);
  const site = evaluateValue(resourceOfType(api, 'Microsoft.Web/sites'), scope) as {
    kind: string;
    tags: Record<string, string>;
    identity: { type: string; userAssignedIdentities: Record<string, unknown> };
    properties: Record<string, unknown> & { functionAppConfig: Record<string, Record<string, unknown>>; siteConfig: Record<string, unknown> };
  };
  const plan = resourceOfType(api, 'Microsoft.Web/serverfarms') as unknown as { sku: { name: string; tier: string }; properties: { reserved: boolean } };

  it('runs on the Flex Consumption plan (FC1, Linux)', () => {
    expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(plan.properties.reserved).toBe(true);
    expect(site.kind).toBe('functionapp,linux');
  });

  it('runs as the user-assigned identity only, the one main.bicep creates first', () => {
    expect(site.identity.type).toBe('UserAssigned');
    expect(Object.keys(site.identity.userAssignedIdentities)).toEqual(['<param:identityId>']);
    expect(moduleDeployment('api').properties.parameters.identityId?.value).toMatch(/'identity'\), '[\d-]+'\)\.outputs\.id\.value\]$/);
  });

  it('resolves Key Vault references with that identity', () => {
    expect(site.properties.keyVaultReferenceIdentity).toBe('<param:identityId>');
  });

  it('runs Node.js 22', () => {
    expect(site.properties.functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
  });

  it('reads its deployment package with that identity, not a storage key', () => {
    const storage = site.properties.functionAppConfig.deployment?.storage as Record<string, unknown>;
    expect(storage.type).toBe('blobContainer');
    expect(storage.authentication).toEqual({ type: 'UserAssignedIdentity', userAssignedIdentityResourceId: '<param:identityId>' });
  });

  it('scales within Flex Consumption limits given by main.bicep', () => {
    expect(site.properties.functionAppConfig.scaleAndConcurrency).toEqual({ instanceMemoryMB: '<param:instanceMemoryMB>', maximumInstanceCount: '<param:maximumInstanceCount>' });
  });

  it('is HTTPS only with TLS 1.2 and no FTP', () => {
    expect(site.properties.httpsOnly).toBe(true);
    expect(site.properties.siteConfig.minTlsVersion).toBe('1.2');
    expect(site.properties.siteConfig.ftpsState).toBe('Disabled');
  });

  it('is the azd service "api" of azure.yaml', () => {
    expect(site.tags['azd-service-name']).toBe('api');
    expect(readRepoFile('azure.yaml')).toMatch(/^services:\n {2}api:\n(?: {4}.*\n)*? {4}host: function$/m);
  });
});

describeCompiled('secrets, compiled', () => {
  const templates = allTemplates();
  const secureParams = (module: string) =>
    Object.entries(templates.find((t) => t.module === module)?.template.parameters ?? {})
      .filter(([, p]) => p.type.toLowerCase().startsWith('secure'))
      .map(([name]) => name);

  it('no output exposes a secure parameter, a key or a connection string', () => {
    for (const { module, template } of templates) {
      const secure = secureParams(module);
      for (const [name, output] of Object.entries(template.outputs ?? {})) {
        const where = `${module}: output ${name}`;
        const value = JSON.stringify(output.value);
        expect(name, where).not.toMatch(SECRET_LOOKING_NAME);
        expect(String(output.value), where).not.toMatch(/\blist[A-Z]\w*\(|ConnectionString\b|InstrumentationKey|primaryKey|secondaryKey/);
        for (const p of secure) expect(value, `${where} uses secure param ${p}`).not.toContain(`parameters('${p}')`);
      }
    }
    expect(SECRET_READING_EXPR.test("[listKeys('x')]")).toBe(true);
  });

  it('no template reads a key: no list*() call, no account key or SAS in a string', () => {
    const text = JSON.stringify(templates.map((t) => t.template));
    expect(text).not.toMatch(/\blist[A-Z]\w*\(/);
    expect(text).not.toMatch(/AccountKey=|SharedAccessKey=|SharedAccessSignature=/i);
  });

  it('secure parameters of main.bicep reach only the Key Vault and Event Grid modules, into secure parameters', () => {
    const secure = secureParams('main');
    expect(secure.sort()).toEqual(['alertWebhookSecret', 'alertWebhookUrl', 'eventGridWebhookSecret']);
    // The Event Grid secret goes to Key Vault (for the app setting) and to the subscription (its header).
    const allowed: Record<string, readonly string[]> = { keyvault: secure, eventgrid: ['eventGridWebhookSecret'] };
    const reached: string[] = [];
    for (const d of resourcesOf(mainTemplate()).filter((r) => r.type === 'Microsoft.Resources/deployments')) {
      const { parameters, template } = d.properties as { parameters: Record<string, unknown>; template: { parameters: Record<string, { type: string }> } };
      const module = d.name.startsWith('[') ? (/^\[format\('([\w-]+)-\{0\}'/.exec(d.name)?.[1] ?? d.name) : d.name;
      for (const [param, value] of Object.entries(parameters)) {
        const leaked = secure.filter((name) => JSON.stringify(value).includes(`parameters('${name}')`));
        if (leaked.length === 0) continue;
        for (const name of leaked) expect(allowed[module] ?? [], `${module}.${param} gets ${name}`).toContain(name);
        expect(template.parameters[param]?.type, `${module} param ${param}`).toBe('securestring');
        reached.push(`${module}.${param}`);
      }
    }
    expect(reached.sort()).toEqual(['eventgrid.webhookSecret', 'keyvault.eventGridSecret', 'keyvault.webhookSigningSecret', 'keyvault.webhookUrl']);
    // Elsewhere in main they are only tested for emptiness (whether to deploy Key Vault), never read.
    const main = mainTemplate();
    for (const name of secure) {
      const rest = JSON.stringify([main.variables, main.outputs]).split(`empty(parameters('${name}'))`).join('');
      expect(rest, name).not.toContain(`parameters('${name}')`);
    }
  });

  it('secret values go into Key Vault secrets and nowhere else; the vault uses Azure RBAC', () => {
    const keyVault = moduleTemplate('keyvault');
    const secure = secureParams('keyvault');
    expect(secure.sort()).toEqual(['eventGridSecret', 'webhookSigningSecret', 'webhookUrl']);
    for (const r of resourcesOf(keyVault)) {
      const uses = secure.filter((name) => JSON.stringify(r).includes(`parameters('${name}')`));
      if (uses.length > 0) expect(r.type, `${r.name} uses ${uses.join(', ')}`).toBe('Microsoft.KeyVault/vaults/secrets');
    }
    expect(propertiesOf('keyvault', 'Microsoft.KeyVault/vaults').enableRbacAuthorization).toBe(true);
  });

  it('names the vault after the identity (new after `azd down`), so it never meets its own soft-deleted vault', () => {
    const name = moduleDeployment('keyvault').properties.parameters.name?.value as string;
    expect(name).toMatch(/uniqueString\(reference\(resourceId\('Microsoft\.Resources\/deployments', 'identity'\), '[\d-]+'\)\.outputs\.principalId\.value\)/);
    expect(name).not.toContain("variables('resourceToken')");
    expect(propertiesOf('keyvault', 'Microsoft.KeyVault/vaults').softDeleteRetentionInDays).toBe(7);
  });

  it('main.parameters.json gives secure parameters no literal value, only azd environment variables', () => {
    const file = JSON.parse(readRepoFile('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
    for (const name of ['alertWebhookUrl', 'alertWebhookSecret', 'eventGridWebhookSecret']) {
      expect(file.parameters[name]?.value, name).toMatch(/^\$\{[A-Z_]+=\}$/);
    }
  });

  it('Application Insights and Event Hubs take no key from the app: local auth off, identity in', () => {
    expect(propertiesOf('monitoring', 'Microsoft.Insights/components').DisableLocalAuth).toBe(true);
    expect(propertiesOf('eventhubs', 'Microsoft.EventHub/namespaces').minimumTlsVersion).toBe('1.2');
    // SAS stays on for exactly one rule, the one Azure Monitor streams with (see eventhubs.bicep).
    const rules = resourcesOf(moduleTemplate('eventhubs')).filter((r) => r.type.endsWith('/authorizationRules'));
    expect(rules.map((r) => r.name)).toEqual(["[format('{0}/{1}', parameters('namespaceName'), 'azure-monitor-diagnostics')]"]);
    expect(moduleTemplate('eventhubs').outputs?.diagnosticsAuthorizationRuleId?.value).toMatch(/resourceId\('Microsoft\.EventHub\/namespaces\/authorizationRules'/);
  });
});

describeCompiled('event hub, compiled', () => {
  it('keeps events as long as main.bicep says (default 7 days) and has a separate local-dev consumer group', () => {
    const eventHubs = moduleTemplate('eventhubs');
    expect(propertiesOf('eventhubs', 'Microsoft.EventHub/namespaces/eventhubs').messageRetentionInDays).toBe('<param:retentionInDays>');
    expect(moduleDeployment('eventhubs').properties.parameters.retentionInDays?.value).toBe("[parameters('eventHubRetentionDays')]");
    const groups = resourcesOf(eventHubs).filter((r) => r.type === 'Microsoft.EventHub/namespaces/eventhubs/consumergroups');
    expect(groups.map((g) => g.condition)).toEqual([undefined, undefined]);
    expect(mainTemplate().parameters?.localDevConsumerGroupName?.defaultValue).toBe('local-dev');
    expect(mainTemplate().parameters?.consumerGroupName?.defaultValue).not.toBe('local-dev');
    expect(mainTemplate().outputs?.LOCAL_DEV_CONSUMER_GROUP?.value).toMatch(/outputs\.localDevConsumerGroupName\.value\]$/);
  });
});

it('local.settings.sample.json reads with the local-dev group and leaves the namespace setting alone', () => {
  const sample = JSON.parse(readRepoFile('local.settings.sample.json')) as { Values: Record<string, string> };
  expect(sample.Values.EventHubConsumerGroup).toBe('local-dev');
  // A plain EventHubConnection value would win over EventHubConnection__fullyQualifiedNamespace.
  expect(Object.keys(sample.Values)).not.toContain('EventHubConnection');
});

it('host.json keeps request telemetry and bounds what the trigger prefetches', () => {
  const host = JSON.parse(readRepoFile('host.json')) as {
    logging: { logLevel: Record<string, string> };
    extensions: { eventHubs: { maxEventBatchSize: number; prefetchCount: number } };
  };
  // Host.Results at Error would drop the request telemetry of every successful invocation.
  expect(['Information', undefined]).toContain(host.logging.logLevel['Host.Results']);
  const { maxEventBatchSize, prefetchCount } = host.extensions.eventHubs;
  expect(prefetchCount).toBeGreaterThanOrEqual(maxEventBatchSize);
  // Events are up to 1 MB: the batch in hand plus the prefetched events, parsed copies included, must fit
  // well inside the smallest (512 MB) instance: at most a quarter of it in raw event bytes.
  expect((maxEventBatchSize + prefetchCount) * 1).toBeLessThanOrEqual(512 / 4);
});
