import { expect, it } from 'vitest';
import { HOST_BINDING_SETTINGS, LEDGER_SETTING_NAMES, loadConfig, settingsSchema } from '../../src/config.js';
import { describeCompiled, evaluateValue, mainTemplate, moduleDeployment, moduleScope, moduleTemplate, resourceOfType } from './armTemplate.js';

/**
 * The app settings the compiled template applies (infra/app/appsettings.bicep, evaluated from the ARM
 * JSON with stand-ins for deployment-time values) against the one list of settings the code reads
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
  LEDGER_COMMIT_CONCURRENCY: 'tuning knob (partition commits in flight per batch)',
  LEDGER_ROW_CACHE_ROWS: 'tuning knob (rows remembered per worker to plan commits without reading first)',
  LEDGER_ALERT_WEBHOOK_TIMEOUT_MS: 'tuning knob; only matters with a webhook',
  LEDGER_PROVIDER_DOMAINS: 'optional: the built-in mailbox-provider map serves until a deployment adds its own domains',
  LEDGER_SOFT_BOUNCE_COUNT: 'policy knob; the default (2, from listmonk) serves until a deployment chooses its own',
  LEDGER_SOFT_BOUNCE_WINDOW_DAYS: 'policy knob; the default (30 days, from Postal) serves until a deployment chooses its own',
  LEDGER_SUPPRESSION_TIMEOUT_MS: 'tuning knob; only matters with suppression lists',
  LEDGER_ARM_ENDPOINT: 'public Azure (https://management.azure.com) by default; a sovereign cloud sets it by hand',
};

/** Settings the Functions platform (or @azure/identity, for AZURE_CLIENT_ID) reads that our schema does not. */
const PLATFORM_SETTINGS = [
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  // DefaultAzureCredential / ManagedIdentityCredential: which user-assigned identity LEDGER_STORAGE uses.
  'AZURE_CLIENT_ID',
];

/** What the Event Hubs trigger needs for an identity-based connection named HOST_BINDING_SETTINGS.connection. */
const BINDING_SETTINGS = [
  `${HOST_BINDING_SETTINGS.connection}__fullyQualifiedNamespace`,
  `${HOST_BINDING_SETTINGS.connection}__credential`,
  `${HOST_BINDING_SETTINGS.connection}__clientId`,
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
 * main.bicep parameter that feeds each LEDGER_* setting whose value is a plain parameter, through the
 * appsettings module parameter of the same role. Its default must equal the code default.
 */
const SETTING_FROM_MAIN_PARAM: Record<string, { module: string; main: string }> = {
  LEDGER_BOUNCE_RATE_WINDOW_HOURS: { module: 'bounceRateWindowHours', main: 'bounceRateWindowHours' },
  LEDGER_BOUNCE_RATE_MIN_SENDS: { module: 'bounceRateMinSends', main: 'bounceRateMinSends' },
  LEDGER_BOUNCE_RATE_WARNING: { module: 'bounceRateWarning', main: 'bounceRateWarning' },
  LEDGER_BOUNCE_RATE_CRITICAL: { module: 'bounceRateCritical', main: 'bounceRateCritical' },
  LEDGER_ALERT_WEBHOOK_FORMAT: { module: 'webhookFormat', main: 'alertWebhookFormat' },
};

const URL_REFERENCE = '@Microsoft.KeyVault(SecretUri=https://kv.example/secrets/url)';
const SIGNING_REFERENCE = '@Microsoft.KeyVault(SecretUri=https://kv.example/secrets/signing)';
const EVENTGRID_REFERENCE = '@Microsoft.KeyVault(SecretUri=https://kv.example/secrets/ledger-eventgrid-secret)';

/**
 * The settings the template applies, given the Key Vault references (empty: no alert webhook, no Event
 * Grid webhook).
 */
function appliedSettings(webhookUrlReference: string, webhookSigningReference: string, eventGridWebhookReference = ''): Record<string, string> {
  const template = moduleTemplate('appsettings');
  const config = resourceOfType(template, 'Microsoft.Web/sites/config');
  expect(evaluateValue(config.name, moduleScope(template))).toBe('<param:functionAppName>/appsettings');
  return evaluateValue(config.properties, moduleScope(template, { webhookUrlReference, webhookSigningReference, eventGridWebhookReference })) as Record<string, string>;
}

describeCompiled('app settings (compiled infra/app/appsettings.bicep)', () => {
  // Every optional setting on: the rules below then cover all of them.
  const settings = appliedSettings(URL_REFERENCE, SIGNING_REFERENCE, EVENTGRID_REFERENCE);
  const settingNames = Object.keys(settings);

  it('set every LEDGER_* setting of the schema, or leave it to the code default on purpose', () => {
    for (const name of LEDGER_SETTING_NAMES) {
      const set = name in settings;
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

  it('set only settings someone reads: the schema, the Event Hub binding, the Functions platform or @azure/identity', () => {
    const known = new Set<string>([...LEDGER_SETTING_NAMES, ...BINDING_SETTINGS, ...PLATFORM_SETTINGS]);
    expect(settingNames.filter((n) => !known.has(n))).toEqual([]);
  });

  it('connect the Event Hub binding by identity, with the names from HOST_BINDING_SETTINGS', () => {
    for (const name of BINDING_SETTINGS) expect(settingNames).toContain(name);
    expect(settings[`${HOST_BINDING_SETTINGS.connection}__credential`]).toBe('managedidentity');
    expect(settings[`${HOST_BINDING_SETTINGS.connection}__fullyQualifiedNamespace`]).toBe('<param:eventHubsFullyQualifiedNamespace>');
    expect(settings[HOST_BINDING_SETTINGS.consumerGroup]).toBe('<param:consumerGroupName>');
  });

  it('connect host storage by identity', () => {
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(settings.AzureWebJobsStorage__blobServiceUri).toBe('<param:storageBlobEndpoint>');
  });

  it('name the user-assigned identity on every identity-based connection (…__clientId, App Insights, AZURE_CLIENT_ID)', () => {
    const credentials = settingNames.filter((n) => n.endsWith('__credential'));
    expect(credentials.sort()).toEqual(['AzureWebJobsStorage__credential', `${HOST_BINDING_SETTINGS.connection}__credential`].sort());
    for (const name of credentials) expect(settings[name.replace(/__credential$/, '__clientId')], name).toBe('<param:identityClientId>');
    expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe('ClientId=<param:identityClientId>;Authorization=AAD');
    expect(settings.AZURE_CLIENT_ID).toBe('<param:identityClientId>');
    // ...the client id of the identity module's identity, the one the roles are granted to.
    expect(moduleDeployment('appsettings').properties.parameters.identityClientId?.value).toMatch(/'identity'\), '[\d-]+'\)\.outputs\.clientId\.value\]$/);
    const identity = moduleTemplate('identity');
    expect(resourceOfType(identity, 'Microsoft.ManagedIdentity/userAssignedIdentities')).toBeDefined();
    expect(identity.outputs?.clientId?.value).toBe("[reference('identity').clientId]");
  });

  it('never set Flex-incompatible or secret-bearing connection settings', () => {
    for (const name of FORBIDDEN_SETTINGS) expect(settingNames, name).not.toContain(name);
  });

  it('point LEDGER_STORAGE at the Table endpoint of the storage account (identity, not a connection string)', () => {
    expect(settings.LEDGER_STORAGE).toBe('<param:storageTableEndpoint>');
    expect(moduleDeployment('appsettings').properties.parameters.storageTableEndpoint?.value).toMatch(/'storage'\), '[\d-]+'\)\.outputs\.tableEndpoint\.value\]$/);
    expect(moduleTemplate('storage').outputs?.tableEndpoint?.value).toMatch(/\.primaryEndpoints\.table\]$/);
    // and the code accepts an endpoint URL of that shape, trailing slash included.
    expect(settingsSchema.parse({ LEDGER_STORAGE: 'https://stexample.table.core.windows.net/' }).LEDGER_STORAGE).toEqual({
      kind: 'endpoint',
      url: 'https://stexample.table.core.windows.net',
    });
  });

  it('keep LEDGER_ALERT_LOG on, because the Azure Monitor alert rules read its lines', () => {
    expect(settings.LEDGER_ALERT_LOG).toBe('true');
    expect(settingsSchema.parse({ LEDGER_ALERT_LOG: 'true' }).LEDGER_ALERT_LOG).toBe(true);
  });

  it('take webhook URL and secret from Key Vault references, never from a value in the template', () => {
    expect(settings.LEDGER_ALERT_WEBHOOK_URL).toBe(URL_REFERENCE);
    expect(settings.LEDGER_ALERT_WEBHOOK_SECRET).toBe(SIGNING_REFERENCE);
    // The references are built in keyvault.bicep from the secrets' URIs.
    const keyVault = moduleTemplate('keyvault');
    expect(keyVault.outputs?.webhookUrlReference?.value).toMatch(/format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)', reference\('webhookUrlSecret'\)\.secretUri\)/);
    expect(keyVault.outputs?.webhookSigningReference?.value).toMatch(/format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)', reference\('webhookSigningSecretResource'\)\.secretUri\)/);
    // appsettings.bicep never receives a secret value.
    const secure = Object.entries(moduleTemplate('appsettings').parameters ?? {}).filter(([, p]) => p.type.toLowerCase().startsWith('secure'));
    expect(secure).toEqual([]);
  });

  it('set no webhook setting without a webhook, and the signing secret only together with the URL', () => {
    const none = appliedSettings('', '');
    for (const name of ['LEDGER_ALERT_WEBHOOK_URL', 'LEDGER_ALERT_WEBHOOK_FORMAT', 'LEDGER_ALERT_WEBHOOK_SECRET']) expect(Object.keys(none), name).not.toContain(name);
    const secretOnly = appliedSettings('', SIGNING_REFERENCE);
    expect(Object.keys(secretOnly)).not.toContain('LEDGER_ALERT_WEBHOOK_SECRET');
    const urlOnly = appliedSettings(URL_REFERENCE, '');
    expect(urlOnly.LEDGER_ALERT_WEBHOOK_URL).toBe(URL_REFERENCE);
    expect(Object.keys(urlOnly)).not.toContain('LEDGER_ALERT_WEBHOOK_SECRET');
  });

  it('give main.bicep parameters that feed LEDGER_* settings the code defaults as their defaults', () => {
    const mainParams = mainTemplate().parameters ?? {};
    const codeDefaults = settingsSchema.parse({});
    const passed = moduleDeployment('appsettings').properties.parameters;
    for (const [setting, { module, main }] of Object.entries(SETTING_FROM_MAIN_PARAM)) {
      expect(settings[setting], `${setting} is set from module parameter ${module}`).toBe(`<param:${module}>`);
      expect(passed[module]?.value, `${module} comes from main.bicep param ${main}`).toBe(`[parameters('${main}')]`);
      expect(String(mainParams[main]?.defaultValue), `${main} default`).toBe(String(codeDefaults[setting as keyof typeof codeDefaults]));
    }
  });

  it('offer exactly the webhook formats the code accepts', () => {
    const allowed = mainTemplate().parameters?.alertWebhookFormat?.allowedValues as string[];
    const codeFormats = settingsSchema.shape.LEDGER_ALERT_WEBHOOK_FORMAT.out.options;
    expect([...allowed].sort()).toEqual([...codeFormats].sort());
  });

  it('give every value a form the code accepts: a whole deployed configuration loads', () => {
    // Deployed with default parameters; Azure fills in the endpoint and the Key Vault reference resolves.
    const mainParams = mainTemplate().parameters ?? {};
    const template = moduleTemplate('appsettings');
    // The Event Grid secret as Key Vault resolves it: 48 characters, as `openssl rand -base64 36` gives (docs/deploy.md).
    const values: Record<string, unknown> = { webhookUrlReference: 'https://hooks.example.com/ledger', webhookSigningReference: '', eventGridWebhookReference: 'k'.repeat(48), storageTableEndpoint: 'https://stexample.table.core.windows.net/', storageBlobEndpoint: 'https://stexample.blob.core.windows.net/' };
    for (const { module, main } of Object.values(SETTING_FROM_MAIN_PARAM)) values[module] = mainParams[main]?.defaultValue;
    const deployed = evaluateValue(resourceOfType(template, 'Microsoft.Web/sites/config').properties, moduleScope(template, values)) as Record<string, string>;
    const env = Object.fromEntries(Object.entries(deployed).filter(([name]) => name.startsWith('LEDGER_')));
    const config = loadConfig(env);
    expect(config.storage?.kind).toBe('endpoint');
    expect(config.parkStorage).toEqual({ kind: 'endpoint', url: 'https://stexample.blob.core.windows.net' });
    expect(config.alerts.logSink).toBe(true);
  });
});
