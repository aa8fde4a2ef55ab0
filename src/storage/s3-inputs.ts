import { OBJECT_GRANT_HEADER_NAMES } from './acl.js';
import { newObjectAclRule } from './acl-rules.js';
import {
  eventHoldNotImplemented,
  expectedBucketOwner,
  objectLockHeader,
  signedRequestOnly,
  sseCustomerBlocked,
  sseNotForOperation,
  taggingHeader,
  validVersionId,
  writableStorageClass,
} from './s3-input-rules.js';
import type { InputUse } from './s3-operations.js';
import type { S3Header, S3QueryName } from './s3-vocabulary.js';

/** Headers an S3 operation understands. Groups of inputs several operations understand alike follow. */
export type Headers = Partial<Record<S3Header, InputUse>>;
export type Query = Partial<Record<S3QueryName, InputUse>>;

/** Declared first wherever it applies, so the owner is checked before any rule that looks at the bucket. */
export const OWNER: Headers = { 'x-amz-expected-bucket-owner': expectedBucketOwner };
/** Requester Pays only acknowledges who is charged for the request; Seawall charges no one. */
export const PAYER: Headers = { 'x-amz-request-payer': 'acknowledged' };

/** Content-MD5 and the checksums Seawall computes: verified against the bytes (or the XML document). */
export const DIGESTS: Headers = {
  'content-md5': 'handled',
  'x-amz-sdk-checksum-algorithm': 'handled',
  'x-amz-checksum-crc32': 'handled',
  'x-amz-checksum-crc32c': 'handled',
  'x-amz-checksum-crc64nvme': 'handled',
  'x-amz-checksum-sha1': 'handled',
  'x-amz-checksum-sha256': 'handled',
};

export const SSE_C = [
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key-md5',
] as const;
export const SSE = [
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-context',
  'x-amz-server-side-encryption-bucket-key-enabled',
] as const;

export function each(names: readonly S3Header[], use: (name: S3Header) => InputUse): Headers {
  return Object.fromEntries(names.map((name) => [name, use(name)]));
}

/**
 * What a new object's writer (PutObject, CreateMultipartUpload) may say: the representation headers and
 * metadata stored with it, its tags, its Object Lock retention and legal hold, its encryption (SSE-S3 or
 * SSE-KMS, see object-encryption.ts), and ACL, storage class and SSE-C headers within what a new S3 bucket
 * takes. Website redirects are not declared, so they are refused.
 */
export const NEW_OBJECT: Headers = {
  'cache-control': 'handled',
  'content-disposition': 'handled',
  'content-encoding': 'handled',
  'content-language': 'handled',
  'content-type': 'handled',
  expires: 'handled',
  'x-amz-meta-*': 'handled',
  'x-amz-acl': newObjectAclRule,
  ...each(OBJECT_GRANT_HEADER_NAMES, () => newObjectAclRule),
  'x-amz-storage-class': writableStorageClass,
  'x-amz-tagging': taggingHeader,
  ...each(
    ['x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold'],
    () => objectLockHeader,
  ),
  ...each(
    [
      'x-amz-object-lock-event-hold',
      'x-amz-object-lock-event-hold-duration-days',
      'x-amz-object-lock-event-hold-duration-years',
    ],
    eventHoldNotImplemented,
  ),
  ...each(SSE_C, () => sseCustomerBlocked),
  ...each(SSE, () => 'handled'),
};

/** What GetObject and HeadObject take. */
export const READ_OBJECT: { headers: Headers; query: Query } = {
  headers: {
    ...OWNER,
    ...PAYER,
    'if-match': 'handled',
    'if-none-match': 'handled',
    'if-modified-since': 'handled',
    'if-unmodified-since': 'handled',
    range: 'handled',
    'x-amz-checksum-mode': 'handled',
    ...each(SSE_C, () => 'handled'),
    ...each(SSE, sseNotForOperation),
  },
  query: {
    'response-cache-control': signedRequestOnly,
    'response-content-disposition': signedRequestOnly,
    'response-content-encoding': signedRequestOnly,
    'response-content-language': signedRequestOnly,
    'response-content-type': signedRequestOnly,
    'response-expires': signedRequestOnly,
    partNumber: 'handled',
    versionId: validVersionId,
  },
};

export const LISTING: Query = {
  prefix: 'handled',
  delimiter: 'handled',
  'max-keys': 'handled',
  'encoding-type': 'handled',
};
