import { checkSqliteFile } from '../check/index.js';
import { recordedDatabases } from '../data-dir-databases.js';
import { openMetadataReadOnly } from '../db/database.js';
import { referencedBlobs } from '../storage/index.js';
import { COPIES, type CopiedFile, eachConcurrently, hashFile, isMissing } from './backup-files.js';
import { type BackupStore, blobName, type S3Access, snapshotFile } from './backup-store.js';
import {
  BackupError,
  chooseSnapshot,
  DATABASES,
  type Manifest,
  METADATA_DUMP,
  readManifest,
} from './backup-target.js';
import type { BlobCatalog } from './blob-catalog.js';
import { openBackupStore } from './open-store.js';
import { checkDumpArchive } from './postgres-metadata.js';

export interface VerifyResult {
  snapshot: string;
  /** One line per problem, naming the file or blob and what is wrong with it; empty when the backup is whole. */
  problems: string[];
  /** Lines that are no problem with the backup: snapshots a run is writing, or a stopped run left. */
  notes: string[];
  checked: { databases: number; blobs: number; bytes: number };
}

/**
 * `seawall backup --verify`: checks a snapshot without restoring it (and without the root key): each database
 * copy against the SHA-256 its manifest recorded and SQLite's integrity check, and every blob its metadata names
 * against the size and SHA-256 the backup recorded when it copied it. A backup in S3 is read in full. Snapshots
 * without a manifest are told too: one whose run finished lost its manifest (a problem), any other is one a
 * run is writing or was stopped in (a note).
 */
export async function verifyBackup(from: string, asked?: string, s3?: S3Access): Promise<VerifyResult> {
  const store = await openBackupStore(from, s3);
  try {
    return await verifyStore(store, asked);
  } finally {
    await store.close();
  }
}

async function verifyStore(store: BackupStore, asked: string | undefined): Promise<VerifyResult> {
  let snapshot: string;
  try {
    snapshot = await chooseSnapshot(store, asked);
  } catch (error) {
    if (error instanceof BackupError) throw await withLostManifests(store, asked, error);
    throw error;
  }
  const result: VerifyResult = {
    snapshot,
    problems: [],
    notes: [],
    checked: { databases: 0, blobs: 0, bytes: 0 },
  };
  const catalog = await openCatalogOrSay(store, result.problems);
  try {
    await judgeUnfinished(store, catalog, result, asked === undefined);
    await checkSnapshot(store, catalog, result);
  } finally {
    catalog?.close();
  }
  result.problems.sort();
  return result;
}

/**
 * No finished snapshot to check (none at all, or not the one asked for): said with the snapshots among those
 * meant that lost their manifest after their run finished, which is why, where the catalog can say so.
 */
async function withLostManifests(
  store: BackupStore,
  asked: string | undefined,
  error: BackupError,
): Promise<BackupError> {
  const catalog = await store.openCatalog('read').catch(() => undefined);
  if (!catalog) return error;
  try {
    const lost = (await store.unfinishedSnapshots()).filter(
      (id) => (asked === undefined || id === asked) && catalog.finished(id),
    );
    if (lost.length === 0) return error;
    return new BackupError(
      `${error.message}: ${lost.map((id) => `snapshot ${id}`).join(', ')} lost its manifest.json after its run finished (the catalog records it): deleted or lost, it cannot be restored`,
    );
  } finally {
    catalog.close();
  }
}

/** The catalog, or undefined when it cannot be read: then that is a problem, naming it. */
async function openCatalogOrSay(store: BackupStore, problems: string[]): Promise<BlobCatalog | undefined> {
  try {
    return await store.openCatalog('read');
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/**
 * Tells each snapshot without a manifest, and, when the newest was asked for, that an older one was checked. A run records in the catalog that it finished copying its snapshot
 * just before it writes the manifest, and a run that fails removes its snapshot: so one the catalog records
 * lost its manifest afterwards and cannot be restored, and any other is a run's that is going on or was killed
 * (the next run removes it).
 */
async function judgeUnfinished(
  store: BackupStore,
  catalog: BlobCatalog | undefined,
  result: VerifyResult,
  newestAsked: boolean,
): Promise<void> {
  for (const id of await store.unfinishedSnapshots()) {
    const instead =
      newestAsked && id > result.snapshot ? `; checked ${result.snapshot}, an older one, instead` : '';
    if (catalog?.finished(id))
      result.problems.push(
        `snapshot ${id}: manifest.json is missing, though its run finished (the catalog records it): deleted or lost, the snapshot cannot be restored${instead}`,
      );
    else
      result.notes.push(
        `snapshot ${id}: unfinished (no manifest.json): a backup is writing it, or was stopped before it finished, and the next backup removes it${instead}`,
      );
  }
}

/**
 * Checks the snapshot's manifest and databases, then, when its metadata is sound and the catalog is read, its
 * blobs: a damaged audit, metrics or logs database names no blob, so it hides no damaged blob either.
 */
async function checkSnapshot(
  store: BackupStore,
  catalog: BlobCatalog | undefined,
  result: VerifyResult,
): Promise<void> {
  const { snapshot, problems } = result;
  let manifest: Manifest;
  try {
    manifest = await readManifest(store, snapshot);
  } catch (error) {
    if (error instanceof BackupError) problems.push(error.message);
    else problems.push(`snapshot ${snapshot}: manifest.json is unreadable (${(error as Error).message})`);
    return;
  }
  const metadata = await checkDatabases(store, manifest, result);
  if (metadata.sound && metadata.file) await checkRecordedDatabases(metadata.file, manifest, result);
  if (!catalog || !metadata.sound) return;
  await checkBlobs(store, catalog, metadata.file, result);
}

/**
 * Checks each database copy the manifest names; answers the local copy of metadata.db, if it has one, and
 * whether the metadata (metadata.db, or PostgreSQL's archive) passed, which the blobs are judged by.
 */
async function checkDatabases(
  store: BackupStore,
  manifest: Manifest,
  result: VerifyResult,
): Promise<{ file: string | undefined; sound: boolean }> {
  const { snapshot, problems, checked } = result;
  if (!manifest.databases['metadata.db'] && manifest.databases[METADATA_DUMP] === undefined)
    problems.push(`snapshot ${snapshot}: the manifest names no metadata.db`);
  let file: string | undefined;
  let sound = false;
  for (const name of [...DATABASES, METADATA_DUMP] as const) {
    const recorded = manifest.databases[name];
    if (!recorded) continue;
    checked.databases++;
    const local = await store.localFile(snapshotFile(snapshot, name));
    const problem =
      name === METADATA_DUMP ? await checkArchive(local, recorded) : await checkDatabase(local, recorded);
    if (problem) problems.push(`snapshot ${snapshot}: ${name} ${problem}`);
    if (name !== 'metadata.db' && name !== METADATA_DUMP) continue;
    if (name === 'metadata.db') file = local;
    sound = problem === undefined;
  }
  return { file, sound };
}

/**
 * A database the snapshot's metadata.db records that the server made (data-dir-databases.ts) must be in the
 * snapshot: one left out (gone from the data directory when an earlier version took it) would be restored as
 * never made. PostgreSQL's archive is read only by a restore, which refuses the same.
 */
async function checkRecordedDatabases(
  metadataFile: string,
  manifest: Manifest,
  { snapshot, problems }: VerifyResult,
): Promise<void> {
  const metadata = openMetadataReadOnly(metadataFile);
  try {
    for (const name of await recordedDatabases(metadata.db))
      if (!manifest.databases[name])
        problems.push(
          `snapshot ${snapshot}: ${name} is missing, though the snapshot's metadata records that Seawall had made it: a restore would lose ${name === 'audit.db' ? 'the audit trail' : 'its records'}`,
        );
  } finally {
    await metadata.close();
  }
}

/**
 * Checks every blob the snapshot's metadata.db names against the catalog; without one (PostgreSQL's archive is
 * read only by a restore), every blob the backup holds.
 */
async function checkBlobs(
  store: BackupStore,
  catalog: BlobCatalog,
  metadataFile: string | undefined,
  { problems, checked }: VerifyResult,
): Promise<void> {
  const checkBlob = async (blob: string, recorded: CopiedFile) => {
    checked.blobs++;
    const name = blobName(blob);
    const problem = compareFile(await store.hashOf(name), recorded);
    if (problem) problems.push(`blob ${blob} (${name}): ${problem}`);
    else checked.bytes += recorded.bytes;
  };
  if (!metadataFile) {
    await eachConcurrently(catalog.all(), COPIES, ({ id, ...recorded }) => checkBlob(id, recorded));
    return;
  }
  const metadata = openMetadataReadOnly(metadataFile);
  try {
    await eachConcurrently(referencedBlobs(metadata.db), COPIES, async (blob) => {
      const recorded = catalog.get(blob);
      if (recorded) return checkBlob(blob, recorded);
      checked.blobs++;
      // Quoted: a snapshot's metadata may have been tampered with, and this id was never made a path.
      problems.push(`blob ${JSON.stringify(blob)}: named by the metadata but never copied into the backup`);
    });
  } finally {
    await metadata.close();
  }
}

/** What is wrong with a PostgreSQL archive: its size and SHA-256, or a table of contents pg_restore cannot read. */
async function checkArchive(path: string | undefined, recorded: CopiedFile) {
  const problem = path ? await checkFile(path, recorded) : 'is missing';
  if (problem || !path) return problem;
  return checkDumpArchive(path).then(
    () => undefined,
    (error: Error) => `is not an archive pg_restore reads (${error.message})`,
  );
}

/** What is wrong with a file against its recorded size and SHA-256, or undefined when nothing is. */
async function checkFile(path: string, recorded: CopiedFile): Promise<string | undefined> {
  let actual: CopiedFile | undefined;
  try {
    actual = await hashFile(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  return compareFile(actual, recorded);
}

/** What is wrong with what a backup holds (undefined: nothing) against what it recorded when it copied it. */
function compareFile(actual: CopiedFile | undefined, recorded: CopiedFile): string | undefined {
  if (!actual) return 'is missing';
  if (actual.bytes !== recorded.bytes) return `is ${actual.bytes} bytes, not the ${recorded.bytes} copied`;
  if (actual.sha256 !== recorded.sha256)
    return 'does not match the SHA-256 recorded when it was copied (damaged)';
  return undefined;
}

async function checkDatabase(path: string | undefined, recorded: CopiedFile) {
  const problem = path ? await checkFile(path, recorded) : 'is missing';
  if (problem || !path) return problem;
  const found: string[] = [];
  checkSqliteFile(path, '', { problem: (_, detail) => found.push(detail), note: () => {}, ok: () => {} });
  return found.length > 0 ? `fails SQLite's check: ${found.slice(0, 3).join('; ')}` : undefined;
}
