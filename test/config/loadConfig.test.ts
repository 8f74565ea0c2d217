import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LedgerError } from '../../src/errors.js';

/** loadConfig: settings the ingest path needs stop the app by name; a bad optional sink setting only disables that sink. */
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const KEY_VAULT = '@Microsoft.KeyVault(SecretUri=https://kv-ledger.vault.azure.net/secrets/webhook-url/)';

function configError(env: Record<string, string>): LedgerError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error(`expected loadConfig to refuse ${JSON.stringify(env)}`);
}

describe('the webhook URL', () => {
  it.each([
    'https://hooks.example.com/alerts',
    'https://hooks.example.com:8443/a?token=x',
    'http://127.0.0.1:7071/hooks',
    'http://localhost:8080/hooks',
    'http://[::1]:9000/',
  ])('accepts %s', (url) => {
    const config = loadConfig({ LEDGER_ALERT_WEBHOOK_URL: url, LEDGER_ALERT_WEBHOOK_SECRET: SECRET });
    expect(config.alerts.webhookDisabled).toBeUndefined();
    expect(config.alerts.webhookUrl).toBe(new URL(url).href);
    expect(config.alerts.webhookSecret).toBe(SECRET);
  });

  it.each([
    ['file:///etc/passwd', 'scheme "file:"'],
    ['javascript:alert(1)', 'scheme "javascript:"'],
    ['ftp://hooks.example.com/x', 'scheme "ftp:"'],
    ['http://hooks.example.com/alerts', 'must use https'],
    ['http://127.0.0.1.example.com/alerts', 'must use https'],
    ['https://user:hunter2@hooks.example.com/alerts', 'user name or password'],
    ['https://user@hooks.example.com/alerts', 'user name or password'],
    ['not a url', 'is not a URL'],
    [KEY_VAULT, 'unresolved Key Vault reference'],
  ])('disables the webhook sink (without throwing) for %s', (url, why) => {
    const config = loadConfig({ LEDGER_ALERT_WEBHOOK_URL: url });
    expect(config.alerts.webhookUrl).toBeUndefined();
    expect(config.alerts.webhookDisabled).toMatchObject({ sink: 'webhook', settings: ['LEDGER_ALERT_WEBHOOK_URL'] });
    expect(config.alerts.webhookDisabled?.reason).toContain('LEDGER_ALERT_WEBHOOK_URL');
    expect(config.alerts.webhookDisabled?.reason).toContain(why);
    // The reason is logged: it never quotes a password.
    expect(config.alerts.webhookDisabled?.reason).not.toContain('hunter2');
    // Everything the ingest path needs is still there.
    expect(config.alerts.logSink).toBe(true);
    expect(config.tablePrefix).toBe('ledger');
  });
});

describe('the other webhook settings', () => {
  it.each([
    ['LEDGER_ALERT_WEBHOOK_SECRET', KEY_VAULT, 'unresolved Key Vault reference'],
    ['LEDGER_ALERT_WEBHOOK_SECRET', 'hunter2', 'Standard Webhooks secret'],
    ['LEDGER_ALERT_WEBHOOK_SECRET', 'whsec_c2hvcnQ=', 'at least 24'],
    ['LEDGER_ALERT_WEBHOOK_FORMAT', 'xml', 'standard, teams or slack'],
    ['LEDGER_ALERT_WEBHOOK_TIMEOUT_MS', 'soon', 'LEDGER_ALERT_WEBHOOK_TIMEOUT_MS'],
  ])('a bad %s = %j disables the sink, naming the setting', (setting, value, why) => {
    const config = loadConfig({ LEDGER_ALERT_WEBHOOK_URL: 'https://hooks.example.com/a', [setting]: value });
    expect(config.alerts.webhookDisabled?.settings).toEqual([setting]);
    expect(config.alerts.webhookDisabled?.reason).toContain(why);
    expect(config.alerts.webhookDisabled?.reason).not.toContain('hunter2');
    expect(config.alerts.webhookUrl).toBeUndefined();
  });

  it('a secret without a URL disables the sink instead of stopping the app', () => {
    const config = loadConfig({ LEDGER_ALERT_WEBHOOK_SECRET: SECRET });
    expect(config.alerts.webhookDisabled?.reason).toContain('LEDGER_ALERT_WEBHOOK_SECRET is set but LEDGER_ALERT_WEBHOOK_URL is not');
  });

  it('no webhook settings at all: no webhook, nothing disabled', () => {
    const config = loadConfig({});
    expect(config.alerts.webhookUrl).toBeUndefined();
    expect(config.alerts.webhookDisabled).toBeUndefined();
  });
});

describe('settings the ingest path needs still stop the app, by name', () => {
  it.each([
    ['LEDGER_TABLE_PREFIX', '1bad'],
    ['LEDGER_STORAGE_MAX_ATTEMPTS', '0'],
    ['LEDGER_BOUNCE_RATE_WARNING', '2'],
    ['LEDGER_STORAGE', KEY_VAULT],
  ])('%s = %j', (setting, value) => {
    const error = configError({ [setting]: value, LEDGER_ALERT_WEBHOOK_URL: 'javascript:alert(1)' });
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain(setting);
    // Only the fatal setting is reported: the webhook is not why the app stops.
    expect(error.message).not.toContain('LEDGER_ALERT_WEBHOOK_URL');
  });
});

describe('a malformed LEDGER_STORAGE names the setting and the missing part, never the key', () => {
  it.each([
    ['AccountName=acct;AccountKey', 'without a name or "="'],
    ['AccountName', 'without a name or "="'],
    ['DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0a2V5;EndpointSuffix', 'without a name or "="'],
    ['AccountName=acct', 'AccountKey is missing'],
    ['DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net', 'AccountName is missing'],
    ['DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0a2V5', 'EndpointSuffix'],
    ['DefaultEndpointsProtocol=ftp;AccountName=acct;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net', 'https or http'],
    ['TableEndpoint=https://acct.table.core.windows.net', 'AccountName is missing'],
    ['SharedAccessSignature=sv=2024&sig=c2VjcmV0a2V5', 'needs a TableEndpoint'],
    ['TableEndpoint=notaurl;SharedAccessSignature=sv=2024&sig=c2VjcmV0a2V5', 'TableEndpoint must be an http(s) URL'],
  ])('%s', (storage, why) => {
    const error = configError({ LEDGER_STORAGE: storage });
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('LEDGER_STORAGE');
    expect(error.message).toContain(why);
    expect(error.message).not.toContain('c2VjcmV0a2V5');
    expect(error.message).not.toContain('Cannot read properties');
  });

  it.each([
    'UseDevelopmentStorage=true',
    'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net',
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;',
    'TableEndpoint=https://acct.table.core.windows.net/;SharedAccessSignature=sv=2024&sig=c2VjcmV0a2V5',
  ])('accepts %s', (storage) => {
    expect(loadConfig({ LEDGER_STORAGE: storage }).storage).toEqual({ kind: 'connectionString', connectionString: storage });
  });
});
