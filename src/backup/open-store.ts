import { isS3Location } from './backup-location.js';
import type { BackupStore, S3Access } from './backup-store.js';
import { createDirectoryStore } from './directory-store.js';
import { createS3Store } from './s3-store.js';

/**
 * The store of a backup at `where`: `s3://bucket/prefix`, reached with `s3`, or a directory. An S3 store keeps
 * its local files in `scratchIn` (the system's temporary directory unless given).
 */
export async function openBackupStore(
  where: string,
  s3: S3Access = {},
  scratchIn?: string,
): Promise<BackupStore> {
  return isS3Location(where) ? createS3Store(where, s3, scratchIn) : createDirectoryStore(where);
}
