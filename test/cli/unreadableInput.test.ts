import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * An unreadable file deep inside a folder stops the run before the first body is read (so before the
 * first write), naming the file. Permissions mean nothing to root, so the reader runs in a child
 * process as an unprivileged user when the tests run as root (as in CI containers).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
let dir: string;

function record(i: number): string {
  return JSON.stringify({ records: [{ time: '2024-05-01T10:00:00Z', category: 'EmailStatusUpdateOperational', properties: { MessageId: `m-${i}`, DeliveryStatus: 'Delivered', RecipientId: `u${i}@example.com` } }] });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'unreadable-'));
  chmodSync(dir, 0o755);
  for (let i = 0; i < 600; i += 1) {
    const sub = path.join(dir, `a${String(i % 10)}`, `b${String(i % 7)}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `${String(i).padStart(4, '0')}.json`), record(i));
  }
  chmodSync(path.join(dir, 'a9', 'b6', '0559.json'), 0o000);
  if (asRoot) chownSync(path.join(dir, 'a9', 'b6', '0559.json'), 0, 0);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Reads the folder in a child process (as an unprivileged user when we are root): bodies seen, then the error. */
function readFolderAsUser(): { bodies: number; code?: string; message?: string; path?: string } {
  const script = `
    import { readInputs } from ${JSON.stringify(path.join(root, 'src/cli/readInputs.ts'))};
    let bodies = 0;
    try {
      for await (const _ of readInputs([${JSON.stringify(dir)}])) bodies += 1;
      console.log(JSON.stringify({ bodies }));
    } catch (e) {
      console.log(JSON.stringify({ bodies, code: e.code, message: e.message, path: e.context?.path }));
    }`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir() },
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { bodies: number; code?: string; message?: string; path?: string };
}

describe('an unreadable file deep in a folder', () => {
  it('fails the run before the first body, naming the file', () => {
    const outcome = readFolderAsUser();
    const bad = path.join(dir, 'a9', 'b6', '0559.json');
    expect(outcome).toMatchObject({ bodies: 0, code: 'input_unreadable', path: bad });
    expect(outcome.message).toContain(`cannot read input "${bad}"`);
    expect(outcome.message).toContain('EACCES');
  }, 60_000);

  it('once readable, every file is read', () => {
    chmodSync(path.join(dir, 'a9', 'b6', '0559.json'), 0o644);
    expect(readFolderAsUser()).toEqual({ bodies: 600 });
  }, 60_000);
});
