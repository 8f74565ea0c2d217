import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, runCli } from '../../src/cli/main.js';

/** --batch-records and --batch-mb: whole numbers in range, else exit 2 with a message naming the option. */
describe('replay batch options', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const stderrOf = async (...argv: string[]): Promise<{ code: number; stderr: string }> => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    // An unreachable storage setting: a valid option must not get as far as opening it in this test.
    const code = await runCli(['replay', ...argv], { LEDGER_STORAGE: 'not a connection string' });
    return { code, stderr };
  };

  it.each([
    ['--batch-records', '0'],
    ['--batch-records', '1000001'],
    ['--batch-records', '12abc'],
    ['--batch-records', '-5'],
    ['--batch-mb', '0'],
    ['--batch-mb', '2.5'],
    ['--batch-mb', '4096'],
  ])('%s %s is a usage error', async (option, value) => {
    const { code, stderr } = await stderrOf(option, value, 'archive.json');
    expect(code).toBe(2);
    expect(stderr).toContain(`option '${option} <n>' argument '${value}' is invalid`);
    expect(stderr).toMatch(/must be a whole number from 1 to [\d,]+/);
  });

  it('documents both limits and their defaults in the help', () => {
    const replay = buildProgram({}).commands.find((c) => c.name() === 'replay');
    const help = (replay?.helpInformation() ?? '').replace(/\s+/g, ' ');
    expect(help).toContain('--batch-records <n>');
    expect(help).toContain('(default: 5000)');
    expect(help).toContain('--batch-mb <n>');
    expect(help).toContain('(default: 8)');
  });
});
