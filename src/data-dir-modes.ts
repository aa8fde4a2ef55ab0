import { chmodSync, promises as fs, lstatSync, readdirSync, type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cannotCreate, cannotMakePrivate, DataDirError, errnoOf, notADirectory } from './data-dir-errors.js';

/** The only modes anything in a data directory has: it holds the root key, secrets and every object's bytes. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` and its missing parents one level at a time. Node's recursive mkdir never returns when a
 * parent answers ENOENT (as /proc does) and does not say which parent refused; this names it.
 */
async function createDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    let stat: Stats;
    try {
      stat = await fs.stat(current);
    } catch (error) {
      const code = errnoOf(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw cannotCreate(dir, dirname(current), error);
      missing.push(current);
      if (dirname(current) === current) break;
      continue;
    }
    if (stat.isDirectory()) break;
    throw current === dir ? notADirectory(dir) : cannotCreate(dir, current, { code: 'ENOTDIR' });
  }
  for (const path of missing.reverse()) {
    try {
      await fs.mkdir(path, { mode: PRIVATE_DIR_MODE });
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw cannotCreate(dir, dirname(path), error);
    }
  }
}

/** Sets `mode` unless the entry has it already; answers whether it changed anything. */
function tighten(path: string, stat: Stats, mode: number): boolean {
  if ((stat.mode & 0o777) === mode) return false;
  try {
    chmodSync(path, mode);
    return true;
  } catch (error) {
    // Removed meanwhile (a temporary file): nothing left to protect.
    if (errnoOf(error) === 'ENOENT') return false;
    throw cannotMakePrivate(path, error);
  }
}

function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw cannotMakePrivate(dir, error);
  }
}

/**
 * Makes the data directory and everything in it private to this user, whatever modes they had: directories
 * 0700, files 0600. Symbolic links inside are neither changed nor followed (the data directory itself may be
 * one). Synchronous on purpose: it runs before the server listens, and a thread-pool round trip per file
 * would make large object trees slow to start. Answers how many entries it changed.
 */
export function makePrivate(root: string): number {
  let changed = tighten(root, statSync(root), PRIVATE_DIR_MODE) ? 1 : 0;
  const pending = [root];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const name of entriesOf(dir)) {
      const path = join(dir, name);
      let stat: Stats;
      try {
        stat = lstatSync(path);
      } catch (error) {
        if (errnoOf(error) === 'ENOENT') continue;
        throw cannotMakePrivate(path, error);
      }
      if (stat.isDirectory()) {
        if (tighten(path, stat, PRIVATE_DIR_MODE)) changed++;
        pending.push(path);
      } else if (stat.isFile() && tighten(path, stat, PRIVATE_FILE_MODE)) changed++;
    }
  }
  return changed;
}

/**
 * Creates the data directory (0700), or makes an existing one and everything in it private; every failure is
 * a one-line {@link DataDirError} that says what to do. Answers how many existing entries it tightened.
 */
export async function prepareDataDir(root: string): Promise<number> {
  await createDirectory(root);
  try {
    return makePrivate(root);
  } catch (error) {
    if (error instanceof DataDirError) throw error;
    throw cannotMakePrivate(root, error);
  }
}
