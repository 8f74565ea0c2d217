import { hostname } from 'node:os';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LedgerError, ensureError } from '../errors.js';

/**
 * One CLI at a time per data folder. The embedded Azurite keeps its database in memory and writes it
 * to the folder now and then, so two processes on one folder each overwrite the other's saves and
 * records are lost without an error. The first CLI creates `ledger.lock` exclusively (`wx`) with its
 * pid, host and start time; a second one is refused with that information. A lock whose process is
 * gone (killed, crashed) on this host is stale and taken over.
 */
export const LOCK_FILE = 'ledger.lock';

/** A lock file still empty (its owner is writing it) is not called stale before this much time. */
const UNWRITTEN_LOCK_GRACE_MS = 10_000;

const lockOwner = z.object({ pid: z.number().int().positive(), host: z.string(), startedAt: z.string() });
type LockOwner = z.infer<typeof lockOwner>;

export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true }).catch((thrown: unknown) => {
    throw new LedgerError('config_invalid', `LEDGER_DATA_DIR "${dataDir}" cannot be created: ${ensureError(thrown).message}`, { context: { path: dataDir } });
  });
  const path = join(dataDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  if (await tryCreate(path, me)) return heldLock(path, me);
  const holder = await readHolder(path);
  if (holder === 'gone' || (await isStale(path, holder))) {
    // Move the stale file aside under a name of our own, so two CLIs clearing it at once cannot both win.
    const aside = `${path}.stale-${process.pid}`;
    await rename(path, aside).then(() => unlink(aside), () => undefined);
    if (await tryCreate(path, me)) return heldLock(path, me);
  }
  throw inUse(dataDir, path, holder === 'gone' ? await readHolder(path) : holder);
}

async function tryCreate(path: string, me: LockOwner): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(`${JSON.stringify(me)}\n`);
    } finally {
      await handle.close();
    }
    return true;
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new LedgerError('config_invalid', `cannot create the lock file "${path}": ${ensureError(thrown).message}`, { context: { path }, cause: thrown });
  }
}

/** The lock's owner; 'unreadable' while it is being written (or damaged); 'gone' if it vanished meanwhile. */
async function readHolder(path: string): Promise<LockOwner | 'unreadable' | 'gone'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return 'unreadable';
  }
  try {
    const parsed = lockOwner.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

async function isStale(path: string, holder: LockOwner | 'unreadable'): Promise<boolean> {
  if (holder === 'unreadable') {
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    return age > UNWRITTEN_LOCK_GRACE_MS;
  }
  // A pid on another host (a shared folder) cannot be checked from here: never taken over.
  if (holder.host !== hostname()) return false;
  return !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (thrown) {
    // EPERM: the process exists but belongs to someone else.
    return (thrown as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function heldLock(path: string, me: LockOwner): DataDirLock {
  return {
    path,
    async release() {
      // Only our own lock is removed: a stale-lock takeover may have replaced it.
      const holder = await readHolder(path);
      if (typeof holder === 'object' && holder.pid === me.pid && holder.startedAt === me.startedAt) await unlink(path).catch(() => undefined);
    },
  };
}

function inUse(dataDir: string, path: string, holder: LockOwner | 'unreadable' | 'gone'): LedgerError {
  const who = typeof holder === 'object' ? `process ${holder.pid} on ${holder.host}, started ${holder.startedAt}` : 'another process';
  return new LedgerError(
    'usage',
    `the data folder "${dataDir}" is in use by ${who}: only one acs-email-ledger command at a time can use an embedded ledger. ` +
      `Wait for it to finish and run this again (if that process is surely gone, delete "${path}").`,
    { context: { lock: path } },
  );
}
