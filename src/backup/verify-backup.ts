import { join, relative } from 'node:path';
import { checkSqliteFile } from '../check/index.js';
import { openMetadataReadOnly } from '../db/database.js';
import { referencedBlobs } from '../storage/index.js';
import { COPIES, eachConcurrently, hashFile, isMissing } from './backup-files.js';
import {
  backupLayout,
  chooseSnapshot,
  DATABASES,
  type Manifest,
  openCatalog,
  readManifest,
} from './backup-target.js';

export interface VerifyResult {
  snapshot: string;
  /** One line per problem, naming the file or blob and what is wrong with it; empty when the backup is whole. */
  problems: string[];
  checked: { databases: number; blobs: number; bytes: number };
}

/**
 * `seawall backup --verify`: checks a snapshot without restoring it (and without the root key): each database
 * copy against the SHA-256 its manifest recorded and SQLite's integrity check, and every blob its metadata names
 * against the size and SHA-256 the backup recorded when it copied it.
 */
export async function verifyBackup(from: string, asked?: string): Promise<VerifyResult> {
  const layout = backupLayout(from);
  const snapshot = await chooseSnapshot(layout, asked);
  const dir = layout.snapshot(snapshot);
  const problems: string[] = [];
  const checked = { databases: 0, blobs: 0, bytes: 0 };
  let manifest: Manifest;
  try {
    manifest = await readManifest(layout, snapshot);
  } catch (error) {
    return {
      snapshot,
      problems: [`snapshot ${snapshot}: manifest.json is unreadable (${(error as Error).message})`],
      checked,
    };
  }
  if (!manifest.databases['metadata.db'])
    problems.push(`snapshot ${snapshot}: the manifest names no metadata.db`);
  for (const name of DATABASES) {
    const recorded = manifest.databases[name];
    if (!recorded) continue;
    checked.databases++;
    const problem = await checkDatabase(join(dir, name), recorded);
    if (problem) problems.push(`snapshot ${snapshot}: ${name} ${problem}`);
  }
  if (problems.length > 0) return { snapshot, problems, checked };
  const catalog = openCatalog(layout.catalog, { readonly: true });
  const metadata = openMetadataReadOnly(join(dir, 'metadata.db'));
  try {
    await eachConcurrently(referencedBlobs(metadata.db), COPIES, async (blob) => {
      checked.blobs++;
      const recorded = catalog.get(blob);
      if (!recorded) {
        // Quoted: a snapshot's metadata may have been tampered with, and this id was never made a path.
        problems.push(`blob ${JSON.stringify(blob)}: named by the metadata but never copied into the backup`);
        return;
      }
      const path = layout.blob(blob);
      const problem = await checkFile(path, recorded);
      if (problem) problems.push(`blob ${blob} (${relative(layout.root, path)}): ${problem}`);
      else checked.bytes += recorded.bytes;
    });
  } finally {
    await metadata.close();
    catalog.close();
  }
  return { snapshot, problems: problems.sort(), checked };
}

/** What is wrong with a file against its recorded size and SHA-256, or undefined when nothing is. */
export async function checkFile(
  path: string,
  recorded: { bytes: number; sha256: string },
): Promise<string | undefined> {
  let actual: { bytes: number; sha256: string };
  try {
    actual = await hashFile(path);
  } catch (error) {
    if (isMissing(error)) return 'is missing';
    throw error;
  }
  if (actual.bytes !== recorded.bytes) return `is ${actual.bytes} bytes, not the ${recorded.bytes} copied`;
  if (actual.sha256 !== recorded.sha256)
    return 'does not match the SHA-256 recorded when it was copied (damaged)';
  return undefined;
}

async function checkDatabase(path: string, recorded: { bytes: number; sha256: string }) {
  const problem = await checkFile(path, recorded);
  if (problem) return problem;
  const found: string[] = [];
  checkSqliteFile(path, '', { problem: (_, detail) => found.push(detail), note: () => {}, ok: () => {} });
  return found.length > 0 ? `fails SQLite's check: ${found.slice(0, 3).join('; ')}` : undefined;
}
