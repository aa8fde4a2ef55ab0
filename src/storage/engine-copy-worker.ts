import { closeSync, constants, openSync, readSync, writevSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { CorruptObjectError } from '../kms/object-cipher.js';
import { type BlobRef, planOf, shortBlob } from './blob-plan.js';

/**
 * A worker thread that writes blobs' plaintext into engine files (engine-copiers.ts): it reads the blob through a
 * descriptor the store keeps open for it, opens each batch of segments and writes it, all on its own thread, so
 * decrypting a table for a query takes the machine's other cores and never the event loop.
 */

/** One copy: the blob, the descriptor of its file (held open by the store until the answer), where to write. */
export interface CopyJob {
  id: number;
  fd: number;
  blob: BlobRef;
  path: string;
  /** Segments read, opened and written at a time. */
  segments: number;
}

/** A copy's answer: done, or the failure (a CorruptObjectError's detail, or a file system error's fields). */
export interface CopyReply {
  id: number;
  failure?: { corrupt?: string; message: string; code?: string; errno?: number; syscall?: string };
}

function readFully(fd: number, into: Buffer, position: number): void {
  for (let filled = 0; filled < into.length; ) {
    const read = readSync(fd, into, filled, into.length - filled, position + filled);
    if (read === 0) throw shortBlob();
    filled += read;
  }
}

function writeAll(fd: number, pieces: Buffer[]): void {
  let rest = pieces;
  let total = rest.reduce((sum, piece) => sum + piece.length, 0);
  while (total > 0) {
    let written = writevSync(fd, rest);
    total -= written;
    const left: Buffer[] = [];
    for (const piece of rest) {
      if (written >= piece.length) written -= piece.length;
      else {
        left.push(piece.subarray(written));
        written = 0;
      }
    }
    rest = left;
  }
}

/** Writes the blob's whole plaintext into a new file (0600) at the job's path, never over another. */
function copy(job: CopyJob): void {
  const plan = planOf(job.blob, 0, job.blob.size);
  const out = openSync(job.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    // One buffer takes every read: a batch is written before the next is read.
    let sealed: Buffer | undefined;
    for (const batch of plan.batches(job.segments)) {
      if (!sealed || sealed.length < batch.length) sealed = Buffer.allocUnsafe(batch.length);
      const bytes = sealed.subarray(0, batch.length);
      readFully(job.fd, bytes, batch.offset);
      writeAll(out, plan.open(batch, bytes));
    }
  } finally {
    closeSync(out);
  }
}

function failureOf(error: unknown): NonNullable<CopyReply['failure']> {
  if (error instanceof CorruptObjectError) return { corrupt: error.detail, message: error.message };
  const { message, code, errno, syscall } = error as NodeJS.ErrnoException;
  return {
    message: String(message),
    ...(code === undefined ? {} : { code }),
    ...(errno === undefined ? {} : { errno }),
    ...(syscall === undefined ? {} : { syscall }),
  };
}

parentPort?.on('message', (job: CopyJob) => {
  let reply: CopyReply;
  try {
    copy(job);
    reply = { id: job.id };
  } catch (error) {
    reply = { id: job.id, failure: failureOf(error) };
  }
  parentPort?.postMessage(reply);
});
