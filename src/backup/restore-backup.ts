import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type OfflineMetadata, openOfflineMetadata } from '../check/offline-metadata.js';
import type { Config } from '../config.js';
import { dataDirLayout } from '../data-dir.js';
import { recordedDatabases } from '../data-dir-databases.js';
import { acquireDataDirLock } from '../data-dir-lock.js';
import { prepareDataDir } from '../data-dir-modes.js';
import type { RootCredentials } from '../iam/index.js';
import { readRootKey } from '../kms/index.js';
import { syncDir } from '../lib/sync-dir.js';
import { initDataDir } from '../main.js';
import { blobPath, referencedBlobs, storageClassOf } from '../storage/index.js';
import {
  COPIES,
  eachConcurrently,
  isMissing,
  makePrivateDir,
  overlaps,
  PendingSyncs,
  writeDurably,
} from './backup-files.js';
import { type BackupStore, blobName, type S3Access, snapshotFile } from './backup-store.js';
import { BackupError, chooseSnapshot, DATABASES, METADATA_DUMP, readManifest } from './backup-target.js';
import { openBackupStore } from './open-store.js';
import { dropRestoredMetadata, restoreMetadataDump } from './postgres-metadata.js';

export interface RestoreOptions {
  /** The backup: a directory, or `s3://bucket/prefix`. */
  from: string;
  /** How to reach an `s3://` backup. */
  s3?: S3Access;
  /** The data directory to rebuild: it must not exist yet, or be empty. */
  config: Config;
  rootKeyFile: string;
  snapshot?: string;
}

export interface RestoreResult {
  snapshot: string;
  credentials: RootCredentials;
  blobs: number;
  bytes: number;
}

/**
 * `seawall restore`: rebuilds an installation from a backup into a new data directory: the snapshot's databases
 * (account, keys as wrapped, buckets, versions, tables, credentials, audit trail), every blob they name, and the
 * root key given. Each file is checked against what the backup recorded as it is copied. The root key is
 * checked against the account's secrets before any blob is copied. If anything fails, the directory is removed:
 * a restore never leaves half an installation.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const store = await openBackupStore(options.from, options.s3);
  try {
    return await restoreFrom(store, options);
  } finally {
    await store.close();
  }
}

async function restoreFrom(store: BackupStore, options: RestoreOptions): Promise<RestoreResult> {
  const rootKey = await readRootKeyFile(options.rootKeyFile);
  const snapshot = await chooseSnapshot(store, options.snapshot);
  const manifest = await readManifest(store, snapshot);
  const target = dataDirLayout(options.config.dataDir);
  const { coldStorageDir, coldStorageClass } = options.config;
  // A cold tier is restored into as the data directory is: new, or empty (another's blobs would be swept).
  if (coldStorageDir !== undefined && (await overlaps(coldStorageDir, target.root)))
    throw new BackupError(
      `${coldStorageDir} is inside ${target.root} or holds it: give the cold tier a directory of its own`,
    );
  const coldExisted = coldStorageDir === undefined ? false : await requireEmpty(coldStorageDir);
  // Metadata kept in PostgreSQL goes back into PostgreSQL: an empty database the flag names.
  const { metadataUrl } = options.config;
  const dumped = manifest.databases[METADATA_DUMP] !== undefined;
  if (dumped && metadataUrl === undefined)
    throw new BackupError(
      `snapshot ${snapshot} keeps its metadata in PostgreSQL: give --metadata-url, an empty database to restore it into`,
    );
  if (!dumped && metadataUrl !== undefined)
    throw new BackupError(
      `snapshot ${snapshot} keeps its metadata in metadata.db: restore it without --metadata-url (or SEAWALL_METADATA_URL)`,
    );
  const existed = await requireEmpty(target.root);
  await prepareDataDir(target.root);
  const lock = await acquireDataDirLock(target.root, target.lock, 0);
  let restored: RestoreResult;
  let loaded = false;
  const archive = join(target.root, METADATA_DUMP);
  try {
    // First in, last out: a restore killed part-way leaves a directory no server starts on.
    await writeDurably(target.restoring, (write) => write(Buffer.from(`${snapshot}\n`)));
    await writeDurably(target.rootKey, (write) => write(rootKey));
    for (const name of [...DATABASES, METADATA_DUMP] as const) {
      const recorded = manifest.databases[name];
      if (!recorded) continue;
      const copied = await store.copyOut(snapshotFile(snapshot, name), join(target.root, name));
      if (!copied)
        throw new BackupError(`snapshot ${snapshot}: ${name} is missing from the backup; nothing restored`);
      if (copied.sha256 !== recorded.sha256)
        throw new BackupError(
          `snapshot ${snapshot}: ${name} does not match its manifest (damaged); nothing restored`,
        );
    }
    if (metadataUrl !== undefined) {
      await restoreMetadataDump(metadataUrl, archive);
      loaded = true;
    }
    // A database the metadata records that the server made, not in the snapshot, would be made afresh and
    // empty at the first start (which refuses that): said here, before anything else is done.
    const metadataSource =
      metadataUrl !== undefined ? { postgresUrl: metadataUrl } : { sqlitePath: target.metadataDb };
    const restoredMetadata = openOfflineMetadata(metadataSource);
    const recorded = await recordedDatabases(restoredMetadata.db).finally(() => restoredMetadata.close());
    const lacking = recorded.find((name) => !manifest.databases[name]);
    if (lacking)
      throw new BackupError(
        `snapshot ${snapshot}: ${lacking} is missing from the backup, though the snapshot's metadata records that Seawall had made it; nothing restored`,
      );
    // Opens the account's secrets with the root key: a wrong key fails here, before any blob is copied.
    const credentials = await initDataDir(options.config);
    const cold = coldStorageDir ? { root: coldStorageDir, storageClass: coldStorageClass } : undefined;
    const { blobs, bytes } = await restoreBlobs(
      store,
      openOfflineMetadata(metadataSource),
      target.objects,
      cold,
    );
    restored = { snapshot, credentials, blobs, bytes };
    await fs.rm(archive, { force: true });
    await fs.rm(target.restoring);
    await syncDir(target.root);
  } catch (error) {
    await lock.release();
    // What the archive loaded goes again (named by its table of contents, still in the directory); a failure
    // to drop it is told with the failure that made the restore stop.
    const dropped =
      loaded && metadataUrl !== undefined
        ? await dropRestoredMetadata(metadataUrl, archive).then(
            () => undefined,
            (dropping: Error) => dropping,
          )
        : undefined;
    await removeRestored(target.root, existed);
    if (coldStorageDir !== undefined) await removeRestored(coldStorageDir, coldExisted);
    if (dropped)
      throw new BackupError(
        `${(error as Error).message}; and what was loaded into the PostgreSQL database could not be dropped (${dropped.message}): drop its tables before restoring into it again`,
      );
    throw error;
  }
  await lock.release();
  return restored;
}

/** The root key, or one line naming its file and what is wrong with it (missing, unreadable, not a key). */
async function readRootKeyFile(path: string): Promise<Buffer> {
  try {
    return await readRootKey(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw new BackupError((error as Error).message, { cause: error });
    const what =
      code === 'ENOENT'
        ? 'is missing'
        : code === 'EACCES'
          ? 'cannot be read by this user (EACCES)'
          : `cannot be read (${code})`;
    throw new BackupError(
      `the root key file ${path} ${what}: give the installation's root key file with --root-key`,
      { cause: error },
    );
  }
}

/** Undoes a failed restore: the directory it made, or what it wrote into the empty one it was given. */
async function removeRestored(dir: string, existed: boolean): Promise<void> {
  if (!existed) {
    await fs.rm(dir, { recursive: true, force: true });
    return;
  }
  for (const entry of await fs.readdir(dir)) await fs.rm(join(dir, entry), { recursive: true, force: true });
}

/** Refuses a directory that holds anything; answers whether it exists (empty). */
async function requireEmpty(dir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  if (entries.length > 0) throw new BackupError(`${dir} is not empty; restore into a new data directory`);
  return true;
}

/**
 * Copies the blobs the restored metadata (the snapshot's, checked against its manifest) names
 * into the new data directory: each into the tier its version's storage class says, given a cold tier (the
 * cold class's into it); without one, all into the hot tier, from which they read as well.
 */
async function restoreBlobs(
  store: BackupStore,
  metadata: OfflineMetadata,
  objects: string,
  cold: { root: string; storageClass: string } | undefined,
) {
  const catalog = await store.openCatalog('read');
  const dirs = new PendingSyncs();
  // Each copy's shard and `blobs/` itself are synced with it; the tier's root holds the entry of `blobs/`.
  for (const tier of [objects, ...(cold ? [cold.root] : [])]) {
    await makePrivateDir(join(tier, 'blobs'));
    dirs.addDir(tier);
  }
  const tierOf = async (blob: string): Promise<string> => {
    if (!cold) return objects;
    const version = await metadata.db
      .selectFrom('object_versions')
      .select('attributes')
      .where('blob_id', '=', blob)
      .executeTakeFirst();
    return version && storageClassOf(version.attributes) === cold.storageClass ? cold.root : objects;
  };
  let blobs = 0;
  let bytes = 0;
  try {
    await eachConcurrently(referencedBlobs(metadata.db), COPIES, async (blob) => {
      const recorded = catalog.get(blob);
      if (!recorded)
        throw new BackupError(`blob ${JSON.stringify(blob)}: named by the metadata but not in the backup`);
      const copied = await store.copyOut(blobName(blob), blobPath(await tierOf(blob), blob), dirs);
      if (!copied) throw new BackupError(`blob ${blob}: missing from the backup`);
      if (copied.sha256 !== recorded.sha256 || copied.bytes !== recorded.bytes)
        throw new BackupError(`blob ${blob}: does not match what the backup recorded (damaged)`);
      blobs++;
      bytes += copied.bytes;
    });
    await dirs.sync();
  } finally {
    await metadata.close();
    catalog.close();
  }
  return { blobs, bytes };
}
