import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { AppError } from '../errors.js';

/**
 * The at-rest format of object bytes (DESIGN decision 3): the plaintext is cut into segments of a fixed size,
 * each sealed on its own with AES-256-GCM, so a range read decrypts only the segments it touches.
 *
 *   segment i = ciphertext (segmentBytes, or 1..segmentBytes for the last) | tag (16)
 *   key       = HKDF-SHA256(data key, info = "seawall:object-segments:v1:" | binding)
 *   nonce     = 8 zero bytes | uint32 BE i
 *   AAD       = binding | uint32 BE i | final flag (1 for the last segment, else 0)
 *
 * An empty object is one final segment of no plaintext (a bare tag), so even it authenticates. The index and
 * the flag in the AAD make reordering, truncation at a segment boundary, appending and splicing fail; the
 * binding (the caller's blob id and version, say) makes a segment replayed from another object fail.
 *
 * The nonce is a counter, which is safe because no (key, nonce) pair seals two different plaintexts: the
 * segment key is derived from the data key and the binding, and within one binding each index is sealed once.
 * The caller's obligation: a fresh random data key per object, and never two different plaintexts sealed
 * under the same data key and binding. Deriving the key from the binding means that a data key reused for
 * another binding (another version) still never repeats a nonce; with the binding only in the AAD, such reuse
 * would repeat GCM nonces, which leaks the XOR of the plaintexts and lets anyone forge tags under that key.
 *
 * Nothing in the bytes records the segment size: writer and reader must agree on it (SEGMENT_BYTES).
 */
export const SEGMENT_BYTES = 64 * 1024;
export const TAG_BYTES = 16;

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
/** The index is a uint32 in the nonce and the AAD. */
const MAX_SEGMENTS = 2 ** 32;
/** A stream holds about one segment in memory, so segments stay small. */
const MAX_SEGMENT_BYTES = 16 * 1024 * 1024;
/** HKDF's info is at most 1024 bytes in Node; a blob id and version need far less. */
const MAX_BINDING_BYTES = 512;
const KEY_INFO = Buffer.from('seawall:object-segments:v1:');

/**
 * Stored object bytes that do not decrypt: tampered, truncated, extended, spliced, or another object's. A
 * server fault as far as a client is concerned, so it renders as S3's InternalError; the detail is logged.
 */
export class CorruptObjectError extends AppError {
  readonly detail: string;

  constructor(detail: string) {
    super('InternalError', 500, 'We encountered an internal error. Please try again.', {
      cause: new Error(`corrupt object: ${detail}`),
    });
    this.name = 'CorruptObjectError';
    this.detail = detail;
  }
}

interface SegmentKey {
  key: Buffer;
  binding: Buffer;
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative safe integer, not ${value}`);
}

function checkSegmentBytes(segmentBytes: number): void {
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1 || segmentBytes > MAX_SEGMENT_BYTES)
    throw new RangeError(
      `segmentBytes must be an integer from 1 to ${MAX_SEGMENT_BYTES}, not ${segmentBytes}`,
    );
}

/** How many segments an object of `plainLength` bytes has (checked against the uint32 index). */
function segmentCount(plainLength: number, segmentBytes: number): number {
  checkCount('plainLength', plainLength);
  checkSegmentBytes(segmentBytes);
  const count = Math.max(1, Math.ceil(plainLength / segmentBytes));
  if (count > MAX_SEGMENTS) throw new RangeError(`${plainLength} bytes need more than 2^32 segments`);
  return count;
}

/** The stored size of an object of `plainLength` bytes. */
export function encryptedLength(plainLength: number, segmentBytes = SEGMENT_BYTES): number {
  return plainLength + segmentCount(plainLength, segmentBytes) * TAG_BYTES;
}

/**
 * The plaintext size of stored bytes of `cipherLength`; CorruptObjectError for a size no object has (short of
 * a tag, or a last segment with a tag but no plaintext after a full one).
 */
export function decryptedLength(cipherLength: number, segmentBytes = SEGMENT_BYTES): number {
  checkCount('cipherLength', cipherLength);
  checkSegmentBytes(segmentBytes);
  const full = segmentBytes + TAG_BYTES;
  const count = Math.max(1, Math.ceil(cipherLength / full));
  const last = cipherLength - (count - 1) * full;
  if (last < TAG_BYTES || (count > 1 && last === TAG_BYTES) || count > MAX_SEGMENTS)
    throw new CorruptObjectError(`no object is ${cipherLength} bytes in segments of ${segmentBytes}`);
  return cipherLength - count * TAG_BYTES;
}

interface Plan {
  first: number;
  last: number;
  count: number;
}

/**
 * The segments a read touches. A zero-length read still reads and verifies the segment at `start`, so reading
 * an empty object authenticates its lone tag.
 */
function planRange(plainLength: number, start: number, length: number, segmentBytes: number): Plan {
  const count = segmentCount(plainLength, segmentBytes);
  checkCount('start', start);
  checkCount('length', length);
  if (start + length > plainLength)
    throw new RangeError(`range ${start}+${length} is past the end of ${plainLength} bytes`);
  const first = Math.min(Math.floor(start / segmentBytes), count - 1);
  const last = length === 0 ? first : Math.floor((start + length - 1) / segmentBytes);
  return { first, last, count };
}

/** HKDF's empty salt (RFC 5869: a hash length of zeros). */
const NO_SALT = Buffer.alloc(32);
const FIRST_BLOCK = Buffer.of(1);

/**
 * HKDF-SHA256 (RFC 5869) with no salt, for a 32-byte key: one HMAC to extract, one for the first block of the
 * expansion. The same bytes as crypto.hkdfSync, at a third of its cost, which is paid for every object read or
 * written.
 */
export function hkdfSha256(inputKey: Uint8Array, info: Uint8Array): Buffer {
  const pseudoRandomKey = createHmac('sha256', NO_SALT).update(inputKey).digest();
  return createHmac('sha256', pseudoRandomKey).update(info).update(FIRST_BLOCK).digest();
}

function segmentKey(dataKey: Uint8Array, binding: Uint8Array): SegmentKey {
  if (dataKey.length !== KEY_BYTES) throw new RangeError(`a data key is ${KEY_BYTES} bytes`);
  if (binding.length > MAX_BINDING_BYTES)
    throw new RangeError(`a binding is at most ${MAX_BINDING_BYTES} bytes`);
  const own = Buffer.from(binding);
  const info = Buffer.concat([KEY_INFO, own]);
  return { key: hkdfSha256(dataKey, info), binding: own };
}

function nonce(index: number): Buffer {
  const bytes = Buffer.alloc(NONCE_BYTES);
  bytes.writeUInt32BE(index, NONCE_BYTES - 4);
  return bytes;
}

function additionalData(binding: Buffer, index: number, final: boolean): Buffer {
  const bytes = Buffer.allocUnsafe(binding.length + 5);
  binding.copy(bytes);
  bytes.writeUInt32BE(index, binding.length);
  bytes[binding.length + 4] = final ? 1 : 0;
  return bytes;
}

/**
 * Seals a segment as its two pieces, the ciphertext and then the tag, never joined: joining them copied every
 * byte once more, which was about a third of the cost of sealing (the writer writes pieces as they come).
 */
function* sealSegment(key: SegmentKey, index: number, final: boolean, plain: Uint8Array): Generator<Buffer> {
  if (index >= MAX_SEGMENTS) throw new RangeError('the object needs more than 2^32 segments');
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce(index));
  cipher.setAAD(additionalData(key.binding, index, final));
  const sealed = cipher.update(plain);
  // GCM's final() answers nothing more (a stream mode), but it must be called before the tag is read.
  const rest = cipher.final();
  if (sealed.length > 0) yield sealed;
  if (rest.length > 0) yield rest;
  yield cipher.getAuthTag();
}

function openSegment(key: SegmentKey, index: number, final: boolean, sealed: Uint8Array): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key.key, nonce(index), { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(key.binding, index, final));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    throw new CorruptObjectError(`segment ${index} does not authenticate`);
  }
  return plain;
}

/**
 * Encrypts an object as it streams, yielding the sealed bytes a segment at a time, each segment as pieces (its
 * ciphertext, then its tag). A full segment is held back until another byte arrives, since only the end of the
 * source says which segment is the last.
 */
export function encryptStream(
  dataKey: Uint8Array,
  binding: Uint8Array,
  source: AsyncIterable<Uint8Array>,
  segmentBytes = SEGMENT_BYTES,
): AsyncIterable<Buffer> {
  checkSegmentBytes(segmentBytes);
  return sealSegments(segmentKey(dataKey, binding), source, segmentBytes);
}

async function* sealSegments(
  key: SegmentKey,
  source: AsyncIterable<Uint8Array>,
  segmentBytes: number,
): AsyncGenerator<Buffer> {
  const pending = Buffer.allocUnsafe(segmentBytes);
  let filled = 0;
  let index = 0;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      if (filled === segmentBytes) {
        yield* sealSegment(key, index++, false, pending);
        filled = 0;
      }
      if (filled === 0 && chunk.length - at > segmentBytes) {
        // More bytes follow in this chunk, so this segment is not the last: seal it without a copy.
        yield* sealSegment(key, index++, false, chunk.subarray(at, at + segmentBytes));
        at += segmentBytes;
        continue;
      }
      const take = Math.min(segmentBytes - filled, chunk.length - at);
      pending.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
    }
  }
  yield* sealSegment(key, index, true, pending.subarray(0, filled));
}

/** Consecutive stored segments, read and opened as one piece: `count` segments from `index`, at `offset`. */
export interface SealedBatch {
  index: number;
  count: number;
  offset: number;
  length: number;
}

/**
 * Opens a plaintext range of an object a batch of segments at a time, for a reader that fetches the stored
 * bytes itself (a file read per batch): `batches` says which stored bytes to read, `open` verifies and decrypts
 * them. A zero-length range still has one batch, so reading an empty object authenticates its lone tag.
 */
export interface RangeOpener {
  /** The batches of at most `segments` segments that cover the range, in order. */
  batches(segments: number): Iterable<SealedBatch>;
  /**
   * Verifies every segment of a batch (exactly the stored bytes it names) and only then answers the range's
   * plaintext in it, as views of the decrypted segments; CorruptObjectError for bytes that do not open. What it
   * answers never shares memory with `sealed`, which the caller may read into again once this returns.
   */
  open(batch: SealedBatch, sealed: Uint8Array): Buffer[];
}

export function rangeOpener(
  dataKey: Uint8Array,
  binding: Uint8Array,
  plainLength: number,
  start: number,
  length: number,
  segmentBytes = SEGMENT_BYTES,
): RangeOpener {
  const plan = planRange(plainLength, start, length, segmentBytes);
  const key = segmentKey(dataKey, binding);
  const full = segmentBytes + TAG_BYTES;
  const end = start + length;
  /** The stored size of segment `index`: every one is full but the last. */
  const sealedBytes = (index: number) =>
    index === plan.count - 1 ? plainLength - index * segmentBytes + TAG_BYTES : full;
  return {
    *batches(segments) {
      if (!Number.isSafeInteger(segments) || segments < 1)
        throw new RangeError('a batch has a segment or more');
      for (let index = plan.first; index <= plan.last; index += segments) {
        const count = Math.min(segments, plan.last - index + 1);
        const last = index + count - 1;
        yield { index, count, offset: index * full, length: (count - 1) * full + sealedBytes(last) };
      }
    },
    open(batch, sealed) {
      if (sealed.length !== batch.length)
        throw new CorruptObjectError(
          `the stored bytes end ${batch.length - sealed.length} bytes short of a segment`,
        );
      const opened: Buffer[] = [];
      let at = 0;
      for (let index = batch.index; index < batch.index + batch.count; index++) {
        const bytes = sealedBytes(index);
        opened.push(openSegment(key, index, index === plan.count - 1, sealed.subarray(at, at + bytes)));
        at += bytes;
      }
      const pieces: Buffer[] = [];
      opened.forEach((plain, i) => {
        const from = (batch.index + i) * segmentBytes;
        const piece = plain.subarray(Math.max(0, start - from), Math.min(plain.length, end - from));
        if (piece.length > 0) pieces.push(piece);
      });
      return pieces;
    },
  };
}
