import { type ApiRequest, decodePathSegment, queryValue } from '../lib/http.js';
import { type ConditionValues, registerOperations, type ServiceEndpoint } from '../lib/operation.js';
import { createS3BucketAccessApi, type S3BucketAccessApi } from './s3-bucket-access-api.js';
import { createS3BucketApi, type S3BucketApi } from './s3-bucket-api.js';
import {
  bucketCannedAcl,
  bucketGrant,
  ifNoneMatchStar,
  onlyValue,
  sseCustomerBlocked,
  sseNotForOperation,
  validVersionId,
} from './s3-input-rules.js';
import { DIGESTS, each, LISTING, NEW_OBJECT, OWNER, PAYER, READ_OBJECT, SSE, SSE_C } from './s3-inputs.js';
import { createS3LifecycleApi, type S3LifecycleApi } from './s3-lifecycle-api.js';
import { createS3MultipartApi, type S3MultipartApi } from './s3-multipart-api.js';
import { createS3ObjectApi, type S3ObjectApi } from './s3-object-api.js';
import {
  defineS3Operation,
  resolveS3Operation,
  type S3Level,
  type S3Operation,
  type S3OperationDefinition,
} from './s3-operations.js';
import type { StorageService } from './storage-types.js';

/** Splits `/bucket/key…` (path style) or uses the Host's first label (virtual-hosted style). */
export function addressOf(
  req: ApiRequest,
  baseDomains: readonly string[],
): { bucket?: string; key?: string } {
  const host = req.host.replace(/:\d+$/, '').toLowerCase();
  const base = baseDomains.find((d) => host.endsWith(`.${d}`));
  const path = req.rawPath.startsWith('/') ? req.rawPath.slice(1) : req.rawPath;
  if (base) {
    const bucket = host.slice(0, -(base.length + 1));
    return path === '' ? { bucket } : { bucket, key: decodePathSegment(path) };
  }
  if (path === '') return {};
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decodePathSegment(path) };
  const key = decodePathSegment(path.slice(slash + 1));
  return key === ''
    ? { bucket: decodePathSegment(path.slice(0, slash)) }
    : { bucket: decodePathSegment(path.slice(0, slash)), key };
}

/**
 * Bypassing governance-mode retention asks for nothing while no object is under retention (Object Lock is
 * not configurable yet), so a delete that carries it is a plain delete.
 */
const BYPASS_GOVERNANCE = { 'x-amz-bypass-governance-retention': 'acknowledged' } as const;

function operations(storage: StorageService): S3Operation[] {
  const objects = createS3ObjectApi(storage);
  const buckets = createS3BucketApi(storage);
  const multipart = createS3MultipartApi(storage);
  const access = createS3BucketAccessApi(storage);
  return [
    ...definitions(objects, buckets, multipart),
    ...accessDefinitions(access),
    ...lifecycleDefinitions(createS3LifecycleApi(storage)),
  ].map((definition) => defineS3Operation(definition, storage));
}

/** Lifecycle configuration; DeleteBucketLifecycle is authorized as s3:PutLifecycleConfiguration, as in S3. */
function lifecycleDefinitions(lifecycle: S3LifecycleApi) {
  return [
    defineS3({
      name: 'PutBucketLifecycleConfiguration',
      action: 's3:PutLifecycleConfiguration',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'lifecycle' },
      headers: { ...OWNER, ...DIGESTS, 'x-amz-transition-default-minimum-object-size': 'handled' },
      query: {},
      handle: (req, { bucket }) => lifecycle.put(req, bucket),
    }),
    defineS3({
      name: 'GetBucketLifecycleConfiguration',
      action: 's3:GetLifecycleConfiguration',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'lifecycle' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => lifecycle.get(bucket),
    }),
    defineS3({
      name: 'DeleteBucketLifecycle',
      action: 's3:PutLifecycleConfiguration',
      method: 'DELETE',
      level: 'bucket',
      selector: { name: 'lifecycle' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => lifecycle.delete(bucket),
    }),
  ];
}

/** Bucket policies and Block Public Access. */
function accessDefinitions(access: S3BucketAccessApi) {
  return [
    defineS3({
      name: 'PutBucketPolicy',
      action: 's3:PutBucketPolicy',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'policy' },
      headers: {
        ...OWNER,
        ...DIGESTS,
        // It asks for nothing: S3 stores a policy that denies its own author either way, and the account's
        // root can always replace it.
        'x-amz-confirm-remove-self-bucket-access': 'acknowledged',
      },
      query: {},
      handle: (req, { bucket }) => access.putBucketPolicy(req, bucket),
    }),
    defineS3({
      name: 'GetBucketPolicy',
      action: 's3:GetBucketPolicy',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'policy' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => access.getBucketPolicy(bucket),
    }),
    defineS3({
      name: 'DeleteBucketPolicy',
      action: 's3:DeleteBucketPolicy',
      method: 'DELETE',
      level: 'bucket',
      selector: { name: 'policy' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => access.deleteBucketPolicy(bucket),
    }),
    defineS3({
      name: 'GetBucketPolicyStatus',
      action: 's3:GetBucketPolicyStatus',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'policyStatus' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => access.getBucketPolicyStatus(bucket),
    }),
    defineS3({
      name: 'PutPublicAccessBlock',
      action: 's3:PutBucketPublicAccessBlock',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'publicAccessBlock' },
      headers: { ...OWNER, ...DIGESTS },
      query: {},
      handle: (req, { bucket }) => access.putPublicAccessBlock(req, bucket),
    }),
    defineS3({
      name: 'GetPublicAccessBlock',
      action: 's3:GetBucketPublicAccessBlock',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'publicAccessBlock' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => access.getPublicAccessBlock(bucket),
    }),
    defineS3({
      name: 'DeletePublicAccessBlock',
      action: 's3:PutBucketPublicAccessBlock',
      method: 'DELETE',
      level: 'bucket',
      selector: { name: 'publicAccessBlock' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => access.deletePublicAccessBlock(bucket),
    }),
  ];
}

function definitions(objects: S3ObjectApi, buckets: S3BucketApi, multipart: S3MultipartApi) {
  return [
    defineS3({
      name: 'ListBuckets',
      action: 's3:ListAllMyBuckets',
      method: 'GET',
      level: 'service',
      headers: {},
      query: {
        prefix: 'handled',
        'bucket-region': 'handled',
        'max-buckets': 'handled',
        'continuation-token': 'handled',
      },
      handle: (req) => buckets.listBuckets(req),
    }),
    defineS3({
      name: 'CreateBucket',
      action: 's3:CreateBucket',
      conditions: createBucketConditions,
      method: 'PUT',
      level: 'bucket',
      headers: {
        ...DIGESTS,
        'x-amz-object-ownership': onlyValue('x-amz-object-ownership', (v) => v === 'BucketOwnerEnforced'),
        'x-amz-bucket-object-lock-enabled': onlyValue(
          'x-amz-bucket-object-lock-enabled',
          (v) => v.toLowerCase() === 'false',
        ),
        'x-amz-bucket-namespace': onlyValue('x-amz-bucket-namespace', (v) => v === 'global'),
        'x-amz-acl': bucketCannedAcl,
        ...each(
          [
            'x-amz-grant-full-control',
            'x-amz-grant-read',
            'x-amz-grant-read-acp',
            'x-amz-grant-write',
            'x-amz-grant-write-acp',
          ],
          (h) => bucketGrant(h),
        ),
      },
      query: {},
      handle: (req, { bucket }) => buckets.createBucket(req, bucket),
    }),
    defineS3({
      name: 'HeadBucket',
      action: 's3:ListBucket',
      method: 'HEAD',
      level: 'bucket',
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => buckets.headBucket(bucket),
    }),
    defineS3({
      name: 'DeleteBucket',
      action: 's3:DeleteBucket',
      method: 'DELETE',
      level: 'bucket',
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => buckets.deleteBucket(bucket),
    }),
    defineS3({
      name: 'GetBucketLocation',
      action: 's3:GetBucketLocation',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'location' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => buckets.getBucketLocation(bucket),
    }),
    defineS3({
      name: 'ListObjects',
      action: 's3:ListBucket',
      conditions: listingConditions,
      method: 'GET',
      level: 'bucket',
      headers: { ...OWNER, ...PAYER },
      query: { ...LISTING, marker: 'handled' },
      handle: (req, { bucket }) => buckets.listObjects(req, bucket),
    }),
    defineS3({
      name: 'ListObjectsV2',
      action: 's3:ListBucket',
      conditions: listingConditions,
      method: 'GET',
      level: 'bucket',
      selector: { name: 'list-type', value: '2' },
      headers: { ...OWNER, ...PAYER },
      query: {
        ...LISTING,
        'continuation-token': 'handled',
        'fetch-owner': 'handled',
        'start-after': 'handled',
      },
      handle: (req, { bucket }) => buckets.listObjectsV2(req, bucket),
    }),
    defineS3({
      name: 'ListObjectVersions',
      action: 's3:ListBucketVersions',
      conditions: listingConditions,
      method: 'GET',
      level: 'bucket',
      selector: { name: 'versions' },
      headers: { ...OWNER, ...PAYER },
      query: {
        prefix: 'handled',
        delimiter: 'handled',
        'encoding-type': 'handled',
        'max-keys': 'handled',
        'key-marker': 'handled',
        'version-id-marker': 'handled',
      },
      handle: (req, { bucket }) => buckets.listObjectVersions(req, bucket),
    }),
    defineS3({
      name: 'PutBucketVersioning',
      action: 's3:PutBucketVersioning',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'versioning' },
      headers: { ...OWNER, ...DIGESTS, 'x-amz-mfa': 'handled' },
      query: {},
      handle: (req, { bucket }) => buckets.putBucketVersioning(req, bucket),
    }),
    defineS3({
      name: 'GetBucketVersioning',
      action: 's3:GetBucketVersioning',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'versioning' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => buckets.getBucketVersioning(bucket),
    }),
    defineS3({
      name: 'DeleteObjects',
      action: 's3:DeleteObject',
      itemized: true,
      method: 'POST',
      level: 'bucket',
      selector: { name: 'delete' },
      headers: { ...OWNER, ...PAYER, ...DIGESTS, ...BYPASS_GOVERNANCE },
      query: {},
      handle: (req, { bucket }, checkInputs) => buckets.deleteObjects(req, bucket, checkInputs),
    }),
    defineS3({
      name: 'ListMultipartUploads',
      action: 's3:ListBucketMultipartUploads',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'uploads' },
      headers: { ...OWNER, ...PAYER },
      query: {
        prefix: 'handled',
        'encoding-type': 'handled',
        'key-marker': 'handled',
        'upload-id-marker': 'handled',
        'max-uploads': 'handled',
      },
      handle: (req, { bucket }) => multipart.listUploads(req, bucket),
    }),
    defineS3({
      name: 'PutObject',
      action: 's3:PutObject',
      conditions: newObjectConditions,
      method: 'PUT',
      level: 'object',
      headers: {
        ...OWNER,
        ...PAYER,
        ...DIGESTS,
        ...NEW_OBJECT,
        'if-match': 'handled',
        'if-none-match': ifNoneMatchStar,
      },
      query: {},
      handle: (req, { bucket, key }) => objects.putObject(req, bucket, key),
    }),
    defineS3({
      name: 'GetObject',
      action: 's3:GetObject',
      versionAction: 's3:GetObjectVersion',
      method: 'GET',
      level: 'object',
      ...READ_OBJECT,
      handle: (req, { bucket, key }) => objects.getObject(req, bucket, key),
    }),
    defineS3({
      name: 'HeadObject',
      action: 's3:GetObject',
      versionAction: 's3:GetObjectVersion',
      method: 'HEAD',
      level: 'object',
      ...READ_OBJECT,
      handle: (req, { bucket, key }) => objects.headObject(req, bucket, key),
    }),
    defineS3({
      name: 'DeleteObject',
      action: 's3:DeleteObject',
      versionAction: 's3:DeleteObjectVersion',
      method: 'DELETE',
      level: 'object',
      headers: { ...OWNER, ...PAYER, ...BYPASS_GOVERNANCE },
      query: { versionId: validVersionId },
      handle: (req, { bucket, key }) => objects.deleteObject(req, bucket, key),
    }),
    defineS3({
      name: 'CreateMultipartUpload',
      action: 's3:PutObject',
      conditions: newObjectConditions,
      method: 'POST',
      level: 'object',
      selector: { name: 'uploads' },
      headers: {
        ...OWNER,
        ...PAYER,
        ...NEW_OBJECT,
        'x-amz-checksum-algorithm': 'handled',
        'x-amz-checksum-type': 'handled',
      },
      query: {},
      handle: (req, { bucket, key }) => multipart.create(req, bucket, key),
    }),
    defineS3({
      name: 'UploadPart',
      action: 's3:PutObject',
      method: 'PUT',
      level: 'object',
      selector: { name: 'uploadId' },
      headers: {
        ...OWNER,
        ...PAYER,
        ...DIGESTS,
        ...each(SSE_C, () => sseCustomerBlocked),
        ...each(SSE, sseNotForOperation),
      },
      query: { partNumber: 'handled' },
      handle: (req, { bucket, key }) => multipart.uploadPart(req, bucket, key),
    }),
    defineS3({
      name: 'CompleteMultipartUpload',
      action: 's3:PutObject',
      method: 'POST',
      level: 'object',
      selector: { name: 'uploadId' },
      // The x-amz-checksum-* headers here are the whole object's checksum (and type), checked against the
      // object made; Content-MD5 covers the XML document.
      headers: {
        ...OWNER,
        ...PAYER,
        'content-md5': 'handled',
        'x-amz-checksum-crc32': 'handled',
        'x-amz-checksum-crc32c': 'handled',
        'x-amz-checksum-crc64nvme': 'handled',
        'x-amz-checksum-sha1': 'handled',
        'x-amz-checksum-sha256': 'handled',
        'x-amz-checksum-type': 'handled',
      },
      query: {},
      handle: (req, { bucket, key }) => multipart.complete(req, bucket, key),
    }),
    defineS3({
      name: 'AbortMultipartUpload',
      action: 's3:AbortMultipartUpload',
      method: 'DELETE',
      level: 'object',
      selector: { name: 'uploadId' },
      headers: { ...OWNER, ...PAYER },
      query: {},
      handle: (req, { bucket, key }) => multipart.abort(req, bucket, key),
    }),
    defineS3({
      name: 'ListParts',
      action: 's3:ListMultipartUploadParts',
      method: 'GET',
      level: 'object',
      selector: { name: 'uploadId' },
      headers: { ...OWNER, ...PAYER },
      query: { 'max-parts': 'handled', 'part-number-marker': 'handled' },
      handle: (req, { bucket, key }) => multipart.listParts(req, bucket, key),
    }),
  ];
}

/** The condition keys a listing supplies: s3:prefix, s3:delimiter and s3:max-keys, when given. */
function listingConditions(req: ApiRequest): ConditionValues {
  return {
    's3:prefix': queryValue(req.query, 'prefix'),
    's3:delimiter': queryValue(req.query, 'delimiter'),
    's3:max-keys': queryValue(req.query, 'max-keys'),
  };
}

/** The value of each header, by the condition key `s3:<header>` S3 names after it (absent when not sent). */
function headerConditions(req: ApiRequest, headers: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(headers.map((name) => [`s3:${name}`, req.headers[name]]));
}

const GRANT_HEADERS = [
  'x-amz-grant-full-control',
  'x-amz-grant-read',
  'x-amz-grant-read-acp',
  'x-amz-grant-write',
  'x-amz-grant-write-acp',
];

/**
 * The condition keys of a new object's write (PutObject, CreateMultipartUpload) that its headers supply, as
 * the Service Authorization Reference lists them for s3:PutObject: a policy can require or forbid an ACL,
 * an encryption or a storage class whether or not Seawall would honour it, so it decides first.
 */
function newObjectConditions(req: ApiRequest): ConditionValues {
  return {
    ...headerConditions(req, [
      'x-amz-acl',
      ...GRANT_HEADERS.filter((name) => name !== 'x-amz-grant-write'),
      'x-amz-server-side-encryption',
      'x-amz-server-side-encryption-aws-kms-key-id',
      'x-amz-server-side-encryption-customer-algorithm',
      'x-amz-storage-class',
      'x-amz-website-redirect-location',
      'x-amz-content-sha256',
    ]),
    's3:object-lock-mode': req.headers['x-amz-object-lock-mode'],
    's3:object-lock-retain-until-date': req.headers['x-amz-object-lock-retain-until-date'],
    's3:object-lock-legal-hold': req.headers['x-amz-object-lock-legal-hold'],
  };
}

/** CreateBucket's condition keys from its headers: the ACL it asks for and its object ownership. */
function createBucketConditions(req: ApiRequest): ConditionValues {
  return headerConditions(req, [
    'x-amz-acl',
    ...GRANT_HEADERS,
    'x-amz-object-ownership',
    'x-amz-content-sha256',
  ]);
}

/** Keeps each definition's level for its handler's address type, in a list of definitions of every level. */
function defineS3<L extends S3Level>(definition: S3OperationDefinition<L>): S3OperationDefinition<S3Level> {
  return definition as unknown as S3OperationDefinition<S3Level>;
}

/**
 * The S3 REST API: a request's path and method name its operation, whose declared inputs are checked once it
 * is authorized.
 */
export function createS3Api(deps: {
  storage: StorageService;
  baseDomains: readonly string[];
}): ServiceEndpoint {
  const table = registerOperations('s3', operations(deps.storage));
  return {
    protocol: 'restXml',
    operations: table,
    async resolve(req: ApiRequest) {
      const address = addressOf(req, deps.baseDomains);
      const level: S3Level =
        address.bucket === undefined ? 'service' : address.key === undefined ? 'bucket' : 'object';
      return { operation: resolveS3Operation(table, req, level), raw: address };
    },
  };
}
