import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { buildForTests, dotnetMajorVersion } from '../../scripts/checkInfra.js';
import { type ArmScope, evaluateValue, isExpression } from './armExpression.js';

/**
 * infra/main.bicep compiled to ARM JSON by the real Bicep compiler, through the same script as
 * `npm run check:infra` (scripts/checkInfra.ts, which caches the result under .tools/ by the hash of
 * infra/). Without `dotnet` the infra tests are skipped, saying so; in CI (CI=true) a missing compiler
 * fails them instead.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ArmResource {
  readonly type: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly condition?: unknown;
  readonly scope?: string;
  readonly dependsOn?: readonly string[];
  readonly existing?: boolean;
  readonly [key: string]: unknown;
}

export interface ArmParameter {
  readonly type: string;
  readonly defaultValue?: unknown;
  readonly allowedValues?: readonly unknown[];
  readonly minValue?: number;
  readonly maxValue?: number;
  readonly metadata?: Record<string, unknown>;
}

export interface ArmTemplate {
  readonly languageVersion?: string;
  readonly parameters?: Record<string, ArmParameter>;
  readonly variables?: Record<string, unknown>;
  readonly resources: readonly ArmResource[] | Record<string, ArmResource>;
  readonly outputs?: Record<string, { type: string; value: unknown }>;
}

function compile(): ArmTemplate | undefined {
  if (dotnetMajorVersion() === undefined) {
    const howTo = 'install the .NET SDK and run `npm run check:infra` (or `npm test`)';
    if (process.env.CI === 'true') throw new Error(`dotnet was not found: CI (CI=true) must compile infra/ with the Bicep compiler and cannot skip it; ${howTo}.`);
    const message = `dotnet was not found, so infra/ was not compiled and the infra tests are SKIPPED. To run them: ${howTo}.`;
    console.warn(`[infra] ${message}`);
    return undefined;
  }
  return JSON.parse(readFileSync(buildForTests(), 'utf8')) as ArmTemplate;
}

/** The compiled main template, or undefined when the compiler is not available here (tests skip). */
export const compiled: ArmTemplate | undefined = compile();

/**
 * describe() that runs only when infra/ was compiled. Otherwise its body is never called (it reads the
 * template while collecting) and one skipped test stands for it in the report.
 */
export function describeCompiled(name: string, body: () => void): void {
  if (compiled) describe(name, body);
  // Skipped only on a machine without dotnet (the reason is printed); with CI=true compile() fails instead.
  else describe.skip(name, () => it('needs infra/ compiled (dotnet + `npm run check:infra`)', () => undefined));
}

function main(): ArmTemplate {
  if (!compiled) throw new Error('infra/ was not compiled');
  return compiled;
}

export function mainTemplate(): ArmTemplate {
  return main();
}

/** A template's resources as a list, whether the compiler wrote an array or (languageVersion 2.0) an object. */
export function resourcesOf(template: ArmTemplate): ArmResource[] {
  return Array.isArray(template.resources) ? [...(template.resources as ArmResource[])] : Object.values(template.resources);
}

/** The module deployment named `name` in main.bicep (a Microsoft.Resources/deployments resource). */
export function moduleDeployment(name: string): ArmResource & { properties: { parameters: Record<string, { value: unknown }>; template: ArmTemplate } } {
  const found = resourcesOf(main()).filter((r) => r.type === 'Microsoft.Resources/deployments' && (r.name === name || r.name.includes(`'${name}`)));
  if (found.length !== 1) throw new Error(`expected one module deployment named ${name}, found ${found.length}`);
  return found[0] as ArmResource & { properties: { parameters: Record<string, { value: unknown }>; template: ArmTemplate } };
}

export function moduleTemplate(name: string): ArmTemplate {
  return moduleDeployment(name).properties.template;
}

/** The one resource of `type` declared (not `existing`) in a template. */
export function resourceOfType(template: ArmTemplate, type: string): ArmResource {
  const found = resourcesOf(template).filter((r) => r.type === type && r.existing !== true);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as ArmResource;
}

/** Every module template with its deployment name, main first. */
export function allTemplates(): Array<{ module: string; template: ArmTemplate }> {
  const templates = [{ module: 'main', template: main() }];
  for (const r of resourcesOf(main())) {
    if (r.type === 'Microsoft.Resources/deployments') {
      templates.push({ module: r.name, template: (r.properties as { template: ArmTemplate }).template });
    }
  }
  return templates;
}

/**
 * A scope for evaluating a module's expressions: each parameter is `<param:name>` (a stand-in that shows
 * where a value comes from) unless given in `values`, or its default when it has one and none is given.
 */
export function moduleScope(template: ArmTemplate, values: Record<string, unknown> = {}): ArmScope {
  const parameters: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, p] of Object.entries(template.parameters ?? {})) {
    parameters[name] = name in values ? values[name] : p.defaultValue !== undefined && !isExpression(p.defaultValue) ? p.defaultValue : `<param:${name}>`;
  }
  return { parameters, variables: template.variables ?? {} };
}

export { evaluateValue, isExpression };

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}
