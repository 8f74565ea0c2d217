import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT, allTemplates, describeCompiled, mainTemplate, moduleDeployment, readRepoFile, resourcesOf } from './armTemplate.js';

/**
 * The wiring of main.bicep and its modules, read from the ARM JSON the Bicep compiler produced
 * (test/infra/armTemplate.ts): modules get the parameters they declare, module outputs that are read
 * exist, azd's parameter file matches main's parameters, and the azd project files are in place.
 */

const MODULES = ['acs-diagnostics', 'alerts', 'api', 'appsettings', 'eventgrid', 'eventgrid-access', 'eventhubs', 'identity', 'keyvault', 'monitoring', 'rbac', 'storage', 'suppression-rbac'];
const MODULE_READ = /reference\(resourceId\('Microsoft\.Resources\/deployments', '([\w-]+)'\), '[\d-]+'\)\.outputs\.(\w+)\.value/g;

describeCompiled('main.bicep and its modules (compiled)', () => {
  const main = mainTemplate();
  const deployments = resourcesOf(main).filter((r) => r.type === 'Microsoft.Resources/deployments');

  it('deploys to a resource group (works with azd and with az deployment group create)', () => {
    expect((main as unknown as { $schema: string }).$schema).toMatch(/\/deploymentTemplate\.json#$/);
  });

  it('uses every module file once: one deployment per file under infra/app', () => {
    const files = readdirSync(path.join(REPO_ROOT, 'infra', 'app')).filter((f) => f.endsWith('.bicep')).map((f) => f.replace(/\.bicep$/, ''));
    expect(files.sort()).toEqual(MODULES);
    // Names that are expressions: '<module>-<resourceToken>' next to the ACS resource, and the suppression
    // role's loop, 'suppression-rbac-<i>-<resourceToken>'.
    const moduleName = (name: string) =>
      name.includes('suppression-rbac') ? 'suppression-rbac' : name.startsWith('[') ? (/^\[format\('([\w-]+)-\{0\}', variables\('resourceToken'\)\)\]$/.exec(name)?.[1] ?? name) : name;
    expect(deployments.map((d) => moduleName(d.name)).sort()).toEqual(MODULES);
  });

  it('passes each module exactly the parameters it declares, and all it requires', () => {
    for (const d of deployments) {
      const { parameters, template } = d.properties as { parameters: Record<string, unknown>; template: { parameters: Record<string, { defaultValue?: unknown }> } };
      for (const name of Object.keys(parameters)) expect(template.parameters[name], `${d.name}: declares no param ${name}`).toBeDefined();
      for (const [name, p] of Object.entries(template.parameters)) {
        if (p.defaultValue === undefined) expect(parameters[name], `${d.name}: required param ${name} not passed`).toBeDefined();
      }
    }
  });

  it('reads only outputs the modules declare', () => {
    const text = JSON.stringify(main);
    const reads = [...text.matchAll(MODULE_READ)];
    expect(reads.length).toBeGreaterThan(10);
    for (const [, module, output] of reads) {
      const outputs = (moduleDeployment(module as string).properties.template.outputs ?? {}) as Record<string, unknown>;
      expect(outputs[output as string], `${module}.outputs.${output}`).toBeDefined();
    }
  });

  it('names resources with prefixes from abbreviations.json, and every prefix used exists', () => {
    const abbreviations = JSON.parse(readRepoFile('infra/abbreviations.json')) as Record<string, string>;
    // loadJsonContent() inlines the file as a variable the abbrs variable points at.
    expect(main.variables?.abbrs).toBe("[variables('$fxv#0')]");
    expect(main.variables?.['$fxv#0']).toEqual(abbreviations);
    const used = [...JSON.stringify(main).matchAll(/variables\('abbrs'\)\.(\w+)/g)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(5);
    for (const key of used) expect(abbreviations[key], key).toBeDefined();
  });

  it('describes every parameter a user can set (main.bicep)', () => {
    for (const [name, p] of Object.entries(main.parameters ?? {})) expect(p.metadata?.description, name).toEqual(expect.any(String));
  });

  it('offers only regions with Flex Consumption, as an azd location parameter without a default', () => {
    const location = main.parameters?.location;
    expect(location?.metadata?.azd).toEqual({ type: 'location' });
    expect(location?.defaultValue).toBeUndefined();
    const regions = location?.allowedValues as string[];
    expect(regions.length).toBeGreaterThan(20);
    for (const region of regions) expect(region).toMatch(/^[a-z]+[a-z0-9]*$/);
    for (const region of ['eastus', 'northeurope', 'westeurope', 'australiaeast']) expect(regions).toContain(region);
    // Regions that do not offer Flex Consumption (Government, China) are not offered.
    for (const region of ['usgovvirginia', 'chinanorth3']) expect(regions).not.toContain(region);
  });

  it('never lets maximumInstanceCount go below Flex Consumption\'s lowest maximum (40)', () => {
    const p = main.parameters?.functionMaximumInstanceCount;
    expect(p?.minValue).toBe(40);
    expect(p?.maxValue).toBe(1000);
    expect(p?.defaultValue as number).toBeGreaterThanOrEqual(40);
    expect(moduleDeployment('api').properties.parameters.maximumInstanceCount?.value).toBe("[parameters('functionMaximumInstanceCount')]");
  });

  it('keeps events 7 days by default, the most the Standard tier allows', () => {
    expect(main.parameters?.eventHubRetentionDays?.defaultValue).toBe(7);
    expect(main.parameters?.eventHubRetentionDays?.maxValue).toBe(7);
  });
});

describeCompiled('azd project files (against the compiled parameters)', () => {
  const parameterFile = JSON.parse(readRepoFile('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
  const mainParams = mainTemplate().parameters ?? {};

  it('main.parameters.json sets only parameters main.bicep has, including every one without a default', () => {
    for (const name of Object.keys(parameterFile.parameters)) expect(mainParams[name], name).toBeDefined();
    for (const [name, p] of Object.entries(mainParams)) {
      if (p.defaultValue === undefined) expect(parameterFile.parameters[name], `${name} has no default`).toBeDefined();
    }
    expect(parameterFile.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameterFile.parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(parameterFile.parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
  });

  it('main.parameters.json fallbacks (${VAR=fallback}) equal main.bicep defaults', () => {
    let checked = 0;
    for (const [name, { value }] of Object.entries(parameterFile.parameters)) {
      const fallback = /^\$\{[A-Z_]+=(.*)\}$/.exec(value)?.[1];
      if (fallback === undefined) continue;
      expect(String(mainParams[name]?.defaultValue), name).toBe(fallback);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('exposes the hub partitions and retention as azd settings', () => {
    expect(parameterFile.parameters.eventHubPartitionCount?.value).toMatch(/^\$\{EVENTHUB_PARTITION_COUNT=/);
    expect(parameterFile.parameters.eventHubRetentionDays?.value).toBe('${EVENTHUB_RETENTION_DAYS=7}');
  });
});

describeCompiled('every module template', () => {
  it('was compiled by the pinned Bicep CLI', () => {
    for (const { module, template } of allTemplates()) {
      const generator = (template as unknown as { metadata?: { _generator?: { name: string; version: string } } }).metadata?._generator;
      expect(generator?.name, module).toBe('bicep');
      expect(generator?.version, module).toMatch(/^0\.49\.2\./);
    }
  });
});

it('azure.yaml deploys this project as a TypeScript function app from infra/', () => {
  const yaml = readRepoFile('azure.yaml');
  expect(yaml).toMatch(/^name: acs-email-ledger$/m);
  expect(yaml).toMatch(/^ {4}project: \.$/m);
  expect(yaml).toMatch(/^ {4}language: ts$/m);
  expect(yaml).toMatch(/^ {4}host: function$/m);
  expect(yaml).toMatch(/^ {2}path: infra$/m);
});

it('.funcignore keeps local settings, tests and infra out of the package, and the app in', () => {
  const ignored = readRepoFile('.funcignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  // .tools holds the Bicep CLI (over 100 MB) restored by `npm run check:infra`.
  for (const entry of ['local.settings.json', 'test', 'infra', '.azure', 'node_modules', '.tools']) expect(ignored, entry).toContain(entry);
  for (const kept of ['src', 'host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
    expect(ignored, kept).not.toContain(kept);
  }
});
