import { badRequest } from '../errors.js';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  type ChecksumType,
  checksumHeader,
  isChecksumValue,
  parseChecksumAlgorithm,
} from '../lib/checksums.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import type { OperationRequest, Principal } from '../lib/operation.js';
import { readStoredAcl } from './acl.js';
import {
  type CompletionClaims,
  type ListedPart,
  type NamedChecksum,
  resolveUploadChecksum,
  type UploadChecksum,
  uploadChecksumOf,
} from './multipart-checksums.js';
import type { UploadInitiator, UploadSettings } from './multipart-service.js';
import type { UploadRow } from './multipart-store.js';
import { requestOrigin } from './notifications.js';
import { encryptionHeaders, encryptionRequestOf, keyAccessOf } from './object-encryption.js';
import { checkReplicaOf, REPLICA_HEADER, replicaLastModified } from './replication.js';
import { uploadDigests } from './s3-digests.js';
import { declaredMetadata, newObjectProtections, newTags } from './s3-object-api.js';
import {
  completedLocation,
  listingEncoder,
  malformedXml as malformed,
  notImplementedHeader,
  parseMaxKeys,
  readXmlBody,
  s3Time,
  versionHeader,
  xmlResponse,
} from './s3-wire.js';
import type { CompletedUpload, StorageService } from './storage-types.js';

/** S3's checksum algorithms that Seawall does not compute: asked for, they are refused as not implemented. */
const UNCOMPUTED_ALGORITHMS = new Set(['MD5', 'SHA512', 'XXHASH64', 'XXHASH3', 'XXHASH128']);

/** The Checksum<Algorithm> elements a completed part may carry, by S3's algorithm names. */
const PART_CHECKSUM_ALGORITHMS = [...CHECKSUM_ALGORITHMS, ...UNCOMPUTED_ALGORITHMS];

function checksumTypeOf(value: string): ChecksumType {
  const upper = value.toUpperCase();
  if (upper === 'COMPOSITE' || upper === 'FULL_OBJECT') return upper;
  throw badRequest('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
}

/** CreateMultipartUpload's `x-amz-checksum-algorithm` and `x-amz-checksum-type`. */
function requestedUploadChecksum(req: ApiRequest): UploadChecksum | undefined {
  const name = req.headers['x-amz-checksum-algorithm'] || undefined;
  const algorithm = name === undefined ? undefined : parseChecksumAlgorithm(name);
  if (name !== undefined && !algorithm) {
    if (UNCOMPUTED_ALGORITHMS.has(name.toUpperCase())) throw notImplementedHeader('x-amz-checksum-algorithm');
    throw badRequest(
      'InvalidRequest',
      'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH128, XXHASH3, XXHASH64]',
    );
  }
  const type = req.headers['x-amz-checksum-type'];
  return resolveUploadChecksum(algorithm, type ? checksumTypeOf(type) : undefined);
}

/**
 * CompleteMultipartUpload's `x-amz-checksum-type` and whole-object `x-amz-checksum-*` header: a base64 value,
 * for a composite checksum possibly with its `-<parts>` suffix.
 */
function completeChecksum(req: ApiRequest): CompletionClaims {
  const type = req.headers['x-amz-checksum-type'];
  const present = CHECKSUM_ALGORITHMS.filter((a) => req.headers[checksumHeader(a)] !== undefined);
  if (present.length > 1)
    throw badRequest(
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  const [algorithm] = present;
  const size = req.headers['x-amz-mp-object-size'];
  const result: CompletionClaims = {
    ...(type ? { type: checksumTypeOf(type) } : {}),
    ...(size !== undefined ? { size: Number(size.trim()) } : {}),
  };
  if (!algorithm) return result;
  const value = req.headers[checksumHeader(algorithm)] as string;
  if (!isChecksumValue(algorithm, value.replace(/-\d{1,5}$/, '')))
    throw badRequest('InvalidRequest', `Value for ${checksumHeader(algorithm)} header is invalid.`);
  return { ...result, object: { algorithm, value } };
}

/** The request without the whole-object checksum headers, which describe the object, not the XML document. */
function documentRequest(req: ApiRequest): ApiRequest {
  const objectChecksums = new Set<string>(CHECKSUM_ALGORITHMS.map(checksumHeader));
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([name]) => !objectChecksums.has(name)),
  );
  return { ...req, headers };
}

function listedPart(part: unknown): ListedPart {
  const fields = (part ?? {}) as Record<string, unknown>;
  const { PartNumber, ETag } = fields;
  if (typeof PartNumber !== 'string' || !/^\d{1,5}$/.test(PartNumber) || typeof ETag !== 'string')
    throw malformed();
  // S3's own check of a listed part number; one above 10000 is a part never uploaded (InvalidPart).
  if (Number(PartNumber) < 1) throw badRequest('InvalidArgument', 'PartNumber must be >= 1');
  const checksums: NamedChecksum[] = [];
  for (const algorithm of PART_CHECKSUM_ALGORITHMS) {
    const value = fields[`Checksum${algorithm}`];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw malformed();
    checksums.push({ algorithm, value });
  }
  return { partNumber: Number(PartNumber), etag: ETag, checksums };
}

/**
 * S3's Initiator of an upload: the account for its root (as Owner names it), else the IAM identity's ARN and
 * name (a role session's name for an assumed role).
 */
function initiatorOf(principal: Principal): UploadInitiator {
  if (principal.type === 'Root') return { ID: principal.accountId, DisplayName: principal.accountId };
  return {
    ID: principal.arn,
    DisplayName: principal.username ?? principal.arn.split('/').at(-1) ?? principal.arn,
  };
}

/** Who created the upload and whose its object will be (the bucket owner's: ACLs are disabled). */
function peopleOf(upload: UploadRow, owner: string) {
  const Owner = { ID: owner, DisplayName: owner };
  const stored = upload.initiator ? (JSON.parse(upload.initiator) as UploadInitiator) : Owner;
  const Initiator = { ID: stored.ID, DisplayName: stored.DisplayName };
  return { Initiator, Owner };
}

/** ChecksumAlgorithm and ChecksumType, where the upload was created with them (ListParts, ListMultipartUploads). */
function uploadChecksumFields(upload: UploadRow) {
  const checksum = uploadChecksumOf(upload);
  return checksum ? { ChecksumAlgorithm: checksum.algorithm, ChecksumType: checksum.type } : {};
}

export function uploadIdOf(req: ApiRequest): string {
  const uploadId = queryValue(req.query, 'uploadId');
  if (!uploadId)
    throw badRequest('InvalidArgument', 'uploadId must not be empty', { ArgumentName: 'uploadId' });
  return uploadId;
}

/** A non-negative integer query parameter (S3's range: 0 to 2147483647). */
export function integerParameter(req: ApiRequest, name: string, fallback: number): number {
  const value = queryValue(req.query, name);
  if (value === undefined || value === '') return fallback;
  const number = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number <= 2147483647))
    throw badRequest('InvalidArgument', `Argument ${name} must be an integer between 0 and 2147483647`, {
      ArgumentName: name,
      ArgumentValue: value.slice(0, 64),
    });
  return number;
}

/** Handlers of the multipart upload operations. */
export interface S3MultipartApi {
  create(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  uploadPart(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  complete(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
  abort(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
  listParts(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
  listUploads(req: ApiRequest, bucket: string): Promise<ApiResponse>;
}

/** Who will own the upload's object: the owner its ACL names, else the bucket's (see acl-rules.ts). */
async function uploadOwner(storage: StorageService, bucket: string, settings: string): Promise<string> {
  const bucketOwner = (await storage.headBucket(bucket)).account_id;
  const { acl } = JSON.parse(settings) as UploadSettings;
  return readStoredAcl(acl, bucketOwner).owner;
}

/** The class the object an upload makes will have. */
function uploadStorageClass(settings: string): string {
  return (JSON.parse(settings) as UploadSettings).storageClass ?? 'STANDARD';
}

/** The headers of a completion's answer: offered before the parts are joined, then answered. */
function completionHeaders(done: Pick<CompletedUpload, 'versionId' | 'encryption'>): Record<string, string> {
  return {
    ...versionHeader(done),
    // S3's answer to a completion names SSE-S3 and SSE-KMS, not SSE-C.
    ...(done.encryption?.customerKeyMd5 === undefined ? encryptionHeaders(done.encryption) : {}),
  };
}

/** S3 multipart uploads: create, upload parts, complete, abort, list parts and uploads. */
export function createS3MultipartApi(storage: StorageService): S3MultipartApi {
  const multipart = storage.multipart;
  return {
    async create(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse> {
      const checksum = requestedUploadChecksum(req);
      const replicaOf = req.headers[REPLICA_HEADER];
      // Judged before any part is sent, not at the completion.
      if (replicaOf !== undefined) checkReplicaOf(replicaOf);
      const modified = replicaLastModified(req, storage.clock.now().getTime());
      const settings = {
        ...declaredMetadata(req),
        ...newTags(req),
        ...(await newObjectProtections(storage, req, bucket)),
        // A replica too large for one PUT (replication.ts): its completion keeps the source's version id.
        ...(replicaOf !== undefined ? { replicaOf } : {}),
        ...(modified !== undefined ? { replicaLastModified: modified } : {}),
      };
      const request = encryptionRequestOf(req);
      const { uploadId, encryption, initiated } = await multipart.createUpload(
        bucket,
        key,
        settings,
        checksum,
        initiatorOf(req.principal),
        { ...(request ? { request } : {}), keyAccess: keyAccessOf(req) },
      );
      const headers: Record<string, string> = {
        ...(checksum
          ? { 'x-amz-checksum-algorithm': checksum.algorithm, 'x-amz-checksum-type': checksum.type }
          : {}),
        ...encryptionHeaders(encryption, { context: true }),
        ...(await storage.lifecycle.abortHeaders(bucket, key, initiated)),
      };
      return xmlResponse(
        'InitiateMultipartUploadResult',
        { Bucket: bucket, Key: key, UploadId: uploadId },
        200,
        headers,
      );
    },

    async uploadPart(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse> {
      const part = await multipart.uploadPart({
        uploadId: uploadIdOf(req),
        bucket,
        key,
        // Anything but a number is out of S3's range of part numbers, which the service refuses.
        partNumber: Number(/^\d{1,10}$/.exec(queryValue(req.query, 'partNumber') ?? '')?.[0] ?? Number.NaN),
        body: req.body,
        digests: uploadDigests(req),
        keyAccess: keyAccessOf(req),
      });
      const headers: Record<string, string> = { etag: part.etag, ...encryptionHeaders(part.encryption) };
      if (part.checksum)
        headers[checksumHeader(part.checksum.algorithm as ChecksumAlgorithm)] = part.checksum.value;
      return { status: 200, headers };
    },

    async complete(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse> {
      const uploadId = uploadIdOf(req);
      const sent = completeChecksum(req);
      const body = (await readXmlBody(documentRequest(req), ['Part']))?.CompleteMultipartUpload;
      if (typeof body !== 'object' || body === null) throw malformed();
      const parts = (body as { Part?: unknown }).Part;
      if (!Array.isArray(parts) || parts.length > 10_000) throw malformed();
      const ifMatch = req.headers['if-match'];
      const ifNoneMatch = req.headers['if-none-match'];
      const done = await multipart.complete(
        uploadId,
        bucket,
        key,
        parts.map(listedPart),
        sent,
        {
          key,
          ...(ifMatch !== undefined ? { ifMatch } : {}),
          ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
        },
        requestOrigin(req),
        keyAccessOf(req),
        req.slowAnswer && {
          joining: (answer) => req.slowAnswer?.offer(completionHeaders(answer)),
          bound: () => req.slowAnswer?.settle() ?? false,
        },
      );
      return xmlResponse(
        'CompleteMultipartUploadResult',
        {
          Location: completedLocation(req, bucket, key),
          Bucket: bucket,
          Key: key,
          ETag: done.etag,
          ...(done.checksum
            ? {
                [`Checksum${done.checksum.algorithm}`]: done.checksum.value,
                ChecksumType: done.checksum.type,
              }
            : {}),
        },
        200,
        completionHeaders(done),
      );
    },

    async abort(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse> {
      await multipart.abort(uploadIdOf(req), bucket, key);
      return { status: 204 };
    },

    async listParts(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse> {
      const uploadId = uploadIdOf(req);
      const marker = integerParameter(req, 'part-number-marker', 0);
      const max = Math.min(integerParameter(req, 'max-parts', 1000), 1000);
      const { upload, parts, truncated } = await multipart.listParts(uploadId, bucket, key, marker, max);
      const checksum = uploadChecksumOf(upload);
      const owner = await uploadOwner(storage, bucket, upload.settings);
      const abort = await storage.lifecycle.abortHeaders(bucket, key, upload.initiated_at);
      return xmlResponse(
        'ListPartsResult',
        {
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumberMarker: marker,
          // S3 answers 0 when no part follows the marker, not the marker itself.
          NextPartNumberMarker: parts.at(-1)?.part_number ?? 0,
          MaxParts: max,
          IsTruncated: truncated,
          // The owner the object will have: the bucket's, or the writer's where ACLs keep object writers.
          ...peopleOf(upload, owner),
          StorageClass: uploadStorageClass(upload.settings),
          ...uploadChecksumFields(upload),
          Part: parts.map((p) => ({
            PartNumber: p.part_number,
            LastModified: s3Time(p.last_modified),
            ETag: p.etag,
            Size: p.size,
            // Only an upload created with an algorithm lists its parts' checksums (all of that algorithm).
            ...(checksum && p.checksum_value ? { [`Checksum${checksum.algorithm}`]: p.checksum_value } : {}),
          })),
        },
        200,
        abort,
      );
    },

    async listUploads(req: ApiRequest, bucket: string): Promise<ApiResponse> {
      const encode = listingEncoder(req);
      const prefix = queryValue(req.query, 'prefix') ?? '';
      const delimiter = queryValue(req.query, 'delimiter') ?? '';
      const keyMarker = queryValue(req.query, 'key-marker') ?? '';
      const uploadIdMarker = queryValue(req.query, 'upload-id-marker') ?? '';
      const max = parseMaxKeys(queryValue(req.query, 'max-uploads'), 'uploads');
      const page = await multipart.listUploads(bucket, { prefix, delimiter, keyMarker, uploadIdMarker, max });
      const owner = (await storage.headBucket(bucket)).account_id;
      // S3 always names the next markers: where the page was cut, else its last upload (empty without one).
      const lastUpload = page.uploads.at(-1);
      const next = page.next ?? {
        keyMarker: lastUpload?.key ?? '',
        uploadIdMarker: lastUpload?.upload_id ?? '',
      };
      return xmlResponse('ListMultipartUploadsResult', {
        Bucket: bucket,
        KeyMarker: encode(keyMarker),
        UploadIdMarker: uploadIdMarker,
        NextKeyMarker: encode(next.keyMarker),
        NextUploadIdMarker: next.uploadIdMarker,
        Delimiter: delimiter === '' ? undefined : encode(delimiter),
        // No Prefix element where the request named none, as S3 answers.
        Prefix: queryValue(req.query, 'prefix') === undefined ? undefined : encode(prefix),
        MaxUploads: max,
        EncodingType: queryValue(req.query, 'encoding-type'),
        IsTruncated: page.truncated,
        Upload: page.uploads.map((u) => ({
          Key: encode(u.key),
          UploadId: u.upload_id,
          ...peopleOf(u, owner),
          StorageClass: uploadStorageClass(u.settings),
          Initiated: s3Time(u.initiated_at),
          ...uploadChecksumFields(u),
        })),
        CommonPrefixes: page.prefixes.map((p) => ({ Prefix: encode(p) })),
      });
    },
  };
}
