import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { blobId } from '../lib/ids.js';

/** Where object bytes live. Blobs are named by random ids, never by bucket or key. */
export interface BlobStore {
  /**
   * Streams `source` into a new blob and resolves once the bytes are durable (fsynced and renamed into
   * place). If the source fails, nothing is left behind.
   */
  put(source: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }>;
  /** Opens a blob for reading; the open happens before resolving so a later delete cannot interrupt it. */
  open(id: string, range?: { start: number; end: number }): Promise<Readable>;
  delete(id: string): Promise<void>;
  /** Every blob id on disk, for the start-up sweep of orphans. */
  ids(): AsyncIterable<string>;
  /** The local file behind a blob, for engines that read files (DuckDB). */
  localPath(id: string): string;
}

const ID = /^[0-9a-f]{32}$/;

function assertId(id: string): void {
  if (!ID.test(id)) throw new Error(`invalid blob id ${JSON.stringify(id)}`);
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Blobs as files under `root/blobs/ab/<id>`, written through `root/tmp`. */
export async function createLocalBlobStore(root: string): Promise<BlobStore> {
  const blobsDir = join(root, 'blobs');
  const tmpDir = join(root, 'tmp');
  await fs.mkdir(blobsDir, { recursive: true, mode: 0o700 });
  await fs.mkdir(tmpDir, { recursive: true, mode: 0o700 });
  // Temporary files are never referenced: anything left there is from a write a crash interrupted.
  for (const name of await fs.readdir(tmpDir)) await fs.rm(join(tmpDir, name), { force: true, recursive: true });
  const knownShards = new Set<string>();

  const pathOf = (id: string) => join(blobsDir, id.slice(0, 2), id);

  return {
    async put(source) {
      const id = blobId();
      const tmp = join(tmpDir, id);
      const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      let size = 0;
      try {
        try {
          for await (const chunk of source) {
            let offset = 0;
            while (offset < chunk.length) {
              const { bytesWritten } = await handle.write(chunk, offset);
              offset += bytesWritten;
            }
            size += chunk.length;
          }
          await handle.sync();
        } finally {
          await handle.close();
        }
        const shard = join(blobsDir, id.slice(0, 2));
        if (!knownShards.has(shard)) {
          await fs.mkdir(shard, { recursive: true, mode: 0o700 });
          knownShards.add(shard);
        }
        await fs.rename(tmp, pathOf(id));
        await fsyncDir(shard);
      } catch (error) {
        await fs.rm(tmp, { force: true });
        throw error;
      }
      return { id, size };
    },

    async open(id, range) {
      assertId(id);
      const handle = await fs.open(pathOf(id), constants.O_RDONLY);
      return handle.createReadStream({
        autoClose: true,
        highWaterMark: 256 * 1024,
        ...(range ? { start: range.start, end: range.end } : {}),
      });
    },

    async delete(id) {
      assertId(id);
      await fs.rm(pathOf(id), { force: true });
    },

    async *ids() {
      for (const shard of await fs.readdir(blobsDir)) {
        for (const name of await fs.readdir(join(blobsDir, shard))) if (ID.test(name)) yield name;
      }
    },

    localPath(id) {
      assertId(id);
      return pathOf(id);
    },
  };
}
