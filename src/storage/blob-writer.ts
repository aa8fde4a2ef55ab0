import { createHash } from 'node:crypto';
import { badRequest } from '../errors.js';
import { type ChecksumAlgorithm, createChecksum } from '../lib/checksums.js';
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

/**
 * Streams a body into a new blob while hashing it, then checks Content-MD5 and the additional checksum. A
 * body that fails a check leaves no blob behind.
 */
export async function writeVerifiedBlob(
  blobs: BlobStore,
  body: AsyncIterable<Uint8Array>,
  digests: BlobDigests,
): Promise<VerifiedBlob> {
  const md5 = createHash('md5');
  const checksum = digests.checksum ? createChecksum(digests.checksum.algorithm) : undefined;
  async function* hashing() {
    for await (const chunk of body) {
      md5.update(chunk);
      checksum?.update(chunk);
      yield chunk;
    }
  }
  const blob = await blobs.put(hashing());
  try {
    const md5Base64 = md5.digest('base64');
    if (digests.contentMd5 !== undefined && digests.contentMd5 !== md5Base64) {
      throw badRequest('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
        ExpectedDigest: digests.contentMd5,
        CalculatedDigest: md5Base64,
      });
    }
    const value = checksum?.digestBase64();
    const expected = digests.checksum?.expected?.();
    if (digests.checksum && expected !== undefined && expected !== value) {
      throw badRequest(
        'BadDigest',
        `The ${digests.checksum.algorithm} you specified did not match the calculated checksum.`,
      );
    }
    return {
      id: blob.id,
      size: blob.size,
      md5Hex: Buffer.from(md5Base64, 'base64').toString('hex'),
      ...(digests.checksum && value ? { checksum: { algorithm: digests.checksum.algorithm, value } } : {}),
    };
  } catch (error) {
    await blobs.delete(blob.id);
    throw error;
  }
}
