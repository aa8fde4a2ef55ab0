/**
 * The IAM actions of S3 a bucket policy may name, by the resource type each applies to. From the Service
 * Authorization Reference, "Actions defined by Amazon S3":
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 */

export type S3ActionResource = 'bucket' | 'object' | 'account';

const OBJECT_ACTIONS = [
  'AbortMultipartUpload',
  'BypassGovernanceRetention',
  'DeleteObject',
  'DeleteObjectTagging',
  'DeleteObjectVersion',
  'DeleteObjectVersionTagging',
  'GetObject',
  'GetObjectAcl',
  'GetObjectAttributes',
  'GetObjectLegalHold',
  'GetObjectRetention',
  'GetObjectTagging',
  'GetObjectTorrent',
  'GetObjectVersion',
  'GetObjectVersionAcl',
  'GetObjectVersionAttributes',
  'GetObjectVersionForReplication',
  'GetObjectVersionTagging',
  'GetObjectVersionTorrent',
  'InitiateReplication',
  'ListMultipartUploadParts',
  'ObjectOwnerOverrideToBucketOwner',
  'PutObject',
  'PutObjectAcl',
  'PutObjectLegalHold',
  'PutObjectRetention',
  'PutObjectTagging',
  'PutObjectVersionAcl',
  'PutObjectVersionTagging',
  'ReplicateDelete',
  'ReplicateObject',
  'ReplicateTags',
  'RestoreObject',
];

const BUCKET_ACTIONS = [
  'CreateBucket',
  'DeleteBucket',
  'DeleteBucketOwnershipControls',
  'DeleteBucketPolicy',
  'DeleteBucketWebsite',
  'GetAccelerateConfiguration',
  'GetAnalyticsConfiguration',
  'GetBucketAcl',
  'GetBucketCORS',
  'GetBucketLocation',
  'GetBucketLogging',
  'GetBucketNotification',
  'GetBucketObjectLockConfiguration',
  'GetBucketOwnershipControls',
  'GetBucketPolicy',
  'GetBucketPolicyStatus',
  'GetBucketPublicAccessBlock',
  'GetBucketRequestPayment',
  'GetBucketTagging',
  'GetBucketVersioning',
  'GetBucketWebsite',
  'GetEncryptionConfiguration',
  'GetIntelligentTieringConfiguration',
  'GetInventoryConfiguration',
  'GetLifecycleConfiguration',
  'GetMetricsConfiguration',
  'GetReplicationConfiguration',
  'ListBucket',
  'ListBucketMultipartUploads',
  'ListBucketVersions',
  'PutAccelerateConfiguration',
  'PutAnalyticsConfiguration',
  'PutBucketAcl',
  'PutBucketCORS',
  'PutBucketLogging',
  'PutBucketNotification',
  'PutBucketObjectLockConfiguration',
  'PutBucketOwnershipControls',
  'PutBucketPolicy',
  'PutBucketPublicAccessBlock',
  'PutBucketRequestPayment',
  'PutBucketTagging',
  'PutBucketVersioning',
  'PutBucketWebsite',
  'PutEncryptionConfiguration',
  'PutIntelligentTieringConfiguration',
  'PutInventoryConfiguration',
  'PutLifecycleConfiguration',
  'PutMetricsConfiguration',
  'PutReplicationConfiguration',
];

const ACCOUNT_ACTIONS = [
  'CreateJob',
  'GetAccessPoint',
  'GetAccountPublicAccessBlock',
  'ListAccessPoints',
  'ListAllMyBuckets',
  'ListJobs',
  'PutAccountPublicAccessBlock',
];

/** Each S3 action (lower case, without `s3:`) and the resource type it applies to. */
export const S3_POLICY_ACTIONS: ReadonlyMap<string, S3ActionResource> = new Map([
  ...OBJECT_ACTIONS.map((a) => [a.toLowerCase(), 'object'] as const),
  ...BUCKET_ACTIONS.map((a) => [a.toLowerCase(), 'bucket'] as const),
  ...ACCOUNT_ACTIONS.map((a) => [a.toLowerCase(), 'account'] as const),
]);

/**
 * The condition keys of S3 (lower case), from the same reference's "Condition keys for Amazon S3" and the
 * S3 User Guide. A key ending in `/` is a family: it takes a tag name after the slash.
 */
const S3_CONDITION_KEYS = [
  'AccessGrantsInstanceArn',
  'AccessPointNetworkOrigin',
  'authType',
  'DataAccessPointAccount',
  'DataAccessPointArn',
  'delimiter',
  'ExistingJobOperation',
  'ExistingJobPriority',
  'ExistingObjectTag/',
  'if-match',
  'if-none-match',
  'InventoryAccessibleOptionalFields',
  'IsReplicationPauseRequest',
  'JobSuspendedCause',
  'locationconstraint',
  'max-keys',
  'object-lock-legal-hold',
  'object-lock-mode',
  'object-lock-remaining-retention-days',
  'object-lock-retain-until-date',
  'ObjectCreationOperation',
  'prefix',
  'RequestJobOperation',
  'RequestJobPriority',
  'RequestObjectTag/',
  'RequestObjectTagKeys',
  'ResourceAccount',
  'signatureAge',
  'signatureversion',
  'TlsVersion',
  'versionid',
  'x-amz-acl',
  'x-amz-content-sha256',
  'x-amz-copy-source',
  'x-amz-grant-full-control',
  'x-amz-grant-read',
  'x-amz-grant-read-acp',
  'x-amz-grant-write',
  'x-amz-grant-write-acp',
  'x-amz-metadata-directive',
  'x-amz-object-ownership',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-storage-class',
  'x-amz-website-redirect-location',
].map((key) => `s3:${key.toLowerCase()}`);

const EXACT_KEYS: ReadonlySet<string> = new Set(S3_CONDITION_KEYS.filter((key) => !key.endsWith('/')));
const KEY_FAMILIES = S3_CONDITION_KEYS.filter((key) => key.endsWith('/'));

/**
 * Whether a bucket policy may name this condition key: a global `aws:` key (S3 takes any of them), or one of
 * S3's, in any case, a tag family only with a tag name.
 */
export function isS3ConditionKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (lower.startsWith('aws:')) return true;
  if (EXACT_KEYS.has(lower)) return true;
  return KEY_FAMILIES.some((family) => lower.startsWith(family) && lower.length > family.length);
}
