import { constants, createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Seawall's own I/O sizes (blob-store.ts): an object up to 1 MiB read whole in one read of its size, larger ones
 * in reads of 256 KiB; writes gathered into batches of up to 1 MiB.
 */
const WHOLE_READ = MiB;
const READ_CHUNK = 256 * KiB;
const WRITE_BATCH = MiB;

/**
 * Files written durably under `dir`, as the storage bench's baseline writes them: a temporary file, its bytes,
 * fsync, rename into place; read and written in Seawall's I/O sizes, each file's size kept in memory as a store
 * keeps it in its metadata. The in-process baseline and the HTTP ceiling (fs-http-server.ts) both use it, so
 * what differs between them is HTTP.
 */
export async function durableFiles(dir: string) {
  await fs.mkdir(join(dir, 'tmp'));
  await fs.mkdir(join(dir, 'final'));
  const final = (key: string) => join(dir, 'final', key.replaceAll('/', '_'));
  const sizes = new Map<string, number>();
  let next = 0;
  return {
    async write(key: string, content: Buffer | AsyncIterable<Buffer>): Promise<number> {
      const tmp = join(dir, 'tmp', String(next++));
      const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      let written = 0;
      try {
        if (Buffer.isBuffer(content)) written = (await handle.write(content)).bytesWritten;
        else {
          let batch: Buffer[] = [];
          let batched = 0;
          const flush = async () => {
            written += (await handle.writev(batch)).bytesWritten;
            batch = [];
            batched = 0;
          };
          for await (const chunk of content) {
            batch.push(chunk);
            batched += chunk.length;
            if (batched >= WRITE_BATCH) await flush();
          }
          if (batched > 0) await flush();
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, final(key));
      sizes.set(key, written);
      return written;
    },
    /** The file's size and its bytes: one read of that size up to 1 MiB, else a stream of 256 KiB reads. */
    async read(key: string): Promise<{ size: number; body: Buffer | Readable }> {
      const size = sizes.get(key);
      if (size === undefined) throw new Error(`no file ${key}`);
      if (size > WHOLE_READ)
        return { size, body: createReadStream(final(key), { highWaterMark: READ_CHUNK }) };
      const handle = await fs.open(final(key), 'r');
      try {
        const buffer = Buffer.allocUnsafe(size);
        const { bytesRead } = await handle.read(buffer, 0, size, 0);
        return { size, body: buffer.subarray(0, bytesRead) };
      } finally {
        await handle.close();
      }
    },
    async remove(key: string): Promise<void> {
      await fs.rm(final(key));
      sizes.delete(key);
    },
  };
}
