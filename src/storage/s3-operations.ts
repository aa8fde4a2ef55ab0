import { isAppError, notFound } from '../errors.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import type { ConditionValues, Operation, OperationRequest, Principal } from '../lib/operation.js';
import { isServiceReplica } from './replication.js';
import { s3Arn } from './s3-arn.js';
import {
  S3_METADATA_PREFIX,
  S3_QUERY_PARAMETERS,
  S3_REQUEST_HEADERS,
  S3_SUBRESOURCES,
  type S3Header,
  type S3QueryName,
} from './s3-vocabulary.js';
import { methodNotAllowed, notImplementedHeader, notImplementedParameter } from './s3-wire.js';
import type { StorageService } from './storage-types.js';
import { existingTagConditions, tagsOf } from './tagging.js';
import { namingMethod } from './versioning.js';

/** The S3 operations Seawall answers, by AWS's names. */
export type S3OperationName =
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'RestoreObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListObjectVersions'
  | 'PutBucketVersioning'
  | 'GetBucketVersioning'
  | 'PutBucketEncryption'
  | 'GetBucketEncryption'
  | 'DeleteBucketEncryption'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'GetBucketLocation'
  | 'ListBuckets'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'ListMultipartUploads'
  | 'PostObject'
  | 'PutBucketPolicy'
  | 'GetBucketPolicy'
  | 'DeleteBucketPolicy'
  | 'GetBucketPolicyStatus'
  | 'PutPublicAccessBlock'
  | 'GetPublicAccessBlock'
  | 'DeletePublicAccessBlock'
  | 'GetObjectAttributes'
  | 'PutBucketCors'
  | 'GetBucketCors'
  | 'DeleteBucketCors'
  | 'PutObjectLockConfiguration'
  | 'GetObjectLockConfiguration'
  | 'PutObjectRetention'
  | 'GetObjectRetention'
  | 'PutObjectLegalHold'
  | 'GetObjectLegalHold'
  | 'CopyObject'
  | 'UploadPartCopy'
  | 'PutObjectTagging'
  | 'GetObjectTagging'
  | 'DeleteObjectTagging'
  | 'PutBucketTagging'
  | 'GetBucketTagging'
  | 'DeleteBucketTagging'
  | 'GetBucketAcl'
  | 'PutBucketAcl'
  | 'GetObjectAcl'
  | 'PutObjectAcl'
  | 'GetBucketOwnershipControls'
  | 'PutBucketOwnershipControls'
  | 'DeleteBucketOwnershipControls'
  | 'PutBucketLifecycleConfiguration'
  | 'GetBucketLifecycleConfiguration'
  | 'DeleteBucketLifecycle'
  | 'PutBucketNotificationConfiguration'
  | 'GetBucketNotificationConfiguration'
  | 'PutBucketReplication'
  | 'GetBucketReplication'
  | 'DeleteBucketReplication'
  | 'GetBucketLogging'
  | 'GetBucketAccelerateConfiguration'
  | 'GetBucketRequestPayment'
  | 'GetBucketWebsite'
  | 'PutBucketLogging'
  | 'PutBucketAccelerateConfiguration'
  | 'PutBucketRequestPayment'
  | 'PutBucketWebsite'
  | 'DeleteBucketWebsite';

export type S3Level = 'service' | 'bucket' | 'object';

/** What the request path names, by level: nothing, a bucket, or an object. */
export type S3Address<L extends S3Level> = L extends 'object'
  ? { bucket: string; key: string }
  : L extends 'bucket'
    ? { bucket: string }
    : Record<string, never>;

export interface InputContext {
  req: ApiRequest;
  storage: StorageService;
  bucket?: string;
  key?: string;
}

/** Checks the value of an input an operation understands, throwing AWS's error when it asks for more. */
export type InputRule = (value: string, context: InputContext) => void | Promise<void>;

/**
 * How an operation takes an input it understands:
 * - `handled`: its handler reads the input and honours it;
 * - `acknowledged`: the input asks for nothing Seawall would do differently (each use says why);
 * - a rule: checked before the handler runs, it accepts the values Seawall honours and refuses the others
 *   with AWS's own error.
 */
export type InputUse = 'handled' | 'acknowledged' | InputRule;

/**
 * One S3 operation, declared once: its name, how a request selects it, every request header and query
 * parameter of S3's vocabulary it understands, and its handler. The seed of the operation registry.
 */
export interface S3OperationDefinition<L extends S3Level> {
  readonly name: S3OperationName;
  /** The IAM action S3 checks for it (HeadObject is s3:GetObject, ListObjectsV2 is s3:ListBucket…). */
  readonly action: `s3:${string}`;
  /** The action when the request names a version (`versionId`): s3:GetObjectVersion, s3:DeleteObjectVersion… */
  readonly versionAction?: `s3:${string}`;
  /**
   * The action when the request is a replica's write by Seawall's own replication (isServiceReplica,
   * replication.ts): what S3 checks of a replication role at the destination, s3:ReplicateObject or
   * s3:ReplicateDelete, in place of the write's own action.
   */
  readonly replicaAction?: `s3:${string}`;
  /**
   * Set where the replica's request names the replica's version (tag replication): the replica action then
   * applies to it too. A write that names a version otherwise is never a replica's (a replicated delete makes a
   * marker, so deleting a version for good stays s3:DeleteObjectVersion).
   */
  readonly replicaNamesVersion?: true;

  /** The condition keys it supplies from the request (s3:prefix, s3:x-amz-acl…). */
  readonly conditions?: (req: ApiRequest) => ConditionValues;
  /**
   * Supplies s3:ExistingObjectTag/<key> from the tags of the version the request names, as S3 does for the
   * actions that read an object or set one of its settings.
   */
  readonly existingObjectTags?: true;
  /**
   * Condition keys the request's body supplies (PutObjectTagging's tag set as s3:RequestObjectTag/<key>): read
   * only when a policy tests them, like the existing tags.
   */
  readonly bodyConditions?: (req: OperationRequest) => Promise<ConditionValues>;
  /** Set when the handler authorizes each item itself (DeleteObjects' keys). */
  readonly itemized?: true;
  /** Set on reads of an object, which answer a key that is not there as S3 does (see answerMissingKey). */
  readonly readsKey?: true;
  /**
   * Set on an S3 operation Seawall does not do, declared so that its request is told so (NotImplemented, before
   * it is authorized) rather than taken for another operation or a method the selector does not have.
   */
  readonly notImplemented?: true;
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  readonly level: L;
  /** The query name (and value) that selects this operation among others on the same method and level. */
  readonly selector?: { readonly name: S3QueryName; readonly value?: string };
  /** A header whose presence selects this operation over one without it (x-amz-copy-source: CopyObject). */
  readonly selectorHeader?: S3Header;
  /** Headers it understands; the rest of S3's vocabulary is refused. `x-amz-meta-*` stands for metadata. */
  readonly headers: Readonly<Partial<Record<S3Header, InputUse>>>;
  /** Query parameters and subresources it understands, besides its selector; the rest are refused. */
  readonly query: Readonly<Partial<Record<S3QueryName, InputUse>>>;
  /**
   * The handler. An itemized one is given the input checks to run once a first item is authorized, so a
   * caller allowed nothing learns nothing from them.
   */
  readonly handle: (
    req: OperationRequest,
    address: S3Address<L>,
    checkInputs: () => Promise<void>,
  ) => Promise<ApiResponse>;
}

/** What the router found in a request's path: the bucket and key it names, if any. */
export interface S3Path {
  readonly bucket?: string;
  readonly key?: string;
}

/**
 * An S3 operation in the registry: its input is the address (or, for POST Object, what its form adds to it),
 * checked against its declared inputs.
 */
export interface S3Operation<I = S3Path> extends Operation<S3Path, I> {
  readonly name: S3OperationName;
  readonly method: string;
  readonly level: S3Level;
  readonly selector: { readonly name: string; readonly value?: string } | undefined;
  readonly selectorHeader?: string | undefined;
  readonly headers: Readonly<Partial<Record<string, InputUse>>>;
  readonly query: Readonly<Partial<Record<string, InputUse>>>;
}

/**
 * Declares an S3 operation; the type demands its IAM action and its understood headers and query parameters.
 * Its resource is what its path names (the bucket or the object; none for ListBuckets).
 */
export function defineS3Operation<L extends S3Level>(
  definition: S3OperationDefinition<L>,
  storage: StorageService,
): S3Operation {
  const { conditions, existingObjectTags, bodyConditions } = definition;
  /** The version's tags as condition keys; a missing object has none (whether it exists is told only later). */
  const existingTags = async ({ bucket, key }: S3Path, req: OperationRequest): Promise<ConditionValues> => {
    if (bucket === undefined || key === undefined) return {};
    const version = queryValue(req.query, 'versionId');
    // Not found (or an invalid version id) is no tags; a failing read fails the request, never allows it.
    const object = await storage.headObject(bucket, key, version).catch((error: unknown) => {
      if (isAppError(error)) return undefined;
      throw error;
    });
    return existingTagConditions(tagsOf(object?.tags));
  };
  const operation: S3Operation = {
    service: 's3',
    name: definition.name,
    action: definition.action,
    ...(definition.versionAction || definition.replicaAction
      ? {
          actionFor: (_address: S3Path, req: OperationRequest) => {
            const versioned =
              definition.versionAction !== undefined && req.query.some(([name]) => name === 'versionId');
            if (
              definition.replicaAction &&
              (!versioned || definition.replicaNamesVersion) &&
              isServiceReplica(req)
            )
              return definition.replicaAction;
            return versioned && definition.versionAction ? definition.versionAction : definition.action;
          },
        }
      : {}),
    method: definition.method,
    level: definition.level,
    selector: definition.selector,
    selectorHeader: definition.selectorHeader,
    headers: definition.headers,
    query: definition.query,
    ...(definition.itemized ? { itemized: true } : {}),
    decode: async (address, req) => {
      if (definition.notImplemented)
        throw notImplementedParameter(definition.selector?.name ?? definition.name, true);
      refuseOtherOperations(operation, req);
      return address;
    },
    resources: async ({ bucket, key }, req) => {
      if (bucket === undefined) return ['*'];
      if (definition.name !== 'CreateBucket') await revealMissingBucket(storage, req.principal, bucket);
      return definition.itemized ? [] : [s3Arn(bucket, key)];
    },
    // S3 supplies s3:versionid to the actions that act on a version the request names.
    conditions: (_address: S3Path, req: OperationRequest) => {
      const versionId = definition.versionAction ? queryValue(req.query, 'versionId') : undefined;
      return {
        ...s3RequestKeys(req),
        ...conditions?.(req),
        ...(versionId !== undefined ? { 's3:versionid': versionId } : {}),
      };
    },
    ...(existingObjectTags || bodyConditions
      ? {
          lookedUpConditions: async (address: S3Path, req: OperationRequest) => ({
            ...(existingObjectTags ? await existingTags(address, req) : {}),
            ...(bodyConditions ? await bodyConditions(req) : {}),
          }),
        }
      : {}),
    ...(definition.readsKey
      ? {
          // A caller denied the read of a key that is not there is told so (404) if it may list the bucket at
          // the key: asked first, so that a caller who may not learns nothing, not even from the time taken.
          // The current object's absence only: a version named is its own action's to reveal.
          denied: async (address: S3Path, signed: OperationRequest) => {
            const req = withS3RequestKeys(signed);
            const { bucket, key } = address;
            if (bucket === undefined || key === undefined || queryValue(req.query, 'versionId') !== undefined)
              return;
            const mayList = await authorizeListingAt(req, bucket, key).then(
              () => true,
              () => false,
            );
            if (!mayList) return;
            await checkS3Inputs(operation, { req, storage, ...address });
            // A plain NoSuchKey: a delete marker's headers name its version, which listing does not tell.
            const missing = await storage.headObject(bucket, key).then(
              () => false,
              (error: unknown) => {
                if (isAppError(error) && error.code === 'NoSuchKey') return true;
                throw error;
              },
            );
            if (missing) throw notFound('NoSuchKey', 'The specified key does not exist.', { Key: key });
          },
        }
      : {}),
    // S3 authorizes before it looks at what a request asks for: a caller that may not make the request learns
    // neither what Seawall refuses nor, through the rules that read them, whether the object exists.
    handle: async (address, signed) => {
      const req = withS3RequestKeys(signed);
      const checkInputs = () => checkS3Inputs(operation, { req, storage, ...address });
      if (!definition.itemized) await checkInputs();
      const answer = definition.handle(req, address as S3Address<L>, checkInputs).catch((error: unknown) => {
        throw namingMethod(error, req.method);
      });
      const { bucket, key } = address;
      if (!definition.readsKey || bucket === undefined || key === undefined) return answer;
      return answer.catch((error: unknown) => {
        if (!isAppError(error) || error.code !== 'NoSuchKey') throw error;
        return answerMissingKey(req, bucket, key, error);
      });
    },
  };
  return operation;
}

/**
 * The condition keys every S3 action has of how its request was signed ("Amazon S3 Signature Version 4
 * Authentication Specific Policy Keys"): s3:authType (REST-HEADER, REST-QUERY-STRING for a presigned URL, POST
 * for a browser form), s3:signatureversion (AWS4-HMAC-SHA256, or AWS for Signature Version 2, which Seawall
 * takes only in a POST form where the region allows it, as post-form.ts judges it) and s3:signatureAge
 * (milliseconds since the signature's date, as the verifier read it: X-Amz-Date, else a header request's Date;
 * always 0 for Signature Version 2). An unsigned request has none.
 */
export function s3RequestKeys(req: OperationRequest): ConditionValues {
  if (req.principal.type === 'Anonymous') return {};
  if (req.form && !req.form.fields.has('x-amz-signature'))
    return { 's3:authType': 'POST', 's3:signatureversion': 'AWS', 's3:signatureAge': '0' };
  const presigned = req.query.some(([name]) => name === 'X-Amz-Signature');
  const authType = req.form ? 'POST' : presigned ? 'REST-QUERY-STRING' : 'REST-HEADER';
  const amzDate = req.form
    ? req.form.fields.get('x-amz-date')?.value
    : presigned
      ? queryValue(req.query, 'X-Amz-Date')
      : req.headers['x-amz-date'];
  const httpDate = authType === 'REST-HEADER' && amzDate === undefined ? req.headers.date : undefined;
  const signed =
    amzDate !== undefined ? parseAmzDate(amzDate) : httpDate !== undefined ? Date.parse(httpDate) : undefined;
  return {
    's3:authType': authType,
    's3:signatureversion': 'AWS4-HMAC-SHA256',
    ...(signed !== undefined && !Number.isNaN(signed)
      ? { 's3:signatureAge': String(Math.max(0, req.facts.time.getTime() - signed)) }
      : {}),
  };
}

/** `yyyyMMddTHHmmssZ`, as milliseconds since the epoch; undefined for anything else. */
function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

/**
 * The request with its further S3 checks (a copy's source, a new object's tags, ACL or lock, the listing that
 * answers a missing key) given the request's signing keys too, so that a policy on them cannot be escaped
 * through them; checks of other services' actions (KMS's) are left as they are.
 */
function withS3RequestKeys(req: OperationRequest): OperationRequest {
  const keys = s3RequestKeys(req);
  if (Object.keys(keys).length === 0) return req;
  return {
    ...req,
    authorize: (check) =>
      req.authorize(
        check.action.startsWith('s3:') ? { ...check, conditions: { ...keys, ...check.conditions } } : check,
      ),
  };
}

/**
 * S3's answer to a read of a key that is not there: 404 (`missing`) to a caller who may list the bucket at that
 * key (s3:ListBucket with s3:prefix the key), whether or not it may read the key; 403 to anyone else, so that
 * reads cannot enumerate keys. Listing would tell the caller as much.
 */
async function answerMissingKey(
  req: OperationRequest,
  bucket: string,
  key: string,
  missing: Error,
): Promise<never> {
  await authorizeListingAt(req, bucket, key);
  throw missing;
}

/** May the caller list the bucket at the key (s3:ListBucket with s3:prefix the key)? AccessDenied if not. */
function authorizeListingAt(req: OperationRequest, bucket: string, key: string): Promise<void> {
  return req.authorize({
    action: 's3:ListBucket',
    resources: [s3Arn(bucket)],
    conditions: { 's3:prefix': key },
  });
}

/**
 * S3 tells anyone that a bucket does not exist (404 NoSuchBucket), even an anonymous caller it would deny;
 * checked before authorization for anonymous requests, which no policy of a missing bucket could allow. The
 * bucket's owner comes from the cache the authorizer reads anyway; only a bucket not found there is looked
 * up, and answered NoSuchBucket.
 */
export async function revealMissingBucket(
  storage: Pick<StorageService, 'access' | 'headBucket'>,
  principal: Principal,
  bucket: string,
): Promise<void> {
  if (principal.type === 'Anonymous' && (await storage.access.owner(bucket)) === undefined)
    await storage.headBucket(bucket);
}

const HEADERS: ReadonlySet<string> = new Set(S3_REQUEST_HEADERS);
const QUERY_PARAMETERS: ReadonlySet<string> = new Set(S3_QUERY_PARAMETERS);
const SUBRESOURCES: ReadonlySet<string> = new Set(S3_SUBRESOURCES);

/**
 * Headers that describe the HTTP message rather than ask the operation for anything: every operation takes
 * them. Those an upload stores (Content-Type…) are declared `handled` where they are; Range is ignored where
 * range handling is not defined, as HTTP requires (RFC 9110 §14.2).
 */
const MESSAGE_HEADERS: ReadonlySet<string> = new Set([
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'range',
]);

/** `x-id` names the operation the SDK meant; the method and selector already say it. */
const ALWAYS_UNDERSTOOD_QUERY: ReadonlySet<string> = new Set(['x-id']);

function selects(req: ApiRequest, selector: S3Operation['selector']): boolean {
  if (!selector) return false;
  return req.query.some(
    ([name, value]) => name === selector.name && (selector.value === undefined || value === selector.value),
  );
}

/** What routing and input checks read of an operation, whatever its input. */
export type S3Route = Pick<
  S3Operation<unknown>,
  'name' | 'method' | 'level' | 'selector' | 'selectorHeader' | 'headers' | 'query'
>;

/** Picks the operation a request names: its level, method and selector. */
export function resolveS3Operation<T extends S3Route>(
  operations: readonly T[],
  req: ApiRequest,
  level: S3Level,
): T {
  const candidates = operations.filter((op) => op.level === level && op.method === req.method);
  // Among operations of the same selector, one a header selects wins over the one without (CopyObject over
  // PutObject); with no such header, the one without.
  const byHeader = (ops: readonly T[]) =>
    ops.find((op) => op.selectorHeader !== undefined && req.headers[op.selectorHeader] !== undefined) ??
    ops.find((op) => op.selectorHeader === undefined);
  const operation =
    byHeader(candidates.filter((op) => selects(req, op.selector))) ??
    byHeader(candidates.filter((op) => !op.selector));
  const resource = level === 'service' ? 'SERVICE' : level.toUpperCase();
  if (!operation) throw methodNotAllowed(req.method, resource);
  // A selector of another operation here (PUT ?location) names an operation that has no such method.
  for (const other of operations) {
    const name = other.selector?.name;
    if (
      name !== undefined &&
      name !== operation.selector?.name &&
      operation.query[name] === undefined &&
      req.query.some(([n]) => n === name)
    )
      throw methodNotAllowed(req.method, resource);
  }
  return operation;
}

function headerUse(operation: S3Route, name: string): InputUse | 'ignored' | 'refused' {
  if (name.startsWith(S3_METADATA_PREFIX)) return operation.headers['x-amz-meta-*'] ?? 'refused';
  if (!HEADERS.has(name)) return 'ignored';
  const use = operation.headers[name];
  if (use !== undefined) return use;
  return MESSAGE_HEADERS.has(name) ? 'ignored' : 'refused';
}

function queryUse(operation: S3Route, name: string): InputUse | 'ignored' | 'refused' {
  if (name === operation.selector?.name || ALWAYS_UNDERSTOOD_QUERY.has(name)) return 'handled';
  if (!QUERY_PARAMETERS.has(name) && !SUBRESOURCES.has(name)) return 'ignored';
  return operation.query[name] ?? 'refused';
}

/** Headers that make a request another operation (CopyObject, UploadPartCopy) rather than ask this one for more. */
const OPERATION_HEADERS: ReadonlySet<string> = new Set(['x-amz-copy-source']);

/**
 * Refuses, before it is authorized, a request for an S3 operation Seawall does not implement: a subresource the
 * resolved operation does not take (`GET /b?acl` is GetBucketAcl) or a copy source on a write (CopyObject).
 * Authorizing it as the operation that was resolved would check the wrong action.
 */
export function refuseOtherOperations(operation: S3Route, req: ApiRequest): void {
  const header = Object.keys(req.headers).find(
    (name) => OPERATION_HEADERS.has(name) && headerUse(operation, name) === 'refused',
  );
  if (header !== undefined) throw notImplementedHeader(header);
  const subresource = req.query
    .map(([name]) => name)
    .find((name) => SUBRESOURCES.has(name) && queryUse(operation, name) === 'refused');
  if (subresource !== undefined) throw notImplementedParameter(subresource, true);
}

/**
 * Checks a request against its operation's declaration once it is authorized, before the handler runs: any
 * header or query name of S3's vocabulary the operation does not understand is refused (NotImplemented), then
 * the rules of the inputs it understands run, in the order the operation declares them.
 */
export async function checkS3Inputs(operation: S3Route, context: InputContext): Promise<void> {
  const { req } = context;
  const refusedHeader = Object.keys(req.headers)
    .filter((name) => headerUse(operation, name) === 'refused')
    .sort()[0];
  if (refusedHeader !== undefined) throw notImplementedHeader(refusedHeader);
  const refusedQuery = req.query
    .map(([name]) => name)
    .find((name) => queryUse(operation, name) === 'refused');
  if (refusedQuery !== undefined) throw notImplementedParameter(refusedQuery, SUBRESOURCES.has(refusedQuery));
  for (const [name, use] of Object.entries(operation.headers)) {
    if (typeof use !== 'function') continue;
    if (name === 'x-amz-meta-*') continue;
    const value = req.headers[name];
    if (value !== undefined) await use(value, context);
  }
  for (const [name, use] of Object.entries(operation.query)) {
    if (typeof use !== 'function') continue;
    const found = req.query.find(([n]) => n === name);
    if (found) await use(found[1], context);
  }
}
