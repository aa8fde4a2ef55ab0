import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname } from 'node:path';
import { syncDir } from '../lib/sync-dir.js';

/**
 * The SHA-256 of a SQLite file as Seawall left it when it last closed it cleanly, kept beside it (`<file>.seal`).
 * SQLite checks a page's structure, never its content: a bit that flips inside a row (a policy's text, a
 * setting) reads back as data. The seal finds that, and any other change made while Seawall was stopped,
 * before the file is opened again. It holds only for a file closed cleanly by its last connection (no WAL left
 * beside it); opening the file to write breaks it first, so a crash leaves no seal, and nothing to compare.
 */
interface Seal {
  sha256: string;
  bytes: number;
}

const sealOf = (path: string) => `${path}.seal`;

async function digestOf(path: string): Promise<Seal> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function readSeal(path: string): Promise<Seal | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await fs.readFile(sealOf(path), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let seal: Partial<Seal> | null;
  try {
    seal = JSON.parse(text) as Partial<Seal> | null;
  } catch {
    seal = null;
  }
  // A seal that does not read is itself damaged (or another program's): nothing vouches for the file.
  if (typeof seal?.sha256 !== 'string' || typeof seal.bytes !== 'number') return 'unreadable';
  return { sha256: seal.sha256, bytes: seal.bytes };
}

/**
 * What differs between the file and its seal, in a sentence; undefined when it is as sealed, or has no seal
 * (never closed cleanly, or opened since).
 */
export async function sealMismatch(path: string): Promise<string | undefined> {
  const seal = await readSeal(path);
  if (!seal) return undefined;
  if (seal === 'unreadable')
    return `has a seal (${basename(sealOf(path))}) that is not one Seawall wrote: it was damaged, or written by another program`;
  const now = await digestOf(path);
  if (now.sha256 === seal.sha256 && now.bytes === seal.bytes) return undefined;
  return `is not as Seawall left it when it last stopped (${
    now.bytes === seal.bytes
      ? 'the same size, other bytes'
      : `${now.bytes} bytes, where it left ${seal.bytes}`
  }): a bit changed on disk, or a program other than Seawall wrote to it`;
}

/** Removes the seal, durably, before the file is written: a file that changes is never judged by an old one. */
export async function breakSeal(path: string): Promise<void> {
  try {
    await fs.unlink(sealOf(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await syncDir(dirname(path));
}

/**
 * Seals the file once its connection is closed, if it was the last: SQLite then folds the WAL into the file and
 * removes it. A WAL still there means another connection holds the file (a CLI command beside a running
 * server), whose later writes would break any seal written now: then none is.
 */
export async function writeSeal(path: string): Promise<void> {
  try {
    await fs.access(`${path}-wal`);
    return;
  } catch {
    // No WAL: the file is whole, as its last connection left it.
  }
  const seal = await digestOf(path);
  const temporary = `${sealOf(path)}.tmp`;
  const handle = await fs.open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(seal)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, sealOf(path));
  await syncDir(dirname(path));
}
