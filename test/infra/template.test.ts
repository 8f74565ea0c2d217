import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFRA_DIR, bicepFiles, declarations, modules, outputs, params, readBicep, readRepoFile, unquote } from './bicepText.js';

/**
 * The wiring a Bicep compile would check, as far as text allows: modules exist and get the parameters
 * they declare, module outputs that are read exist, azd's parameter file matches main.bicep, and the
 * azd project files are in place. `az bicep build --file infra/main.bicep` remains the real check.
 */

const main = readBicep('main.bicep');

describe('main.bicep and its modules', () => {
  it('deploys to a resource group (works with azd and with az deployment group create)', () => {
    expect(declarations(main).find((d) => d.kind === 'targetScope')?.text.trim()).toBe("targetScope = 'resourceGroup'");
  });

  it('uses every module file, and every module it names exists', () => {
    const used = modules(main).map((m) => path.posix.normalize(m.path));
    for (const file of used) expect(existsSync(path.join(INFRA_DIR, file)), file).toBe(true);
    expect(used.sort()).toEqual(bicepFiles().filter((f) => f !== 'main.bicep').sort());
  });

  it('passes each module exactly the parameters it declares, and all it requires', () => {
    for (const m of modules(main)) {
      const declared = params(readBicep(m.path));
      for (const name of m.params.keys()) expect(declared.has(name), `${m.symbol}: ${m.path} declares no param ${name}`).toBe(true);
      for (const p of declared.values()) {
        if (p.defaultExpr === undefined) expect(m.params.has(p.name), `${m.symbol}: required param ${p.name} not passed`).toBe(true);
      }
    }
  });

  it('reads only outputs the modules declare', () => {
    const bySymbol = new Map(modules(main).map((m) => [m.symbol, new Set(outputs(readBicep(m.path)).map((o) => o.name))]));
    for (const ref of main.matchAll(/\b(\w+)\.outputs\.(\w+)/g)) {
      const [, symbol, output] = ref as unknown as [string, string, string];
      expect(bySymbol.get(symbol)?.has(output), `${symbol}.outputs.${output}`).toBe(true);
    }
  });

  it('names resources with prefixes that exist in abbreviations.json', () => {
    const abbreviations = JSON.parse(readRepoFile('infra/abbreviations.json')) as Record<string, string>;
    const used = [...main.matchAll(/\babbrs\.(\w+)/g)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(0);
    for (const key of used) expect(abbreviations[key], key).toBeDefined();
  });

  it('describes every parameter a user can set (main.bicep)', () => {
    for (const decl of declarations(main).filter((d) => d.kind === 'param')) {
      expect(decl.decorators, decl.name).toMatch(/@description\(/);
    }
  });
});

describe('azd project files', () => {
  const parameterFile = JSON.parse(readRepoFile('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
  const mainParams = params(main);

  it('main.parameters.json sets only parameters main.bicep has, including every one without a default', () => {
    for (const name of Object.keys(parameterFile.parameters)) expect(mainParams.has(name), name).toBe(true);
    for (const p of mainParams.values()) {
      if (p.defaultExpr === undefined) expect(parameterFile.parameters[p.name], `${p.name} has no default`).toBeDefined();
    }
    expect(parameterFile.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameterFile.parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(parameterFile.parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
  });

  it('main.parameters.json fallbacks (${VAR=fallback}) equal main.bicep defaults', () => {
    for (const [name, { value }] of Object.entries(parameterFile.parameters)) {
      const fallback = /^\$\{[A-Z_]+=(.*)\}$/.exec(value)?.[1];
      if (fallback === undefined) continue;
      expect(unquote(mainParams.get(name)?.defaultExpr ?? ''), name).toBe(fallback);
    }
  });

  it('exposes the hub partitions and retention as azd settings', () => {
    expect(parameterFile.parameters.eventHubPartitionCount?.value).toMatch(/^\$\{EVENTHUB_PARTITION_COUNT=/);
    expect(parameterFile.parameters.eventHubRetentionDays?.value).toMatch(/^\$\{EVENTHUB_RETENTION_DAYS=/);
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
    for (const entry of ['local.settings.json', 'test', 'infra', '.azure', 'node_modules']) expect(ignored, entry).toContain(entry);
    for (const kept of ['src', 'host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
      expect(ignored, kept).not.toContain(kept);
    }
  });
});
