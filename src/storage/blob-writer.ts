import { createHash } from 'node:crypto';
import { badRequest } from '../errors.js';
import { type ChecksumAlgorithm, createChecksum } from '../lib/checksums.js';
import { type HashWorkers, hashWorkers, type StreamHash } from '../lib/hash-workers.js';
import type { BlobStore } from './blob-store.js';

export interface VerifiedBlob {
  id: string;
  size: number;
  /** MD5 of the bytes, hex (the ETag of a single-part object). */
  md5Hex: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface BlobDigests {
  /** Base64 MD5 from Content-MD5, checked against the bytes. */
  contentMd5?: string;
  /** The checksum to compute and store; with `expected`, the value it must have. */
  checksum?: { algorithm: ChecksumAlgorithm; expected?: () => string | undefined };
}

/** Bodies shorter than this are hashed on the event loop; a longer one's MD5 is computed by a hash worker. */
export const OFFLOAD_HASH_FROM = 256 * 2 ** 10;

/**
 * The MD5 of a body as it streams past: on the event loop for a body shorter than {@link OFFLOAD_HASH_FROM}
 * (a worker's round trips would cost more than the hash), else on a hash worker. Which one is known once that
 * much has arrived, so up to that much is held before it goes on.
 */
function md5Of(body: AsyncIterable<Uint8Array>, workers: HashWorkers) {
  let digest: () => Promise<string> = () => Promise.reject(new Error('the body was not read to its end'));
  /** The worker's hash, from when the body is known to be long until its digest is asked for. */
  let offloaded: StreamHash | undefined;
  async function* hashing(): AsyncGenerator<Uint8Array> {
    const held: Uint8Array[] = [];
    let heldBytes = 0;
    for await (const chunk of body) {
      if (offloaded) {
        await offloaded.update(chunk);
        yield chunk;
        continue;
      }
      held.push(chunk);
      heldBytes += chunk.byteLength;
      if (heldBytes < OFFLOAD_HASH_FROM) continue;
      offloaded = workers.start('md5');
      for (const piece of held.splice(0)) {
        await offloaded.update(piece);
        yield piece;
      }
    }
    if (offloaded) {
      const hash = offloaded;
      digest = () => {
        offloaded = undefined;
        return hash.digest();
      };
      return;
    }
    const md5 = createHash('md5');
    for (const piece of held.splice(0)) {
      md5.update(piece);
      yield piece;
    }
    const value = md5.digest('base64');
    digest = () => Promise.resolve(value);
  }
  return {
    bytes: hashing(),
    digest: () => digest(),
    /** Drops the worker's hash when its digest will not be asked for: the body or its blob failed. */
    abandon: () => offloaded?.discard(),
  };
}

/** BadDigest unless a body's MD5 and additional checksum (base64) are the ones the request sent, where it did. */
function checkDigests(digests: BlobDigests, md5Base64: string, checksum: string | undefined): void {
  if (digests.contentMd5 !== undefined && digests.contentMd5 !== md5Base64) {
    throw badRequest('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
      ExpectedDigest: digests.contentMd5,
      CalculatedDigest: md5Base64,
    });
  }
  const expected = digests.checksum?.expected?.();
  if (digests.checksum && expected !== undefined && expected !== checksum) {
    throw badRequest(
      'BadDigest',
      `The ${digests.checksum.algorithm} you specified did not match the calculated checksum.`,
    );
  }
}

/**
 * Reads a body to its end without storing it, checking it as writeVerifiedBlob does: its MD5 (hex), or
 * BadDigest. What a write answered from what an earlier one stored (a replica sent again) still checks.
 */
export async function digestBody(body: AsyncIterable<Uint8Array>, digests: BlobDigests): Promise<string> {
  const md5 = createHash('md5');
  const checksum = digests.checksum ? createChecksum(digests.checksum.algorithm) : undefined;
  for await (const chunk of body) {
    md5.update(chunk);
    checksum?.update(chunk);
  }
  const md5Base64 = md5.digest('base64');
  checkDigests(digests, md5Base64, checksum?.digestBase64());
  return Buffer.from(md5Base64, 'base64').toString('hex');
}

/**
 * Streams a body into a new blob sealed under `key` while hashing it, then checks Content-MD5 and the
 * additional checksum. A body that fails a check leaves no blob behind.
 */
export async function writeVerifiedBlob(
  blobs: BlobStore,
  body: AsyncIterable<Uint8Array>,
  digests: BlobDigests,
  key: Uint8Array,
  workers: HashWorkers = hashWorkers,
): Promise<VerifiedBlob> {
  const md5 = md5Of(body, workers);
  const checksum = digests.checksum ? createChecksum(digests.checksum.algorithm) : undefined;
  async function* checksumming() {
    for await (const chunk of md5.bytes) {
      checksum?.update(chunk);
      yield chunk;
    }
  }
  const blob = await blobs.put(checksum ? checksumming() : md5.bytes, key).catch((error: unknown) => {
    md5.abandon();
    throw error;
  });
  try {
    const md5Base64 = await md5.digest();
    const value = checksum?.digestBase64();
    checkDigests(digests, md5Base64, value);
    return {
      id: blob.id,
      size: blob.size,
      md5Hex: Buffer.from(md5Base64, 'base64').toString('hex'),
      ...(digests.checksum && value ? { checksum: { algorithm: digests.checksum.algorithm, value } } : {}),
    };
  } catch (error) {
    md5.abandon();
    await blobs.delete(blob.id);
    throw error;
  }
}
