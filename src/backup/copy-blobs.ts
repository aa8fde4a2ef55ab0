import { COPIES, type CopiedFile, eachConcurrently } from './backup-files.js';
import type { BackupStore } from './backup-store.js';
import type { Manifest } from './backup-target.js';
import type { BlobCatalog } from './blob-catalog.js';
import type { BlobPins } from './blob-pins.js';

/** Copies recorded in the catalog at a time, once they and their directories are synced. */
const RECORD_EVERY = 512;

/** Blobs copied again because the backup had lost them, and their bytes. */
export interface Recopied {
  count: number;
  bytes: number;
}

/**
 * Where a run writes: the store, its catalog, and the blobs the catalog records that the store was found to
 * lack when the run began (copied again when a snapshot names them).
 */
export interface RunTarget {
  store: BackupStore;
  catalog: BlobCatalog;
  /** Less each blob once copied again and recorded, so a later attempt of the run does not copy it once more. */
  lacking: Set<string>;
}

/** What the backup holds of a blob, as far as a run can trust it: its catalog record, unless its file is gone. */
export function heldCopy(target: RunTarget, blob: string): CopiedFile | undefined {
  return target.lacking.has(blob) ? undefined : target.catalog.get(blob);
}

/**
 * Copies the blobs the snapshot names that the backup lacks (never copied, or copied and gone since); or says
 * which of them were gone from the data directory.
 */
export async function copyBlobs(
  named: AsyncIterable<string>,
  target: RunTarget,
  pins: BlobPins,
  snapshot: string,
): Promise<(Manifest['blobs'] & { recopied: Recopied }) | { missing: string[] }> {
  const { store, catalog, lacking } = target;
  const totals = { count: 0, bytes: 0, copied: 0, copiedBytes: 0, recopied: { count: 0, bytes: 0 } };
  // A blob is recorded in the catalog only once it is durable in the backup.
  let copied: ({ id: string } & CopiedFile)[] = [];
  const record = async () => {
    const batch = copied;
    copied = [];
    await store.syncBlobs();
    catalog.add(batch, snapshot);
    for (const { id } of batch) lacking.delete(id);
  };
  const missing: string[] = [];
  await eachConcurrently(named, COPIES, async (blob) => {
    if (missing.length > 0) return;
    totals.count++;
    const held = heldCopy(target, blob);
    if (held) {
      totals.bytes += held.bytes;
      return;
    }
    const file = await store.putBlob(blob, pins.sources(blob));
    if (!file) {
      missing.push(blob);
      return;
    }
    copied.push({ id: blob, ...file });
    totals.bytes += file.bytes;
    if (lacking.has(blob)) {
      totals.recopied.count++;
      totals.recopied.bytes += file.bytes;
    } else {
      totals.copied++;
      totals.copiedBytes += file.bytes;
    }
    if (copied.length >= RECORD_EVERY) await record();
  });
  await record();
  return missing.length > 0 ? { missing } : totals;
}
