import { constants, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../data-dir-modes.js';
import { HashWorkers, type StreamHash } from '../lib/hash-workers.js';
import { syncDir } from '../lib/sync-dir.js';

/**
 * The hash workers of a backup or restore: one per core, not one per core but the event loop's as the server's
 * are, since the kernel copies the bytes here and the event loop mostly waits; SHA-256 is what limits a backup.
 * At most four, as the server's: Node 20 does not see a container's CPU quota.
 */
const MAX_HASH_WORKERS = 4;
const hashWorkers = new HashWorkers(Math.min(MAX_HASH_WORKERS, Math.max(1, availableParallelism())));

/** Files are copied a MiB at a time: one reader and one writer, no network. */
const CHUNK = 1024 * 1024;
/** Files copied (or checked) at once: a copy waits on its reads, writes and fsync, which others can overlap. */
export const COPIES = 4;

/** Makes `dir` (and its parents) private, as everything a backup or a data directory holds is. */
export async function makePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

export interface CopiedFile {
  bytes: number;
  sha256: string;
}

/**
 * Files and directories to make durable later, together: a backup fsyncs the thousands of blobs it wrote in one
 * pass before it records them (most are written back by then, and the syncs overlap), and each directory once.
 * What is recorded only after `sync` can be trusted; a crash before it leaves files that the next run copies
 * again.
 */
export class PendingSyncs {
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();

  /** A new file, its directory and that directory's own entry (a shard made for it is new too). */
  addFile(path: string): void {
    this.files.add(path);
    this.dirs.add(dirname(path));
    this.dirs.add(dirname(dirname(path)));
  }

  addDir(dir: string): void {
    this.dirs.add(dir);
  }

  /** Syncs every file and directory added so far; those added meanwhile wait for the next sync. */
  async sync(): Promise<void> {
    const files = [...this.files];
    const dirs = [...this.dirs];
    this.files.clear();
    this.dirs.clear();
    await eachConcurrently(iterate(files), SYNCS, syncFile);
    for (const dir of dirs) await syncDir(dir);
  }
}

/** fsyncs at once: each mostly waits on the disk. */
const SYNCS = 16;

async function* iterate<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

async function syncFile(path: string): Promise<void> {
  const handle = await fs.open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Copies `source` to `target` privately, into `target.partial` and then renamed into place, so the final name
 * never holds a torn copy. Durable at once, file and directory, unless `later` is given: then once `later` is
 * synced, and the bytes are copied by the kernel (copyFile) while a hash worker reads the source for its SHA-256,
 * so neither passes through the event loop (sources are blobs, which never change). Answers the bytes copied and
 * their SHA-256. Fails with ENOENT when the source does not exist.
 */
export async function copyDurably(source: string, target: string, later?: PendingSyncs): Promise<CopiedFile> {
  if (later) return copyInKernel(source, target, later);
  const input = await fs.open(source, constants.O_RDONLY);
  try {
    return await writeDurably(target, async (write) => {
      const buffer = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await input.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) return;
        await write(buffer.subarray(0, bytesRead));
      }
    });
  } finally {
    await input.close();
  }
}

async function copyInKernel(source: string, target: string, later: PendingSyncs): Promise<CopiedFile> {
  const partial = `${target}.partial`;
  await makePrivateDir(dirname(target));
  try {
    const [, hashed] = await Promise.all([
      fs.copyFile(source, partial),
      hashWorkers.hashFile(source, 'sha256'),
    ]);
    await fs.chmod(partial, PRIVATE_FILE_MODE);
    const { size } = await fs.stat(partial);
    if (size !== hashed.bytes) throw new Error(`${source} changed while it was copied`);
    await fs.rename(partial, target);
    later.addFile(target);
    return { bytes: hashed.bytes, sha256: Buffer.from(hashed.digest, 'base64').toString('hex') };
  } catch (error) {
    await fs.rm(partial, { force: true });
    throw error;
  }
}

/**
 * Writes `target` durably and privately from what `fill` writes (as `.partial`, then renamed), answering its
 * size and SHA-256.
 */
export async function writeDurably(
  target: string,
  fill: (write: (bytes: Uint8Array) => Promise<void>) => Promise<void>,
): Promise<CopiedFile> {
  const partial = `${target}.partial`;
  await makePrivateDir(dirname(target));
  const output = await fs.open(
    partial,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
    PRIVATE_FILE_MODE,
  );
  const hash = hashWorkers.start('sha256');
  let bytes = 0;
  try {
    await fill(async (chunk) => {
      // The worker hashes its own copy while this one is written.
      await hash.update(chunk);
      bytes += chunk.length;
      let written = 0;
      while (written < chunk.length)
        written += (await output.write(chunk, written, chunk.length - written)).bytesWritten;
    });
    await output.sync();
  } catch (error) {
    hash.discard();
    await output.close();
    await fs.rm(partial, { force: true });
    throw error;
  }
  await output.close();
  await fs.rename(partial, target);
  await syncDir(dirname(target));
  return { bytes, sha256: await hexDigest(hash) };
}

async function hexDigest(hash: StreamHash): Promise<string> {
  return Buffer.from(await hash.digest(), 'base64').toString('hex');
}

/** The size and SHA-256 of a file, read and hashed on a worker thread. */
export async function hashFile(path: string): Promise<CopiedFile> {
  const { digest, bytes } = await hashWorkers.hashFile(path, 'sha256');
  return { bytes, sha256: Buffer.from(digest, 'base64').toString('hex') };
}

/** The size and SHA-256 of a stream's bytes, hashed on a worker thread as they arrive. */
export async function hashStream(chunks: AsyncIterable<Uint8Array>): Promise<CopiedFile> {
  const hash = hashWorkers.start('sha256');
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      await hash.update(chunk);
      bytes += chunk.length;
    }
  } catch (error) {
    hash.discard();
    throw error;
  }
  return { bytes, sha256: await hexDigest(hash) };
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Runs `task` over `items` with at most `concurrency` at once; the first failure stops the rest. */
export async function eachConcurrently<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: unknown;
  try {
    for await (const item of items) {
      if (failure !== undefined) break;
      const run = task(item).catch((error: unknown) => {
        failure ??= error;
      });
      const tracked = run.finally(() => running.delete(tracked));
      running.add(tracked);
      if (running.size >= concurrency) await Promise.race(running);
    }
  } finally {
    // Also when the items fail: no task may go on once the caller has closed what they use.
    await Promise.all(running);
  }
  if (failure !== undefined) throw failure;
}

/** Whether one of two directories is the other or inside it, through symbolic links. */
export async function overlaps(a: string, b: string): Promise<boolean> {
  const [x, y] = [await realPath(a), await realPath(b)];
  return x === y || x.startsWith(`${y}${sep}`) || y.startsWith(`${x}${sep}`);
}

/** Where a path really is, through symbolic links, for the part of it that exists (a backup may not yet). */
async function realPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await fs.realpath(absolute);
  } catch (error) {
    if (!isMissing(error) || dirname(absolute) === absolute) throw error;
    return join(await realPath(dirname(absolute)), basename(absolute));
  }
}
