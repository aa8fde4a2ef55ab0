import { AppError, badRequest } from '../errors.js';
import {
  type Acl,
  aclFromHeaders,
  isOwnerFullControlOnly,
  isPublicAcl,
  privateAcl,
  storeAcl,
} from './acl.js';
import {
  aclWithEnforcedOwnership,
  isObjectOwnership,
  type ObjectOwnership,
  ownershipOf,
} from './object-ownership.js';
import type { InputContext, InputRule } from './s3-operations.js';
import type { StorageService } from './storage-types.js';

/**
 * How the ACL a request asks for is judged against its bucket: Object Ownership (ACLs disabled under
 * BucketOwnerEnforced, S3's default) and Block Public Access (BlockPublicAcls refuses a public one).
 */

type Headers = Readonly<Record<string, string | undefined>>;

function aclsNotSupported(): AppError {
  return badRequest('AccessControlListNotSupported', 'The bucket does not allow ACLs');
}

/** S3's answer to a public ACL where BlockPublicAcls (the bucket's or its account's) is set. */
function publicAclBlocked(): AppError {
  return new AppError('AccessDenied', 403, 'Access Denied');
}

function bucketOf(context: InputContext): string {
  if (context.bucket === undefined) throw new Error('an ACL rule ran without a bucket');
  return context.bucket;
}

/**
 * Who owns a new object: its writer, unless the bucket owner takes it (enforced, or preferred and offered).
 * An anonymous writer (a public-read-write bucket) has no account in Seawall: the bucket owner owns its object.
 */
export function newObjectOwner(
  ownership: ObjectOwnership,
  headers: Headers,
  writer: string,
  bucketOwner: string,
): string {
  if (ownership === 'BucketOwnerEnforced' || writer === '') return bucketOwner;
  if (ownership === 'BucketOwnerPreferred' && headers['x-amz-acl'] === 'bucket-owner-full-control')
    return bucketOwner;
  return writer;
}

/**
 * Refuses an ACL a bucket does not take. With ACLs disabled an object write may still name the owner's full
 * control: the canned ACL `accepted` (bucket-owner-full-control), or grants of full control to the bucket
 * owner alone. Without `accepted` (PutBucketAcl) no ACL is taken at all, not even `private`.
 */
export async function checkAcl(
  storage: Pick<StorageService, 'bucketAccess'>,
  target: { bucket: string; bucketOwner: string; ownership: ObjectOwnership; accepted?: string },
  headers: Headers,
  acl: Acl,
): Promise<void> {
  // ACLs disabled is said first, as S3 answers a public-read upload to a new bucket (which also blocks them).
  if (target.ownership === 'BucketOwnerEnforced') {
    const canned = headers['x-amz-acl'];
    const ok =
      target.accepted !== undefined &&
      (canned !== undefined ? canned === target.accepted : isOwnerFullControlOnly(acl, target.bucketOwner));
    if (!ok) throw aclsNotSupported();
    return;
  }
  if (isPublicAcl(acl) && (await storage.bucketAccess(target.bucket))?.publicAccessBlock?.blockPublicAcls)
    throw publicAclBlocked();
}

/** `x-amz-acl` and `x-amz-grant-*` on an object write (PutObject, CreateMultipartUpload). */
export const newObjectAclRule: InputRule = async (_value, context) => {
  const bucket = bucketOf(context);
  const bucketOwner = (await context.storage.headBucket(bucket)).account_id;
  const ownership = await ownershipOf(context.storage, bucket);
  const { headers } = context.req;
  const owner = newObjectOwner(ownership, headers, context.req.principal.accountId, bucketOwner);
  const acl = aclFromHeaders(headers, 'object', owner, bucketOwner);
  if (acl)
    await checkAcl(
      context.storage,
      { bucket, bucketOwner, ownership, accepted: 'bucket-owner-full-control' },
      headers,
      acl,
    );
};

/**
 * The ACL (stored form) a new object gets, once its headers passed `newObjectAclRule`: none to store where
 * ACLs are disabled, or where it is its bucket owner's full control by default.
 */
export async function newObjectAcl(
  storage: StorageService,
  bucket: string,
  headers: Headers,
  writer: string,
): Promise<string | undefined> {
  const ownership = await ownershipOf(storage, bucket);
  if (ownership === 'BucketOwnerEnforced') return undefined;
  const bucketOwner = (await storage.headBucket(bucket)).account_id;
  const owner = newObjectOwner(ownership, headers, writer, bucketOwner);
  const acl = aclFromHeaders(headers, 'object', owner, bucketOwner);
  if (!acl) return owner === bucketOwner ? undefined : storeAcl(privateAcl(owner));
  return storeAcl(acl);
}

/** The Object Ownership a CreateBucket asks for (BucketOwnerEnforced when it names none). */
export function requestedOwnership(headers: Headers): ObjectOwnership {
  const value = headers['x-amz-object-ownership'];
  if (value === undefined) return 'BucketOwnerEnforced';
  if (!isObjectOwnership(value))
    throw badRequest('InvalidArgument', 'Invalid x-amz-object-ownership header', {
      ArgumentName: 'x-amz-object-ownership',
      ArgumentValue: value.slice(0, 64),
    });
  return value;
}

/**
 * The Object Ownership a bucket is created with: the one asked for, else BucketOwnerEnforced, except that S3 makes
 * a bucket created with the `private` canned ACL and no ownership BucketOwnerPreferred (rclone's `mkdir` sends
 * `x-amz-acl: private`, and its uploads then send it too).
 */
export function newBucketOwnership(headers: Headers): ObjectOwnership {
  if (headers['x-amz-acl'] === 'private' && headers['x-amz-object-ownership'] === undefined)
    return 'BucketOwnerPreferred';
  return requestedOwnership(headers);
}

/** `x-amz-object-ownership` on CreateBucket: one of S3's three. */
export const ownershipHeaderRule: InputRule = (_value, context) => {
  requestedOwnership(context.req.headers);
};

/** The ACL a CreateBucket's headers ask for, judged: undefined when they name none. */
export async function newBucketAcl(context: InputContext): Promise<Acl | undefined> {
  const owner = context.req.principal.accountId;
  const { headers } = context.req;
  const acl = aclFromHeaders(headers, 'bucket', owner, owner);
  if (!acl) return undefined;
  if (newBucketOwnership(headers) === 'BucketOwnerEnforced') {
    const canned = headers['x-amz-acl'];
    const ok = canned !== undefined ? canned === 'private' : isOwnerFullControlOnly(acl, owner);
    if (!ok) throw aclWithEnforcedOwnership();
  }
  if (isPublicAcl(acl)) {
    const block = await context.storage.accounts.getPublicAccessBlock(owner);
    if (block?.blockPublicAcls) throw publicAclBlocked();
    // A new bucket blocks public access (all four settings, as in S3 since April 2023): a public ACL is put
    // once the bucket is made and its owner has turned that off, never at its creation.
    throw badRequest(
      'InvalidBucketAclWithBlockPublicAccessError',
      'Bucket cannot have public ACLs set with BlockPublicAccess enabled',
    );
  }
  return acl;
}

/** `x-amz-acl` and `x-amz-grant-*` on CreateBucket. */
export const newBucketAclRule: InputRule = async (_value, context) => {
  await newBucketAcl(context);
};
