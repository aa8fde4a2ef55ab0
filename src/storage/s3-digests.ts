import { createHash } from 'node:crypto';
import { AppError, badRequest } from '../errors.js';
import {
  CHECKSUM_ALGORITHMS,
  checksumHeader,
  createChecksum,
  isCanonicalBase64,
  isChecksumValue,
  parseChecksumAlgorithm,
} from '../lib/checksums.js';
import type { ApiRequest } from '../lib/http.js';
import type { BlobDigests } from './blob-writer.js';

/** S3's limit for a single PUT. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/** The x-amz-checksum-* headers Seawall computes and checks (the rest of S3's are refused). */
export const CHECKSUM_HEADERS = CHECKSUM_ALGORITHMS.map(checksumHeader);

/**
 * The checksum a request sends: a header value now, or a trailer value after the body. x-amz-sdk-checksum-algorithm
 * (what the SDKs send beside either) must name the same algorithm, and is refused alone, as S3 refuses both.
 */
export function requestedChecksum(req: ApiRequest): BlobDigests['checksum'] {
  const sent = sentChecksum(req);
  const sdkAlgorithm = req.headers['x-amz-sdk-checksum-algorithm'];
  if (sdkAlgorithm === undefined) return sent;
  if (!sent)
    throw badRequest(
      'InvalidRequest',
      'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    );
  if (parseChecksumAlgorithm(sdkAlgorithm) !== sent.algorithm)
    throw badRequest('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
  return sent;
}

function sentChecksum(req: ApiRequest): BlobDigests['checksum'] {
  const present = CHECKSUM_ALGORITHMS.filter((a) => req.headers[checksumHeader(a)] !== undefined);
  if (present.length > 1)
    throw badRequest(
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  const [fromHeader] = present;
  if (fromHeader) {
    const value = req.headers[checksumHeader(fromHeader)] as string;
    if (!isChecksumValue(fromHeader, value)) {
      throw badRequest('InvalidRequest', `Value for ${checksumHeader(fromHeader)} header is invalid.`);
    }
    return { algorithm: fromHeader, expected: () => value };
  }
  const trailer = req.headers['x-amz-trailer']?.trim().toLowerCase();
  if (!trailer) return undefined;
  const algorithm = trailer.startsWith('x-amz-checksum-')
    ? parseChecksumAlgorithm(trailer.slice('x-amz-checksum-'.length))
    : undefined;
  if (!algorithm)
    throw badRequest(
      'InvalidRequest',
      `The value specified in the x-amz-trailer header is not supported: ${trailer.slice(0, 64)}`,
    );
  return {
    algorithm,
    expected: () => {
      const value = req.trailers()[trailer];
      if (value === undefined || !isChecksumValue(algorithm, value)) {
        throw badRequest('InvalidRequest', `The ${trailer} trailer is missing or invalid.`);
      }
      return value;
    },
  };
}

function contentMd5Of(req: ApiRequest): string | undefined {
  const contentMd5 = req.headers['content-md5'];
  if (contentMd5 !== undefined && !isCanonicalBase64(contentMd5, 16)) {
    throw badRequest('InvalidDigest', 'The Content-MD5 you specified was invalid.', {
      'Content-MD5': contentMd5.slice(0, 64),
    });
  }
  return contentMd5;
}

/**
 * The checks every upload of bytes shares (PutObject, UploadPart): a length, at most 5 GiB, a well-formed
 * Content-MD5, and the checksum asked for. Answers what the stored bytes must match.
 */
export function uploadDigests(req: ApiRequest): BlobDigests {
  const streaming = req.headers['x-amz-content-sha256']?.startsWith('STREAMING-') ?? false;
  // S3 takes a chunked transfer coding only around an aws-chunked body, whose decoded length is declared.
  if (req.headers['transfer-encoding'] !== undefined && !streaming)
    throw new AppError(
      'NotImplemented',
      501,
      'A header you provided implies functionality that is not implemented.',
      { fields: { Header: 'Transfer-Encoding' } },
    );
  if (req.contentLength === undefined && !streaming) {
    throw new AppError('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.');
  }
  if ((req.contentLength ?? 0) > MAX_PUT_BYTES) {
    throw badRequest('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.', {
      ProposedSize: String(req.contentLength),
      MaxSizeAllowed: String(MAX_PUT_BYTES),
    });
  }
  const contentMd5 = contentMd5Of(req);
  const checksum = requestedChecksum(req);
  return { ...(contentMd5 ? { contentMd5 } : {}), ...(checksum ? { checksum } : {}) };
}

/** Checks a small request document (DeleteObjects, CreateBucket…) against its Content-MD5 and checksum. */
export function verifyDocumentDigests(req: ApiRequest, body: Buffer): void {
  const contentMd5 = contentMd5Of(req);
  const md5 = createHash('md5').update(body).digest('base64');
  if (contentMd5 !== undefined && contentMd5 !== md5) {
    throw badRequest('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
      ExpectedDigest: contentMd5,
      CalculatedDigest: md5,
    });
  }
  const checksum = requestedChecksum(req);
  const expected = checksum?.expected?.();
  if (!checksum || expected === undefined) return;
  const computed = createChecksum(checksum.algorithm);
  computed.update(body);
  if (computed.digestBase64() !== expected) {
    throw badRequest(
      'BadDigest',
      `The ${checksum.algorithm} you specified did not match the calculated checksum.`,
    );
  }
}

/** S3 requires an integrity check on some documents (a public access block, a CORS configuration…). */
export function requireDigest(req: ApiRequest): void {
  if (
    req.headers['content-md5'] === undefined &&
    !Object.keys(req.headers).some((h) => h.startsWith('x-amz-checksum-'))
  ) {
    throw badRequest(
      'InvalidRequest',
      'Missing required header for this request: Content-MD5 or x-amz-checksum-*',
    );
  }
}
