import { constants, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CorruptObjectError, SEGMENT_BYTES } from '../kms/object-cipher.js';
import type { BlobRef } from './blob-plan.js';
import type { CopyJob, CopyReply } from './engine-copy-worker.js';

/** At most this many workers, whatever the cores. */
const MAX_WORKERS = 4;
/** A copy's parts: whole segments (a part never splits one), few enough that a part's message costs nothing. */
const PART_BYTES = 64 * SEGMENT_BYTES;

// Run from TypeScript sources (tests, tsx), the worker is TypeScript too: it registers tsx's loader first.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './engine-copy-worker.ts' : './engine-copy-worker.js', import.meta.url);

function startWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, { execArgv: [] });
  const tsx = join(
    dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
    'dist/esm/api/index.mjs',
  );
  const source = `const { register } = await import(${JSON.stringify(pathToFileURL(tsx).href)});
register();
await import(${JSON.stringify(ENTRY.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { execArgv: [] });
}

interface Waiting {
  resolve(): void;
  reject(error: Error): void;
}

/** One worker thread and the copies it has been given. */
class Copier {
  private readonly worker = startWorker();

  readonly waiting = new Map<number, Waiting>();

  private failure: Error | undefined;

  constructor(private readonly gone: (copier: Copier) => void) {
    this.worker.on('message', (reply: CopyReply) => this.answer(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`an engine-copy worker exited with code ${code}`)));
    // Listeners first (adding one refs the worker again): it keeps the process alive only while it copies.
    this.worker.unref();
  }

  copy(job: CopyJob): Promise<void> {
    if (this.failure) return Promise.reject(new Error(this.failure.message));
    return new Promise((resolve, reject) => {
      this.waiting.set(job.id, { resolve, reject });
      if (this.waiting.size === 1) this.worker.ref();
      this.worker.postMessage(job);
    });
  }

  private answer(reply: CopyReply): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    const { failure } = reply;
    if (!failure) waiting.resolve();
    else if (failure.corrupt !== undefined) waiting.reject(new CorruptObjectError(failure.corrupt));
    else {
      const { message, ...fields } = failure;
      waiting.reject(Object.assign(new Error(message), fields));
    }
  }

  /** Every copy in progress fails; the pool starts another worker for the copies that come next. */
  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.gone(this);
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(new Error(error.message));
    void this.worker.terminate();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * Worker threads that decrypt blobs into engine files, made when first needed, one per core (at most four): the
 * first query over a large encrypted table decrypts on every core, and the event loop goes on answering
 * requests meanwhile. A copy is cut into parts, each going to the worker with the fewest in hand.
 */
export class EngineCopiers {
  private readonly copiers: Copier[] = [];

  private ids = 0;

  private closed = false;

  constructor(private readonly size = Math.min(MAX_WORKERS, availableParallelism())) {}

  /** Parts posted to the workers and not yet answered, over every copy (tests: nothing is left behind). */
  get inProgress(): number {
    return this.copiers.reduce((sum, copier) => sum + copier.waiting.size, 0);
  }

  /**
   * Writes the blob's plaintext into a new file at `path` (0600, never over another), reading it through `fd`,
   * which must stay open until this settles: in parts of PART_BYTES, each written at its offset by whichever
   * worker has the fewest in hand, so one large file decrypts on every core. A copy keeps at most two parts per
   * worker in flight, so another copy's parts (a small file's) interleave with its own, and it posts none after
   * one has failed. CorruptObjectError for bytes that do not open, the file system's error otherwise; every part
   * posted has ended before this settles, so nothing reads or writes through the descriptors after.
   */
  async copy(fd: number, blob: BlobRef, path: string, segments: number): Promise<void> {
    if (this.closed) throw new Error('the engine-copy workers are closed');
    const out = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    // The key in a buffer of its own: a view posted to a worker takes its whole backing buffer along.
    const own: BlobRef = { ...blob, key: blob.key && new Uint8Array(blob.key) };
    // An empty blob is one part of nothing, which still authenticates its lone tag.
    const count = Math.max(1, Math.ceil(blob.size / PART_BYTES));
    let next = 0;
    let failure: { error: unknown } | undefined;
    const lane = async () => {
      while (failure === undefined && next < count) {
        const start = next++ * PART_BYTES;
        const length = Math.min(PART_BYTES, blob.size - start);
        try {
          await this.pick().copy({ id: ++this.ids, fd, out: out.fd, blob: own, start, length, segments });
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(count, 2 * this.size) }, lane));
      if (failure) throw failure.error;
    } finally {
      await out.close();
    }
  }

  private pick(): Copier {
    if (this.copiers.length < this.size) {
      const copier = new Copier((gone) => {
        const at = this.copiers.indexOf(gone);
        if (at >= 0) this.copiers.splice(at, 1);
      });
      this.copiers.push(copier);
      return copier;
    }
    return this.copiers.reduce((least, copier) =>
      copier.waiting.size < least.waiting.size ? copier : least,
    );
  }

  /** Stops every worker; a copy still in hand fails, and a later one is refused. */
  async close(): Promise<void> {
    this.closed = true;
    const copiers = this.copiers.splice(0);
    await Promise.all(copiers.map((copier) => copier.terminate()));
  }
}
