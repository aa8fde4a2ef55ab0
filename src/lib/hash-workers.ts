import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { crc64NvmeWorkerScript } from './checksums.js';

/**
 * Hashes of long streams computed on worker threads, so a large upload's MD5 (its ETag) does not take the event
 * loop's core: MD5 runs at about 500 MiB/s, and on the event loop it took a third of that core during large
 * PUTs. node:crypto's hashes, and the CRC-64/NVME S3 gives every object uploaded without a checksum.
 */
export interface StreamHash {
  /**
   * Hashes a copy of `chunk`; resolves at once unless too many bytes wait for the worker. One update at a time:
   * the next waits for this one.
   */
  update(chunk: Uint8Array): Promise<void>;
  /** The digest, base64; the hash is finished. */
  digest(): Promise<string>;
  /** Drops the hash unfinished (its stream failed); an update waiting is released. No-op once finished. */
  discard(): void;
}

/** The hashes a worker computes. */
export type WorkerHash = 'md5' | 'sha1' | 'sha256' | 'crc64nvme';

/** What one stream may have sent and not had hashed before its update waits. */
const STREAM_PENDING_BYTES = 2 ** 20;
/** What all the streams of one worker may have sent and not had hashed before their updates wait. */
const WORKER_PENDING_BYTES = 32 * 2 ** 20;
/** At most this many workers, whatever the cores (Node 20 does not see a container's CPU quota). */
const MAX_WORKERS = 4;

/**
 * Each message names its hash: one of node:crypto's, or `crc64nvme` (checksums.ts's, its script included here);
 * a worker answers each update with its length and a digest with its value.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
${crc64NvmeWorkerScript()}
const hashOf = (algorithm) => (algorithm === 'crc64nvme' ? crc64nvme() : createHash(algorithm));
const hashes = new Map();
function hashFile(m) {
  let fd;
  try {
    fd = fs.openSync(m.path, 'r');
    const hash = hashOf(m.algorithm);
    const buffer = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; bytes += n) hash.update(buffer.subarray(0, n));
    parentPort.postMessage({ id: m.id, op: 'digest', value: hash.digest('base64'), bytes });
  } catch (error) {
    parentPort.postMessage({ id: m.id, op: 'failed', code: error.code, message: error.message });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  if (m.op === 'file') hashFile(m);
  else if (m.op === 'start') hashes.set(m.id, hashOf(m.algorithm));
  else if (m.op === 'update') {
    hashes.get(m.id)?.update(m.chunk);
    parentPort.postMessage({ id: m.id, op: 'hashed', bytes: m.chunk.byteLength });
  } else if (m.op === 'digest') {
    const hash = hashes.get(m.id);
    hashes.delete(m.id);
    if (hash) parentPort.postMessage({ id: m.id, op: 'digest', value: hash.digest('base64') });
  } else if (m.op === 'discard') hashes.delete(m.id);
});
`;

type Reply =
  | { id: number; op: 'hashed'; bytes: number }
  | { id: number; op: 'digest'; value: string; bytes?: number }
  | { id: number; op: 'failed'; code?: string; message: string };

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** A hash in progress on a worker: what it has sent and not had hashed, and who waits for what. */
interface Pending {
  bytes: number;
  /** The update waiting for the worker to catch up. */
  waiting: Waiter | undefined;
  digest: { resolve(value: string, bytes?: number): void; reject(error: Error): void } | undefined;
}

class HashWorker {
  private readonly worker: Worker;

  private readonly pending = new Map<number, Pending>();

  /** Bytes sent to the worker and not yet hashed, over all its streams. */
  private bytes = 0;

  private failure: Error | undefined;

  constructor(private readonly onExit: (worker: HashWorker) => void) {
    // No flags of the process's own (--input-type=module would make the source a module without require).
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.worker.on('message', (reply: Reply) => this.answer(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`hash worker exited with code ${code}`)));
    // Listeners first: adding one refs the worker again. It keeps the process alive only while it has hashes
    // in progress, as the thread pool does while it has requests.
    this.worker.unref();
  }

  /** Hashes in progress. */
  get size(): number {
    return this.pending.size;
  }

  start(id: number, algorithm: string): Pending {
    this.post({ op: 'start', id, algorithm });
    const pending: Pending = { bytes: 0, waiting: undefined, digest: undefined };
    this.pending.set(id, pending);
    if (this.pending.size === 1) this.worker.ref();
    return pending;
  }

  /** Hashes a whole file, read by the worker itself; `pending.digest` hears the digest and the bytes read. */
  file(id: number, algorithm: string, path: string): Pending {
    const pending: Pending = { bytes: 0, waiting: undefined, digest: undefined };
    this.post({ op: 'file', id, algorithm, path });
    this.pending.set(id, pending);
    if (this.pending.size === 1) this.worker.ref();
    return pending;
  }

  /** Sends a chunk; answers whether the stream must wait before sending more. */
  update(id: number, pending: Pending, chunk: Uint8Array): boolean {
    // Copied into a buffer of its own, handed over whole: cloning a view would copy all it views.
    const copy = new Uint8Array(chunk);
    this.post({ op: 'update', id, chunk: copy }, [copy.buffer]);
    // Counted from the chunk: the copy is detached once handed over.
    pending.bytes += chunk.byteLength;
    this.bytes += chunk.byteLength;
    return pending.bytes > STREAM_PENDING_BYTES || this.bytes > WORKER_PENDING_BYTES;
  }

  digest(id: number): void {
    this.post({ op: 'digest', id });
  }

  /** Forgets a hash; an update waiting is released. */
  drop(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.remove(id, pending);
    pending.waiting?.resolve();
    try {
      this.post({ op: 'discard', id });
    } catch {
      // The worker is gone, and the hash with it.
    }
  }

  private post(message: object, transfer?: ArrayBuffer[]): void {
    if (this.failure) throw new Error(this.failure.message);
    this.worker.postMessage(message, transfer);
  }

  private remove(id: number, pending: Pending): void {
    this.pending.delete(id);
    this.bytes -= pending.bytes;
    if (this.pending.size === 0) this.worker.unref();
  }

  private answer(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.op === 'digest') {
      this.remove(reply.id, pending);
      pending.digest?.resolve(reply.value, reply.bytes);
      return;
    }
    if (reply.op === 'failed') {
      this.remove(reply.id, pending);
      pending.digest?.reject(Object.assign(new Error(reply.message), { code: reply.code }));
      return;
    }
    pending.bytes -= reply.bytes;
    this.bytes -= reply.bytes;
    if (this.bytes > WORKER_PENDING_BYTES / 2) return;
    // Below half of both limits again: the streams waiting go on.
    for (const other of this.pending.values()) {
      if (other.waiting && other.bytes <= STREAM_PENDING_BYTES / 2) {
        const { waiting } = other;
        other.waiting = undefined;
        waiting.resolve();
      }
    }
  }

  /** Every hash in progress fails; the pool replaces the worker for the hashes that come next. */
  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.onExit(this);
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.bytes = 0;
    for (const p of pending) {
      p.waiting?.reject(new Error(error.message));
      p.digest?.reject(new Error(error.message));
    }
    void this.worker.terminate();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Worker threads shared by every stream, made when first needed: one per core but the event loop's. */
export class HashWorkers {
  private readonly workers: HashWorker[] = [];

  private next = 0;

  private ids = 0;

  constructor(private readonly size = Math.min(MAX_WORKERS, Math.max(1, availableParallelism() - 1))) {}

  /** Hashes in progress on every worker (tests: nothing is left behind). */
  get inProgress(): number {
    return this.workers.reduce((sum, worker) => sum + worker.size, 0);
  }

  private pick(): HashWorker {
    if (this.workers.length < this.size) {
      const worker = new HashWorker((gone) => {
        const at = this.workers.indexOf(gone);
        if (at >= 0) this.workers.splice(at, 1);
      });
      this.workers.push(worker);
      return worker;
    }
    this.next = (this.next + 1) % this.workers.length;
    return this.workers[this.next] as HashWorker;
  }

  /** A new hash of `algorithm` (a node:crypto name, or checksums.ts's CRC-64/NVME) on one of the workers. */
  start(algorithm: WorkerHash): StreamHash {
    const worker = this.pick();
    const id = ++this.ids;
    const pending = worker.start(id, algorithm);
    let finished = false;
    return {
      update(chunk) {
        if (finished) return Promise.reject(new Error('the hash is finished'));
        if (pending.waiting) return Promise.reject(new Error('an update is already waiting'));
        let wait: boolean;
        try {
          wait = worker.update(id, pending, chunk);
        } catch (error) {
          return Promise.reject(error);
        }
        if (!wait) return Promise.resolve();
        return new Promise((resolve, reject) => {
          pending.waiting = { resolve, reject };
        });
      },
      digest() {
        if (finished) return Promise.reject(new Error('the hash is finished'));
        finished = true;
        return new Promise((resolve, reject) => {
          pending.digest = { resolve, reject };
          try {
            worker.digest(id);
          } catch (error) {
            reject(error);
          }
        });
      },
      discard() {
        if (finished) return;
        finished = true;
        worker.drop(id);
      },
    };
  }

  /**
   * Hashes a file on a worker, which reads it itself: nothing of it passes through the event loop. The worker
   * is busy until it is done, so this is for tools (backups), not the server's requests. Fails with the file
   * system's error (its `code`, such as ENOENT).
   */
  hashFile(path: string, algorithm: WorkerHash): Promise<{ digest: string; bytes: number }> {
    const worker = this.pick();
    const id = ++this.ids;
    return new Promise((resolve, reject) => {
      try {
        const pending = worker.file(id, algorithm, path);
        pending.digest = { resolve: (digest, bytes) => resolve({ digest, bytes: bytes ?? 0 }), reject };
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Stops every worker (tests); the next hash starts new ones. */
  async terminate(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The process's hash workers. */
export const hashWorkers = new HashWorkers();
