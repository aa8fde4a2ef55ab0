import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { acquireDataDirLock, DataDirBusyError, type DataDirLock } from '../data-dir-lock.js';
import { blobPath } from '../storage/index.js';
import { makePrivateDir } from './backup-files.js';
import type { BackupStore } from './backup-store.js';

/**
 * A backup (a directory, or objects under an S3 prefix: see BackupStore) holds `blobs/ab/<id>`, each blob's file as the data directory holds it (ciphertext,
 * copied once and shared by every snapshot that names it); `catalog.db`, the blobs copied so far with their
 * sizes and SHA-256; and `snapshots/<id>/`, one per backup run, holding copies of the SQLite databases taken
 * while the server ran and a `manifest.json` written last. A snapshot without a manifest is one a run did not
 * finish, and is not restored from. The root key is never part of it.
 */
export function backupLayout(root: string) {
  return {
    root,
    blobs: join(root, 'blobs'),
    catalog: join(root, 'catalog.db'),
    snapshots: join(root, 'snapshots'),
    lock: join(root, 'backup.lock'),
    /** A blob's file, laid out as a data directory lays it out (an id that is not one is refused). */
    blob: (id: string) => blobPath(root, id),
    snapshot: (id: string) => join(root, 'snapshots', id),
  };
}

export type BackupLayout = ReturnType<typeof backupLayout>;

/** The databases of a data directory that a snapshot copies, by file name; metadata.db must be there. */
export const DATABASES = ['metadata.db', 'audit.db', 'metrics.db', 'logs.db'] as const;

/** A snapshot's metadata where it is kept in PostgreSQL: pg_dump's archive, in place of metadata.db. */
export const METADATA_DUMP = 'metadata.pgdump';

const fileSchema = z.object({
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const manifestSchema = z.object({
  format: z.literal(1),
  id: z.string(),
  createdAt: z.string(),
  /** The databases copied, by file name. */
  databases: z.partialRecord(z.enum([...DATABASES, METADATA_DUMP]), fileSchema),
  /** The blobs the snapshot's metadata names, and how many of them this run copied. */
  blobs: z.object({
    count: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    copied: z.number().int().nonnegative(),
    copiedBytes: z.number().int().nonnegative(),
  }),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** How a snapshot's id looks: anything else under `snapshots/` is not one. */
export const SNAPSHOT_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

/** A sortable snapshot id: the time the run started, and a few random digits. */
export function snapshotId(now: Date, random: string): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}-${random}`;
}

/** The snapshots of a backup directory, with a manifest (finished) and without, each oldest first. */
export async function snapshotsIn(
  layout: BackupLayout,
): Promise<{ finished: string[]; unfinished: string[] }> {
  let names: string[];
  try {
    names = await fs.readdir(layout.snapshots);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { finished: [], unfinished: [] };
    throw error;
  }
  const found = { finished: [] as string[], unfinished: [] as string[] };
  for (const name of names.filter((n) => SNAPSHOT_ID.test(n)).sort()) {
    try {
      await fs.access(join(layout.snapshot(name), 'manifest.json'));
      found.finished.push(name);
    } catch {
      found.unfinished.push(name);
    }
  }
  return found;
}

/** The finished snapshots of a backup, oldest first. */
export async function finishedSnapshots(layout: BackupLayout): Promise<string[]> {
  return (await snapshotsIn(layout)).finished;
}

export async function readManifest(store: BackupStore, id: string): Promise<Manifest> {
  const text = await store.readManifest(id);
  // Said naming the file: a bare JSON or schema error would not tell which of the backup's files is damaged.
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BackupError(`snapshot ${id}: manifest.json is unreadable (${(error as Error).message})`);
  }
  const manifest = manifestSchema.safeParse(parsed);
  if (manifest.success) return manifest.data;
  const issues = manifest.error.issues.map(
    (issue) => `${issue.path.join('.') || 'the whole'}: ${issue.message}`,
  );
  throw new BackupError(`snapshot ${id}: manifest.json is unreadable (${issues.join('; ')})`);
}

export function manifestText(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Which snapshot a restore or a verification reads: the one asked for, else the newest finished one. */
export async function chooseSnapshot(store: BackupStore, asked: string | undefined): Promise<string> {
  const finished = await store.finishedSnapshots();
  if (asked !== undefined) {
    if (!finished.includes(asked))
      throw new BackupError(`${store.where} has no finished snapshot ${JSON.stringify(asked)}`);
    return asked;
  }
  const newest = finished.at(-1);
  if (!newest) throw new BackupError(`${store.where} holds no finished backup`);
  return newest;
}

/** A backup that cannot be taken, read or restored, for a reason the message gives in full. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** Takes the backup directory for one run, so two runs never write the same blobs or catalog at once. */
export async function lockBackup(layout: BackupLayout): Promise<DataDirLock> {
  await makePrivateDir(layout.root);
  try {
    return await acquireDataDirLock(layout.root, layout.lock, 0);
  } catch (error) {
    if (error instanceof DataDirBusyError)
      throw new BackupError(
        `another backup (pid ${error.holder.pid}) is writing to ${layout.root}; wait for it to finish`,
      );
    throw error;
  }
}
