import { describe, expect, it } from 'vitest';
import { bicepFiles, identifiersIn, modules, objectEntries, outputs, params, readBicep, readRepoFile, resources } from './bicepText.js';

/** Resource of the given type in a file (exactly one expected). */
function resourceOf(file: string, type: string) {
  const found = resources(readBicep(file)).filter((r) => r.type === type && !r.existing);
  expect(found, `${file}: one ${type}`).toHaveLength(1);
  return found[0]!;
}

/** Nested property: path ['properties', 'functionAppConfig', 'runtime'] of a resource body. */
function property(body: string, path: readonly string[]): string | undefined {
  let current: string | undefined = body;
  for (const key of path) {
    if (current === undefined || !current.trimStart().startsWith('{')) return undefined;
    current = objectEntries(current).get(key);
  }
  return current;
}

/** Output names that announce a secret (the Bicep linter's outputs-should-not-contain-secrets, and more). */
const SECRET_LOOKING_NAME = /password|passwd|connectionstring|accountkey|accesskey|primarykey|secondarykey|instrumentationkey|sastoken|sharedaccess|secret(?!uri$)/i;
/** Expressions that read a secret: list* functions (listKeys, listConnectionStrings, ...) and key properties. */
const SECRET_READING_EXPR = /\blist[A-Z]\w*\(|\.listKeys\b|ConnectionString\b|connectionString\b|InstrumentationKey|primaryKey|secondaryKey|\.properties\.value\b/;

describe('storage account (host state + ledger tables)', () => {
  const account = resourceOf('app/storage.bicep', 'Microsoft.Storage/storageAccounts');
  const props = objectEntries(objectEntries(account.body).get('properties') ?? '{}');

  it('accepts Entra ID only: shared-key access is disabled', () => {
    expect(props.get('allowSharedKeyAccess')).toBe('false');
  });

  it('requires TLS 1.2 and HTTPS', () => {
    expect(props.get('minimumTlsVersion')).toBe("'TLS1_2'");
    expect(props.get('supportsHttpsTrafficOnly')).toBe('true');
  });

  it('allows no public (anonymous) blob access', () => {
    expect(props.get('allowBlobPublicAccess')).toBe('false');
  });
});

describe('function app', () => {
  const site = resourceOf('app/api.bicep', 'Microsoft.Web/sites');
  const plan = resourceOf('app/api.bicep', 'Microsoft.Web/serverfarms');

  it('runs on the Flex Consumption plan (FC1, Linux)', () => {
    expect(property(plan.body, ['sku', 'name'])).toBe("'FC1'");
    expect(property(plan.body, ['sku', 'tier'])).toBe("'FlexConsumption'");
    expect(property(plan.body, ['properties', 'reserved'])).toBe('true');
    expect(objectEntries(site.body).get('kind')).toBe("'functionapp,linux'");
  });

  it('has a system-assigned identity', () => {
    expect(property(site.body, ['identity', 'type'])).toBe("'SystemAssigned'");
  });

  it('runs Node.js 22', () => {
    expect(property(site.body, ['properties', 'functionAppConfig', 'runtime', 'name'])).toBe("'node'");
    expect(property(site.body, ['properties', 'functionAppConfig', 'runtime', 'version'])).toBe("'22'");
  });

  it('reads its deployment package with that identity, not a storage key', () => {
    expect(property(site.body, ['properties', 'functionAppConfig', 'deployment', 'storage', 'type'])).toBe("'blobContainer'");
    expect(property(site.body, ['properties', 'functionAppConfig', 'deployment', 'storage', 'authentication', 'type'])).toBe("'SystemAssignedIdentity'");
  });

  it('is HTTPS only with TLS 1.2 and no FTP', () => {
    expect(property(site.body, ['properties', 'httpsOnly'])).toBe('true');
    expect(property(site.body, ['properties', 'siteConfig', 'minTlsVersion'])).toBe("'1.2'");
    expect(property(site.body, ['properties', 'siteConfig', 'ftpsState'])).toBe("'Disabled'");
  });

  it('is the azd service "api" of azure.yaml', () => {
    expect(objectEntries(site.body).get('tags')).toMatch(/'azd-service-name': 'api'/);
    expect(readRepoFile('azure.yaml')).toMatch(/^services:\n {2}api:\n(?: {4}.*\n)*? {4}host: function$/m);
  });
});

describe('secrets', () => {
  it('no output exposes a secure parameter, a key or a connection string', () => {
    for (const file of bicepFiles()) {
      const src = readBicep(file);
      const secure = [...params(src).values()].filter((p) => p.secure).map((p) => p.name);
      for (const output of outputs(src)) {
        const where = `${file}: output ${output.name}`;
        expect(output.name, where).not.toMatch(SECRET_LOOKING_NAME);
        expect(output.expr, where).not.toMatch(SECRET_READING_EXPR);
        const used = identifiersIn(output.expr);
        for (const name of secure) expect(used.has(name), `${where} uses secure param ${name}`).toBe(false);
      }
    }
  });

  it('no template reads a key: no list*() call, no account key or SAS in a string', () => {
    for (const file of bicepFiles()) {
      const src = readBicep(file);
      expect(src, file).not.toMatch(/\blist[A-Z]\w*\(|\.listKeys\(/);
      expect(src, file).not.toMatch(/AccountKey=|SharedAccessKey=|SharedAccessSignature=/i);
    }
  });

  it('secure parameters of main.bicep reach only the Key Vault module', () => {
    const main = readBicep('main.bicep');
    const secure = [...params(main).values()].filter((p) => p.secure).map((p) => p.name);
    expect(secure.sort()).toEqual(['alertWebhookSecret', 'alertWebhookUrl']);
    for (const m of modules(main)) {
      for (const [param, expr] of m.params) {
        const leaked = secure.filter((name) => identifiersIn(expr).has(name));
        if (leaked.length === 0) continue;
        expect(m.path, `${m.symbol}.${param} gets ${leaked.join(', ')}`).toBe('./app/keyvault.bicep');
        // ...into parameters that are themselves secure.
        expect(params(readBicep('app/keyvault.bicep')).get(param)?.secure, `keyvault.bicep param ${param}`).toBe(true);
      }
    }
  });

  it('secret values go into Key Vault secrets and nowhere else', () => {
    const keyVault = readBicep('app/keyvault.bicep');
    const secure = [...params(keyVault).values()].filter((p) => p.secure).map((p) => p.name);
    for (const r of resources(keyVault)) {
      const used = identifiersIn(r.body);
      const uses = secure.filter((name) => used.has(name));
      if (uses.length > 0) expect(r.type, `${r.symbol} uses ${uses.join(', ')}`).toBe('Microsoft.KeyVault/vaults/secrets');
    }
    const vault = resourceOf('app/keyvault.bicep', 'Microsoft.KeyVault/vaults');
    expect(property(vault.body, ['properties', 'enableRbacAuthorization'])).toBe('true');
  });

  it('main.parameters.json gives secure parameters no literal value, only azd environment variables', () => {
    const file = JSON.parse(readRepoFile('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
    for (const name of ['alertWebhookUrl', 'alertWebhookSecret']) {
      expect(file.parameters[name]?.value, name).toMatch(/^\$\{[A-Z_]+=\}$/);
    }
  });

  it('Application Insights and Event Hubs take no key from the app: local auth off, identity in', () => {
    const appInsights = resourceOf('app/monitoring.bicep', 'Microsoft.Insights/components');
    expect(property(appInsights.body, ['properties', 'DisableLocalAuth'])).toBe('true');
    const namespace = resourceOf('app/eventhubs.bicep', 'Microsoft.EventHub/namespaces');
    expect(property(namespace.body, ['properties', 'minimumTlsVersion'])).toBe("'1.2'");
    // SAS stays on for exactly one rule, the one Azure Monitor streams with (see eventhubs.bicep).
    const rules = resources(readBicep('app/eventhubs.bicep')).filter((r) => r.type.endsWith('/authorizationRules'));
    expect(rules.map((r) => r.symbol)).toEqual(['diagnosticsRule']);
    expect(readBicep('main.bicep').match(/diagnosticsAuthorizationRuleId/g)?.length).toBeGreaterThan(0);
  });
});
