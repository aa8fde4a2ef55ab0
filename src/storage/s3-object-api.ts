import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import { type ChecksumAlgorithm, checksumHeader } from '../lib/checksums.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { newObjectAcl } from './acl-rules.js';
import { decodeMetadataValue, encodeMetadataValue } from './metadata-words.js';
import { type PartAnswer, requestedPartNumber, selectPart } from './multipart-objects.js';
import { requestOrigin } from './notifications.js';
import { encryptionHeaders, encryptionRequestOf, keyAccessOf } from './object-encryption.js';
import { lockOfHeaders, type VersionLock } from './object-lock.js';
import { judgeReadPreconditions, type PreconditionOutcome } from './read-preconditions.js';
import { isServiceReplica, REPLICA_HEADER, replicaLastModified } from './replication.js';
import { getObjectAttributes } from './s3-attributes-api.js';
import { uploadDigests } from './s3-digests.js';
import { bypassesGovernance, checkBypassApplies, readableLockHeaders } from './s3-object-lock-api.js';
import { httpDate, parseRange, versionHeader } from './s3-wire.js';
import { DEFAULT_CONTENT_TYPE, type StorageService, type StoredObject } from './storage-types.js';
import { parseTaggingHeader, storedTags, tagsOf } from './tagging.js';

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

/** Representation headers S3 stores with an object and returns on GET. */
const STORED_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
];
/**
 * aws-chunked is transfer framing, not part of the object: S3 drops it from the Content-Encoding it stores and
 * keeps the client's exact string otherwise.
 */
function withoutAwsChunked(value: string): string {
  const codings = value.split(',').map((v) => v.trim());
  if (!codings.some((v) => v.toLowerCase() === 'aws-chunked')) return value;
  return codings.filter((v) => v !== '' && v.toLowerCase() !== 'aws-chunked').join(', ');
}

function storedHeaders(req: ApiRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = req.headers[name];
    if (name === 'content-encoding' && value !== undefined) value = withoutAwsChunked(value);
    if (value) headers[name] = value;
  }
  return headers;
}

function userMetadata(req: ApiRequest): Record<string, string> {
  // Null prototype, so that x-amz-meta-__proto__ is stored like any other name.
  const metadata: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-'))
      metadata[name.slice('x-amz-meta-'.length)] = decodeMetadataValue(value);
  }
  return metadata;
}

function objectHeaders(object: StoredObject, withChecksum: boolean): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'content-type': object.contentType,
    etag: object.etag,
    'last-modified': httpDate(object.lastModified),
    'accept-ranges': 'bytes',
    ...versionHeader(object),
    ...object.headers,
    ...encryptionHeaders(object.encryption),
  };
  // S3 names the storage class of any object but a STANDARD one.
  if (object.storageClass !== 'STANDARD') headers['x-amz-storage-class'] = object.storageClass;
  if (object.replicationStatus !== undefined) headers['x-amz-replication-status'] = object.replicationStatus;
  const tagCount = tagsOf(object.tags).length;
  if (tagCount > 0) headers['x-amz-tagging-count'] = tagCount;
  for (const [name, value] of Object.entries(object.userMetadata))
    headers[`x-amz-meta-${name}`] = encodeMetadataValue(value);
  if (withChecksum && object.checksum) {
    headers[checksumHeader(object.checksum.algorithm as ChecksumAlgorithm)] = object.checksum.value;
    headers['x-amz-checksum-type'] = object.checksum.type;
  }
  return headers;
}

/** GET's and HEAD's RFC 7232 preconditions, judged as S3 judges them (read-preconditions.ts). */
function precondition(req: ApiRequest, object: StoredObject, now: Date): PreconditionOutcome | undefined {
  return judgeReadPreconditions(
    {
      ifMatch: req.headers['if-match'],
      ifNoneMatch: req.headers['if-none-match'],
      ifModifiedSince: req.headers['if-modified-since'],
      ifUnmodifiedSince: req.headers['if-unmodified-since'],
    },
    object,
    now,
  );
}

function preconditionFailed(condition: string): AppError {
  return new AppError(
    'PreconditionFailed',
    412,
    'At least one of the pre-conditions you specified did not hold',
    { fields: { Condition: condition } },
  );
}

/** The headers of an answer of one part (GET or HEAD `?partNumber=N`): its range, the parts count, its checksum. */
function partHeaders(req: ApiRequest, object: StoredObject, part: PartAnswer) {
  const headers = withOverrides(req, objectHeaders(object, false));
  headers['content-length'] = part.size;
  if (part.range) headers['content-range'] = `bytes ${part.range.start}-${part.range.end}/${object.size}`;
  if (part.partsCount !== undefined) headers['x-amz-mp-parts-count'] = part.partsCount;
  if (part.checksum && checksumModeOf(req)) {
    headers[checksumHeader(part.checksum.algorithm as ChecksumAlgorithm)] = part.checksum.value;
    headers['x-amz-checksum-type'] = part.checksum.type;
  }
  return headers;
}

/** The object at the key now, and the parts it was joined from (undefined for an object no upload made). */
async function currentParts(storage: StorageService, bucket: string, key: string, versionId?: string) {
  const object = await storage.headObject(bucket, key, versionId);
  return { blobId: object.blobId, parts: await storage.multipart.objectParts(object.blobId) };
}

/** Overwritten between finding its parts and opening it, more often than this: S3's answer to try later. */
const PART_READ_ATTEMPTS = 5;

function checksumModeOf(req: ApiRequest): boolean {
  return req.headers['x-amz-checksum-mode'] === 'ENABLED';
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/** The tags x-amz-tagging gives a new object, as its version row stores them. */
export function newTags(req: ApiRequest): { tags?: string } {
  const header = req.headers['x-amz-tagging'];
  const tags = header === undefined ? null : storedTags(parseTaggingHeader(header));
  return tags === null ? {} : { tags };
}

/**
 * The Object Lock retention and legal hold, the ACL and the storage class a new object's request asks for
 * (x-amz-object-lock-*, x-amz-acl, x-amz-grant-*, x-amz-storage-class, judged by their input rules), which
 * PutObject, CreateMultipartUpload, CopyObject and POST Object all honour.
 */
export async function newObjectProtections(
  storage: StorageService,
  req: ApiRequest,
  bucket: string,
): Promise<{ lock?: VersionLock; acl?: string; storageClass?: string }> {
  const lock = lockOfHeaders(req.headers, Date.now());
  const acl = await newObjectAcl(storage, bucket, req.headers, req.principal.accountId);
  const storageClass = req.headers['x-amz-storage-class'];
  return {
    ...(lock ? { lock } : {}),
    ...(acl !== undefined ? { acl } : {}),
    ...(storageClass !== undefined && storageClass !== 'STANDARD' ? { storageClass } : {}),
  };
}

/** The representation headers and user metadata an upload declares, as stored with the object. */
export function declaredMetadata(req: ApiRequest) {
  return {
    contentType: req.headers['content-type'] ?? DEFAULT_CONTENT_TYPE,
    userMetadata: userMetadata(req),
    headers: storedHeaders(req),
  };
}

function withOverrides(req: ApiRequest, headers: Record<string, string | number>) {
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = queryValue(req.query, param);
    if (value !== undefined) headers[header] = value;
  }
  return headers;
}

function notModified(object: StoredObject): ApiResponse {
  return {
    status: 304,
    headers: { etag: object.etag, 'last-modified': httpDate(object.lastModified), ...versionHeader(object) },
  };
}

/** S3's x-amz-expiration for the current version a lifecycle rule will expire (none for a version named). */
async function expirationOf(
  storage: StorageService,
  object: StoredObject,
  req?: ApiRequest,
): Promise<Record<string, string>> {
  if (req && queryValue(req.query, 'versionId') !== undefined) return {};
  const header = await storage.lifecycle.expirationHeader(object);
  return header === undefined ? {} : { 'x-amz-expiration': header };
}

/** What GET and HEAD tell of a version beside its representation: its lock (if readable) and its expiration. */
async function retentionHeaders(
  storage: StorageService,
  req: OperationRequest,
  object: StoredObject,
): Promise<Record<string, string>> {
  return {
    ...(await readableLockHeaders(req, object.bucket, object.key, object.lock)),
    ...(await expirationOf(storage, object, req)),
  };
}

/** Handlers of the object operations. */
export interface S3ObjectApi {
  putObject(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
  headObject(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  getObject(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  deleteObject(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  getObjectAttributes(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
}

/** PutObject, GetObject, HeadObject and DeleteObject; the inputs they take are declared in s3-api.ts. */
export function createS3ObjectApi(storage: StorageService): S3ObjectApi {
  return {
    async putObject(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse> {
      const { contentMd5, checksum } = uploadDigests(req);
      const ifNoneMatch = req.headers['if-none-match'];
      const ifMatch = req.headers['if-match'];
      const protections = await newObjectProtections(storage, req, bucket);
      const encryption = encryptionRequestOf(req);
      const stored = await storage.putObject({
        bucket,
        key,
        body: req.body,
        ...(encryption ? { encryption } : {}),
        keyAccess: keyAccessOf(req),
        ...declaredMetadata(req),
        ...(contentMd5 ? { contentMd5 } : {}),
        ...(checksum ? { checksum } : {}),
        ...(ifNoneMatch ? { ifNoneMatch } : {}),
        ...(ifMatch !== undefined ? { ifMatch } : {}),
        ...protections,
        ...newTags(req),
        origin: requestOrigin(req),
        ...(req.headers[REPLICA_HEADER] !== undefined && !req.form
          ? {
              replicaOf: req.headers[REPLICA_HEADER],
              replicaLastModified: replicaLastModified(req, storage.clock.now().getTime()),
              ...(isServiceReplica(req) ? { storedBytes: true } : {}),
            }
          : {}),
        // A browser upload's form came through POST Object, which writes as PutObject does.
        ...(req.form ? { how: 'Post' as const } : {}),
      });
      const headers: Record<string, string> = {
        etag: stored.etag,
        ...versionHeader(stored),
        ...encryptionHeaders(stored.encryption, { context: true }),
        // The object is stored: a rule that cannot be read now costs the answer its header, never the write.
        ...(await expirationOf(storage, stored).catch(() => ({}))),
      };
      if (stored.checksum) {
        headers[checksumHeader(stored.checksum.algorithm as ChecksumAlgorithm)] = stored.checksum.value;
        headers['x-amz-checksum-type'] = 'FULL_OBJECT';
      }
      return { status: 200, headers };
    },

    async headObject(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse> {
      const partNumber = requestedPartNumber(queryValue(req.query, 'partNumber'), req.headers.range);
      const versionId = queryValue(req.query, 'versionId');
      const object = await storage.headObject(bucket, key, versionId);
      await storage.checkCustomerKey(object, keyAccessOf(req));
      const failed = precondition(req, object, storage.clock.now());
      if (failed?.status === 412) throw preconditionFailed(failed.condition);
      if (failed?.status === 304) return notModified(object);
      const lockHeaders = await retentionHeaders(storage, req, object);
      if (partNumber !== undefined) {
        const part = selectPart(object, await storage.multipart.objectParts(object.blobId), partNumber);
        return {
          status: part.range ? 206 : 200,
          headers: { ...partHeaders(req, object, part), ...lockHeaders },
        };
      }
      const range = parseRange(req.headers.range, object.size);
      const headers = withOverrides(req, {
        ...objectHeaders(object, checksumModeOf(req) && !range),
        ...lockHeaders,
      });
      if (range) {
        headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
        headers['content-length'] = range.end - range.start + 1;
        return { status: 206, headers };
      }
      return { status: 200, headers: { ...headers, 'content-length': object.size } };
    },

    async getObject(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse> {
      const versionId = queryValue(req.query, 'versionId');
      const partNumber = requestedPartNumber(queryValue(req.query, 'partNumber'), req.headers.range);
      for (let attempt = 1; ; attempt++) {
        // A part's place is known from the parts of the object found first; the object opened must be that one.
        const layout =
          partNumber === undefined ? undefined : await currentParts(storage, bucket, key, versionId);
        let unchanged = false;
        let stale = false;
        let part: PartAnswer | undefined;
        const { object, range, body } = await storage.openObject(
          bucket,
          key,
          (found) => {
            const failed = precondition(req, found, storage.clock.now());
            if (failed?.status === 412) throw preconditionFailed(failed.condition);
            unchanged = failed?.status === 304;
            if (unchanged) return undefined;
            if (partNumber === undefined || !layout) return parseRange(req.headers.range, found.size);
            stale = found.blobId !== layout.blobId;
            if (stale) return undefined;
            part = selectPart(found, layout.parts, partNumber);
            return part.range;
          },
          versionId,
          keyAccessOf(req),
        );
        if (unchanged || stale) body.destroy();
        if (unchanged) return notModified(object);
        if (stale) {
          if (attempt < PART_READ_ATTEMPTS) continue;
          throw new AppError('SlowDown', 503, 'Please reduce your request rate.');
        }
        let lockHeaders: Record<string, string>;
        try {
          lockHeaders = await retentionHeaders(storage, req, object);
        } catch (error) {
          body.destroy();
          throw error;
        }
        const headers = part
          ? { ...partHeaders(req, object, part), ...lockHeaders }
          : withOverrides(req, { ...objectHeaders(object, checksumModeOf(req) && !range), ...lockHeaders });
        const length = range ? range.end - range.start + 1 : part ? part.size : object.size;
        headers['content-length'] = length;
        if (range && !part) headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
        return {
          status: range ? 206 : 200,
          headers,
          body: length <= SEND_WHOLE_BYTES ? await collect(body) : body,
        };
      }
    },

    async deleteObject(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse> {
      const versionId = queryValue(req.query, 'versionId');
      const replicaOf = versionId === undefined ? req.headers[REPLICA_HEADER] : undefined;
      const ifMatch = req.headers['if-match'];
      await checkBypassApplies(req, storage, bucket);
      const done = await storage.deleteObject(bucket, key, versionId, {
        bypassGovernance: versionId !== undefined && (await bypassesGovernance(req, bucket, key)),
        origin: requestOrigin(req),
        ...(replicaOf !== undefined ? { replicaOf } : {}),
        ...(ifMatch !== undefined ? { ifMatch } : {}),
      });
      return {
        status: 204,
        headers: {
          ...versionHeader(done),
          ...(done.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
        },
      };
    },

    getObjectAttributes: (req, bucket, key) => getObjectAttributes(storage, req, bucket, key),
  };
}
