import { createHash, randomBytes, randomUUID } from 'node:crypto';

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let pooled = 0;

/**
 * Random bytes for ids, drawn from a pool filled 4 KiB at a time: a call to randomBytes costs about as much for
 * 8 bytes as for 4 KiB, and every request takes an id (a few percent of a small GET's time, measured).
 */
function randomForId(size: number): Buffer {
  if (pooled + size > pool.length) {
    pool = randomBytes(POOL_SIZE);
    pooled = 0;
  }
  pooled += size;
  return pool.subarray(pooled - size, pooled);
}

/** A random id safe to use as a file name: lowercase hex, never derived from user input. */
export function blobId(): string {
  return randomForId(16).toString('hex');
}

export function requestId(): string {
  return randomForId(8).toString('hex').toUpperCase();
}

/**
 * S3's second request id (x-amz-id-2, an error's HostId), which AWS pairs with the first in every answer: an
 * opaque base64 token, here a digest of the first, so an error's HostId and its answer's header agree.
 */
export function extendedRequestId(requestId: string): string {
  return createHash('sha256').update(`seawall:id-2:${requestId}`).digest('base64');
}

export function uuid(): string {
  return randomUUID();
}

/** An access key id in AWS's shape: a four-letter prefix and 16 base32 characters. */
export function accessKeyId(prefix: 'AKIA' | 'ASIA' = 'AKIA'): string {
  const bytes = randomBytes(16);
  let id = prefix;
  for (const byte of bytes) id += ACCESS_KEY_ALPHABET[byte & 31];
  return id;
}

export function secretAccessKey(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'a').replace(/\//g, 'b');
}

/** A 12-digit account id. */
export function accountId(): string {
  const digits = randomBytes(12);
  let id = String(1 + ((digits[0] ?? 0) % 9));
  for (const byte of digits.subarray(1)) id += String(byte % 10);
  return id;
}

let lastIncreasing = 0n;

/**
 * An id greater than every one this process handed out before: microseconds since the epoch (raised past the
 * last id), as 16 uppercase hex digits, which compare as text as the numbers do. Ordered across restarts as
 * far as the clock is.
 */
export function increasingId(nowMs: number): string {
  const micros = BigInt(Math.trunc(nowMs)) * 1000n;
  lastIncreasing = micros > lastIncreasing ? micros : lastIncreasing + 1n;
  return lastIncreasing.toString(16).toUpperCase().padStart(16, '0');
}
