import { CorruptObjectError, type RangeOpener, rangeOpener, SEGMENT_BYTES } from '../kms/object-cipher.js';

/**
 * How a blob's stored bytes serve its plaintext: which bytes to read for a range and how they open. Shared by
 * the blob store (event loop) and the engine-copy workers (worker threads), so both read one format one way.
 */

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
 * Which stored bytes serve a plaintext range, a batch at a time, and the plaintext in each batch; `fresh` where
 * that plaintext is in buffers of its own (decrypted), so the stored bytes' buffer may be read into again.
 */
export type BlobPlan = Pick<RangeOpener, 'batches' | 'open'> & { fresh: boolean };

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

/** What a blob's segments are bound to (with the segment index and final flag): its id. */
export function bindingOf(id: string): Buffer {
  return Buffer.from(`seawall:blob:${id}`);
}

/** Which stored bytes serve plaintext [start, start + length) of a blob, and how they open. */
export function planOf(blob: BlobRef, start: number, length: number): BlobPlan {
  return blob.key === null
    ? plaintextPlan(start, length)
    : { ...rangeOpener(blob.key, bindingOf(blob.id), blob.size, start, length), fresh: true };
}

/** A blob file that ends before its recorded size. */
export function shortBlob(): CorruptObjectError {
  return new CorruptObjectError('the stored bytes are shorter than their recorded size');
}
