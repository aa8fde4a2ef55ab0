import { createHash, createHmac } from 'node:crypto';
import { badRequest } from '../errors.js';
import { hkdfSha256 } from '../kms/object-cipher.js';
import { type Checksum, type ChecksumAlgorithm, createChecksum } from '../lib/checksums.js';
import { type HashWorkers, hashWorkers, type StreamHash, type WorkerHash } from '../lib/hash-workers.js';
import type { BlobStore } from './blob-store.js';
import type { ObjectEncryption } from './object-encryption.js';

export interface VerifiedBlob {
  id: string;
  size: number;
  /** MD5 of the bytes, hex (what the ETag of a single-part object or part is made from: see etagOf). */
  md5Hex: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface BlobDigests {
  /** Base64 MD5 from Content-MD5, checked against the bytes. */
  contentMd5?: string;
  /** The checksum to compute and store; with `expected`, the value it must have. */
  checksum?: { algorithm: ChecksumAlgorithm; expected?: () => string | undefined };
}

/** What the key of an object's keyed ETags is derived under, from its data key (HKDF-SHA256). */
const ETAG_KEY_INFO = Buffer.from('seawall:etag:v1');

/**
 * Whether an object's ETag hides the MD5 of its bytes: S3 gives an object (or part) encrypted with SSE-KMS or
 * SSE-C an ETag that is "not an MD5 digest of their object data", and one with SSE-S3 (or none) the MD5.
 */
export function etagHidesMd5(encryption: ObjectEncryption | undefined): boolean {
  return (
    encryption !== undefined && (encryption.customerKeyMd5 !== undefined || encryption.algorithm !== 'AES256')
  );
}

/**
 * The ETag (quoted) of an object uploaded whole, or of a part, whose bytes have the MD5 `md5Hex` and are sealed
 * under `encryption` with `dataKey`: the MD5 itself, or where S3's would not be an MD5 (etagHidesMd5), the
 * first 16 bytes of an HMAC-SHA256 of the MD5 under a key derived from the data key. That tells nothing of the
 * bytes without the data key (one who may list the bucket but not read the object, or lacks an SSE-C key,
 * learns no MD5 of it), differs between objects (each has a fresh data key), and is still checked by whoever
 * opens the data key (`seawall check`). A multipart object's ETag is made from its parts' (multipartEtag).
 */
export function etagOf(
  md5Hex: string,
  encryption: ObjectEncryption | undefined,
  dataKey: Uint8Array | null,
): string {
  if (!etagHidesMd5(encryption)) return `"${md5Hex}"`;
  if (!dataKey) throw new Error('an encrypted object has no data key to make its ETag with');
  const key = hkdfSha256(dataKey, ETAG_KEY_INFO);
  const digest = createHmac('sha256', key).update(Buffer.from(md5Hex, 'hex')).digest();
  return `"${digest.subarray(0, 16).toString('hex')}"`;
}

/**
 * S3's ETag of a multipart object: the MD5 of its parts' ETags (as bytes: each an MD5, or etagOf's keyed
 * digest of one), then the number of parts.
 */
export function multipartEtag(partEtags: readonly string[]): string {
  const md5 = createHash('md5');
  for (const etag of partEtags) md5.update(Buffer.from(etag.replace(/"/g, ''), 'hex'));
  return `"${md5.digest('hex')}-${partEtags.length}"`;
}

/** Bodies shorter than this are hashed on the event loop; a longer one's MD5 is computed by a hash worker. */
export const OFFLOAD_HASH_FROM = 256 * 2 ** 10;

/** A body passed on as it is hashed, its digest (base64) once it has been read to its end. */
export interface HashedBody {
  bytes: AsyncGenerator<Uint8Array>;
  digest(): Promise<string>;
  /** Drops a worker's hash whose digest will not be asked for: the body or its blob failed. */
  abandon(): void;
}

/**
 * A hash of a body as it streams past: on the event loop (`local`) for a body shorter than
 * {@link OFFLOAD_HASH_FROM} (a worker's round trips would cost more than the hash), else on a hash worker
 * (`algorithm`, its name there). Which one is known once that much has arrived, so up to that much is held
 * before it goes on.
 */
function hashedBody(
  body: AsyncIterable<Uint8Array>,
  workers: HashWorkers,
  algorithm: WorkerHash,
  local: () => Checksum,
): HashedBody {
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
      offloaded = workers.start(algorithm);
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
    const hash = local();
    for (const piece of held.splice(0)) {
      hash.update(piece);
      yield piece;
    }
    const value = hash.digestBase64();
    digest = () => Promise.resolve(value);
  }
  return { bytes: hashing(), digest: () => digest(), abandon: () => offloaded?.discard() };
}

function localMd5(): Checksum {
  const md5 = createHash('md5');
  return { update: (chunk) => md5.update(chunk), digestBase64: () => md5.digest('base64') };
}

/**
 * The additional checksum of a body as it streams past: a CRC-64/NVME (the default every object gets, at about
 * 1 GB/s in JavaScript) on a hash worker as the MD5 is, the others here (zlib's CRC-32 and node:crypto's are
 * native and fast).
 */
export function checksummedBody(
  body: AsyncIterable<Uint8Array>,
  workers: HashWorkers,
  algorithm: ChecksumAlgorithm,
): HashedBody {
  if (algorithm === 'CRC64NVME')
    return hashedBody(body, workers, 'crc64nvme', () => createChecksum('CRC64NVME'));
  const checksum = createChecksum(algorithm);
  async function* checksumming() {
    for await (const chunk of body) {
      checksum.update(chunk);
      yield chunk;
    }
  }
  return { bytes: checksumming(), digest: async () => checksum.digestBase64(), abandon: () => {} };
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
  const md5 = hashedBody(body, workers, 'md5', localMd5);
  const checksum = digests.checksum && checksummedBody(md5.bytes, workers, digests.checksum.algorithm);
  const abandon = () => {
    md5.abandon();
    checksum?.abandon();
  };
  const blob = await blobs.put(checksum ? checksum.bytes : md5.bytes, key).catch((error: unknown) => {
    abandon();
    throw error;
  });
  try {
    const md5Base64 = await md5.digest();
    const value = await checksum?.digest();
    checkDigests(digests, md5Base64, value);
    return {
      id: blob.id,
      size: blob.size,
      md5Hex: Buffer.from(md5Base64, 'base64').toString('hex'),
      ...(digests.checksum && value ? { checksum: { algorithm: digests.checksum.algorithm, value } } : {}),
    };
  } catch (error) {
    abandon();
    await blobs.delete(blob.id);
    throw error;
  }
}
