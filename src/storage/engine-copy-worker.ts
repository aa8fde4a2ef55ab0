import { readSync, writevSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { CorruptObjectError } from '../kms/object-cipher.js';
import { type BlobRef, planOf, shortBlob } from './blob-plan.js';

/**
 * A worker thread that writes parts of blobs' plaintext into engine files (engine-copiers.ts): it reads a part
 * of the blob through a descriptor the store keeps open, opens each batch of segments and writes it at its
 * offset, all on its own thread, so decrypting a table for a query takes every core and never the event loop.
 */

/**
 * One part of a copy: plaintext [start, start + length) of the blob, read through `fd` (held open by the store
 * until the answer) and written at the same offset through `out` (the engine file, opened by the pool).
 */
export interface CopyJob {
  id: number;
  fd: number;
  out: number;
  blob: BlobRef;
  start: number;
  length: number;
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

/** Writes every piece at `position`, going on after a short write. */
function writeAll(fd: number, pieces: Buffer[], position: number): void {
  let rest = pieces;
  let at = position;
  let total = rest.reduce((sum, piece) => sum + piece.length, 0);
  while (total > 0) {
    let written = writevSync(fd, rest, at);
    total -= written;
    at += written;
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

/** Writes the job's part of the blob's plaintext at its own offset of the engine file. */
function copy(job: CopyJob): void {
  const plan = planOf(job.blob, job.start, job.length);
  let position = job.start;
  // One buffer takes every read: a batch is written before the next is read.
  let sealed: Buffer | undefined;
  for (const batch of plan.batches(job.segments)) {
    if (!sealed || sealed.length < batch.length) sealed = Buffer.allocUnsafe(batch.length);
    const bytes = sealed.subarray(0, batch.length);
    readFully(job.fd, bytes, batch.offset);
    const pieces = plan.open(batch, bytes);
    writeAll(job.out, pieces, position);
    position += pieces.reduce((sum, piece) => sum + piece.length, 0);
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
