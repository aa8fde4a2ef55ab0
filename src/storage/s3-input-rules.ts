import { AppError, badRequest } from '../errors.js';
import { parseBucketEncryption } from './object-encryption.js';
import { lockOfHeaders } from './object-lock.js';
import type { InputContext, InputRule } from './s3-operations.js';
import { notImplementedHeader } from './s3-wire.js';
import { parseTaggingHeader } from './tagging.js';
import { checkVersionId } from './versioning.js';

/**
 * The rules of the inputs S3 operations understand: each accepts the values Seawall honours and refuses the
 * rest with the error AWS gives for them. Seawall's buckets are what a new S3 bucket is by default: Object
 * Ownership BucketOwnerEnforced unless asked otherwise, SSE-C blocked, unversioned, Object Lock only where asked
 * for; ACLs are judged in acl-rules.ts.
 */

function bucketOf(context: InputContext): string {
  if (context.bucket === undefined) throw new Error('an input rule that needs a bucket ran without one');
  return context.bucket;
}

/** `x-amz-expected-bucket-owner`: the bucket must belong to that account, else 403 AccessDenied. */
export const expectedBucketOwner: InputRule = async (value, context) => {
  const bucket = await context.storage.headBucket(bucketOf(context));
  if (bucket.account_id !== value) throw new AppError('AccessDenied', 403, 'Access Denied');
};

/** A header whose only value Seawall honours is the default one; any other asks for the unimplemented. */
export const onlyValue =
  (header: string, accepted: (value: string) => boolean): InputRule =>
  (value) => {
    if (!accepted(value)) throw notImplementedHeader(header);
  };

/** S3's answer to Object Lock headers on a write into a bucket without Object Lock. */
async function requireObjectLock(context: InputContext): Promise<void> {
  if (!(await context.storage.getObjectLock(bucketOf(context))))
    throw badRequest('InvalidRequest', 'Bucket is missing ObjectLockConfiguration');
}

/**
 * Object Lock headers on a write (mode, retain-until date, legal hold): the bucket must have Object Lock, and
 * the values must be what S3 takes (the handler reads them with the same function).
 */
export const objectLockHeader: InputRule = async (_value, context) => {
  await requireObjectLock(context);
  lockOfHeaders(context.req.headers, Date.now());
};

/** Event holds are not an Object Lock feature Seawall implements. */
export const eventHoldNotImplemented =
  (header: string): InputRule =>
  async (_value, context) => {
    await requireObjectLock(context);
    throw notImplementedHeader(header);
  };

/** `x-amz-bucket-object-lock-enabled` on CreateBucket: `true` or `false`. */
export const objectLockEnabled: InputRule = (value) => {
  if (!/^(true|false)$/i.test(value))
    throw badRequest('InvalidArgument', 'Invalid x-amz-bucket-object-lock-enabled header value', {
      ArgumentName: 'x-amz-bucket-object-lock-enabled',
      ArgumentValue: value.slice(0, 64),
    });
};

/** S3's storage classes (the StorageClass enum of the S3 model). */
export const S3_STORAGE_CLASSES: ReadonlySet<string> = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'GLACIER_IR',
  'SNOW',
  'EXPRESS_ONEZONE',
  'FSX_OPENZFS',
  'FSX_ONTAP',
  'AWS_BACKUP_WARM',
  'AWS_BACKUP_LOW_COST_WARM',
]);

/**
 * `x-amz-storage-class` on a write: STANDARD, or the class the cold tier stands for where one is configured
 * (the bytes then go there); other classes are not implemented.
 */
export const writableStorageClass: InputRule = (value, context) => {
  if (value === 'STANDARD' || value === context.storage.coldStorageClass) return;
  if (S3_STORAGE_CLASSES.has(value)) throw notImplementedHeader('x-amz-storage-class');
  throw badRequest('InvalidStorageClass', 'The storage class you specified is not valid', {
    StorageClassRequested: value.slice(0, 64),
  });
};

/**
 * SSE-C on a write. New S3 buckets block SSE-C (since April 2026), and so do Seawall's until their encryption
 * configuration unblocks it (BlockedEncryptionTypes NONE): 403 AccessDenied with the message S3 gives. The key
 * is never echoed.
 */
export const sseCustomerBlocked: InputRule = async (_value, context) => {
  const bucket = bucketOf(context);
  const { region } = await context.storage.headBucket(bucket);
  const config = parseBucketEncryption(await context.storage.settings.get(bucket, 'encryption'), region);
  if (!config.blockSseC) return;
  const resource = `arn:aws:s3:::${bucket}${context.key === undefined ? '' : `/${context.key}`}`;
  const { principal } = context.req;
  // The context is for callers of the account; an anonymous one is told only Access Denied (authorizer.ts).
  throw new AppError(
    'AccessDenied',
    403,
    principal.type === 'Anonymous'
      ? 'Access Denied'
      : `User: ${principal.arn} is not authorized to perform: s3:PutObject on resource: "${resource}" because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). Please specify a different server-side encryption type`,
  );
};

/** SSE-S3/SSE-KMS headers where S3 takes none (reads, parts): the encryption is fixed when the object is made. */
export const sseNotForOperation =
  (header: string): InputRule =>
  (value) => {
    throw badRequest('InvalidArgument', `${header} header is not supported for this operation.`, {
      ArgumentName: header,
      ArgumentValue: value.slice(0, 64),
    });
  };

/**
 * GET's and HEAD's `response-*` overrides: S3 honours them only on a signed request (a presigned URL is one), so
 * that nobody can make a public object answer with a content type of their choosing.
 */
export const signedRequestOnly: InputRule = (_value, { req }) => {
  if (req.principal.type !== 'Anonymous') return;
  throw badRequest(
    'InvalidRequest',
    'Request specific response headers cannot be used for anonymous GET requests.',
  );
};

/** `versionId`: "null" or a version id Seawall could have made (see versioning.ts). */
export const validVersionId: InputRule = (value) => {
  checkVersionId(value.slice(0, 1024));
};

/** `versionId` on UploadPart: a part belongs to no version yet, so S3 refuses any, even a real one. */
export const versionIdRefused: InputRule = (value) => {
  throw badRequest('InvalidArgument', 'This operation does not accept a version-id.', {
    ArgumentName: 'versionId',
    ArgumentValue: value.slice(0, 1024),
  });
};

/** `x-amz-mp-object-size` on CompleteMultipartUpload: a whole number of bytes, as S3 words its refusals. */
export const objectSizeHeader: InputRule = (value) => {
  const text = value.trim();
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw badRequest(
      'InvalidRequest',
      `Value for x-amz-mp-object-size header is invalid: '${value.slice(0, 64)}'`,
    );
  if (Number(text) < 0)
    throw badRequest('InvalidRequest', `Value for x-amz-mp-object-size header is less than zero: '${text}'`);
};

/** `If-None-Match` on a write: S3 implements only `*` (create only if absent). */
export const ifNoneMatchStar: InputRule = (value) => {
  if (value.trim() !== '*') throw notImplementedHeader('if-none-match');
};

/** `x-amz-tagging` on a new object: a tag set S3 accepts (see tagging.ts). */
export const taggingHeader: InputRule = (value) => {
  parseTaggingHeader(value);
};

/** `x-amz-source-expected-bucket-owner`: the copy source's bucket must belong to that account (403 otherwise). */
export const sourceBucketOwner =
  (sourceBucket: (context: InputContext) => string): InputRule =>
  async (value, context) => {
    const bucket = await context.storage.headBucket(sourceBucket(context));
    if (bucket.account_id !== value) throw new AppError('AccessDenied', 403, 'Access Denied');
  };
