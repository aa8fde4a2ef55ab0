import { checkSqliteFile } from '../check/index.js';
import { openMetadataReadOnly } from '../db/database.js';
import { referencedBlobs } from '../storage/index.js';
import { COPIES, type CopiedFile, eachConcurrently, hashFile, isMissing } from './backup-files.js';
import { type BackupStore, blobName, type S3Access, snapshotFile } from './backup-store.js';
import { chooseSnapshot, DATABASES, type Manifest, METADATA_DUMP, readManifest } from './backup-target.js';
import { openBackupStore } from './open-store.js';
import { checkDumpArchive } from './postgres-metadata.js';

export interface VerifyResult {
  snapshot: string;
  /** One line per problem, naming the file or blob and what is wrong with it; empty when the backup is whole. */
  problems: string[];
  checked: { databases: number; blobs: number; bytes: number };
}

/**
 * `seawall backup --verify`: checks a snapshot without restoring it (and without the root key): each database
 * copy against the SHA-256 its manifest recorded and SQLite's integrity check, and every blob its metadata names
 * against the size and SHA-256 the backup recorded when it copied it. A backup in S3 is read in full.
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
  const snapshot = await chooseSnapshot(store, asked);
  const problems: string[] = [];
  const checked = { databases: 0, blobs: 0, bytes: 0 };
  let manifest: Manifest;
  try {
    manifest = await readManifest(store, snapshot);
  } catch (error) {
    return {
      snapshot,
      problems: [`snapshot ${snapshot}: manifest.json is unreadable (${(error as Error).message})`],
      checked,
    };
  }
  const dumped = manifest.databases[METADATA_DUMP] !== undefined;
  if (!manifest.databases['metadata.db'] && !dumped)
    problems.push(`snapshot ${snapshot}: the manifest names no metadata.db`);
  let metadataFile: string | undefined;
  for (const name of [...DATABASES, METADATA_DUMP] as const) {
    const recorded = manifest.databases[name];
    if (!recorded) continue;
    checked.databases++;
    const local = await store.localFile(snapshotFile(snapshot, name));
    if (name === 'metadata.db') metadataFile = local;
    const problem =
      name === METADATA_DUMP ? await checkArchive(local, recorded) : await checkDatabase(local, recorded);
    if (problem) problems.push(`snapshot ${snapshot}: ${name} ${problem}`);
  }
  if (problems.length > 0 || (!metadataFile && !dumped)) return { snapshot, problems, checked };
  const catalog = await store.openCatalog('read');
  const checkBlob = async (blob: string, recorded: CopiedFile) => {
    checked.blobs++;
    const name = blobName(blob);
    const problem = compareFile(await store.hashOf(name), recorded);
    if (problem) problems.push(`blob ${blob} (${name}): ${problem}`);
    else checked.bytes += recorded.bytes;
  };
  try {
    // PostgreSQL's archive is read only by a restore: every blob the backup holds is checked instead.
    if (!metadataFile)
      await eachConcurrently(catalog.all(), COPIES, ({ id, ...recorded }) => checkBlob(id, recorded));
    else {
      const metadata = openMetadataReadOnly(metadataFile);
      try {
        await eachConcurrently(referencedBlobs(metadata.db), COPIES, async (blob) => {
          const recorded = catalog.get(blob);
          if (recorded) return checkBlob(blob, recorded);
          checked.blobs++;
          // Quoted: a snapshot's metadata may have been tampered with, and this id was never made a path.
          problems.push(
            `blob ${JSON.stringify(blob)}: named by the metadata but never copied into the backup`,
          );
        });
      } finally {
        await metadata.close();
      }
    }
  } finally {
    catalog.close();
  }
  return { snapshot, problems: problems.sort(), checked };
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
