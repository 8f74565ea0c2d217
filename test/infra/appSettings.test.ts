import { describe, expect, it } from 'vitest';
import { HOST_BINDING_SETTINGS, LEDGER_SETTING_NAMES, loadConfig, settingsSchema } from '../../src/config.js';
import { declarationValue, declarations, isStringLiteral, modules, objectEntries, objectLiteralsIn, params, readBicep, resources, unquote } from './bicepText.js';

/**
 * The app settings in infra/app/appsettings.bicep against the one list of settings the code reads
 * (settingsSchema in src/config.ts) and the Event Hub binding's settings (HOST_BINDING_SETTINGS).
 *
 * The rule, for LEDGER_* settings: every name the schema knows is either set by the template or listed
 * below in LEFT_TO_CODE_DEFAULT with the reason; never both, never neither. And the template sets no
 * LEDGER_* name the schema does not know.
 */
const LEFT_TO_CODE_DEFAULT: Record<string, string> = {
  LEDGER_DATA_DIR: 'CLI only: where the embedded Azurite keeps its data; the function app never starts Azurite',
  LEDGER_TABLE_PREFIX: 'the storage account is dedicated to this app, so the default table names cannot clash',
  LEDGER_DEADLETTER_RAW_LIMIT: 'tuning knob; the default keeps dead letters well under the 64 KiB property limit',
  LEDGER_MAX_CLICKED_URLS: 'tuning knob',
  LEDGER_STORAGE_MAX_ATTEMPTS: 'tuning knob (retries of a storage call)',
  LEDGER_STORAGE_TIMEOUT_MS: 'tuning knob (per-attempt timeout of a storage call)',
  LEDGER_ALERT_WEBHOOK_TIMEOUT_MS: 'tuning knob; only matters with a webhook',
};

/** Settings the Functions platform reads that our code does not (so they are not in the schema). */
const PLATFORM_SETTINGS = [
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
];

/** What the Event Hubs trigger needs for an identity-based connection named HOST_BINDING_SETTINGS.connection. */
const BINDING_SETTINGS = [
  `${HOST_BINDING_SETTINGS.connection}__fullyQualifiedNamespace`,
  `${HOST_BINDING_SETTINGS.connection}__credential`,
  HOST_BINDING_SETTINGS.eventHubName,
  HOST_BINDING_SETTINGS.consumerGroup,
];

/** Settings that must never be set on this app. */
const FORBIDDEN_SETTINGS = [
  // Flex Consumption: runtime/version/package live in functionAppConfig; these settings are rejected or conflict.
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  // Secret-bearing connection strings: everything connects by identity instead.
  'AzureWebJobsStorage',
  HOST_BINDING_SETTINGS.connection,
  'APPINSIGHTS_INSTRUMENTATIONKEY',
];

/**
 * Bicep parameter in main.bicep that feeds each LEDGER_* setting whose value is a plain parameter.
 * Its default must equal the code default, so that deploying with no parameters changes nothing.
 */
const SETTING_FROM_MAIN_PARAM: Record<string, string> = {
  LEDGER_BOUNCE_RATE_WINDOW_HOURS: 'bounceRateWindowHours',
  LEDGER_BOUNCE_RATE_MIN_SENDS: 'bounceRateMinSends',
  LEDGER_BOUNCE_RATE_WARNING: 'bounceRateWarning',
  LEDGER_BOUNCE_RATE_CRITICAL: 'bounceRateCritical',
  LEDGER_ALERT_WEBHOOK_FORMAT: 'alertWebhookFormat',
};

const appSettingsBicep = readBicep('app/appsettings.bicep');
const mainBicep = readBicep('main.bicep');

/** All settings the template can set, with their value expressions, from the `var <x>Settings = ...` blocks. */
function templateSettings(): Map<string, { value: string; block: string }> {
  const settings = new Map<string, { value: string; block: string }>();
  for (const decl of declarations(appSettingsBicep)) {
    if (decl.kind !== 'var' || !decl.name.endsWith('Settings')) continue;
    for (const literal of objectLiteralsIn(declarationValue(decl) ?? '')) {
      for (const [name, value] of objectEntries(literal)) {
        if (settings.has(name)) throw new Error(`${name} is set twice`);
        settings.set(name, { value, block: decl.name });
      }
    }
  }
  return settings;
}

const settings = templateSettings();
const settingNames = [...settings.keys()];

describe('app settings (infra/app/appsettings.bicep)', () => {
  it('are all applied: the appsettings resource unions every *Settings block', () => {
    const blocks = declarations(appSettingsBicep)
      .filter((d) => d.kind === 'var' && d.name.endsWith('Settings'))
      .map((d) => d.name);
    const [resource] = resources(appSettingsBicep).filter((r) => r.type === 'Microsoft.Web/sites/config');
    expect(resource, 'a Microsoft.Web/sites/config resource').toBeDefined();
    expect(objectEntries(resource!.body).get('name')).toBe("'appsettings'");
    const union = objectEntries(resource!.body).get('properties') ?? '';
    const unioned = /^union\(([^)]*)\)$/.exec(union)?.[1]?.split(',').map((s) => s.trim());
    expect(unioned?.sort()).toEqual(blocks.sort());
  });

  it('set every LEDGER_* setting of the schema, or leave it to the code default on purpose', () => {
    for (const name of LEDGER_SETTING_NAMES) {
      const set = settings.has(name);
      const leftOut = name in LEFT_TO_CODE_DEFAULT;
      expect(set || leftOut, `${name}: neither set by the template nor listed in LEFT_TO_CODE_DEFAULT`).toBe(true);
      expect(set && leftOut, `${name}: set by the template and also listed as left to the default`).toBe(false);
    }
  });

  it('list no stale names as left to the default', () => {
    for (const name of Object.keys(LEFT_TO_CODE_DEFAULT)) expect(LEDGER_SETTING_NAMES).toContain(name);
  });

  it('set no LEDGER_* setting the schema does not know', () => {
    const unknown = settingNames.filter((n) => n.startsWith('LEDGER_') && !(LEDGER_SETTING_NAMES as readonly string[]).includes(n));
    expect(unknown).toEqual([]);
  });

  it('set only settings someone reads: the schema, the Event Hub binding, or the Functions platform', () => {
    const known = new Set<string>([...LEDGER_SETTING_NAMES, ...BINDING_SETTINGS, ...PLATFORM_SETTINGS]);
    expect(settingNames.filter((n) => !known.has(n))).toEqual([]);
  });

  it('connect the Event Hub binding by identity, with the names from HOST_BINDING_SETTINGS', () => {
    for (const name of BINDING_SETTINGS) expect(settingNames).toContain(name);
    expect(settings.get(`${HOST_BINDING_SETTINGS.connection}__credential`)?.value).toBe("'managedidentity'");
  });

  it('connect host storage by identity', () => {
    expect(settings.get('AzureWebJobsStorage__credential')?.value).toBe("'managedidentity'");
    expect(settingNames).toContain('AzureWebJobsStorage__blobServiceUri');
  });

  it('never set Flex-incompatible or secret-bearing connection settings', () => {
    for (const name of FORBIDDEN_SETTINGS) expect(settingNames, name).not.toContain(name);
  });

  it('point LEDGER_STORAGE at the Table endpoint of the storage account (identity, not a connection string)', () => {
    const value = settings.get('LEDGER_STORAGE')?.value;
    expect(value).toBe('storageTableEndpoint');
    // ...which main.bicep fills from the storage module's primary table endpoint.
    const appSettingsModule = modules(mainBicep).find((m) => m.path === './app/appsettings.bicep');
    expect(appSettingsModule?.params.get('storageTableEndpoint')).toBe('storage.outputs.tableEndpoint');
    expect(readBicep('app/storage.bicep')).toMatch(/output tableEndpoint string = account\.properties\.primaryEndpoints\.table/);
    // and the code accepts an endpoint URL of that shape, trailing slash included.
    expect(settingsSchema.parse({ LEDGER_STORAGE: 'https://stexample.table.core.windows.net/' }).LEDGER_STORAGE).toEqual({
      kind: 'endpoint',
      url: 'https://stexample.table.core.windows.net',
    });
  });

  it('keep LEDGER_ALERT_LOG on, because the Azure Monitor alert rules read its lines', () => {
    expect(settings.get('LEDGER_ALERT_LOG')?.value).toBe("'true'");
    expect(settingsSchema.parse({ LEDGER_ALERT_LOG: 'true' }).LEDGER_ALERT_LOG).toBe(true);
  });

  it('take webhook URL and secret from Key Vault references, never from a value in the template', () => {
    for (const name of ['LEDGER_ALERT_WEBHOOK_URL', 'LEDGER_ALERT_WEBHOOK_SECRET']) {
      const value = settings.get(name)?.value;
      expect(value, name).toMatch(/^webhook\w*Reference$/);
      const moduleParam = params(appSettingsBicep).get(value as string);
      expect(moduleParam?.defaultExpr, `${value} must have no default`).toBeUndefined();
    }
    // The references are built in keyvault.bicep from the secrets' URIs.
    const keyVault = readBicep('app/keyvault.bicep');
    expect(keyVault).toMatch(/output webhookUrlReference string = '@Microsoft\.KeyVault\(SecretUri=\$\{webhookUrlSecret\.properties\.secretUri\}\)'/);
    expect(keyVault).toMatch(/output webhookSigningReference string = .*'@Microsoft\.KeyVault\(SecretUri=\$\{webhookSigningSecretResource\.properties\.secretUri\}\)'/);
    // appsettings.bicep never receives a secret value.
    expect([...params(appSettingsBicep).values()].filter((p) => p.secure)).toEqual([]);
  });

  it('set the signing secret only together with the webhook URL (the code rejects a secret alone)', () => {
    const signing = declarations(appSettingsBicep).find((d) => d.name === settings.get('LEDGER_ALERT_WEBHOOK_SECRET')?.block);
    const condition = declarationValue(signing!) ?? '';
    expect(condition).toMatch(/empty\(webhookUrlReference\)/);
    expect(condition).toMatch(/empty\(webhookSigningReference\)/);
  });

  it('give main.bicep parameters that feed LEDGER_* settings the code defaults as their defaults', () => {
    const mainParams = params(mainBicep);
    const codeDefaults = settingsSchema.parse({});
    const appSettingsModule = modules(mainBicep).find((m) => m.path === './app/appsettings.bicep');
    for (const [setting, mainParam] of Object.entries(SETTING_FROM_MAIN_PARAM)) {
      const moduleParam = settings.get(setting)?.value.replace(/^string\((\w+)\)$/, '$1');
      expect(moduleParam, `${setting} is set from a module parameter`).toMatch(/^\w+$/);
      expect(appSettingsModule?.params.get(moduleParam as string), `${setting} comes from main.bicep param ${mainParam}`).toBe(mainParam);
      const declared = mainParams.get(mainParam);
      expect(declared, mainParam).toBeDefined();
      expect(unquote(declared!.defaultExpr ?? ''), `${mainParam} default`).toBe(String(codeDefaults[setting as keyof typeof codeDefaults]));
    }
  });

  it('offer exactly the webhook formats the code accepts', () => {
    const allowed = params(mainBicep).get('alertWebhookFormat')?.allowed;
    const codeFormats = settingsSchema.shape.LEDGER_ALERT_WEBHOOK_FORMAT.out.options;
    expect([...(allowed ?? [])].sort()).toEqual([...codeFormats].sort());
  });

  it('give every literal value a form the code accepts, and a whole deployed configuration loads', () => {
    // Values as deployed with default parameters; expressions stand in for what Azure fills in.
    const mainParams = params(mainBicep);
    const env: Record<string, string> = {};
    for (const [name, { value }] of settings) {
      if (!name.startsWith('LEDGER_')) continue;
      if (isStringLiteral(value)) env[name] = unquote(value);
      else if (name in SETTING_FROM_MAIN_PARAM) env[name] = unquote(mainParams.get(SETTING_FROM_MAIN_PARAM[name] as string)?.defaultExpr ?? '');
    }
    env.LEDGER_STORAGE = 'https://stexample.table.core.windows.net/';
    const config = loadConfig(env);
    expect(config.storage?.kind).toBe('endpoint');
    expect(config.alerts.logSink).toBe(true);
  });
});
