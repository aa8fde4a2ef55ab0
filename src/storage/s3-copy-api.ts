import { AppError, badRequest, isAppError } from '../errors.js';
import { type ChecksumAlgorithm, parseChecksumAlgorithm } from '../lib/checksums.js';
import type { ApiResponse } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { requestOrigin } from './notifications.js';
import { encryptionHeaders, encryptionRequestOf, keyAccessOf } from './object-encryption.js';
import { judgeReadPreconditions } from './read-preconditions.js';
import { s3Arn } from './s3-arn.js';
import { MAX_PUT_BYTES } from './s3-digests.js';
import { integerParameter, uploadIdOf } from './s3-multipart-api.js';
import { declaredMetadata, newObjectProtections, newTags } from './s3-object-api.js';
import { notImplementedHeader, s3Time, versionHeader, xmlResponse } from './s3-wire.js';
import type { ByteRange, OpenedObject, StorageService, StoredObject } from './storage-types.js';
import { existingTagConditions, requestTagConditions, type Tag, tagsOf } from './tagging.js';
import { checkVersionId, isVersionIdForm } from './versioning.js';

/** The operations that read a copy source. */
export type CopyOperation = 'CopyObject' | 'UploadPartCopy';

/** The object a copy reads: `x-amz-copy-source`, decoded. */
export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

function invalidCopySource(message: string): AppError {
  return badRequest('InvalidArgument', message, { ArgumentName: 'x-amz-copy-source' });
}

/**
 * Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=id]`, the bucket and key URL-encoded. Anything else
 * is InvalidArgument naming the header, as S3 answers; but CopyObject answers a malformed (not empty) version
 * id with a bare InvalidRequest, as recorded from S3, where UploadPartCopy names it.
 */
export function parseCopySource(value: string, operation: CopyOperation): CopySource {
  const trimmed = value.startsWith('/') ? value.slice(1) : value;
  const question = trimmed.indexOf('?');
  const path = question < 0 ? trimmed : trimmed.slice(0, question);
  let versionId: string | undefined;
  if (question >= 0) {
    const query = trimmed.slice(question + 1);
    if (!query.startsWith('versionId=')) throw invalidCopySource('Unsupported copy source parameter.');
    versionId = decodeCopySource(query.slice('versionId='.length));
    if (operation === 'CopyObject' && versionId !== '' && !isVersionIdForm(versionId))
      throw badRequest('InvalidRequest', 'Invalid Request');
    checkVersionId(versionId, 'x-amz-copy-source');
  }
  const decoded = decodeCopySource(path);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1)
    throw invalidCopySource('Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  return {
    bucket: decoded.slice(0, slash),
    key: decoded.slice(slash + 1),
    ...(versionId !== undefined ? { versionId } : {}),
  };
}

function decodeCopySource(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidCopySource('Invalid copy source encoding.');
  }
}

/**
 * The x-amz-copy-source-if-* conditions, judged as S3 judges GET's but failing with 412 in every case, naming
 * the header that failed.
 */
function checkCopyConditions(req: OperationRequest, object: StoredObject, now: Date): void {
  const header = (name: string) => req.headers[`x-amz-copy-source-${name}`];
  const failed = judgeReadPreconditions(
    {
      ifMatch: header('if-match'),
      ifNoneMatch: header('if-none-match'),
      ifModifiedSince: header('if-modified-since'),
      ifUnmodifiedSince: header('if-unmodified-since'),
    },
    object,
    now,
  );
  if (failed)
    throw new AppError(
      'PreconditionFailed',
      412,
      'At least one of the pre-conditions you specified did not hold',
      { fields: { Condition: `x-amz-copy-source-${failed.condition}` } },
    );
}

function tooLargeSource(): AppError {
  return badRequest(
    'InvalidRequest',
    `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_PUT_BYTES}`,
  );
}

/**
 * Opens the source of a copy once the caller is authorized to read it (s3:GetObject, or s3:GetObjectVersion
 * for a version), its conditions checked by `check`; a delete marker named by version id is InvalidRequest.
 */
async function openSource(
  req: OperationRequest,
  storage: StorageService,
  source: CopySource,
  check: (object: StoredObject) => ByteRange | undefined,
): Promise<OpenedObject> {
  await req.authorize({
    action: source.versionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion',
    resources: [s3Arn(source.bucket, source.key)],
  });
  try {
    return await storage.openObject(
      source.bucket,
      source.key,
      check,
      source.versionId,
      keyAccessOf(req, true),
    );
  } catch (error) {
    if (isAppError(error) && error.code === 'MethodNotAllowed')
      throw badRequest(
        'InvalidRequest',
        'The source of a copy request may not specifically refer to a delete marker by version id.',
      );
    throw error;
  }
}

/**
 * A copy that carries its source's tags (TaggingDirective COPY, the default) reads them and sets them: S3 asks
 * for s3:GetObjectTagging on the source (s3:GetObjectVersionTagging for a version named, as GetObjectTagging
 * itself would) and s3:PutObjectTagging on the destination, whose policy sees them as s3:RequestObjectTag/<key>.
 * A source without tags needs neither.
 */
async function authorizeTagCopy(
  req: OperationRequest,
  source: CopySource,
  bucket: string,
  key: string,
  tags: readonly Tag[],
): Promise<void> {
  if (tags.length === 0) return;
  await req.authorize({
    action: source.versionId === undefined ? 's3:GetObjectTagging' : 's3:GetObjectVersionTagging',
    resources: [s3Arn(source.bucket, source.key)],
    conditions: {
      ...existingTagConditions(tags),
      ...(source.versionId !== undefined ? { 's3:versionid': source.versionId } : {}),
    },
  });
  await req.authorize({
    action: 's3:PutObjectTagging',
    resources: [s3Arn(bucket, key)],
    conditions: requestTagConditions(() => tags),
  });
}

function directive(req: OperationRequest, name: 'metadata' | 'tagging'): 'COPY' | 'REPLACE' {
  const value = req.headers[`x-amz-${name}-directive`] ?? 'COPY';
  if (value !== 'COPY' && value !== 'REPLACE')
    throw badRequest('InvalidArgument', `Unknown ${name} directive.`, {
      ArgumentName: `x-amz-${name}-directive`,
      ArgumentValue: value.slice(0, 64),
    });
  return value;
}

/** What S3 accepts as changing an object copied onto itself: new metadata, storage class or encryption. */
function changesObject(req: OperationRequest, metadata: 'COPY' | 'REPLACE'): boolean {
  return (
    metadata === 'REPLACE' ||
    req.headers['x-amz-storage-class'] !== undefined ||
    req.headers['x-amz-website-redirect-location'] !== undefined ||
    req.headers['x-amz-server-side-encryption'] !== undefined ||
    // A new SSE-C key: how S3 users change an object's customer key.
    req.headers['x-amz-server-side-encryption-customer-algorithm'] !== undefined
  );
}

function selfCopy(): AppError {
  return badRequest(
    'InvalidRequest',
    "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
  );
}

function copyChecksumAlgorithm(req: OperationRequest, source: StoredObject): ChecksumAlgorithm | undefined {
  const asked = req.headers['x-amz-checksum-algorithm'];
  if (asked !== undefined) {
    const algorithm = parseChecksumAlgorithm(asked);
    if (!algorithm) throw notImplementedHeader('x-amz-checksum-algorithm');
    return algorithm;
  }
  return source.checksum ? parseChecksumAlgorithm(source.checksum.algorithm) : undefined;
}

/** S3's CopyObjectResult/CopyPartResult element of a checksum: ChecksumCRC32, ChecksumSHA256… */
function checksumFields(checksum: { algorithm: string; value: string } | undefined): Record<string, string> {
  return checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value } : {};
}

/** Handlers of CopyObject and UploadPartCopy. */
export interface S3CopyApi {
  copyObject(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  uploadPartCopy(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
}

/**
 * CopyObject and UploadPartCopy: the source's bytes stream from its blob into a new one, committed as PutObject
 * and UploadPart commit theirs.
 */
export function createS3CopyApi(storage: StorageService): S3CopyApi {
  return {
    async copyObject(req, bucket, key) {
      const source = parseCopySource(req.headers['x-amz-copy-source'] ?? '', 'CopyObject');
      const metadata = directive(req, 'metadata');
      const tagging = directive(req, 'tagging');
      // Checked before the source is read, as S3 refuses a bad tag set first.
      const replacedTags = tagging === 'REPLACE' ? (newTags(req).tags ?? null) : null;
      const ontoItself = source.bucket === bucket && source.key === key && !changesObject(req, metadata);
      // A version named is a copy onto itself only when it is the current one (else the copy restores it).
      const current =
        ontoItself && source.versionId !== undefined
          ? await storage.headObject(bucket, key).catch(() => undefined)
          : undefined;
      // Retention, legal hold and ACL are the new object's own, never copied: what the request asks for.
      const protections = await newObjectProtections(storage, req, bucket);
      let algorithm: ChecksumAlgorithm | undefined;
      const opened = await openSource(req, storage, source, (object) => {
        checkCopyConditions(req, object, storage.clock.now());
        if (object.size > MAX_PUT_BYTES) throw tooLargeSource();
        const isCurrent =
          source.versionId === undefined || source.versionId === (current?.versionId ?? 'null');
        if (ontoItself && isCurrent) throw selfCopy();
        algorithm = copyChecksumAlgorithm(req, object);
        return undefined;
      });
      const { object } = opened;
      try {
        if (tagging === 'COPY') await authorizeTagCopy(req, source, bucket, key, tagsOf(object.tags));
        // The copy is encrypted as the request asks, else by the destination bucket's default: never as the
        // source was.
        const encryption = encryptionRequestOf(req);
        const ifMatch = req.headers['if-match'];
        const ifNoneMatch = req.headers['if-none-match'];
        const stored = await storage.putObject({
          ...(encryption ? { encryption } : {}),
          ...(ifNoneMatch ? { ifNoneMatch } : {}),
          ...(ifMatch !== undefined ? { ifMatch } : {}),
          keyAccess: keyAccessOf(req),
          ...protections,
          bucket,
          key,
          body: opened.body,
          storedBytes: true,
          how: 'Copy',
          origin: requestOrigin(req),
          ...(metadata === 'COPY'
            ? { contentType: object.contentType, userMetadata: object.userMetadata, headers: object.headers }
            : declaredMetadata(req)),
          ...(algorithm ? { checksum: { algorithm } } : {}),
          tags: tagging === 'COPY' ? (object.tags ?? null) : replacedTags,
        });
        const headers: Record<string, string> = {
          ...versionHeader(stored),
          ...encryptionHeaders(stored.encryption, { context: true }),
        };
        if (object.versionId !== undefined) headers['x-amz-copy-source-version-id'] = object.versionId;
        return xmlResponse(
          'CopyObjectResult',
          {
            ETag: stored.etag,
            LastModified: s3Time(stored.lastModified),
            ...(stored.checksum ? { ChecksumType: 'FULL_OBJECT' } : {}),
            ...checksumFields(stored.checksum),
          },
          200,
          headers,
        );
      } finally {
        opened.body.destroy();
      }
    },

    async uploadPartCopy(req, bucket, key) {
      const source = parseCopySource(req.headers['x-amz-copy-source'] ?? '', 'UploadPartCopy');
      const uploadId = uploadIdOf(req);
      const partNumber = integerParameter(req, 'partNumber', 0);
      const rangeHeader = req.headers['x-amz-copy-source-range'];
      const opened = await openSource(req, storage, source, (object) => {
        checkCopyConditions(req, object, storage.clock.now());
        const range = rangeHeader === undefined ? undefined : copyRange(rangeHeader, object.size);
        if (!range && object.size > MAX_PUT_BYTES) throw tooLargeSource();
        return range;
      });
      try {
        const part = await storage.multipart.uploadPart({
          uploadId,
          bucket,
          key,
          partNumber,
          body: opened.body,
          digests: {},
          copied: true,
          keyAccess: keyAccessOf(req),
        });
        const headers: Record<string, string> = encryptionHeaders(part.encryption);
        if (opened.object.versionId !== undefined)
          headers['x-amz-copy-source-version-id'] = opened.object.versionId;
        return xmlResponse(
          'CopyPartResult',
          { ETag: part.etag, LastModified: s3Time(storage.clock.now()), ...checksumFields(part.checksum) },
          200,
          headers,
        );
      } finally {
        opened.body.destroy();
      }
    },
  };
}

/**
 * `x-amz-copy-source-range`: exactly `bytes=first-last`, within the source (InvalidArgument otherwise) and at
 * most 5 GiB, a part's limit.
 */
export function copyRange(header: string, size: number): ByteRange {
  const match = /^bytes=(\d{1,16})-(\d{1,16})$/.exec(header);
  const form = () =>
    badRequest(
      'InvalidArgument',
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header.slice(0, 64) },
    );
  if (!match) throw form();
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw form();
  // Not GET's 416: S3 answers a copied range past the source as a bad argument, naming the source's size.
  if (end >= size)
    throw badRequest('InvalidArgument', `Range specified is not valid for source object of size: ${size}`, {
      ArgumentName: 'x-amz-copy-source-range',
      ArgumentValue: header.slice(0, 64),
    });
  if (end - start + 1 > MAX_PUT_BYTES)
    throw badRequest('InvalidArgument', 'Part size must not exceed 5 GiB', {
      ArgumentName: 'x-amz-copy-source-range',
    });
  return { start, end };
}
