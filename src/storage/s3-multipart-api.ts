import { badRequest } from '../errors.js';
import { type ChecksumAlgorithm, checksumHeader } from '../lib/checksums.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import { uploadDigests } from './s3-digests.js';
import { declaredMetadata } from './s3-object-api.js';
import {
  listingEncoder,
  malformedXml as malformed,
  parseMaxKeys,
  readXmlBody,
  xmlResponse,
} from './s3-wire.js';
import type { StorageService } from './storage-service.js';

function uploadIdOf(req: ApiRequest): string {
  const uploadId = queryValue(req.query, 'uploadId');
  if (!uploadId)
    throw badRequest('InvalidArgument', 'uploadId must not be empty', { ArgumentName: 'uploadId' });
  return uploadId;
}

function integerParameter(req: ApiRequest, name: string, fallback: number): number {
  const value = queryValue(req.query, name);
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,10}$/.test(value))
    throw badRequest('InvalidArgument', `${name} must be a non-negative integer`, { ArgumentName: name });
  return Number(value);
}

/** S3 multipart uploads: create, upload parts, complete, abort, list parts and uploads. */
export function createS3MultipartApi(storage: StorageService) {
  const multipart = storage.multipart;
  return {
    async create(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse> {
      const uploadId = await multipart.createUpload(bucket, key, declaredMetadata(req));
      return xmlResponse('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId });
    },

    async uploadPart(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse> {
      const part = await multipart.uploadPart({
        uploadId: uploadIdOf(req),
        bucket,
        key,
        partNumber: integerParameter(req, 'partNumber', 0),
        body: req.body,
        digests: uploadDigests(req),
      });
      const headers: Record<string, string> = { etag: part.etag };
      if (part.checksum)
        headers[checksumHeader(part.checksum.algorithm as ChecksumAlgorithm)] = part.checksum.value;
      return { status: 200, headers };
    },

    async complete(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse> {
      const uploadId = uploadIdOf(req);
      const body = (await readXmlBody(req, ['Part']))?.CompleteMultipartUpload;
      if (typeof body !== 'object' || body === null) throw malformed();
      const parts = (body as { Part?: unknown }).Part;
      if (!Array.isArray(parts) || parts.length > 10_000) throw malformed();
      // A part's Checksum* elements repeat what its upload returned; the bytes were verified against that
      // checksum then, and the ETag (checked by complete) identifies the part.
      const listed = parts.map((part: unknown) => {
        const { PartNumber, ETag } = (part ?? {}) as { PartNumber?: unknown; ETag?: unknown };
        if (typeof PartNumber !== 'string' || !/^\d{1,5}$/.test(PartNumber) || typeof ETag !== 'string')
          throw malformed();
        return { partNumber: Number(PartNumber), etag: ETag };
      });
      const done = await multipart.complete(uploadId, bucket, key, listed);
      return xmlResponse('CompleteMultipartUploadResult', {
        Location: `/${bucket}/${key}`,
        Bucket: bucket,
        Key: key,
        ETag: done.etag,
      });
    },

    async abort(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse> {
      await multipart.abort(uploadIdOf(req), bucket, key);
      return { status: 204 };
    },

    async listParts(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse> {
      const uploadId = uploadIdOf(req);
      const marker = integerParameter(req, 'part-number-marker', 0);
      const max = Math.min(integerParameter(req, 'max-parts', 1000), 1000);
      const { parts, truncated } = await multipart.listParts(uploadId, bucket, key, marker, max);
      return xmlResponse('ListPartsResult', {
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumberMarker: marker,
        NextPartNumberMarker: parts.at(-1)?.part_number ?? marker,
        MaxParts: max,
        IsTruncated: truncated,
        StorageClass: 'STANDARD',
        Part: parts.map((p) => ({
          PartNumber: p.part_number,
          LastModified: new Date(p.last_modified),
          ETag: p.etag,
          Size: p.size,
        })),
      });
    },

    async listUploads(req: ApiRequest, bucket: string): Promise<ApiResponse> {
      const encode = listingEncoder(req);
      const prefix = queryValue(req.query, 'prefix') ?? '';
      const keyMarker = queryValue(req.query, 'key-marker') ?? '';
      const uploadIdMarker = queryValue(req.query, 'upload-id-marker') ?? '';
      const max = parseMaxKeys(queryValue(req.query, 'max-uploads'), 'max-uploads');
      const { uploads, truncated } = await multipart.listUploads(
        bucket,
        prefix,
        keyMarker,
        uploadIdMarker,
        max,
      );
      const last = uploads.at(-1);
      return xmlResponse('ListMultipartUploadsResult', {
        Bucket: bucket,
        KeyMarker: encode(keyMarker),
        UploadIdMarker: uploadIdMarker,
        NextKeyMarker: truncated && last ? encode(last.key) : undefined,
        NextUploadIdMarker: truncated && last ? last.upload_id : undefined,
        Prefix: encode(prefix),
        MaxUploads: max,
        IsTruncated: truncated,
        Upload: uploads.map((u) => ({
          Key: encode(u.key),
          UploadId: u.upload_id,
          StorageClass: 'STANDARD',
          Initiated: new Date(u.initiated_at),
        })),
      });
    },
  };
}
