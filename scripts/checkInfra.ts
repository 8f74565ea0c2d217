// `npm run check:infra`: compiles and lints infra/main.bicep with a pinned Bicep CLI that the machine's
// `dotnet` restores from NuGet (package Azure.Bicep.CommandLine.linux-x64; nothing is downloaded from
// anywhere else). Fails (non-zero) when dotnet or the compiler is missing, or when the compiler or the
// linter reports any error or warning (infra/bicepconfig.json says which rules are errors, and why the
// ones turned off are off).
//
//   tsx scripts/checkInfra.ts                    build + lint, print every diagnostic and a summary
//   tsx scripts/checkInfra.ts --build-for-tests  build only (cached), print the compiled JSON's path
//
// test/infra/armTemplate.ts calls buildForTests() directly.
//
// Exit codes: 0 clean, 1 diagnostics or a failed compile, 3 dotnet missing, 4 the compiler could not be
// installed. Everything it writes stays under .tools/ (gitignored).
import { type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BICEP_PACKAGE = 'Azure.Bicep.CommandLine.linux-x64';
export const BICEP_VERSION = '0.49.2';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN_BICEP = path.join(REPO_ROOT, 'infra', 'main.bicep');
const TOOLS_DIR = path.join(REPO_ROOT, '.tools');
const BICEP_DIR = path.join(TOOLS_DIR, 'bicep', BICEP_VERSION);
const BUILD_DIR = path.join(TOOLS_DIR, 'infra-build');
const COMPILED = path.join(BUILD_DIR, 'main.json');
const COMPILED_HASH = path.join(BUILD_DIR, 'main.json.inputs');
const LOCK_DIR = path.join(TOOLS_DIR, 'infra-build.lock');
const DOTNET_ENV = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' };

export const HOW_TO_RUN = 'install the .NET SDK (`dotnet`) and run `npm run check:infra`';

/** A failed check, with the exit code the command line reports it with. */
export class InfraCheckError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'InfraCheckError';
  }
}

export interface BicepDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly level: 'Error' | 'Warning' | 'Info';
  readonly code: string;
  readonly message: string;
}

function run(command: string, args: readonly string[], options: Partial<SpawnSyncOptionsWithStringEncoding> = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { encoding: 'utf8', env: DOTNET_ENV, maxBuffer: 64 * 1024 * 1024, ...options });
}

/** The SDK's major version ("10.0.401" -> 10), or undefined when `dotnet` is not on PATH. */
export function dotnetMajorVersion(): number | undefined {
  const result = run('dotnet', ['--version']);
  if (result.error || result.status !== 0) return undefined;
  const major = Number.parseInt(result.stdout.trim().split('.')[0] ?? '', 10);
  return Number.isInteger(major) ? major : undefined;
}

function bicepBinary(): string {
  return path.join(BICEP_DIR, 'packages', BICEP_PACKAGE.toLowerCase(), BICEP_VERSION, 'tools', 'bicep');
}

/** Restores the pinned package into .tools/bicep/<version>/packages (once) and returns the binary's path. */
export function installBicep(): string {
  const major = dotnetMajorVersion();
  if (major === undefined) throw new InfraCheckError(`dotnet was not found on PATH: cannot install the Bicep CLI (${HOW_TO_RUN}).`, 3);
  const binary = bicepBinary();
  if (!existsSync(binary)) {
    mkdirSync(BICEP_DIR, { recursive: true });
    // A throwaway project whose only job is to make NuGet fetch the package (PackageDownload: no
    // reference, no build). Its TargetFramework is the installed SDK's, so any SDK can restore it.
    const project = path.join(BICEP_DIR, 'bicep-tool.csproj');
    writeFileSync(
      project,
      `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net${major}.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="${BICEP_PACKAGE}" Version="[${BICEP_VERSION}]" /></ItemGroup>
</Project>
`,
    );
    const restore = run('dotnet', ['restore', project, '--packages', path.join(BICEP_DIR, 'packages')]);
    if (restore.status !== 0 || !existsSync(binary)) {
      throw new InfraCheckError(`could not install ${BICEP_PACKAGE} ${BICEP_VERSION} with dotnet restore:\n${restore.stdout}${restore.stderr}`, 4);
    }
  }
  // NuGet extracts files without their execute bit.
  chmodSync(binary, 0o755);
  const version = run(binary, ['--version']);
  if (version.status !== 0 || !version.stdout.includes(`Bicep CLI version ${BICEP_VERSION} `)) {
    throw new InfraCheckError(`the installed Bicep CLI does not run or is not ${BICEP_VERSION}: ${version.stdout}${version.stderr}${version.error ?? ''}`, 4);
  }
  return binary;
}

/** "path(line,col) : Level CODE: message" lines of the Bicep CLI's output. */
export function parseDiagnostics(output: string): BicepDiagnostic[] {
  const diagnostics: BicepDiagnostic[] = [];
  for (const line of output.split('\n')) {
    const m = /^(.*)\((\d+),(\d+)\) : (Error|Warning|Info) ([\w-]+): (.*)$/.exec(line.trim());
    if (m) diagnostics.push({ file: path.relative(REPO_ROOT, m[1] as string), line: Number(m[2]), level: m[4] as BicepDiagnostic['level'], code: m[5] as string, message: m[6] as string });
  }
  return diagnostics;
}

function infraInputs(): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(full);
    }
  };
  walk(path.join(REPO_ROOT, 'infra'));
  const hash = createHash('sha256').update(`${BICEP_PACKAGE}@${BICEP_VERSION}\n`);
  for (const file of files.sort()) hash.update(`${path.relative(REPO_ROOT, file)}\n`).update(readFileSync(file));
  return hash.digest('hex');
}

function build(binary: string, outfile: string): { ok: boolean; diagnostics: BicepDiagnostic[]; output: string } {
  const result = run(binary, ['build', MAIN_BICEP, '--outfile', outfile]);
  const diagnostics = parseDiagnostics(`${result.stdout}\n${result.stderr}`);
  return { ok: result.status === 0 && existsSync(outfile), diagnostics, output: `${result.stdout}${result.stderr}` };
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Compiles infra/main.bicep into .tools/infra-build/main.json unless the file there was compiled from the
 * same inputs. Test files run in parallel workers: one compiles (mkdir lock), the others wait for it.
 */
export function buildForTests(): string {
  const inputs = infraInputs();
  const fresh = () => existsSync(COMPILED) && existsSync(COMPILED_HASH) && readFileSync(COMPILED_HASH, 'utf8') === inputs;
  if (fresh()) return COMPILED;
  mkdirSync(TOOLS_DIR, { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      if (fresh()) return COMPILED;
      // A lock left by a killed run: older than any install + compile takes.
      const lockedAt = statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - lockedAt > 240_000) rmSync(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > deadline) throw new InfraCheckError(`timed out waiting for another compile of infra/ (${LOCK_DIR})`, 1);
      sleep(250);
    }
  }
  try {
    if (fresh()) return COMPILED;
    const binary = installBicep();
    mkdirSync(BUILD_DIR, { recursive: true });
    const staging = `${COMPILED}.${process.pid}.tmp`;
    const result = build(binary, staging);
    const errors = result.diagnostics.filter((d) => d.level === 'Error');
    if (!result.ok || errors.length > 0) throw new InfraCheckError(`bicep build infra/main.bicep failed:\n${result.output}`, 1);
    renameSync(staging, COMPILED);
    writeFileSync(COMPILED_HASH, inputs);
    return COMPILED;
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function fullCheck(): void {
  const binary = installBicep();
  console.log(`Bicep CLI ${BICEP_VERSION} (${BICEP_PACKAGE}, restored with dotnet from NuGet)`);
  mkdirSync(BUILD_DIR, { recursive: true });
  const built = build(binary, COMPILED);
  if (built.ok) writeFileSync(COMPILED_HASH, infraInputs());
  const lint = run(binary, ['lint', MAIN_BICEP]);
  const linted = parseDiagnostics(`${lint.stdout}\n${lint.stderr}`);
  let failed = !built.ok || lint.status !== 0;
  for (const [step, diagnostics] of [['build', built.diagnostics], ['lint', linted]] as const) {
    for (const d of diagnostics) console.log(`${step}: ${d.file}(${d.line}) ${d.level} ${d.code}: ${d.message}`);
    const count = (level: BicepDiagnostic['level']): number => diagnostics.filter((d) => d.level === level).length;
    console.log(`bicep ${step} infra/main.bicep: ${count('Error')} errors, ${count('Warning')} warnings, ${count('Info')} infos`);
    // A warning is either fixed or turned off in infra/bicepconfig.json with its reason: never left to pile up.
    if (count('Error') + count('Warning') > 0) failed = true;
  }
  if (!built.ok && built.diagnostics.length === 0) console.log(built.output);
  if (failed) throw new InfraCheckError('infra check failed: see the diagnostics above.', 1);
  console.log(`infra check passed: ${path.relative(REPO_ROOT, COMPILED)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes('--build-for-tests')) console.log(buildForTests());
    else fullCheck();
  } catch (error) {
    if (!(error instanceof InfraCheckError)) throw error;
    console.error(error.message);
    process.exit(error.exitCode);
  }
}
