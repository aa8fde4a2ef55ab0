import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { type ProcessIdentity, processState } from '../data-dir-process.js';
import { AppError } from '../errors.js';
import {
  CorruptObjectError,
  encryptStream,
  type RangeOpener,
  rangeOpener,
  SEGMENT_BYTES,
  type SealedBatch,
} from '../kms/object-cipher.js';
import { blobId } from '../lib/ids.js';
import { syncDir } from '../lib/sync-dir.js';
import { EngineCopies } from './engine-copies.js';
import { type BlobLease, OpenBlobs } from './open-blobs.js';

/**
 * A blob as a reader names it: its id, its plaintext size and the data key its bytes are sealed under (null for
 * a blob an earlier version of Seawall wrote in plaintext, read as it is).
 */
export interface BlobRef {
  id: string;
  size: number;
  key: Uint8Array | null;
}

/**
 * Where object bytes live. Blobs are named by random ids, never by bucket or key. Every blob is sealed at rest
 * (DESIGN.md, decision 3): segmented AES-256-GCM (object-cipher.ts) under the data key its writer gives, bound
 * to the blob's id, so a blob's bytes put in another's place, or a segment taken from another blob, never
 * decrypt. Sizes are the plaintext's.
 */
export interface BlobStore {
  /**
   * Streams `source` into a new blob sealed under `key` (32 bytes, fresh for each object or upload) and
   * resolves once the bytes are durable. If the source fails, nothing is left behind.
   */
  put(source: AsyncIterable<Uint8Array>, key: Uint8Array): Promise<{ id: string; size: number }>;
  /**
   * Opens plaintext [start, start + length) of a blob for reading, decrypting only the segments it needs; the
   * file is opened and the first segment verified before resolving, so a later delete cannot interrupt the
   * read and a blob that does not decrypt fails here (CorruptObjectError) rather than part-way.
   */
  open(blob: BlobRef, start: number, length: number): Promise<Readable>;
  delete(id: string): Promise<void>;
  /** Every blob id on disk, for the start-up sweep of orphans. */
  ids(): AsyncIterable<string>;
  /** When a blob's file was written (ms since the epoch), from the tier that holds it. */
  writtenAt(id: string): Promise<number>;
  /**
   * Gives engines that read files (DuckDB) blobs' plaintext: a fresh scratch directory with the blobs under
   * names the caller chose, each a hard link to the one decrypted copy of its blob that every engine reading it
   * shares (see EngineCopies). The scratch space is memory-backed (/dev/shm unless configured), so plaintext
   * never reaches a persistent disk, and bounded: a use whose new copies would pass the bound fails before
   * writing anything.
   */
  linkForEngine(entries: readonly (BlobRef & { name: string })[]): Promise<EngineFiles>;
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
 * though single runs vary by a factor of two either way. Sealed blobs are read in whole segments, as many as
 * make that size.
 */
const READ_CHUNK = 256 * 1024;
const READ_SEGMENTS = READ_CHUNK / SEGMENT_BYTES;
/** Engine files are copied in larger reads: one reader, no network, and fewer trips through the thread pool. */
const ENGINE_READ_SEGMENTS = 16;
const WRITE_BATCH = 1024 * 1024;
/** Blob files kept open for reads (see OpenBlobs). */
const OPEN_BLOBS = 256;

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
 * (see ENGINE_NAME), or a decrypted copy (`copies/<id>`, named in a file system error while it is made).
 * Matched from the directory's own text, so a data directory with spaces in its path is redacted whole.
 */
export function enginePathPattern(engineDir: string): RegExp {
  const root = engineDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`'?${root}/(?:copies/)?[0-9a-f]{32}(?:/[A-Za-z0-9._-]+)*'?`, 'g');
}

/**
 * Writes a blob durably at `final`, its one name: the file is made there (never over another), written, and
 * then its bytes and its directory entry are fsynced at once (the entry exists from the open). A write that
 * fails removes the file; one a crash cuts short leaves a file no version names, which the start-up sweep of
 * orphans removes, and which nothing reads before: a blob is read only once a version names it.
 */
/**
 * Writes a stream's pieces to a file a batch at a time. Pieces arrive small (a network read's few KiB, a
 * 64 KiB segment); gathering them saves a thread-pool trip per piece, and writing them as they are (writev)
 * saves copying them into one buffer. libuv goes on writing after a short write until every piece is written
 * or the disk fails, so a short count is an error; the rest is written once more, so that the error names its
 * cause (ENOSPC, answered as InsufficientCapacity).
 */
async function writeBatched(
  handle: fs.FileHandle,
  source: AsyncIterable<Uint8Array>,
  what: string,
): Promise<void> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    const pieces = pending;
    const total = pendingBytes;
    pending = [];
    pendingBytes = 0;
    const { bytesWritten } = await handle.writev(pieces);
    if (bytesWritten === total) return;
    // libuv stops at the first write that fails after some bytes went in: writing the rest says why (ENOSPC…).
    const rest = Buffer.concat(pieces).subarray(bytesWritten);
    const again = await handle.write(rest, 0, rest.length);
    if (again.bytesWritten !== rest.length)
      throw new Error(`short write to ${what}: ${bytesWritten + again.bytesWritten} of ${total} bytes`);
  };
  // A batch is written while the next is gathered (and sealed): the disk and the cipher overlap. A failed
  // write ends the loop at the next piece, and is the error answered whatever else fails after it.
  let writing: Promise<void> = Promise.resolve();
  let failed: { error: unknown } | undefined;
  try {
    for await (const chunk of source) {
      if (failed) throw failed.error;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= WRITE_BATCH) {
        await writing;
        writing = flush();
        writing.catch((error: unknown) => {
          failed ??= { error };
        });
      }
    }
    await writing;
    if (pendingBytes > 0) await flush();
  } catch (error) {
    // No write goes on behind the error answered.
    await writing.catch(() => undefined);
    throw failed ? failed.error : error;
  }
}

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

/** How much plaintext a read keeps ready ahead of its reader. */
const READ_AHEAD = 1024 * 1024;

/**
 * Which stored bytes serve a plaintext range, a batch at a time, and the plaintext in each batch; `fresh` where
 * that plaintext is in buffers of its own (decrypted), so the stored bytes' buffer may be read into again.
 */
type BlobPlan = Pick<RangeOpener, 'batches' | 'open'> & { fresh: boolean };

/** A blob an earlier version of Seawall wrote in plaintext: the range's own bytes, read as they are. */
function plaintextPlan(start: number, length: number): BlobPlan {
  return {
    *batches(segments) {
      const size = segments * SEGMENT_BYTES;
      for (let offset = start, index = 0; offset < start + length; offset += size, index++)
        yield { index, count: 1, offset, length: Math.min(size, start + length - offset) };
    },
    open: (_batch, bytes) => [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)],
    fresh: false,
  };
}

/**
 * Reads exactly `length` bytes at `position`, into `into` where it is large enough; CorruptObjectError if the
 * file ends first.
 */
async function readExactly(
  handle: fs.FileHandle,
  position: number,
  length: number,
  into?: Buffer,
): Promise<Buffer> {
  const buffer = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0)
      throw new CorruptObjectError('the stored bytes are shorter than their recorded size');
    filled += bytesRead;
  }
  return buffer;
}

/**
 * A blob's plaintext range as batches of pieces, each batch verified whole before it is answered. The next
 * batch's read is in flight while one is opened and used, so the disk, the cipher and the reader overlap; a read
 * still in flight when the reader stops is waited for, so the handle can be given back once this ends.
 */
async function* plainBatches(
  handle: fs.FileHandle,
  plan: BlobPlan,
  segments: number,
): AsyncGenerator<Buffer[]> {
  const batches = plan.batches(segments)[Symbol.iterator]();
  // Where the plaintext is decrypted into buffers of its own, two buffers take the reads in turn: no
  // allocation (and collection) of a buffer a batch.
  const spare: Buffer[] = [];
  const readNext = () => {
    const next = batches.next();
    if (next.done) return undefined;
    const bytes = readExactly(handle, next.value.offset, next.value.length, spare.pop());
    // Handled here too: a read that fails while the reader is elsewhere is not an unhandled rejection.
    bytes.catch(() => undefined);
    return { batch: next.value as SealedBatch, bytes };
  };
  let job = readNext();
  try {
    while (job) {
      const { batch, bytes } = job;
      const sealed = await bytes;
      job = readNext();
      const pieces = plan.open(batch, sealed);
      if (plan.fresh) spare.push(sealed);
      yield pieces;
    }
  } finally {
    await job?.bytes.catch(() => undefined);
  }
}

/**
 * A stream of a blob's range that has already read and verified its first batch, so a blob that does not
 * decrypt fails the open, before a response has begun. The lease is given back however the stream ends: read
 * to its end, failed, or destroyed before any read (a generator's `finally` would not run then).
 */
async function streamOf(lease: BlobLease, batches: AsyncGenerator<Buffer[]>): Promise<Readable> {
  let pending: IteratorResult<Buffer[]> | undefined;
  try {
    pending = await batches.next();
  } catch (error) {
    lease.release();
    throw error;
  }
  return new Readable({
    highWaterMark: READ_AHEAD,
    read() {
      const next = pending ? Promise.resolve(pending) : batches.next();
      pending = undefined;
      next.then(
        (result) => {
          if (result.done) this.push(null);
          else if (result.value.length === 0) this.push(Buffer.alloc(0));
          else for (const piece of result.value) this.push(piece);
        },
        (error: Error) => this.destroy(error),
      );
    },
    destroy(error, callback) {
      Promise.resolve(batches.return(undefined))
        .catch(() => undefined)
        .then(() => {
          lease.release();
          callback(error);
        });
    },
  });
}

/**
 * Writes an engine file (0600) from a blob's plaintext batches: in scratch space, so never fsynced. A batch is
 * written while the next is decrypted.
 */
async function writeEngineFile(path: string, batches: AsyncGenerator<Buffer[]>): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    await batches.return(undefined);
    throw error;
  }
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const pieces of batches) {
      await writing;
      const bytes = pieces.reduce((sum, piece) => sum + piece.length, 0);
      writing = handle.writev(pieces).then(({ bytesWritten }) => {
        if (bytesWritten !== bytes)
          throw new Error(`short write to an engine file: ${bytesWritten} of ${bytes} bytes`);
      });
      // Handled here too: a failed write is met at the next batch or below, not as an unhandled rejection.
      writing.catch(() => undefined);
    }
    await writing;
  } finally {
    await writing.catch(() => undefined);
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(
    () => true,
    () => false,
  );
}

/** What a blob's segments are bound to (with the segment index and final flag): its id. */
function bindingOf(id: string): Buffer {
  return Buffer.from(`seawall:blob:${id}`);
}

/** Which stored bytes serve plaintext [start, start + length) of a blob, and how they open. */
function planOf(blob: BlobRef, start: number, length: number): BlobPlan {
  return blob.key === null
    ? plaintextPlan(start, length)
    : { ...rangeOpener(blob.key, bindingOf(blob.id), blob.size, start, length), fresh: true };
}

/**
 * Opens plaintext [start, start + length) of the blob whose file is at `path`, read and verified as the store's
 * `open` reads it, without a store: for the offline check (seawall check), which finds each file itself and must
 * neither make nor sweep anything in the data directory. The file is closed however the stream ends.
 */
export async function openBlobFile(
  path: string,
  blob: BlobRef,
  start: number,
  length: number,
): Promise<Readable> {
  const plan = planOf(blob, start, length);
  const handle = await fs.open(path, constants.O_RDONLY);
  let released = false;
  const lease: BlobLease = {
    handle,
    release: () => {
      if (released) return;
      released = true;
      void handle.close().catch(() => undefined);
    },
  };
  return streamOf(lease, plainBatches(handle, plan, READ_SEGMENTS));
}

/** The engine's scratch space: a directory on a memory-backed file system, and how much plaintext it takes. */
export interface EngineScratch {
  /** A directory on tmpfs (/dev/shm); the store keeps its files in a directory of its own under it. */
  dir: string;
  /** The most plaintext the engines' files may hold at once. */
  limitBytes: number;
}

/** The scratch space's bound was reached: the engine's files would not fit. */
export function scratchFull(needed: number, free: number, limit: number): AppError {
  return new AppError(
    'InsufficientScratchSpace',
    503,
    `The files to read (${needed} bytes) do not fit in the engine's scratch space (${free} of ${limit} bytes free); raise SEAWALL_SCRATCH_BYTES or read fewer files.`,
  );
}

/** The ids of the blob files in a tier's `blobs` directory (`ab/<id>`), shard by shard. */
export async function* blobIdsIn(dir: string): AsyncIterable<string> {
  for (const shard of await fs.readdir(dir)) {
    for (const name of await fs.readdir(join(dir, shard))) if (ID.test(name)) yield name;
  }
}

/**
 * Where a running `seawall backup` keeps a second name (a hard link) of each blob file it may copy, one directory
 * per run under a tier's root (src/backup/blob-pins.ts); a dot-name is a run's directory being removed.
 */
export const BACKUP_PINS = 'backup-pins';
/** The file of a run's pin directory that names the run's process (data-dir-process.ts, ProcessIdentity). */
export const PIN_OWNER = 'owner.json';
/** How long a run's pin directory may have no owner before it counts as a killed run's. */
const UNNAMED_PIN_RUN_MS = 60_000;
/** How long the blob store takes a run's liveness, once read, as it was. */
const PIN_RUN_CHECK_MS = 5_000;

/**
 * Whose a backup run's pin directory is: a run still going ('live': its owner's process lives, or may, being on
 * another host), a run naming it right now ('unnamed': no owner yet, and younger than a minute), or none
 * ('gone': a killed run's). What the blob store links into (live) and what a backup leaves (live, unnamed), both
 * judged here. A run names its owner before it pins or snapshots anything, so a blob deleted while its directory
 * is unnamed is one its snapshot cannot name.
 */
export async function pinRunState(dir: string): Promise<'live' | 'unnamed' | 'gone'> {
  let owner: ProcessIdentity | undefined;
  try {
    owner = JSON.parse(await fs.readFile(join(dir, PIN_OWNER), 'utf8')) as ProcessIdentity;
  } catch {
    owner = undefined;
  }
  if (owner) return processState(owner) === 'dead' ? 'gone' : 'live';
  try {
    return Date.now() - (await fs.stat(dir)).mtimeMs <= UNNAMED_PIN_RUN_MS ? 'unnamed' : 'gone';
  } catch {
    return 'gone';
  }
}

/**
 * Before a blob file is deleted, links it into the pin directory of every backup running on its tier, so that a
 * blob its snapshot names is never deleted under it, however soon after the snapshot (a blob the metadata stops
 * naming before the run's directory exists is one no snapshot of that run names). A run that is not live
 * (pinRunState: a killed backup, or one not named yet) gets nothing; the next backup removes its directory. It
 * never stops a delete: a link it cannot make (a pin directory it may not write, a full disk) leaves the blob to
 * be missed, and the backup to start its run again.
 */
function backupKeeper(): (root: string, id: string) => Promise<void> {
  const runs = new Map<string, { live: boolean; until: number }>();
  async function live(dir: string): Promise<boolean> {
    const now = Date.now();
    // What a run answered is kept 5 s: an ended run's entry goes with the next look after that.
    for (const [seen, { until }] of runs) if (until <= now) runs.delete(seen);
    const known = runs.get(dir);
    if (known && known.until > now) return known.live;
    const state = await pinRunState(dir);
    // One being named is asked again: its owner comes in a moment, before anything it snapshots.
    if (state !== 'unnamed') runs.set(dir, { live: state === 'live', until: now + PIN_RUN_CHECK_MS });
    return state === 'live';
  }
  return async (root, id) => {
    const pins = join(root, BACKUP_PINS);
    const names = await fs.readdir(pins).catch(() => [] as string[]);
    for (const name of names) {
      // A dot-name is a run's directory being removed (blob-pins.ts, unpin).
      if (name.startsWith('.')) continue;
      const dir = join(pins, name);
      if (await live(dir)) await fs.link(blobPath(root, id), join(dir, id)).catch(() => undefined);
    }
  };
}

/** Where a tier keeps a blob: `blobs/ab/<id>` under its root. */
export function blobPath(root: string, id: string): string {
  assertId(id);
  return join(root, 'blobs', id.slice(0, 2), id);
}

/**
 * Blobs as files under `root/blobs/ab/<id>`; with a cold tier, also under `coldRoot/blobs/ab/<id>`, where
 * lifecycle transitions move them. Engine files are decrypted into `scratch.dir`, in a directory named after
 * the data directory (so a restart finds what a crash left there, and wipes it).
 */
export async function createLocalBlobStore(
  root: string,
  coldTier: { root: string; storageClass: string } | undefined,
  scratch: EngineScratch,
): Promise<BlobStore> {
  const blobsDir = join(root, 'blobs');
  const engineDir = join(
    scratch.dir,
    `seawall-engine-${createHash('sha256').update(root).digest('hex').slice(0, 16)}`,
  );
  const coldBlobs = coldTier && join(coldTier.root, 'blobs');
  // Each tier's blobs directory is an entry of its root, made durable before any shard in it is.
  for (const dir of coldBlobs ? [blobsDir, coldBlobs] : [blobsDir]) await makeDirDurably(dir);
  // Engine files are never referenced across a restart: anything left is a crash's, as is an engine
  // directory an earlier version kept on disk.
  await fs.rm(engineDir, { force: true, recursive: true });
  await fs.rm(join(root, 'engine'), { force: true, recursive: true });
  await fs.mkdir(join(engineDir, 'copies'), { recursive: true, mode: 0o700 });
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
  const sharedCopies = new EngineCopies(
    join(engineDir, 'copies'),
    scratch.limitBytes,
    copyForEngine,
    scratchFull,
  );

  const pathOf = (id: string) => blobPath(root, id);
  const keepForBackups = backupKeeper();
  const coldPathOf = (id: string) => blobPath(coldTier?.root as string, id);

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
      for await (const id of blobIdsIn(coldBlobs as string)) if (await exists(pathOf(id))) yield id;
    },
  };

  /** A lease on a blob's file, in whichever tier holds it. */
  async function lease(id: string): Promise<BlobLease> {
    assertId(id);
    try {
      return await openBlobs.acquire(pathOf(id));
    } catch (error) {
      // Moved to the cold tier meanwhile, or there all along.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || coldBlobs === undefined) throw error;
      return openBlobs.acquire(coldPathOf(id));
    }
  }

  async function open(blob: BlobRef, start: number, length: number): Promise<Readable> {
    const plan = planOf(blob, start, length);
    const taken = await lease(blob.id);
    return streamOf(taken, plainBatches(taken.handle, plan, READ_SEGMENTS));
  }

  /** Decrypts a whole blob into an engine file. */
  async function copyForEngine(blob: BlobRef, path: string): Promise<void> {
    const plan = planOf(blob, 0, blob.size);
    const taken = await lease(blob.id);
    try {
      await writeEngineFile(path, plainBatches(taken.handle, plan, ENGINE_READ_SEGMENTS));
    } finally {
      taken.release();
    }
  }

  return {
    async put(plain, key) {
      const id = blobId();
      let size = 0;
      async function* counted() {
        for await (const chunk of plain) {
          size += chunk.length;
          yield chunk;
        }
      }
      const source = encryptStream(key, bindingOf(id), counted());
      await writeDurably(pathOf(id), (handle) => writeBatched(handle, source, 'a blob'), shards);
      return { id, size };
    },

    open,

    async delete(id) {
      assertId(id);
      await keepForBackups(root, id);
      await remove(pathOf(id));
      if (coldTier === undefined) return;
      await keepForBackups(coldTier.root, id);
      await remove(coldPathOf(id));
    },

    async writtenAt(id) {
      assertId(id);
      const stat = await fs.stat(pathOf(id)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' || coldBlobs === undefined) throw error;
        return fs.stat(coldPathOf(id));
      });
      return stat.mtimeMs;
    },

    async *ids() {
      yield* blobIdsIn(blobsDir);
      if (coldBlobs === undefined) return;
      // A blob in both tiers is named once, by the hot tier.
      for await (const id of blobIdsIn(coldBlobs)) if (!(await exists(pathOf(id)))) yield id;
    },

    ...(cold ? { cold } : {}),

    redactEnginePaths(message) {
      return message.replace(enginePaths, '<file>');
    },

    async close() {
      await Promise.all([shards.close(), openBlobs.close()]);
      // The engines are gone by now: what plaintext their files held is wiped with them.
      await fs.rm(engineDir, { force: true, recursive: true });
    },

    async linkForEngine(entries) {
      for (const entry of entries) {
        assertId(entry.id);
        if (!ENGINE_NAME.test(entry.name))
          throw new Error(`invalid engine file name ${JSON.stringify(entry.name)}`);
      }
      const copies = await sharedCopies.hold(entries);
      const dir = join(engineDir, blobId());
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        try {
          await fs.rm(dir, { recursive: true, force: true });
        } finally {
          await copies.release();
        }
      };
      const paths = entries.map((entry) => join(dir, entry.name));
      try {
        await fs.mkdir(dir, { mode: 0o700 });
        for (const [i, path] of paths.entries()) await fs.link(copies.paths[i] as string, path);
      } catch (error) {
        await release();
        throw error;
      }
      return { dir, paths, release };
    },
  };
}
