import { type AppError, badRequest } from '../errors.js';
import {
  type ChecksumAlgorithm,
  type ChecksumType,
  checksumOfChecksums,
  DEFAULT_CHECKSUM_ALGORITHM,
  isChecksumValue,
  parseChecksumAlgorithm,
} from '../lib/checksums.js';
import type { BlobDigests } from './blob-writer.js';
import type { PartRow, UploadRow } from './multipart-store.js';

/**
 * S3's rules for the checksums of a multipart upload ("Checking object integrity"): the algorithm and type it is
 * created with, the checksum each part must carry, the parts' checksums listed at completion and the object's.
 */

/** The checksum an upload was created with. */
export interface UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
}

/** A checksum named in a request by S3's algorithm name, which may be one Seawall does not compute. */
export interface NamedChecksum {
  algorithm: string;
  value: string;
}

/** A part as CompleteMultipartUpload lists it. */
export interface ListedPart {
  partNumber: number;
  etag: string;
  checksums: NamedChecksum[];
}

/**
 * What CompleteMultipartUpload says of the object it makes, each verified before the parts are joined or as
 * they are: its checksum's type, a checksum value, and its size (x-amz-mp-object-size).
 */
export interface CompletionClaims {
  type?: ChecksumType;
  object?: { algorithm: ChecksumAlgorithm; value: string };
  size?: number;
}

/** How the object's checksum is had: already known (composite), or computed over its bytes. */
export type ObjectChecksumPlan =
  | { kind: 'composite'; algorithm: ChecksumAlgorithm; value: string }
  | { kind: 'full'; algorithm: ChecksumAlgorithm; expected?: string };

/** The algorithms a multipart upload can have a FULL_OBJECT checksum of (S3's). */
export const FULL_OBJECT_ALGORITHMS: ReadonlySet<ChecksumAlgorithm> = new Set([
  'CRC32',
  'CRC32C',
  'CRC64NVME',
]);

/** S3's defaults (COMPOSITE, but FULL_OBJECT for CRC64NVME) and refusals for the algorithm and type asked for. */
export function resolveUploadChecksum(
  algorithm: ChecksumAlgorithm | undefined,
  type: ChecksumType | undefined,
): UploadChecksum | undefined {
  if (!algorithm) {
    if (!type) return undefined;
    throw badRequest(
      'InvalidRequest',
      'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
    );
  }
  const resolved = type ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  const allowed =
    resolved === 'FULL_OBJECT' ? FULL_OBJECT_ALGORITHMS.has(algorithm) : algorithm !== 'CRC64NVME';
  if (!allowed) {
    throw badRequest(
      'InvalidRequest',
      `The ${resolved} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`,
    );
  }
  return { algorithm, type: resolved };
}

export function uploadChecksumOf(row: UploadRow): UploadChecksum | undefined {
  const algorithm = row.checksum_algorithm ? parseChecksumAlgorithm(row.checksum_algorithm) : undefined;
  return algorithm && row.checksum_type ? { algorithm, type: row.checksum_type } : undefined;
}

/**
 * What a part's bytes are checked against. A part of an upload with an algorithm carries a checksum of that
 * algorithm; only a FULL_OBJECT upload lets one come without, and then computes it.
 */
export function partDigests(upload: UploadChecksum | undefined, digests: BlobDigests): BlobDigests {
  const sent = digests.checksum?.algorithm;
  if (!upload || sent === upload.algorithm) return digests;
  if (sent === undefined && upload.type === 'FULL_OBJECT')
    return { ...digests, checksum: { algorithm: upload.algorithm } };
  throw badRequest(
    'InvalidRequest',
    `Checksum Type mismatch occurred, expected checksum Type: ${upload.algorithm.toLowerCase()}, actual checksum Type: ${sent?.toLowerCase() ?? 'null'}`,
  );
}

export function invalidPart(uploadId: string, partNumber: number, etag: string): AppError {
  return badRequest(
    'InvalidPart',
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    {
      UploadId: uploadId.slice(0, 256),
      PartNumber: String(partNumber),
      ETag: etag.replace(/"/g, '').slice(0, 64),
    },
  );
}

function invalidPartChecksum(value: string): AppError {
  return badRequest('InvalidArgument', 'Invalid Base64 or multiple checksums present in request', {
    ArgumentName: 'Checksum',
    ArgumentValue: value.slice(0, 256),
  });
}

function wellFormed(checksum: NamedChecksum): boolean {
  const algorithm = parseChecksumAlgorithm(checksum.algorithm);
  return algorithm
    ? isChecksumValue(algorithm, checksum.value)
    : /^[A-Za-z0-9+/]+={0,2}$/.test(checksum.value);
}

/** Checks the checksum a completion lists for an uploaded part against the one stored with it. */
export function checkListedChecksum(
  upload: UploadChecksum | undefined,
  uploadId: string,
  listed: ListedPart,
  part: PartRow,
): void {
  const { checksums } = listed;
  if (checksums.length > 1)
    throw invalidPartChecksum(checksums.map((c) => `${c.algorithm}:${c.value};`).join(''));
  const [checksum] = checksums;
  // An upload created without an algorithm has no part checksums to compare with: S3 finds no such part.
  if (!upload) {
    if (checksum) throw invalidPart(uploadId, listed.partNumber, listed.etag);
    return;
  }
  if (!checksum) {
    if (upload.type === 'FULL_OBJECT') return;
    throw badRequest(
      'InvalidRequest',
      `The upload was created using a ${upload.algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${listed.partNumber} in the request.`,
    );
  }
  if (!wellFormed(checksum)) throw invalidPartChecksum(checksum.value);
  if (checksum.algorithm !== upload.algorithm) {
    throw badRequest(
      'BadDigest',
      `The ${checksum.algorithm.toLowerCase()} you specified for part ${listed.partNumber} did not match what we received.`,
    );
  }
  if (checksum.value !== part.checksum_value) throw invalidPart(uploadId, listed.partNumber, listed.etag);
}

/** A completion's checksum type must be the upload's ("null" when it has none). */
export function checkCompleteType(upload: UploadChecksum | undefined, type: ChecksumType | undefined): void {
  if (type === undefined || type === upload?.type) return;
  throw badRequest(
    'InvalidRequest',
    `The upload was created using the ${upload?.type ?? 'null'} checksum mode. The complete request must use the same checksum mode.`,
  );
}

export function objectChecksumMismatch(algorithm: ChecksumAlgorithm): AppError {
  return badRequest(
    'BadDigest',
    `The ${algorithm.toLowerCase()} you specified did not match the calculated checksum.`,
  );
}

/**
 * The object's checksum, from the upload's algorithm and type and the parts joined. A checksum sent with the
 * completion is checked here when it can be (composite), else once the bytes are copied. As S3 does, a
 * FULL_OBJECT upload's checksum is verified only when the completion says FULL_OBJECT too, and one of another
 * algorithm than the upload's never matches. An upload without an algorithm verifies and keeps a whole-object
 * checksum sent then (S3 would not verify it).
 */
export function planObjectChecksum(
  upload: UploadChecksum | undefined,
  sent: CompletionClaims,
  parts: readonly PartRow[],
): ObjectChecksumPlan {
  if (!upload) {
    // An upload created without a checksum gets S3's default one, of all its bytes.
    if (!sent.object) return { kind: 'full', algorithm: DEFAULT_CHECKSUM_ALGORITHM };
    return { kind: 'full', algorithm: sent.object.algorithm, expected: sent.object.value };
  }
  const { algorithm } = upload;
  if (sent.object && sent.object.algorithm !== algorithm) throw objectChecksumMismatch(algorithm);
  if (upload.type === 'FULL_OBJECT') {
    if (sent.object && sent.type !== 'FULL_OBJECT') throw objectChecksumMismatch(algorithm);
    return { kind: 'full', algorithm, ...(sent.object ? { expected: sent.object.value } : {}) };
  }
  const values = parts.map((part) => {
    if (part.checksum_value === null) throw new Error(`part ${part.part_number} has no checksum`);
    return part.checksum_value;
  });
  const value = `${checksumOfChecksums(algorithm, values)}-${parts.length}`;
  const claimed = sent.object?.value;
  if (claimed !== undefined && (claimed.includes('-') ? claimed : `${claimed}-${parts.length}`) !== value)
    throw objectChecksumMismatch(algorithm);
  return { kind: 'composite', algorithm, value };
}
