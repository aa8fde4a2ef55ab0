import type { Readable } from 'node:stream';
import { AppError, badRequest } from '../errors.js';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  parseChecksumAlgorithm,
} from '../lib/checksums.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import type { BlobDigests } from './blob-writer.js';
import { httpDate, parseRange } from './s3-wire.js';
import type { PutObjectInput, StorageService, StoredObject } from './storage-service.js';

/**
 * Objects up to this size are read whole and sent in one write: Node sends a 64 KiB buffer about twice as fast
 * as it pipes a stream of it, and the memory held per request stays bounded.
 */
const SEND_WHOLE_BYTES = 1024 * 1024;

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** S3's limit for a single PUT. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/** Representation headers S3 stores with an object and returns on GET. */
const STORED_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
];
const CHECKSUM_BYTES: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

function storedHeaders(req: ApiRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = req.headers[name];
    if (name === 'content-encoding' && value !== undefined) {
      // aws-chunked is transfer framing, not part of the object.
      value = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '' && v !== 'aws-chunked')
        .join(',');
    }
    if (value) headers[name] = value;
  }
  return headers;
}

function userMetadata(req: ApiRequest): Record<string, string> {
  // Null prototype, so that x-amz-meta-__proto__ is stored like any other name.
  const metadata: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  return metadata;
}

function validBase64(value: string, bytes: number): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === bytes;
}

/** The checksum a PUT asks for: a header value now, a trailer value after the body, or only an algorithm. */
function requestedChecksum(req: ApiRequest): PutObjectInput['checksum'] {
  const present = CHECKSUM_ALGORITHMS.filter((a) => req.headers[checksumHeader(a)] !== undefined);
  if (present.length > 1)
    throw badRequest(
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  const [fromHeader] = present;
  if (fromHeader) {
    const value = req.headers[checksumHeader(fromHeader)] as string;
    if (!validBase64(value, CHECKSUM_BYTES[fromHeader])) {
      throw badRequest('InvalidRequest', `Value for ${checksumHeader(fromHeader)} header is invalid.`);
    }
    return { algorithm: fromHeader, expected: () => value };
  }
  const trailer = req.headers['x-amz-trailer']?.trim().toLowerCase();
  if (trailer) {
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
        if (value === undefined || !validBase64(value, CHECKSUM_BYTES[algorithm])) {
          throw badRequest('InvalidRequest', `The ${trailer} trailer is missing or invalid.`);
        }
        return value;
      },
    };
  }
  const sdkAlgorithm = req.headers['x-amz-sdk-checksum-algorithm'];
  if (sdkAlgorithm !== undefined) {
    const algorithm = parseChecksumAlgorithm(sdkAlgorithm);
    if (!algorithm) throw badRequest('InvalidRequest', 'Checksum algorithm provided is unsupported.');
    return { algorithm };
  }
  return undefined;
}

function objectHeaders(object: StoredObject, withChecksum: boolean): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'content-type': object.contentType,
    etag: object.etag,
    'last-modified': httpDate(object.lastModified),
    'accept-ranges': 'bytes',
    ...object.headers,
  };
  for (const [name, value] of Object.entries(object.userMetadata)) headers[`x-amz-meta-${name}`] = value;
  if (withChecksum && object.checksum) {
    headers[checksumHeader(object.checksum.algorithm as ChecksumAlgorithm)] = object.checksum.value;
    headers['x-amz-checksum-type'] = 'FULL_OBJECT';
  }
  return headers;
}

/** RFC 7232 preconditions, in S3's order; returns the status to answer with instead, if any. */
function precondition(req: ApiRequest, object: StoredObject): 304 | 412 | undefined {
  const ifMatch = req.headers['if-match'];
  const ifNoneMatch = req.headers['if-none-match'];
  const etagIn = (list: string) =>
    list
      .split(',')
      .some((t) => t.trim() === '*' || t.trim() === object.etag || `"${t.trim()}"` === object.etag);
  const modified = Math.floor(object.lastModified.getTime() / 1000) * 1000;
  const since = (name: string) => {
    const value = req.headers[name];
    const time = value === undefined ? Number.NaN : Date.parse(value);
    return Number.isNaN(time) ? undefined : time;
  };
  if (ifMatch !== undefined && !etagIn(ifMatch)) return 412;
  const unmodifiedSince = since('if-unmodified-since');
  if (ifMatch === undefined && unmodifiedSince !== undefined && modified > unmodifiedSince) return 412;
  if (ifNoneMatch !== undefined && etagIn(ifNoneMatch)) return 304;
  const modifiedSince = since('if-modified-since');
  if (ifNoneMatch === undefined && modifiedSince !== undefined && modified <= modifiedSince) return 304;
  return undefined;
}

function preconditionFailed(): AppError {
  return new AppError(
    'PreconditionFailed',
    412,
    'At least one of the pre-conditions you specified did not hold',
  );
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/**
 * The checks every upload of bytes shares (PutObject, UploadPart): a length, at most 5 GiB, a well-formed
 * Content-MD5, and the checksum asked for. Answers what the stored bytes must match.
 */
export function uploadDigests(req: ApiRequest): BlobDigests {
  const streaming = req.headers['x-amz-content-sha256']?.startsWith('STREAMING-') ?? false;
  if (req.contentLength === undefined && !streaming) {
    throw new AppError('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.');
  }
  if ((req.contentLength ?? 0) > MAX_PUT_BYTES) {
    throw badRequest('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.', {
      ProposedSize: String(req.contentLength),
      MaxSizeAllowed: String(MAX_PUT_BYTES),
    });
  }
  const contentMd5 = req.headers['content-md5'];
  if (contentMd5 !== undefined && !validBase64(contentMd5, 16)) {
    throw badRequest('InvalidDigest', 'The Content-MD5 you specified was invalid.', {
      'Content-MD5': contentMd5.slice(0, 64),
    });
  }
  const checksum = requestedChecksum(req);
  return { ...(contentMd5 ? { contentMd5 } : {}), ...(checksum ? { checksum } : {}) };
}

/** The representation headers and user metadata an upload declares, as stored with the object. */
export function declaredMetadata(req: ApiRequest) {
  return {
    contentType: req.headers['content-type'] ?? 'application/octet-stream',
    userMetadata: userMetadata(req),
    headers: storedHeaders(req),
  };
}

export function createS3ObjectApi(storage: StorageService) {
  return {
    async putObject(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse> {
      if (req.headers['x-amz-copy-source'] !== undefined) {
        throw new AppError('NotImplemented', 501, 'CopyObject is not implemented by this server yet.');
      }
      const { contentMd5, checksum } = uploadDigests(req);
      const contentType = req.headers['content-type'];
      const ifNoneMatch = req.headers['if-none-match'];
      const stored = await storage.putObject({
        bucket,
        key,
        body: req.body,
        ...(contentType ? { contentType } : {}),
        ...(contentMd5 ? { contentMd5 } : {}),
        ...(checksum ? { checksum } : {}),
        ...(ifNoneMatch ? { ifNoneMatch } : {}),
        userMetadata: userMetadata(req),
        headers: storedHeaders(req),
      });
      const headers: Record<string, string> = { etag: stored.etag };
      if (stored.checksum) {
        headers[checksumHeader(stored.checksum.algorithm as ChecksumAlgorithm)] = stored.checksum.value;
        headers['x-amz-checksum-type'] = 'FULL_OBJECT';
      }
      return { status: 200, headers };
    },

    async getObject(req: ApiRequest, bucket: string, key: string, head: boolean): Promise<ApiResponse> {
      const checksumMode = req.headers['x-amz-checksum-mode'] === 'ENABLED';
      if (head) {
        const object = await storage.headObject(bucket, key);
        const status = precondition(req, object);
        if (status === 412) throw preconditionFailed();
        const range = parseRange(req.headers.range, object.size);
        const headers = objectHeaders(object, checksumMode && !range);
        if (status === 304)
          return { status, headers: { etag: object.etag, 'last-modified': httpDate(object.lastModified) } };
        if (range) {
          headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
          headers['content-length'] = range.end - range.start + 1;
          return { status: 206, headers };
        }
        return { status: 200, headers: { ...headers, 'content-length': object.size } };
      }
      let notModified = false;
      const opened = await storage.openObject(bucket, key, (object) => {
        const status = precondition(req, object);
        if (status === 412) throw preconditionFailed();
        notModified = status === 304;
        return notModified ? undefined : parseRange(req.headers.range, object.size);
      });
      const { object, range, body } = opened;
      if (notModified) {
        body.destroy();
        return {
          status: 304,
          headers: { etag: object.etag, 'last-modified': httpDate(object.lastModified) },
        };
      }
      const headers = objectHeaders(object, checksumMode && !range);
      for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
        const value = queryValue(req.query, param);
        if (value !== undefined) headers[header] = value;
      }
      const length = range ? range.end - range.start + 1 : object.size;
      headers['content-length'] = length;
      if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
      return {
        status: range ? 206 : 200,
        headers,
        body: length <= SEND_WHOLE_BYTES ? await collect(body) : body,
      };
    },

    async deleteObject(bucket: string, key: string): Promise<ApiResponse> {
      await storage.deleteObject(bucket, key);
      return { status: 204 };
    },
  };
}
