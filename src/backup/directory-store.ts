import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { exists } from '../data-dir.js';
import { PRIVATE_FILE_MODE } from '../data-dir-modes.js';
import { syncDir } from '../lib/sync-dir.js';
import {
  type CopiedFile,
  copyDurably,
  eachConcurrently,
  hashFile,
  isMissing,
  makePrivateDir,
  PendingSyncs,
  writeDurably,
} from './backup-files.js';
import type { BackupStore } from './backup-store.js';
import {
  type BackupLayout,
  backupLayout,
  finishedSnapshots,
  lockBackup,
  manifestText,
  snapshotsIn,
} from './backup-target.js';
import { type BlobCatalog, openCatalog } from './blob-catalog.js';

/** Blob files stat'ed at once, when a run checks that the backup still holds what its catalog records. */
const STATS = 16;

/**
 * A backup in a directory of this machine: blobs are copied by the kernel (copyFile) and made durable in
 * batches, everything else is written durably at once; the catalog is a SQLite database in place; all of it
 * private (0700/0600).
 */
export function createDirectoryStore(root: string): BackupStore {
  const layout = backupLayout(root);
  const pending = new PendingSyncs();
  const path = (name: string) => join(root, name);
  const absent = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };
  return {
    where: root,
    lock: () => lockBackup(layout),
    finishedSnapshots: () => finishedSnapshots(layout),
    unfinishedSnapshots: async () => (await snapshotsIn(layout)).unfinished,
    async removeUnfinished() {
      // Only what a run names (a snapshot's id): the directory may hold an operator's own files beside them.
      for (const id of (await snapshotsIn(layout)).unfinished)
        await fs.rm(layout.snapshot(id), { recursive: true, force: true });
      // A blob a killed run was copying (`<id>.partial`, renamed into place only once whole), which no later
      // run may copy again if the blob is gone from the data directory by then.
      const shards = (await absent(() => fs.readdir(layout.blobs, { withFileTypes: true }))) ?? [];
      for (const shard of shards.filter((entry) => entry.isDirectory()))
        for (const name of (await absent(() => fs.readdir(join(layout.blobs, shard.name)))) ?? [])
          if (name.endsWith('.partial')) await fs.rm(join(layout.blobs, shard.name, name), { force: true });
    },
    removeSnapshot: (id) => fs.rm(layout.snapshot(id), { recursive: true, force: true }),
    async makeFile(name, make) {
      const target = path(name);
      await makePrivateDir(dirname(target));
      await make(target);
      // SQLite makes files with its own default mode; a backup holds what a data directory does: private.
      await fs.chmod(target, PRIVATE_FILE_MODE);
      return async () => {
        const handle = await fs.open(target, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        return hashFile(target);
      };
    },
    async putBlob(id, sources) {
      for (const source of sources) {
        const copied = await absent(() => copyDurably(source, layout.blob(id), pending));
        if (copied) return copied;
      }
      return undefined;
    },
    syncBlobs: () => pending.sync(),
    async openCatalog(mode) {
      if (mode === 'write') await makePrivateDir(layout.blobs);
      return openCatalog(layout.catalog, { readonly: mode === 'read' });
    },
    lackingBlobs: (catalog) => lackingFiles(layout, catalog),
    // Each batch of blobs is recorded in place, in a transaction, once it is durable.
    saveCatalog: async () => {},
    async writeManifest(id, manifest) {
      await writeDurably(join(layout.snapshot(id), 'manifest.json'), (write) =>
        write(Buffer.from(manifestText(manifest))),
      );
      await syncDir(layout.snapshots);
    },
    readManifest: (id) => fs.readFile(join(layout.snapshot(id), 'manifest.json'), 'utf8'),
    localFile: async (name) => ((await exists(path(name))) ? path(name) : undefined),
    hashOf: (name): Promise<CopiedFile | undefined> => absent(() => hashFile(path(name))),
    copyOut: (name, target, later) => absent(() => copyDurably(path(name), target, later)),
    close: async () => {},
  };
}

/** The blobs `catalog` records whose file the backup lacks, or holds at another size: a stat each. */
async function lackingFiles(layout: BackupLayout, catalog: BlobCatalog): Promise<Set<string>> {
  const lacking = new Set<string>();
  await eachConcurrently(catalog.all(), STATS, async ({ id, bytes }) => {
    try {
      if ((await fs.stat(layout.blob(id))).size !== bytes) lacking.add(id);
    } catch (error) {
      if (!isMissing(error)) throw error;
      lacking.add(id);
    }
  });
  return lacking;
}
