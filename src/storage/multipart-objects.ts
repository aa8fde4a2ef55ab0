import { AppError, badRequest } from '../errors.js';
import type { ChecksumType } from '../lib/checksums.js';
import type { UploadChecksum } from './multipart-checksums.js';
import type { CompletedRow, PartRow } from './multipart-store.js';
import type { ByteRange, StoredObject } from './storage-types.js';

/**
 * What a completed multipart upload leaves beside its object: the parts it was joined from, so that GET and
 * HEAD `?partNumber=N` can answer one part (with its checksum), and the completion's answer, so that a
 * CompleteMultipartUpload sent again (a client retrying after a lost answer) gets the same answer, as S3 gives.
 */

/** One part of a multipart object, numbered as it was uploaded. */
export interface ObjectPart {
  partNumber: number;
  size: number;
  /** The part's checksum (of the upload's algorithm); none when the upload had no algorithm. */
  checksum?: string;
}

/** The parts of a multipart object and the checksum algorithm and type its upload was created with. */
export interface ObjectParts {
  parts: ObjectPart[];
  checksum?: { algorithm: string; type: ChecksumType };
}

const MAX_PART_NUMBER = 10_000;

/** The row that records what a completion made; `checksum` is the object's, as answered. */
export function completedRow(input: {
  blobId: string;
  uploadId: string;
  bucket: string;
  key: string;
  etag: string;
  parts: readonly PartRow[];
  upload: UploadChecksum | undefined;
  checksum?: { algorithm: string; value: string; type: ChecksumType };
}): CompletedRow {
  const parts = input.parts.map((p) => [p.part_number, p.size, input.upload ? p.checksum_value : null]);
  return {
    blob_id: input.blobId,
    upload_id: input.uploadId,
    bucket: input.bucket,
    key: input.key,
    etag: input.etag,
    parts: JSON.stringify(parts),
    checksum_algorithm: input.checksum?.algorithm ?? null,
    checksum_value: input.checksum?.value ?? null,
    checksum_type: input.checksum?.type ?? null,
  };
}

export function objectPartsOf(row: CompletedRow): ObjectParts {
  const parts = (JSON.parse(row.parts) as [number, number, string | null][]).map(
    ([partNumber, size, checksum]) => ({ partNumber, size, ...(checksum ? { checksum } : {}) }),
  );
  return row.checksum_algorithm && row.checksum_type
    ? { parts, checksum: { algorithm: row.checksum_algorithm, type: row.checksum_type } }
    : { parts };
}

/**
 * `partNumber` of GetObject and HeadObject: an integer from 1 to 10000, never with a Range (S3's errors for
 * each); undefined when not asked.
 */
export function requestedPartNumber(
  value: string | undefined,
  range: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= 1 && number <= MAX_PART_NUMBER)) {
    throw badRequest('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      ArgumentName: 'partNumber',
      ArgumentValue: value.slice(0, 64),
    });
  }
  if (range !== undefined)
    throw badRequest('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  return number;
}

/** What GET or HEAD of one part answers: its bytes' range, the parts count, and the part's checksum. */
export interface PartAnswer {
  /** Undefined for an empty part (or empty single-part object): there is no byte range to name. */
  range?: ByteRange;
  size: number;
  /** Only for a multipart object (x-amz-mp-parts-count). */
  partsCount?: number;
  checksum?: { algorithm: string; value: string; type: ChecksumType };
}

function unsatisfiable(partNumber: number, count: number): AppError {
  return new AppError('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable', {
    fields: { PartNumberRequested: String(partNumber), ActualPartCount: String(count) },
  });
}

/**
 * Part `partNumber` of `object`. An object not made by a multipart upload is its own part 1; a part number the
 * object does not have is 416 InvalidPartNumber.
 */
export function selectPart(
  object: StoredObject,
  layout: ObjectParts | undefined,
  partNumber: number,
): PartAnswer {
  const whole = (size: number, start: number) => (size > 0 ? { start, end: start + size - 1 } : undefined);
  if (!layout) {
    if (partNumber !== 1) throw unsatisfiable(partNumber, 1);
    const range = whole(object.size, 0);
    return {
      size: object.size,
      ...(range ? { range } : {}),
      ...(object.checksum ? { checksum: object.checksum } : {}),
    };
  }
  let start = 0;
  for (const part of layout.parts) {
    if (part.partNumber === partNumber) {
      const range = whole(part.size, start);
      const checksum =
        layout.checksum && part.checksum
          ? { algorithm: layout.checksum.algorithm, value: part.checksum, type: layout.checksum.type }
          : undefined;
      return {
        size: part.size,
        partsCount: layout.parts.length,
        ...(range ? { range } : {}),
        ...(checksum ? { checksum } : {}),
      };
    }
    start += part.size;
  }
  throw unsatisfiable(partNumber, layout.parts.length);
}
