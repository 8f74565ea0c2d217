import { readdir, stat, access, open } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { join } from 'node:path';
import { LedgerError, ensureError } from '../../errors.js';

/** One input to read: a file (or pipe) by path, or standard input. */
export type InputSource =
  | { readonly kind: 'stdin' }
  | {
      readonly kind: 'file';
      readonly path: string;
      /** Size in bytes when it is a regular file (not a pipe), as it was when the paths were checked. */
      readonly size?: number;
    };
type FileInput = Extract<InputSource, { kind: 'file' }>;

export const STDIN_PATH = '-';

/** Folder members taken as input; anything else in a folder (README, .gz, .csv) is skipped. */
const JSON_EXTENSIONS = ['.json', '.ndjson', '.jsonl'] as const;

/**
 * Turns the command-line paths into the full, ordered list of inputs, failing on the first path that
 * cannot be read. It runs to completion before anything is read, so a typo in the last path stops the
 * run before the first body reaches the ledger instead of half-way through.
 */
export async function resolveInputs(paths: readonly string[]): Promise<InputSource[]> {
  const inputs: InputSource[] = [];
  for (const path of paths) {
    if (path === STDIN_PATH) {
      if (inputs.some((input) => input.kind === 'stdin')) throw stdinTwice();
      inputs.push({ kind: 'stdin' });
      continue;
    }
    inputs.push(...(await filesAtPath(path)));
  }
  return inputs;
}

/** A folder's JSON files in path order, or the path itself when it is anything else (a file, a pipe). */
async function filesAtPath(path: string): Promise<FileInput[]> {
  const stats = await stat(path).catch((thrown: unknown) => {
    throw unreadable(path, thrown);
  });
  if (stats.isDirectory()) return jsonFilesUnder(path);
  await access(path, constants.R_OK).catch((thrown: unknown) => {
    throw unreadable(path, thrown);
  });
  if (stats.isFile()) await assertOpens(path);
  return [fileInput(path, stats)];
}

function fileInput(path: string, stats: Stats): FileInput {
  return stats.isFile() ? { kind: 'file', path, size: stats.size } : { kind: 'file', path };
}

/** Every JSON file below `folder`, sorted by full path (code-unit order, not locale) so runs repeat exactly. */
async function jsonFilesUnder(folder: string): Promise<FileInput[]> {
  const found: FileInput[] = [];
  await collectJsonFiles(folder, found);
  return found.sort((a, b) => comparePaths(a.path, b.path));
}

async function collectJsonFiles(folder: string, found: FileInput[]): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((thrown: unknown) => {
    throw unreadable(folder, thrown);
  });
  for (const entry of entries) {
    const path = join(folder, entry.name);
    // Linked folders are not followed: a link back up the tree would recurse forever.
    if (entry.isDirectory()) await collectJsonFiles(path, found);
    else if (hasJsonExtension(entry.name)) {
      // stat follows a link to a file; a broken link or a link to a folder is skipped.
      const stats = await stat(path).catch(() => undefined);
      if (stats?.isFile() === true) {
        await assertOpens(path);
        found.push(fileInput(path, stats));
      }
    }
  }
}

/**
 * Opens and closes a regular file, so that one the process may not read (its mode, an ACL, a lock)
 * fails the run before the first body is written rather than half-way through a folder. (Only regular
 * files: opening a FIFO would wait for a writer.)
 */
async function assertOpens(path: string): Promise<void> {
  const handle = await open(path, 'r').catch((thrown: unknown) => {
    throw unreadable(path, thrown);
  });
  await handle.close();
}

function hasJsonExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return JSON_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export function unreadable(path: string, thrown: unknown): LedgerError {
  const cause = ensureError(thrown);
  return new LedgerError('input_unreadable', `cannot read input "${path}": ${cause.message}`, {
    context: { path },
    cause,
  });
}

function stdinTwice(): LedgerError {
  return new LedgerError('usage', `"${STDIN_PATH}" (standard input) can be given only once`, {
    context: { path: STDIN_PATH },
  });
}
