import { constants, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { blobId } from '../lib/ids.js';
import { type BlobLease, OpenBlobs } from './open-blobs.js';

/** Where object bytes live. Blobs are named by random ids, never by bucket or key. */
export interface BlobStore {
  /**
   * Streams `source` into a new blob and resolves once the bytes are durable (fsynced and renamed into
   * place). If the source fails, nothing is left behind.
   */
  put(source: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }>;
  /**
   * Opens `length` bytes of a blob from `start` for reading; the open happens before resolving, so a later
   * delete cannot interrupt the read.
   */
  open(id: string, start: number, length: number): Promise<Readable>;
  delete(id: string): Promise<void>;
  /** Every blob id on disk, for the start-up sweep of orphans. */
  ids(): AsyncIterable<string>;
  /**
   * Hard-links blobs into a fresh scratch directory under names the caller chose, for engines that read files
   * (DuckDB). The links keep the bytes readable even if an object is overwritten meanwhile.
   */
  linkForEngine(entries: readonly { id: string; name: string }[]): Promise<EngineFiles>;
  /** Replaces every engine file path in a message (DuckDB names files in its errors) with `<file>`. */
  redactEnginePaths(message: string): string;
  /** Closes the files and directories the store keeps open; it is not used after. */
  close(): Promise<void>;
  /**
   * The colder tier (a second directory, declared as an S3 storage class), where lifecycle transitions move
   * blobs; absent when none is configured. A blob keeps its id in either tier; reads find it in both.
   */
  readonly cold?: ColdTier;
}

export interface ColdTier {
  /** The S3 storage class the tier stands for (STANDARD_IA, ONEZONE_IA, GLACIER_IR). */
  readonly storageClass: string;
  /** Copies a blob into the cold tier, durably (temp file, fsync, rename); the hot copy stays until dropped. */
  copyIn(id: string): Promise<void>;
  /** Removes the hot copy of a blob the cold tier holds (once the metadata says it is cold). */
  dropHot(id: string): Promise<void>;
  /** Removes the cold copy (a move the metadata never recorded). */
  dropCold(id: string): Promise<void>;
  /** Blob ids with a copy in both tiers: what a crash in the middle of a move leaves. */
  inBoth(): AsyncIterable<string>;
}

export interface EngineFiles {
  /** The scratch directory, private to this use; the engine may also spill into it. */
  dir: string;
  /** Absolute paths, in the order of the entries. */
  paths: string[];
  release(): Promise<void>;
}

/** Engine file names are chosen by Seawall's code, never taken from keys: short, plain and flat. */
const ENGINE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const ID = /^[0-9a-f]{32}$/;

function assertId(id: string): void {
  if (!ID.test(id)) throw new Error(`invalid blob id ${JSON.stringify(id)}`);
}

/**
 * Streams read a quarter of a MiB at a time. In the storage bench (8 GETs of 256 MiB at once on loopback) this
 * gave a median of about 810 MiB/s over five runs against about 480 for 1 MiB reads and less for 64 KiB ones,
 * though single runs vary by a factor of two either way.
 */
const READ_CHUNK = 256 * 1024;
/** A range up to this size is read in one piece (what a small GET sends in one write). */
const WHOLE_READ = 1024 * 1024;
const WRITE_BATCH = 1024 * 1024;
/** Blob files kept open for reads (see OpenBlobs). */
const OPEN_BLOBS = 256;

/**
 * Reads exactly a byte range of an open file, a chunk at a time. Knowing the length from the metadata saves
 * the extra read for end-of-file and the over-sized buffers of fs.createReadStream.
 */
class RangeReader extends Readable {
  private readonly chunk: number;

  private readonly handle: fs.FileHandle;

  constructor(
    private readonly lease: BlobLease,
    private position: number,
    private readonly end: number,
  ) {
    const chunk = end - position <= WHOLE_READ ? Math.max(1, end - position) : READ_CHUNK;
    super({ highWaterMark: chunk });
    this.chunk = chunk;
    this.handle = lease.handle;
  }

  override _read(): void {
    const length = Math.min(this.chunk, this.end - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    this.handle.read(buffer, 0, length, this.position).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) {
          this.destroy(new Error('blob is shorter than its recorded size'));
          return;
        }
        this.position += bytesRead;
        this.push(bytesRead < length ? buffer.subarray(0, bytesRead) : buffer);
        if (this.position >= this.end) this.push(null);
      },
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.lease.release();
    callback(error);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a directory (0700) if need be, and its entry in its parent durable, whoever made it. */
async function makeDirDurably(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await syncDir(dirname(dir));
}

/**
 * The shard directories blobs are written into, each made once and kept open, so that making a new blob's name
 * durable is one fsync of a handle already open rather than an open, an fsync and a close: three trips through
 * the thread pool for each write, and on a small machine each trip is a context switch. There are at most 256
 * shards per tier. Once closed, the store's last writes still sync, with a handle opened and closed each time.
 */
class ShardDirs {
  private readonly handles = new Map<string, Promise<fs.FileHandle>>();

  private closed = false;

  /**
   * The shard's kept handle, made on first use: the directory made (0700) and its entry in the parent fsynced
   * every time a process first uses it, whoever made it (an earlier process may have died before its fsync).
   */
  private opened(dir: string): Promise<fs.FileHandle> {
    let handle = this.handles.get(dir);
    if (!handle) {
      handle = (async () => {
        await makeDirDurably(dir);
        return fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
      })();
      const made = handle;
      this.handles.set(dir, made);
      // A failure (a disk error, permissions) is not kept: the next write tries again.
      made.catch(() => {
        if (this.handles.get(dir) === made) this.handles.delete(dir);
      });
    }
    return handle;
  }

  /** Makes the directory, durably, before a file is created in it. */
  async ensure(dir: string): Promise<void> {
    if (this.closed) await makeDirDurably(dir);
    else await this.opened(dir);
  }

  /** Fsyncs the directory, so the names made in it are durable. */
  async sync(dir: string): Promise<void> {
    if (this.closed) await syncDir(dir);
    else await (await this.opened(dir)).sync();
  }

  async close(): Promise<void> {
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.then((handle) => handle.close()).catch(() => undefined)));
  }
}

/**
 * A path under the engine directory as DuckDB quotes it: a scratch directory (a blob id) and names Seawall chose
 * (see ENGINE_NAME). Matched from the directory's own text, so a data directory with spaces in its path is
 * redacted whole.
 */
export function enginePathPattern(engineDir: string): RegExp {
  const root = engineDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`'?${root}/[0-9a-f]{32}(?:/[A-Za-z0-9._-]+)*'?`, 'g');
}

/**
 * Writes a blob durably at `final`, its one name: the file is made there (never over another), written, and
 * then its bytes and its directory entry are fsynced at once (the entry exists from the open). A write that
 * fails removes the file; one a crash cuts short leaves a file no version names, which the start-up sweep of
 * orphans removes, and which nothing reads before: a blob is read only once a version names it.
 */
async function writeDurably(
  final: string,
  write: (handle: fs.FileHandle) => Promise<void>,
  shards: ShardDirs,
): Promise<void> {
  const shard = dirname(final);
  await shards.ensure(shard);
  const handle = await fs.open(final, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      await write(handle);
      await Promise.all([handle.sync(), shards.sync(shard)]);
    } finally {
      await handle.close();
    }
  } catch (error) {
    await fs.rm(final, { force: true });
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Blobs as files under `root/blobs/ab/<id>`; with a cold tier, also under `coldRoot/blobs/ab/<id>`, where
 * lifecycle transitions move them.
 */
export async function createLocalBlobStore(
  root: string,
  coldTier?: { root: string; storageClass: string },
): Promise<BlobStore> {
  const blobsDir = join(root, 'blobs');
  const engineDir = join(root, 'engine');
  const coldBlobs = coldTier && join(coldTier.root, 'blobs');
  // Each tier's blobs directory is an entry of its root, made durable before any shard in it is.
  for (const dir of coldBlobs ? [blobsDir, coldBlobs] : [blobsDir]) await makeDirDurably(dir);
  // Engine links are never referenced across a restart: anything left is a crash's.
  await fs.rm(engineDir, { force: true, recursive: true });
  await fs.mkdir(engineDir, { recursive: true, mode: 0o700 });
  // Where an earlier version wrote blobs before renaming them into place; what is left there is a crash's.
  for (const dir of [join(root, 'tmp'), ...(coldTier ? [join(coldTier.root, 'tmp')] : [])])
    await fs.rm(dir, { force: true, recursive: true });
  const shards = new ShardDirs();
  const openBlobs = new OpenBlobs(OPEN_BLOBS);
  /**
   * Removes a blob file; a handle kept open on it is closed once its readers are done (after the removal too:
   * a read that opened it meanwhile must not keep it).
   */
  const remove = async (path: string) => {
    openBlobs.forget(path);
    await fs.rm(path, { force: true });
    openBlobs.forget(path);
  };
  const enginePaths = enginePathPattern(engineDir);

  const pathOf = (id: string) => join(blobsDir, id.slice(0, 2), id);
  const coldPathOf = (id: string) => join(coldBlobs as string, id.slice(0, 2), id);
  /** Where a blob is now: the hot tier first (a move keeps the hot copy until the metadata says cold). */
  const locate = async (id: string) =>
    coldBlobs === undefined || (await exists(pathOf(id))) ? pathOf(id) : coldPathOf(id);
  async function* idsIn(dir: string): AsyncIterable<string> {
    for (const shard of await fs.readdir(dir)) {
      for (const name of await fs.readdir(join(dir, shard))) if (ID.test(name)) yield name;
    }
  }

  const cold: ColdTier | undefined = coldTier && {
    storageClass: coldTier.storageClass,
    async copyIn(id) {
      assertId(id);
      const source = await fs.open(pathOf(id), constants.O_RDONLY);
      try {
        await writeDurably(
          coldPathOf(id),
          async (target) => {
            const buffer = Buffer.allocUnsafe(READ_CHUNK);
            for (;;) {
              const { bytesRead } = await source.read(buffer, 0, buffer.length, null);
              if (bytesRead === 0) break;
              let written = 0;
              while (written < bytesRead)
                written += (await target.write(buffer, written, bytesRead - written)).bytesWritten;
            }
          },
          shards,
        );
      } finally {
        await source.close();
      }
    },
    async dropHot(id) {
      assertId(id);
      await remove(pathOf(id));
    },
    async dropCold(id) {
      assertId(id);
      await remove(coldPathOf(id));
    },
    async *inBoth() {
      for await (const id of idsIn(coldBlobs as string)) if (await exists(pathOf(id))) yield id;
    },
  };

  return {
    async put(source) {
      const id = blobId();
      let size = 0;
      await writeDurably(
        pathOf(id),
        async (handle) => {
          // Network reads arrive in pieces of a few KiB; gathering them saves a thread-pool trip per piece,
          // and writing the pieces as they are (writev) saves copying them into one buffer.
          let pending: Uint8Array[] = [];
          let pendingBytes = 0;
          const flush = async () => {
            const pieces = pending;
            const total = pendingBytes;
            pending = [];
            pendingBytes = 0;
            // libuv goes on writing after a short write until every piece is written or the disk fails.
            const { bytesWritten } = await handle.writev(pieces);
            if (bytesWritten !== total)
              throw new Error(`short write to a blob: ${bytesWritten} of ${total} bytes`);
          };
          for await (const chunk of source) {
            pending.push(chunk);
            pendingBytes += chunk.length;
            size += chunk.length;
            if (pendingBytes >= WRITE_BATCH) await flush();
          }
          if (pendingBytes > 0) await flush();
        },
        shards,
      );
      return { id, size };
    },

    async open(id, start, length) {
      assertId(id);
      let lease: BlobLease;
      try {
        lease = await openBlobs.acquire(pathOf(id));
      } catch (error) {
        // Moved to the cold tier meanwhile, or there all along.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || coldBlobs === undefined) throw error;
        lease = await openBlobs.acquire(coldPathOf(id));
      }
      return new RangeReader(lease, start, start + length);
    },

    async delete(id) {
      assertId(id);
      await remove(pathOf(id));
      if (coldBlobs !== undefined) await remove(coldPathOf(id));
    },

    async *ids() {
      yield* idsIn(blobsDir);
      if (coldBlobs === undefined) return;
      // A blob in both tiers is named once, by the hot tier.
      for await (const id of idsIn(coldBlobs)) if (!(await exists(pathOf(id)))) yield id;
    },

    ...(cold ? { cold } : {}),

    redactEnginePaths(message) {
      return message.replace(enginePaths, '<file>');
    },

    async close() {
      await Promise.all([shards.close(), openBlobs.close()]);
    },

    async linkForEngine(entries) {
      const dir = join(engineDir, blobId());
      await fs.mkdir(dir, { mode: 0o700 });
      const paths: string[] = [];
      try {
        for (const entry of entries) {
          assertId(entry.id);
          if (!ENGINE_NAME.test(entry.name))
            throw new Error(`invalid engine file name ${JSON.stringify(entry.name)}`);
          const path = join(dir, entry.name);
          const source = await locate(entry.id);
          // A cold tier on another file system cannot be linked from: the engine gets a copy.
          await fs.link(source, path).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'EXDEV') throw error;
            return fs.copyFile(source, path);
          });
          paths.push(path);
        }
      } catch (error) {
        await fs.rm(dir, { recursive: true, force: true });
        throw error;
      }
      return { dir, paths, release: () => fs.rm(dir, { recursive: true, force: true }) };
    },
  };
}
