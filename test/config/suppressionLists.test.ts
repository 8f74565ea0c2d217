import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createAlertSinks } from '../../src/dispatch/createAlertSinks.js';
import { sampleHardBounce } from '../helpers/sampleAlerts.js';

const LIST = '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Communication/emailServices/svc/domains/AzureManagedDomain/suppressionLists/bounces';
const base = { LEDGER_STORAGE: 'UseDevelopmentStorage=true' };

describe('LEDGER_SUPPRESSION_LISTS', () => {
  it('maps lower-cased sender domains to the parts of the list resource id', () => {
    const config = loadConfig({ ...base, LEDGER_SUPPRESSION_LISTS: JSON.stringify({ 'Abc.AzureComm.net': LIST }) });
    expect(config.suppression.kind).toBe('on');
    if (config.suppression.kind !== 'on') return;
    expect(config.suppression.armEndpoint).toBe('https://management.azure.com');
    expect(config.suppression.timeoutMs).toBe(10_000);
    expect(config.suppression.lists.get('abc.azurecomm.net')).toEqual({
      resourceId: LIST,
      subscriptionId: 'sub-1',
      resourceGroupName: 'rg',
      emailServiceName: 'svc',
      domainName: 'AzureManagedDomain',
      suppressionListName: 'bounces',
    });
  });

  it('is off when unset', () => {
    expect(loadConfig(base).suppression).toEqual({ kind: 'off' });
  });

  it.each([
    ['not json', 'LEDGER_SUPPRESSION_LISTS is not JSON'],
    ['[]', 'must be a JSON object'],
    ['{}', 'names no sender domain'],
    [JSON.stringify({ 'not a domain': LIST }), 'is not a domain name'],
    [JSON.stringify({ 'a.example': '/subscriptions/x/resourceGroups/y' }), 'for a.example must be a resource id'],
  ])('a bad value (%s) disables only the suppression sink, naming the setting', (value, message) => {
    const config = loadConfig({ ...base, LEDGER_SUPPRESSION_LISTS: value });
    expect(config.suppression).toMatchObject({ kind: 'disabled', settings: ['LEDGER_SUPPRESSION_LISTS'] });
    expect(config.suppression.kind === 'disabled' ? config.suppression.reason : '').toContain(message);
  });

  it('an http ARM endpoint is refused (bearer tokens go over https only)', () => {
    const config = loadConfig({ ...base, LEDGER_SUPPRESSION_LISTS: JSON.stringify({ 'a.example': LIST }), LEDGER_ARM_ENDPOINT: 'http://localhost:1' });
    expect(config.suppression).toMatchObject({ kind: 'disabled', settings: ['LEDGER_ARM_ENDPOINT'] });
  });

  it('disabled: one error line, and the sink keeps its alerts pending while the log sink delivers', async () => {
    const config = loadConfig({ ...base, LEDGER_SUPPRESSION_LISTS: '{"x.example": 1}' });
    const errors: string[] = [];
    const sinks = createAlertSinks(config, () => undefined, (line) => errors.push(line));
    expect(sinks.map((s) => s.name)).toEqual(['log', 'suppression']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('the suppression alert sink is off until LEDGER_SUPPRESSION_LISTS is fixed');
    expect(await sinks[1]?.deliver(sampleHardBounce())).toMatchObject({ outcome: 'retry' });
  });
});
