import { AppError, badRequest } from '../errors.js';
import { lockOfHeaders } from './object-lock.js';
import type { InputContext, InputRule } from './s3-operations.js';
import { notImplementedHeader } from './s3-wire.js';
import { parseTaggingHeader } from './tagging.js';
import { checkVersionId } from './versioning.js';

/**
 * The rules of the inputs S3 operations understand: each accepts the values Seawall honours and refuses the
 * rest with the error AWS gives for them. Seawall's buckets are what a new S3 bucket is by default: Object
 * Ownership BucketOwnerEnforced (ACLs disabled), SSE-C blocked, unversioned, Object Lock only where asked for.
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

const GRANT_HEADERS = [
  'x-amz-grant-full-control',
  'x-amz-grant-read',
  'x-amz-grant-read-acp',
  'x-amz-grant-write',
  'x-amz-grant-write-acp',
];

function grantsIn(context: InputContext): string[] {
  return GRANT_HEADERS.filter((name) => context.req.headers[name] !== undefined);
}

/** A grant list that names exactly one grantee, by canonical id (`id="…"`), and that id is `owner`. */
function grantsOnlyTo(value: string, owner: string): boolean {
  const match = /^\s*id\s*=\s*"?([^",\s]+)"?\s*$/i.exec(value);
  return match?.[1] === owner;
}

function bothAclForms(): AppError {
  return badRequest('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
}

function aclsNotSupported(): AppError {
  return badRequest('AccessControlListNotSupported', 'The bucket does not allow ACLs');
}

/** The canned ACLs that grant everyone, or every AWS account, access: what BlockPublicAcls refuses. */
const PUBLIC_CANNED_ACLS: ReadonlySet<string> = new Set([
  'public-read',
  'public-read-write',
  'authenticated-read',
]);

/** S3's answer to a public ACL where BlockPublicAcls (the bucket's or its account's) is set. */
function publicAclBlocked(): AppError {
  return new AppError('AccessDenied', 403, 'Access Denied');
}

/**
 * `x-amz-acl` on an object write. With ACLs disabled S3 takes only bucket-owner-full-control (or no ACL) and
 * answers anything else with AccessControlListNotSupported, or AccessDenied for a public one under
 * BlockPublicAcls.
 */
export const objectCannedAcl: InputRule = async (value, context) => {
  if (grantsIn(context).length > 0) throw bothAclForms();
  if (PUBLIC_CANNED_ACLS.has(value)) {
    const access = await context.storage.bucketAccess(bucketOf(context));
    if (access?.publicAccessBlock?.blockPublicAcls) throw publicAclBlocked();
  }
  if (value !== 'bucket-owner-full-control') throw aclsNotSupported();
};

/** `x-amz-grant-*` on an object write: only full control for the bucket owner, the equivalent of the above. */
export const objectGrant =
  (header: string): InputRule =>
  async (value, context) => {
    if (context.req.headers['x-amz-acl'] !== undefined) throw bothAclForms();
    const bucket = await context.storage.headBucket(bucketOf(context));
    if (header !== 'x-amz-grant-full-control' || !grantsOnlyTo(value, bucket.account_id))
      throw aclsNotSupported();
  };

function bucketAclRefused(): AppError {
  return badRequest(
    'InvalidBucketAclWithObjectOwnership',
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
  );
}

/**
 * `x-amz-acl` on CreateBucket: a BucketOwnerEnforced bucket may only be private; a public ACL is AccessDenied
 * under the account's BlockPublicAcls.
 */
export const bucketCannedAcl: InputRule = async (value, context) => {
  if (grantsIn(context).length > 0) throw bothAclForms();
  if (PUBLIC_CANNED_ACLS.has(value)) {
    const block = await context.storage.accounts.getPublicAccessBlock(context.req.principal.accountId);
    if (block?.blockPublicAcls) throw publicAclBlocked();
  }
  if (value !== 'private') throw bucketAclRefused();
};

/** `x-amz-grant-*` on CreateBucket: only full control for the creator, which private already means. */
export const bucketGrant =
  (header: string): InputRule =>
  (value, context) => {
    if (context.req.headers['x-amz-acl'] !== undefined) throw bothAclForms();
    if (header !== 'x-amz-grant-full-control' || !grantsOnlyTo(value, context.req.principal.accountId))
      throw bucketAclRefused();
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
const STORAGE_CLASSES = new Set([
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

/** `x-amz-storage-class`: STANDARD is what Seawall stores; other classes are not implemented. */
export const standardStorageClass: InputRule = (value) => {
  if (value === 'STANDARD') return;
  if (STORAGE_CLASSES.has(value)) throw notImplementedHeader('x-amz-storage-class');
  throw badRequest('InvalidStorageClass', 'The storage class you specified is not valid', {
    StorageClassRequested: value.slice(0, 64),
  });
};

/**
 * SSE-C on a write. New S3 buckets block SSE-C (since April 2026), and so do Seawall's: 403 AccessDenied with
 * the message S3 gives. The key is never echoed.
 */
export const sseCustomerBlocked: InputRule = async (_value, context) => {
  await context.storage.headBucket(bucketOf(context));
  const resource = `arn:aws:s3:::${bucketOf(context)}${context.key === undefined ? '' : `/${context.key}`}`;
  throw new AppError(
    'AccessDenied',
    403,
    `User: ${context.req.principal.arn} is not authorized to perform: s3:PutObject on resource: "${resource}" because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). Please specify a different server-side encryption type`,
  );
};

/** SSE-C on a read: no Seawall object is stored with SSE-C, so the parameters never apply (once it exists). */
export const sseCustomerNotApplicable: InputRule = async (_value, context) => {
  if (context.key === undefined) throw new Error('an object rule ran without a key');
  await context.storage.headObject(bucketOf(context), context.key);
  throw badRequest('InvalidRequest', 'The encryption parameters are not applicable to this object.');
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

/** `versionId`: "null" or a version id Seawall could have made (see versioning.ts). */
export const validVersionId: InputRule = (value) => {
  if (value === '')
    throw badRequest('InvalidArgument', 'Version id cannot be the empty string', {
      ArgumentName: 'versionId',
      ArgumentValue: value,
    });
  checkVersionId(value.slice(0, 1024));
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
