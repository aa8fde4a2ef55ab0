import { AppError, badRequest } from '../errors.js';
import { type ApiRequest, type ApiResponse, decodePathSegment, queryValue } from '../lib/http.js';
import {
  type ConditionValues,
  type Operation,
  type OperationRequest,
  registerOperations,
  type ServiceEndpoint,
  type ServiceRoles,
} from '../lib/operation.js';
import { GRANT_HEADER_NAMES, OBJECT_GRANT_HEADER_NAMES } from './acl.js';
import { newBucketAclRule, ownershipHeaderRule } from './acl-rules.js';
import { ownershipOf } from './object-ownership.js';
import { isServiceReplica, REPLICA_HEADER } from './replication.js';
import { createS3AclApi, type S3AclApi } from './s3-acl-api.js';
import { s3Arn } from './s3-arn.js';
import {
  createS3BucketAccessApi,
  type PrincipalLookup,
  type S3BucketAccessApi,
} from './s3-bucket-access-api.js';
import { createS3BucketApi, type S3BucketApi } from './s3-bucket-api.js';
import { type CopyOperation, createS3CopyApi, parseCopySource, type S3CopyApi } from './s3-copy-api.js';
import { createS3CorsApi, type S3CorsApi } from './s3-cors-api.js';
import { bucketEncryption } from './s3-encryption-api.js';
import {
  ifNoneMatchStar,
  objectLockEnabled,
  objectSizeHeader,
  onlyValue,
  sourceBucketOwner,
  sseNotForOperation,
  validVersionId,
  versionIdRefused,
} from './s3-input-rules.js';
import { DIGESTS, each, LISTING, NEW_OBJECT, OWNER, PAYER, READ_OBJECT, SSE, SSE_C } from './s3-inputs.js';
import { createS3LifecycleApi, type S3LifecycleApi } from './s3-lifecycle-api.js';
import { createS3MultipartApi, type S3MultipartApi } from './s3-multipart-api.js';
import {
  createS3NotificationApi,
  type S3NotificationApi,
  SKIP_VALIDATION_HEADER,
} from './s3-notification-api.js';
import { createS3ObjectApi, type S3ObjectApi } from './s3-object-api.js';
import {
  createS3ObjectLockApi,
  legalHoldConditions,
  remainingRetentionDays,
  retentionConditions,
  type S3ObjectLockApi,
} from './s3-object-lock-api.js';
import {
  defineS3Operation,
  resolveS3Operation,
  type S3Level,
  type S3Operation,
  type S3OperationDefinition,
  type S3Path,
} from './s3-operations.js';
import { createPostObjectOperation } from './s3-post-object.js';
import { createS3ReplicationApi, type S3ReplicationApi } from './s3-replication-api.js';
import { createS3TaggingApi, objectTaggingConditions, type S3TaggingApi } from './s3-tagging-api.js';
import { putUnchanged, UNSET_SETTINGS, unsetSetting } from './s3-unset-settings.js';
import type { StorageService } from './storage-types.js';
import { parseTaggingHeader, requestTagConditions } from './tagging.js';

/** Splits `/bucket/key…` (path style) or uses the Host's first label (virtual-hosted style). */
export function addressOf(
  req: Pick<ApiRequest, 'host' | 'rawPath'>,
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
 * Bypassing governance-mode retention: honoured where the caller also has s3:BypassGovernanceRetention (see
 * s3-object-lock-api.ts).
 */
const BYPASS_GOVERNANCE = { 'x-amz-bypass-governance-retention': 'handled' } as const;

function operations(
  storage: StorageService,
  cors: S3CorsApi,
  roles: Pick<ServiceRoles, 'resolveRoleArn'>,
  principals?: PrincipalLookup,
): S3Operation[] {
  const objects = createS3ObjectApi(storage);
  const buckets = createS3BucketApi(storage);
  const multipart = createS3MultipartApi(storage);
  const access = createS3BucketAccessApi(storage, principals);
  const lock = createS3ObjectLockApi(storage);
  const acls = createS3AclApi(storage);
  return [
    ...definitions(storage, objects, buckets, multipart, acls),
    ...aclDefinitions(acls, storage),
    ...accessDefinitions(access),
    ...objectLockDefinitions(lock, storage),
    ...corsDefinitions(cors),
    ...copyDefinitions(createS3CopyApi(storage), storage),
    ...taggingDefinitions(createS3TaggingApi(storage), storage),
    ...lifecycleDefinitions(createS3LifecycleApi(storage)),
    ...notificationDefinitions(createS3NotificationApi(storage)),
    ...replicationDefinitions(createS3ReplicationApi(storage, roles)),
    ...encryptionDefinitions(storage),
    ...unsetSettingDefinitions(storage),
    ...restoreDefinitions(storage),
  ].map((definition) => defineS3Operation(definition, storage));
}

/** The bucket's default encryption (see s3-encryption-api.ts). */
function encryptionDefinitions(storage: StorageService) {
  return [
    ...(['PutBucketEncryption', 'GetBucketEncryption', 'DeleteBucketEncryption'] as const).map((name) =>
      defineS3({
        name,
        // S3 has no s3:DeleteEncryptionConfiguration: deleting the default is putting SSE-S3's.
        action:
          name === 'GetBucketEncryption' ? 's3:GetEncryptionConfiguration' : 's3:PutEncryptionConfiguration',
        method: name === 'PutBucketEncryption' ? 'PUT' : name === 'GetBucketEncryption' ? 'GET' : 'DELETE',
        level: 'bucket',
        selector: { name: 'encryption' },
        headers: { ...OWNER, ...(name === 'PutBucketEncryption' ? DIGESTS : {}) },
        query: {},
        handle: (req, { bucket }) => bucketEncryption(storage, name, req, bucket),
      }),
    ),
  ];
}

/** Object Lock: the bucket's configuration, and each version's retention and legal hold. */
function objectLockDefinitions(lock: S3ObjectLockApi, storage: StorageService) {
  return [
    defineS3({
      name: 'PutObjectLockConfiguration',
      action: 's3:PutBucketObjectLockConfiguration',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'object-lock' },
      headers: { ...OWNER, ...PAYER, ...DIGESTS },
      query: {},
      handle: (req, { bucket }) => lock.putObjectLockConfiguration(req, bucket),
    }),
    defineS3({
      name: 'GetObjectLockConfiguration',
      action: 's3:GetBucketObjectLockConfiguration',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'object-lock' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => lock.getObjectLockConfiguration(bucket),
    }),
    defineS3({
      name: 'PutObjectRetention',
      existingObjectTags: true,
      bodyConditions: retentionConditions,
      action: 's3:PutObjectRetention',
      // Seawall's own replication carries a replicated version's later change of it to its replica.
      replicaAction: 's3:ReplicateObject',
      method: 'PUT',
      level: 'object',
      selector: { name: 'retention' },
      headers: { ...OWNER, ...PAYER, ...DIGESTS, ...BYPASS_GOVERNANCE },
      query: { versionId: validVersionId },
      handle: async (req, { bucket, key }) => {
        await authorizeReplicaChange(storage, req, bucket, key, 's3:ReplicateObject');
        return lock.putObjectRetention(req, bucket, key);
      },
    }),
    defineS3({
      name: 'GetObjectRetention',
      existingObjectTags: true,
      action: 's3:GetObjectRetention',
      method: 'GET',
      level: 'object',
      selector: { name: 'retention' },
      headers: { ...OWNER, ...PAYER },
      query: { versionId: validVersionId },
      handle: (req, { bucket, key }) => lock.getObjectRetention(req, bucket, key),
    }),
    defineS3({
      name: 'PutObjectLegalHold',
      existingObjectTags: true,
      bodyConditions: legalHoldConditions,
      action: 's3:PutObjectLegalHold',
      // Seawall's own replication carries a replicated version's later change of it to its replica.
      replicaAction: 's3:ReplicateObject',
      method: 'PUT',
      level: 'object',
      selector: { name: 'legal-hold' },
      headers: { ...OWNER, ...PAYER, ...DIGESTS },
      query: { versionId: validVersionId },
      handle: async (req, { bucket, key }) => {
        await authorizeReplicaChange(storage, req, bucket, key, 's3:ReplicateObject');
        return lock.putObjectLegalHold(req, bucket, key);
      },
    }),
    defineS3({
      name: 'GetObjectLegalHold',
      existingObjectTags: true,
      action: 's3:GetObjectLegalHold',
      method: 'GET',
      level: 'object',
      selector: { name: 'legal-hold' },
      headers: { ...OWNER, ...PAYER },
      query: { versionId: validVersionId },
      handle: (req, { bucket, key }) => lock.getObjectLegalHold(req, bucket, key),
    }),
  ];
}

/** The bucket settings Seawall has no feature for: read as never set, made or removed never (s3-unset-settings.ts). */
function unsetSettingDefinitions(storage: StorageService) {
  return UNSET_SETTINGS.flatMap((setting) => [
    defineS3({
      ...setting.read,
      level: 'bucket',
      selector: { name: setting.selector },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => unsetSetting(storage, setting, bucket),
    }),
    ...setting.writes.map(({ unchanged, ...write }) =>
      defineS3({
        ...write,
        level: 'bucket',
        selector: { name: setting.selector },
        query: {},
        // Answered where it puts the setting as it always is here; else refused before it is handled.
        ...(unchanged
          ? {
              headers: { ...OWNER, ...DIGESTS },
              handle: (req: ApiRequest, { bucket }: { bucket: string }) =>
                putUnchanged(storage, setting, unchanged, req, bucket),
            }
          : {
              notImplemented: true,
              headers: {},
              handle: () => Promise.reject(new Error(`${write.name} is refused before it is handled`)),
            }),
      }),
    ),
    ...(setting.remove
      ? [
          defineS3({
            ...setting.remove,
            level: 'bucket',
            selector: { name: setting.selector },
            headers: OWNER,
            query: {},
            handle: async (_req, { bucket }) => {
              await storage.headBucket(bucket);
              return { status: 204 };
            },
          }),
        ]
      : []),
  ]);
}

/**
 * RestoreObject: S3 restores an archived object (the Glacier classes' and Deep Archive's); no storage class of
 * Seawall's archives (its cold tier is read at once), so every object is one S3 refuses to restore.
 */
function restoreDefinitions(storage: StorageService) {
  return [
    defineS3({
      name: 'RestoreObject',
      action: 's3:RestoreObject',
      method: 'POST',
      level: 'object',
      selector: { name: 'restore' },
      headers: { ...OWNER, ...PAYER, ...DIGESTS },
      query: { versionId: validVersionId },
      handle: async (req, { bucket, key }) => {
        await storage.headObject(bucket, key, queryValue(req.query, 'versionId'));
        throw new AppError(
          'InvalidObjectState',
          403,
          "Restore is not allowed for the object's current storage class",
        );
      },
    }),
  ];
}

/** Put/Get/DeleteBucketCors; removing the configuration is s3:PutBucketCORS too, there is no Delete action. */
function corsDefinitions(cors: S3CorsApi) {
  return [
    defineS3({
      name: 'PutBucketCors',
      action: 's3:PutBucketCORS',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'cors' },
      headers: { ...OWNER, ...DIGESTS },
      query: {},
      handle: (req, { bucket }) => cors.putBucketCors(req, bucket),
    }),
    defineS3({
      name: 'GetBucketCors',
      action: 's3:GetBucketCORS',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'cors' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => cors.getBucketCors(bucket),
    }),
    defineS3({
      name: 'DeleteBucketCors',
      action: 's3:PutBucketCORS',
      method: 'DELETE',
      level: 'bucket',
      selector: { name: 'cors' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => cors.deleteBucketCors(bucket),
    }),
  ];
}

/**
 * OPTIONS on a bucket or an object ("OPTIONS object"): a browser's preflight. S3 answers it from the bucket's
 * CORS rules alone, to anyone, whatever else the URL carries (a presigned URL's signature, the subresource of
 * the request to come), so it needs no permission; the action recorded is the configuration it reads.
 */
function preflightOperation(cors: S3CorsApi): Operation<S3Path, S3Path> {
  return {
    service: 's3',
    name: 'OptionsObject',
    action: 's3:GetBucketCORS',
    anyPrincipal: true,
    decode: (address) => address,
    resources: ({ bucket, key }) => (bucket === undefined ? [] : [s3Arn(bucket, key)]),
    handle: ({ bucket, key }, req) =>
      cors.preflight(req, { bucket: bucket as string, ...(key !== undefined ? { key } : {}) }),
  };
}

/**
 * POST Object (browser uploads): its form's fields are a new object's headers, understood as PutObject
 * understands them, but for the conditional writes a form cannot ask for.
 */
function postObject(storage: StorageService) {
  const objects = createS3ObjectApi(storage);
  return createPostObjectOperation(storage, {
    fields: { ...DIGESTS, ...NEW_OBJECT },
    conditions: (req) => ({ ...newObjectConditions(req), ...writeConditions(req, true) }),
    // As PutObject: a form's tags, ACL and lock need their own permissions too.
    put: async (req, bucket, key) => {
      await authorizeNewObjectSettings(storage, req, bucket, key);
      return objects.putObject(req, bucket, key);
    },
  });
}

/**
 * What a new object's request sets beside its bytes needs that setting's own permission too, as S3 checks:
 * tags (x-amz-tagging) s3:PutObjectTagging, the policy seeing them as s3:RequestObjectTag/<key> and
 * s3:RequestObjectTagKeys; a retention (x-amz-object-lock-mode, -retain-until-date) s3:PutObjectRetention; a
 * legal hold s3:PutObjectLegalHold; an ACL (x-amz-acl, x-amz-grant-*) s3:PutObjectAcl where the bucket's ACLs
 * are enabled (the API Reference's PutObject Permissions: "To successfully change the objects ACL of your
 * PutObject request, you must have the s3:PutObjectAcl"). Where they are disabled (BucketOwnerEnforced) the
 * only ACL accepted is the bucket owner's full control, which changes nothing: the write's action alone, whose
 * policy sees the headers (s3:x-amz-grant-full-control). CopyObject sets tags only with the REPLACE directive
 * (`tags: false` otherwise).
 */
async function authorizeNewObjectSettings(
  storage: StorageService,
  req: OperationRequest,
  bucket: string,
  key: string,
  options: { tags?: boolean; replica?: boolean } = {},
): Promise<void> {
  const resources = [s3Arn(bucket, key)];
  // A replica's write (REPLICA_HEADER, replication.ts) needs s3:ReplicateObject, in place of the write's own
  // action only when Seawall's own replication makes it (isServiceReplica); its tags need s3:ReplicateTags, as
  // a replication destination grants.
  const { replica = false } = options;
  const service = replica && isServiceReplica(req);
  if (replica) await authorizeReplicaWrite(req, bucket, key, 's3:ReplicateObject');
  const tagging = options.tags === false ? undefined : req.headers['x-amz-tagging'];
  if (tagging) {
    const conditions = requestTagConditions(() => parseTaggingHeader(tagging));
    if (!service) await req.authorize({ action: 's3:PutObjectTagging', resources, conditions });
    if (replica) await req.authorize({ action: 's3:ReplicateTags', resources, conditions });
  }
  // A replica carries its source's retention and legal hold: s3:ReplicateObject covers them, as in S3.
  if (service) return;
  const asked = (names: readonly string[]) => names.some((name) => req.headers[name] !== undefined);
  const settings = [
    ['s3:PutObjectRetention', ['x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date']],
    ['s3:PutObjectLegalHold', ['x-amz-object-lock-legal-hold']],
  ] as const;
  for (const [action, headers] of settings)
    if (asked(headers)) await req.authorize({ action, resources, conditions: newObjectConditions(req) });
  if (asked(ACL_HEADER_NAMES) && (await ownershipOf(storage, bucket)) !== 'BucketOwnerEnforced')
    await req.authorize({ action: 's3:PutObjectAcl', resources, conditions: aclConditions(req) });
}

/** The headers that set an ACL. */
const ACL_HEADER_NAMES = ['x-amz-acl', ...GRANT_HEADER_NAMES];

/** The inputs naming and conditioning a copy's source, which CopyObject and UploadPartCopy both take. */
const copySourceInputs = (operation: CopyOperation) =>
  ({
    'x-amz-copy-source': 'handled',
    'x-amz-copy-source-if-match': 'handled',
    'x-amz-copy-source-if-none-match': 'handled',
    'x-amz-copy-source-if-modified-since': 'handled',
    'x-amz-copy-source-if-unmodified-since': 'handled',
    // The copy source's SSE-C key, where it is an SSE-C object (see object-encryption.ts).
    'x-amz-copy-source-server-side-encryption-customer-algorithm': 'handled',
    'x-amz-copy-source-server-side-encryption-customer-key': 'handled',
    'x-amz-copy-source-server-side-encryption-customer-key-md5': 'handled',
    'x-amz-source-expected-bucket-owner': sourceBucketOwner(
      (context) => parseCopySource(context.req.headers['x-amz-copy-source'] ?? '', operation).bucket,
    ),
  }) as const;

/** CopyObject and UploadPartCopy: PutObject and UploadPart with `x-amz-copy-source`. */
function copyDefinitions(copy: S3CopyApi, storage: StorageService) {
  return [
    defineS3({
      name: 'CopyObject',
      action: 's3:PutObject',
      conditions: (req) => ({
        ...newObjectConditions(req),
        ...headerConditions(req, ['x-amz-copy-source', 'x-amz-metadata-directive']),
        ...writeConditions(req, true),
      }),
      method: 'PUT',
      level: 'object',
      selectorHeader: 'x-amz-copy-source',
      headers: {
        ...OWNER,
        ...PAYER,
        ...NEW_OBJECT,
        ...copySourceInputs('CopyObject'),
        'x-amz-metadata-directive': 'handled',
        'x-amz-tagging-directive': 'handled',
        'x-amz-checksum-algorithm': 'handled',
        // The destination's conditions, as PutObject takes them.
        'if-match': 'handled',
        'if-none-match': ifNoneMatchStar,
      },
      query: {},
      handle: async (req, { bucket, key }) => {
        await authorizeNewObjectSettings(storage, req, bucket, key, {
          tags: req.headers['x-amz-tagging-directive'] === 'REPLACE',
        });
        return copy.copyObject(req, bucket, key);
      },
    }),
    defineS3({
      name: 'UploadPartCopy',
      action: 's3:PutObject',
      conditions: (req) => writeConditions(req, false),
      method: 'PUT',
      level: 'object',
      selector: { name: 'uploadId' },
      selectorHeader: 'x-amz-copy-source',
      headers: {
        ...OWNER,
        ...PAYER,
        ...copySourceInputs('UploadPartCopy'),
        'x-amz-copy-source-range': 'handled',
        ...each(SSE_C, () => 'handled'),
        ...each(SSE, sseNotForOperation),
      },
      query: { partNumber: 'handled' },
      handle: (req, { bucket, key }) => copy.uploadPartCopy(req, bucket, key),
    }),
  ];
}

/**
 * A replica's request (REPLICA_HEADER) from anyone but Seawall's own replication (another Seawall's, with the
 * credentials registered for it) needs the replication action besides its own, so no deny of the write is
 * escaped; Seawall's own is authorized as the replication action alone (the registry's replicaAction).
 */
async function authorizeReplicaWrite(
  req: OperationRequest,
  bucket: string,
  key: string,
  action: 's3:ReplicateObject' | 's3:ReplicateDelete' | 's3:ReplicateTags',
): Promise<void> {
  if (req.headers[REPLICA_HEADER] !== undefined && !isServiceReplica(req))
    await req.authorize({ action, resources: [s3Arn(bucket, key)] });
}

/**
 * A later change of a replica (its tags, ACL, retention or legal hold) that replication carries: authorized as
 * authorizeReplicaWrite says, and only to a version that is a replica, never one of the destination's own.
 */
async function authorizeReplicaChange(
  storage: StorageService,
  req: OperationRequest,
  bucket: string,
  key: string,
  action: 's3:ReplicateObject' | 's3:ReplicateTags',
): Promise<void> {
  if (req.headers[REPLICA_HEADER] === undefined) return;
  await authorizeReplicaWrite(req, bucket, key, action);
  const version = await storage.headObject(bucket, key, queryValue(req.query, 'versionId'));
  if (version.replicationStatus !== 'REPLICA')
    throw badRequest('InvalidRequest', "A replica's change names a version that is not a replica.");
}

/** Object tagging (of a version with `versionId`) and bucket tagging. */
function taggingDefinitions(tagging: S3TaggingApi, storage: StorageService) {
  /** A tag change carried by another Seawall's replication needs s3:ReplicateTags besides its own action. */
  const asReplica =
    (handle: (req: OperationRequest, bucket: string, key: string) => Promise<ApiResponse>) =>
    async (req: OperationRequest, bucket: string, key: string) => {
      await authorizeReplicaChange(storage, req, bucket, key, 's3:ReplicateTags');
      return handle(req, bucket, key);
    };
  const objectTagging = (
    name: 'PutObjectTagging' | 'GetObjectTagging' | 'DeleteObjectTagging',
    method: 'PUT' | 'GET' | 'DELETE',
    handle: (req: OperationRequest, bucket: string, key: string) => Promise<ApiResponse>,
  ) =>
    defineS3({
      name,
      action: `s3:${name}`,
      versionAction: `s3:${name.replace('Object', 'ObjectVersion')}`,
      // Seawall's own replication carries a version's new tag set to its replica (replication.ts).
      ...(method === 'GET'
        ? {}
        : { replicaAction: 's3:ReplicateTags' as const, replicaNamesVersion: true as const }),
      existingObjectTags: true,
      // The tag set a put asks for, as s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys.
      ...(method === 'PUT' ? { bodyConditions: objectTaggingConditions } : {}),
      method,
      level: 'object',
      selector: { name: 'tagging' },
      headers: { ...OWNER, ...PAYER, ...(method === 'PUT' ? DIGESTS : {}) },
      query: { versionId: validVersionId },
      handle: (req, { bucket, key }) => handle(req, bucket, key),
    });
  const bucketTagging = (
    name: 'PutBucketTagging' | 'GetBucketTagging' | 'DeleteBucketTagging',
    method: 'PUT' | 'GET' | 'DELETE',
    handle: (req: OperationRequest, bucket: string) => Promise<ApiResponse>,
  ) =>
    defineS3({
      name,
      // S3 has no s3:DeleteBucketTagging: deleting the tags is putting none.
      action: name === 'GetBucketTagging' ? 's3:GetBucketTagging' : 's3:PutBucketTagging',
      method,
      level: 'bucket',
      selector: { name: 'tagging' },
      headers: { ...OWNER, ...(method === 'PUT' ? DIGESTS : {}) },
      query: {},
      handle: (req, { bucket }) => handle(req, bucket),
    });
  return [
    objectTagging(
      'PutObjectTagging',
      'PUT',
      asReplica((req, b, k) => tagging.putObjectTagging(req, b, k)),
    ),
    objectTagging('GetObjectTagging', 'GET', (req, b, k) => tagging.getObjectTagging(req, b, k)),
    objectTagging(
      'DeleteObjectTagging',
      'DELETE',
      asReplica((req, b, k) => tagging.deleteObjectTagging(req, b, k)),
    ),
    bucketTagging('PutBucketTagging', 'PUT', (req, b) => tagging.putBucketTagging(req, b)),
    bucketTagging('GetBucketTagging', 'GET', (_req, b) => tagging.getBucketTagging(b)),
    bucketTagging('DeleteBucketTagging', 'DELETE', (_req, b) => tagging.deleteBucketTagging(b)),
  ];
}

/** The ACL headers of a request that sets an ACL. */
const ACL_HEADERS = each(['x-amz-acl', ...GRANT_HEADER_NAMES], () => 'handled');

/** ACLs and Object Ownership. */
function aclDefinitions(acls: S3AclApi, storage: StorageService) {
  return [
    defineS3({
      name: 'GetBucketAcl',
      action: 's3:GetBucketAcl',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'acl' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => acls.getBucketAcl(bucket),
    }),
    defineS3({
      name: 'PutBucketAcl',
      action: 's3:PutBucketAcl',
      conditions: aclConditions,
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'acl' },
      headers: { ...OWNER, ...DIGESTS, ...ACL_HEADERS },
      query: {},
      handle: (req, { bucket }) => acls.putBucketAcl(req, bucket),
    }),
    defineS3({
      name: 'GetObjectAcl',
      existingObjectTags: true,
      action: 's3:GetObjectAcl',
      versionAction: 's3:GetObjectVersionAcl',
      method: 'GET',
      level: 'object',
      selector: { name: 'acl' },
      headers: { ...OWNER, ...PAYER },
      query: { versionId: validVersionId },
      handle: (req, { bucket, key }) => acls.getObjectAcl(req, bucket, key),
    }),
    defineS3({
      name: 'PutObjectAcl',
      existingObjectTags: true,
      action: 's3:PutObjectAcl',
      versionAction: 's3:PutObjectVersionAcl',
      // Seawall's own replication carries a replicated version's ACL to its replica (replication.ts).
      replicaAction: 's3:ReplicateObject',
      replicaNamesVersion: true,
      conditions: aclConditions,
      method: 'PUT',
      level: 'object',
      selector: { name: 'acl' },
      headers: { ...OWNER, ...PAYER, ...DIGESTS, ...ACL_HEADERS },
      query: { versionId: validVersionId },
      handle: async (req, { bucket, key }) => {
        await authorizeReplicaChange(storage, req, bucket, key, 's3:ReplicateObject');
        return acls.putObjectAcl(req, bucket, key);
      },
    }),
    defineS3({
      name: 'GetBucketOwnershipControls',
      action: 's3:GetBucketOwnershipControls',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'ownershipControls' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => acls.getOwnershipControls(bucket),
    }),
    defineS3({
      name: 'PutBucketOwnershipControls',
      action: 's3:PutBucketOwnershipControls',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'ownershipControls' },
      headers: { ...OWNER, ...DIGESTS },
      query: {},
      handle: (req, { bucket }) => acls.putOwnershipControls(req, bucket),
    }),
    defineS3({
      name: 'DeleteBucketOwnershipControls',
      // The API reference: deleting the controls takes s3:PutBucketOwnershipControls.
      action: 's3:PutBucketOwnershipControls',
      method: 'DELETE',
      level: 'bucket',
      selector: { name: 'ownershipControls' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => acls.deleteOwnershipControls(bucket),
    }),
  ];
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

/** Replication configuration: which versions go to which other endpoint's buckets. */
function replicationDefinitions(replication: S3ReplicationApi) {
  return [
    defineS3({
      name: 'PutBucketReplication',
      action: 's3:PutReplicationConfiguration',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'replication' },
      headers: { ...OWNER, ...DIGESTS },
      query: {},
      handle: (req, { bucket }) => replication.put(req, bucket),
    }),
    defineS3({
      name: 'GetBucketReplication',
      action: 's3:GetReplicationConfiguration',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'replication' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => replication.get(bucket),
    }),
    defineS3({
      name: 'DeleteBucketReplication',
      action: 's3:PutReplicationConfiguration',
      method: 'DELETE',
      level: 'bucket',
      selector: { name: 'replication' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => replication.delete(bucket),
    }),
  ];
}

/** Event notification configuration: who is told of which changes. */
function notificationDefinitions(notifications: S3NotificationApi) {
  return [
    defineS3({
      name: 'PutBucketNotificationConfiguration',
      action: 's3:PutBucketNotification',
      method: 'PUT',
      level: 'bucket',
      selector: { name: 'notification' },
      headers: { ...OWNER, ...DIGESTS, [SKIP_VALIDATION_HEADER]: 'handled' },
      query: {},
      handle: (req, { bucket }) => notifications.put(req, bucket),
    }),
    defineS3({
      name: 'GetBucketNotificationConfiguration',
      action: 's3:GetBucketNotification',
      method: 'GET',
      level: 'bucket',
      selector: { name: 'notification' },
      headers: OWNER,
      query: {},
      handle: (_req, { bucket }) => notifications.get(bucket),
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

function definitions(
  storage: StorageService,
  objects: S3ObjectApi,
  buckets: S3BucketApi,
  multipart: S3MultipartApi,
  acls: S3AclApi,
) {
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
        'x-amz-bucket-object-lock-enabled': objectLockEnabled,
        'x-amz-object-ownership': ownershipHeaderRule,
        'x-amz-bucket-namespace': onlyValue('x-amz-bucket-namespace', (v) => v === 'global'),
        'x-amz-acl': newBucketAclRule,
        ...each(GRANT_HEADER_NAMES, () => newBucketAclRule),
      },
      query: {},
      handle: (req, { bucket }) => buckets.createBucket(req, bucket, acls.newBucketSettings(req)),
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
        delimiter: 'handled',
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
      replicaAction: 's3:ReplicateObject',
      conditions: (req) => ({ ...newObjectConditions(req), ...writeConditions(req, true) }),
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
      handle: async (req, { bucket, key }) => {
        await authorizeNewObjectSettings(storage, req, bucket, key, {
          replica: req.headers[REPLICA_HEADER] !== undefined,
        });
        return objects.putObject(req, bucket, key);
      },
    }),
    defineS3({
      name: 'GetObject',
      existingObjectTags: true,
      action: 's3:GetObject',
      versionAction: 's3:GetObjectVersion',
      method: 'GET',
      level: 'object',
      readsKey: true,
      ...READ_OBJECT,
      handle: (req, { bucket, key }) => objects.getObject(req, bucket, key),
    }),
    defineS3({
      name: 'HeadObject',
      existingObjectTags: true,
      action: 's3:GetObject',
      versionAction: 's3:GetObjectVersion',
      method: 'HEAD',
      level: 'object',
      readsKey: true,
      ...READ_OBJECT,
      handle: (req, { bucket, key }) => objects.headObject(req, bucket, key),
    }),
    defineS3({
      name: 'GetObjectAttributes',
      action: 's3:GetObjectAttributes',
      versionAction: 's3:GetObjectVersionAttributes',
      method: 'GET',
      level: 'object',
      selector: { name: 'attributes' },
      headers: {
        ...OWNER,
        ...PAYER,
        'x-amz-object-attributes': 'handled',
        'x-amz-max-parts': 'handled',
        'x-amz-part-number-marker': 'handled',
        ...each(SSE_C, () => 'handled'),
      },
      query: { versionId: validVersionId },
      readsKey: true,
      handle: (req, { bucket, key }) => objects.getObjectAttributes(req, bucket, key),
    }),
    defineS3({
      name: 'DeleteObject',
      action: 's3:DeleteObject',
      versionAction: 's3:DeleteObjectVersion',
      replicaAction: 's3:ReplicateDelete',
      method: 'DELETE',
      level: 'object',
      headers: { ...OWNER, ...PAYER, ...BYPASS_GOVERNANCE, 'if-match': 'handled' },
      query: { versionId: validVersionId },
      handle: async (req, { bucket, key }) => {
        await authorizeReplicaWrite(req, bucket, key, 's3:ReplicateDelete');
        return objects.deleteObject(req, bucket, key);
      },
    }),
    defineS3({
      name: 'CreateMultipartUpload',
      action: 's3:PutObject',
      replicaAction: 's3:ReplicateObject',
      conditions: (req) => ({ ...newObjectConditions(req), ...writeConditions(req, false) }),
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
      handle: async (req, { bucket, key }) => {
        await authorizeNewObjectSettings(storage, req, bucket, key, {
          replica: req.headers[REPLICA_HEADER] !== undefined,
        });
        return multipart.create(req, bucket, key);
      },
    }),
    defineS3({
      name: 'UploadPart',
      action: 's3:PutObject',
      replicaAction: 's3:ReplicateObject',
      conditions: (req) => writeConditions(req, false),
      method: 'PUT',
      level: 'object',
      selector: { name: 'uploadId' },
      headers: {
        ...OWNER,
        ...PAYER,
        ...DIGESTS,
        ...each(SSE_C, () => 'handled'),
        ...each(SSE, sseNotForOperation),
      },
      query: { partNumber: 'handled', versionId: versionIdRefused },
      handle: (req, { bucket, key }) => multipart.uploadPart(req, bucket, key),
    }),
    defineS3({
      name: 'CompleteMultipartUpload',
      action: 's3:PutObject',
      replicaAction: 's3:ReplicateObject',
      conditions: (req) => writeConditions(req, true),
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
        // An SSE-C upload's key: Seawall joins the parts into one object, which needs it.
        ...each(SSE_C, () => 'handled'),
        'if-match': 'handled',
        'if-none-match': ifNoneMatchStar,
        'x-amz-mp-object-size': objectSizeHeader,
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

/**
 * The condition keys of a new object's write (PutObject, CreateMultipartUpload) that its headers supply, as
 * the Service Authorization Reference lists them for s3:PutObject: a policy can require or forbid an ACL,
 * an encryption or a storage class whether or not Seawall would honour it, so it decides first.
 */
function newObjectConditions(req: ApiRequest): ConditionValues {
  return {
    ...headerConditions(req, [
      'x-amz-acl',
      ...OBJECT_GRANT_HEADER_NAMES,
      'x-amz-server-side-encryption',
      'x-amz-server-side-encryption-aws-kms-key-id',
      'x-amz-server-side-encryption-customer-algorithm',
      'x-amz-storage-class',
      'x-amz-website-redirect-location',
      'x-amz-content-sha256',
    ]),
    's3:object-lock-mode': req.headers['x-amz-object-lock-mode'],
    's3:object-lock-retain-until-date': req.headers['x-amz-object-lock-retain-until-date'],
    's3:object-lock-remaining-retention-days': remainingRetentionDays(
      req.headers['x-amz-object-lock-retain-until-date'],
    ),
    's3:object-lock-legal-hold': req.headers['x-amz-object-lock-legal-hold'],
    ...requestTagConditions(() => {
      const header = req.headers['x-amz-tagging'];
      return header === undefined ? undefined : parseTaggingHeader(header);
    }),
  };
}

/**
 * The condition keys S3's guide to enforcing conditional writes names: s3:if-match and s3:if-none-match, the
 * request's conditional headers, and s3:ObjectCreationOperation, "true" for a request that creates the object
 * (PutObject, CopyObject, POST, CompleteMultipartUpload) and "false" for one that only prepares it
 * (CreateMultipartUpload, UploadPart, UploadPartCopy), which takes no conditional header.
 */
function writeConditions(req: ApiRequest, creates: boolean): ConditionValues {
  return {
    ...(creates ? headerConditions(req, ['if-match', 'if-none-match']) : {}),
    's3:ObjectCreationOperation': String(creates),
  };
}

/** Put*Acl's condition keys: the canned ACL and the grants it asks for. */
function aclConditions(req: ApiRequest): ConditionValues {
  return headerConditions(req, ['x-amz-acl', ...GRANT_HEADER_NAMES]);
}

/** CreateBucket's condition keys from its headers: the ACL it asks for and its object ownership. */
function createBucketConditions(req: ApiRequest): ConditionValues {
  return headerConditions(req, [
    'x-amz-acl',
    ...GRANT_HEADER_NAMES,
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
  /** Resolves the roles a configuration passes to S3 (replication's Role). */
  roles: Pick<ServiceRoles, 'resolveRoleArn'>;
  /** Finds the principals a bucket policy names that do not exist; none are looked up without it. */
  principals?: PrincipalLookup;
  baseDomains: readonly string[];
}): ServiceEndpoint {
  const cors = createS3CorsApi(deps.storage);
  const table = registerOperations('s3', [
    ...operations(deps.storage, cors, deps.roles, deps.principals),
    postObject(deps.storage),
  ]);
  const preflight = preflightOperation(cors);
  return {
    protocol: 'restXml',
    operations: registerOperations('s3', [...table, preflight]),
    async resolve(req: ApiRequest) {
      const address = addressOf(req, deps.baseDomains);
      const level: S3Level =
        address.bucket === undefined ? 'service' : address.key === undefined ? 'bucket' : 'object';
      if (req.method === 'OPTIONS' && level !== 'service') return { operation: preflight, raw: address };
      return { operation: resolveS3Operation(table, req, level), raw: address };
    },
    async crossOriginHeaders(req) {
      // A preflight answers for itself; other requests carry the headers of the rule their Origin matches.
      if (req.method === 'OPTIONS' || req.headers.origin === undefined) return {};
      const { bucket } = addressOf(req, deps.baseDomains);
      return bucket === undefined ? {} : cors.actualRequestHeaders(req, bucket);
    },
  };
}
