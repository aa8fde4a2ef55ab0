import { badRequest, notFound } from '../errors.js';
import { type Acl, isOwnerFullControlOnly, readStoredAcl } from './acl.js';
import { asRecord, malformedXml, onlyElements } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

/**
 * S3 Object Ownership, stored as the bucket's 'ownership' setting. A bucket created without the header gets
 * BucketOwnerEnforced, the default since April 2023, and so does a bucket from before the setting existed
 * (nothing stored). DeleteBucketOwnershipControls leaves no controls, which S3 treats as ObjectWriter.
 */
export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';
const OBJECT_OWNERSHIPS: readonly ObjectOwnership[] = [
  'BucketOwnerEnforced',
  'BucketOwnerPreferred',
  'ObjectWriter',
];

/** What is stored once the controls are deleted. */
const NO_CONTROLS = 'none';

export function isObjectOwnership(value: string): value is ObjectOwnership {
  return (OBJECT_OWNERSHIPS as readonly string[]).includes(value);
}

/** The bucket's controls, or undefined when they were deleted. NoSuchBucket without a bucket. */
export async function ownershipControls(
  storage: Pick<StorageService, 'settings'>,
  bucket: string,
): Promise<ObjectOwnership | undefined> {
  const stored = await storage.settings.get(bucket, 'ownership');
  if (stored === undefined) return 'BucketOwnerEnforced';
  return isObjectOwnership(stored) ? stored : undefined;
}

/** The ownership in force: without controls, objects belong to their writers and ACLs apply (ObjectWriter). */
export async function ownershipOf(
  storage: Pick<StorageService, 'settings'>,
  bucket: string,
): Promise<ObjectOwnership> {
  return (await ownershipControls(storage, bucket)) ?? 'ObjectWriter';
}

function putOwnership(
  storage: Pick<StorageService, 'settings'>,
  bucket: string,
  ownership: ObjectOwnership,
): Promise<void> {
  return storage.settings.put(bucket, 'ownership', ownership);
}

export function deleteOwnership(storage: Pick<StorageService, 'settings'>, bucket: string): Promise<void> {
  return storage.settings.put(bucket, 'ownership', NO_CONTROLS);
}

export function noOwnershipControls(bucket: string) {
  return notFound('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', {
    BucketName: bucket,
  });
}

/** S3's answer to an ACL that grants more than the owner's full control where ACLs are disabled. */
export function aclWithEnforcedOwnership() {
  return badRequest(
    'InvalidBucketAclWithObjectOwnership',
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
  );
}

/** The bucket's ACL: what was put, else its owner's full control. */
export async function bucketAcl(
  storage: Pick<StorageService, 'settings'>,
  bucket: string,
  owner: string,
): Promise<Acl> {
  return readStoredAcl(await storage.settings.get(bucket, 'acl'), owner);
}

/**
 * PutBucketOwnershipControls: one Rule with one ObjectOwnership. Enforcing ownership needs a bucket ACL that
 * grants only the owner's full control (InvalidBucketAclWithObjectOwnership otherwise), and resets it.
 */
export async function changeOwnership(
  storage: Pick<StorageService, 'settings'>,
  bucket: string,
  owner: string,
  ownership: ObjectOwnership,
): Promise<void> {
  if (ownership === 'BucketOwnerEnforced') {
    const acl = await bucketAcl(storage, bucket, owner);
    if (!isOwnerFullControlOnly(acl, owner)) throw aclWithEnforcedOwnership();
    await storage.settings.delete(bucket, 'acl');
  }
  await putOwnership(storage, bucket, ownership);
}

/** An OwnershipControls document: exactly one Rule naming one of S3's ownerships. */
export function readOwnershipControls(document: Record<string, unknown> | undefined): ObjectOwnership {
  if (!document) throw badRequest('MissingRequestBodyError', 'Request Body is empty');
  const controls = asRecord(document.OwnershipControls);
  if (!controls || Object.keys(document).length !== 1) throw malformedXml();
  onlyElements(controls, ['Rule'], malformedXml);
  const rules = controls.Rule;
  if (!Array.isArray(rules) || rules.length !== 1) throw malformedXml();
  const rule = asRecord(rules[0]);
  if (!rule) throw malformedXml();
  onlyElements(rule, ['ObjectOwnership'], malformedXml);
  const value = typeof rule.ObjectOwnership === 'string' ? rule.ObjectOwnership.trim() : undefined;
  if (value === undefined || !isObjectOwnership(value)) throw malformedXml();
  return value;
}
