import { createHash } from 'node:crypto';
import { AppError, badRequest } from '../errors.js';
import type { Authorize, ConditionValues, OperationRequest } from '../lib/operation.js';
import { s3RequestKeys } from './s3-operations.js';
import { asRecord, malformedXml, notImplementedHeader, onlyElements } from './s3-wire.js';

/**
 * Server-side encryption as S3 speaks it: what a write asks for (x-amz-server-side-encryption and its
 * companions, or the bucket's default), what a version stores of how its data key is sealed, and the headers
 * that answer it. Every object is encrypted (DESIGN.md, decision 3): SSE-S3 under a key Seawall owns unless
 * the write or the bucket names a KMS key.
 */

export type SseAlgorithm = 'AES256' | 'aws:kms';

const ALGORITHMS: ReadonlySet<string> = new Set(['AES256', 'aws:kms']);
/** DSSE-KMS seals every object twice; Seawall seals once, so it refuses to pretend (DESIGN.md, decision 9). */
const DUAL_LAYER = 'aws:kms:dsse';

/**
 * What a write asks for: the algorithm, for SSE-KMS the key (absent: aws/s3), context and bucket key, and for
 * SSE-C the customer's key.
 */
export interface EncryptionRequest {
  /** Absent when a write names only an S3 Bucket Key setting: the bucket's default, with that setting. */
  algorithm?: SseAlgorithm;
  keyId?: string;
  context?: Record<string, string>;
  bucketKey?: boolean;
  customerKey?: CustomerKey;
}

/** What a write gets, once the bucket's default has filled in what it did not ask for. */
export type ChosenEncryption = EncryptionRequest & { algorithm: SseAlgorithm };

/** An SSE-C key as a request gives it: 32 bytes, and the base64 MD5 S3 answers to name it. */
export interface CustomerKey {
  key: Buffer;
  md5: string;
}

/** How a version's (or an upload's) data key is sealed, as its row stores it (JSON). */
export interface ObjectEncryption {
  algorithm: SseAlgorithm;
  /** The KMS key's ARN (SSE-KMS). */
  keyId?: string;
  bucketKey?: boolean;
  /** The caller's encryption context, as S3 answers it (base64 JSON), where one was given. */
  context?: string;
  /** SSE-C: the base64 MD5 of the customer's key, whose key seals the data key (S3 keeps no more of it). */
  customerKeyMd5?: string;
  /** The data key, sealed (base64): a KMS ciphertext blob, or sealed under Seawall's S3 key. */
  wrapped: string;
}

/** Where an object's key lives and whose keys it uses. */
export interface KeyTarget {
  bucket: string;
  key: string;
  /**
   * The bucket owner's account: a key a write names without an ARN is that account's. Stored objects name
   * theirs by ARN, so reads leave it empty.
   */
  accountId: string;
}

/**
 * The permission checks S3 makes for its caller on a KMS key: kms:GenerateDataKey to write under it,
 * kms:Decrypt to read (and to complete a multipart upload). Absent for Seawall's own reads and writes (a
 * job already authorized for the data it moves).
 */
export type KeyCheck = (check: {
  action: 'kms:GenerateDataKey' | 'kms:Decrypt';
  resource: string;
  conditions: Record<string, string | string[]>;
  /** The key's own condition keys (its tags, aliases, spec…), looked up only when a policy is evaluated. */
  lookedUpConditions?: (resource: string) => Promise<ConditionValues>;
}) => Promise<void>;

/**
 * What a request brings to reach an object's data key: the caller's KMS checks (absent for Seawall's own
 * reads and writes, jobs already authorized for the data they move), and the SSE-C key it sent.
 */
export interface KeyAccess {
  check?: KeyCheck;
  customerKey?: CustomerKey;
}

/** Makes and opens objects' data keys (implemented over KMS, see kms/object-keyring.ts). */
export interface ObjectKeyring {
  /** A fresh data key for a new object or upload, and how it is sealed. */
  create(
    request: ChosenEncryption,
    target: KeyTarget,
    access?: KeyAccess,
  ): Promise<{ dataKey: Buffer; encryption: ObjectEncryption }>;
  /**
   * The data key of a stored object or upload. An SSE-C object needs its key (InvalidRequest without, 403 with
   * another); an SSE-C key given for any other object is InvalidRequest, as in S3.
   */
  open(
    encryption: ObjectEncryption | undefined,
    target: KeyTarget,
    access?: KeyAccess,
  ): Promise<Buffer | null>;
  /**
   * What open checks of a reader of an SSE-KMS object, without opening it: the caller's kms:Decrypt (with the
   * object's encryption context), and that the key is usable. Nothing for other objects.
   */
  checkRead(encryption: ObjectEncryption, target: KeyTarget, access: KeyAccess): Promise<void>;
  /**
   * What create checks of a writer, without making a data key: for SSE-KMS, the caller's kms:GenerateDataKey
   * (with the object's encryption context), and that the key is usable. Nothing for other encryption.
   */
  checkWrite(request: ChosenEncryption, target: KeyTarget, access: KeyAccess): Promise<void>;
}

/** A bucket's default encryption (its `encryption` setting), and whether SSE-C writes are blocked. */
export interface BucketEncryption {
  algorithm: SseAlgorithm;
  keyId?: string;
  bucketKey: boolean;
  /** SSE-C writes are refused; S3's default for new buckets since April 2026. */
  blockSseC: boolean;
}

/** The regions where S3 left SSE-C allowed on new buckets in April 2026: Middle East (Bahrain) and (UAE). */
const SSE_C_ALLOWED_REGIONS: ReadonlySet<string> = new Set(['me-south-1', 'me-central-1']);

/**
 * Without a setting, a bucket encrypts with SSE-S3 and blocks SSE-C, as new S3 buckets do since April 2026
 * in every region but the two that kept SSE-C.
 */
export function defaultBucketEncryption(region: string): BucketEncryption {
  return { algorithm: 'AES256', bucketKey: false, blockSseC: !SSE_C_ALLOWED_REGIONS.has(region) };
}

export function parseStoredEncryption(text: string | null): ObjectEncryption | undefined {
  return text === null ? undefined : (JSON.parse(text) as ObjectEncryption);
}

/** A bucket's `encryption` setting, or the default of its region where it has none. */
export function parseBucketEncryption(text: string | undefined, region: string): BucketEncryption {
  return text === undefined ? defaultBucketEncryption(region) : (JSON.parse(text) as BucketEncryption);
}

function invalidArgument(message: string, name: string, value: string | undefined): AppError {
  return badRequest('InvalidArgument', message, {
    ArgumentName: name,
    ...(value !== undefined ? { ArgumentValue: value.slice(0, 256) } : {}),
  });
}

/** The base64 JSON string-to-string map of x-amz-server-side-encryption-context. */
function parseContext(header: string): Record<string, string> {
  const bad = () =>
    invalidArgument(
      "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map",
      'x-amz-server-side-encryption-context',
      undefined,
    );
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(header) || header.length % 4 !== 0) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad();
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.some(([, value]) => typeof value !== 'string')) throw bad();
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * The encryption a write's headers ask for (PutObject, CopyObject, CreateMultipartUpload, POST Object's
 * fields); undefined when they ask for none, so the bucket's default applies. The KMS companions without
 * aws:kms are refused as S3 refuses them.
 */
export function encryptionRequestOf(req: OperationRequest): EncryptionRequest | undefined {
  const asked = managedEncryptionOf(req.headers);
  const customerKey = customerKeyOf(req);
  if (!customerKey) return asked;
  if (asked)
    throw invalidArgument(
      'Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
      'x-amz-server-side-encryption',
      asked.algorithm,
    );
  return { algorithm: 'AES256', customerKey };
}

/** SSE-S3 or SSE-KMS as the x-amz-server-side-encryption headers ask for it. */
function managedEncryptionOf(
  headers: Readonly<Record<string, string | undefined>>,
): EncryptionRequest | undefined {
  const algorithm = headers['x-amz-server-side-encryption'];
  const keyId = headers['x-amz-server-side-encryption-aws-kms-key-id'];
  const context = headers['x-amz-server-side-encryption-context'];
  const bucketKey = headers['x-amz-server-side-encryption-bucket-key-enabled'];
  if (algorithm === undefined) {
    if (keyId !== undefined || context !== undefined)
      throw invalidArgument(
        'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
        'x-amz-server-side-encryption',
        undefined,
      );
    if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false')
      throw invalidArgument(
        'The bucket key enabled header value is invalid',
        'x-amz-server-side-encryption-bucket-key-enabled',
        bucketKey,
      );
    // The bucket's default encryption, with the write's own S3 Bucket Key setting where it gives one.
    return bucketKey === undefined ? undefined : { bucketKey: bucketKey === 'true' };
  }
  if (algorithm === DUAL_LAYER) throw notImplementedHeader('x-amz-server-side-encryption');
  if (!ALGORITHMS.has(algorithm))
    throw invalidArgument(
      'The encryption method specified is not supported',
      'x-amz-server-side-encryption',
      algorithm,
    );
  const kms = algorithm !== 'AES256';
  if (!kms && (keyId !== undefined || context !== undefined))
    throw invalidArgument(
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      'x-amz-server-side-encryption',
      algorithm,
    );
  if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false')
    throw invalidArgument(
      'The bucket key enabled header value is invalid',
      'x-amz-server-side-encryption-bucket-key-enabled',
      bucketKey,
    );
  if (keyId === '')
    throw invalidArgument(
      'x-amz-server-side-encryption-aws-kms-key-id cannot be empty',
      'x-amz-server-side-encryption-aws-kms-key-id',
      keyId,
    );
  return {
    algorithm: algorithm as SseAlgorithm,
    ...(kms && keyId !== undefined ? { keyId } : {}),
    ...(kms && context !== undefined ? { context: parseContext(context) } : {}),
    ...(kms && bucketKey !== undefined ? { bucketKey: bucketKey === 'true' } : {}),
  };
}

/** What a write gets: what it asked for, else the bucket's default (with its bucket key setting). */
export function chooseEncryption(
  asked: EncryptionRequest | undefined,
  bucket: BucketEncryption,
): ChosenEncryption {
  const algorithm = asked?.algorithm;
  // S3 Bucket Keys follow the bucket's setting unless the write says otherwise; they apply to SSE-KMS only.
  const bucketKey = asked?.bucketKey ?? bucket.bucketKey;
  if (algorithm !== undefined) {
    if (algorithm === 'AES256') return { ...asked, algorithm };
    return {
      ...asked,
      algorithm,
      bucketKey: asked?.bucketKey ?? (bucket.algorithm !== 'AES256' && bucket.bucketKey),
    };
  }
  return {
    algorithm: bucket.algorithm,
    ...(bucket.keyId !== undefined ? { keyId: bucket.keyId } : {}),
    ...(bucket.algorithm !== 'AES256' ? { bucketKey } : {}),
  };
}

/** The headers that say how an object is encrypted (PUT, GET, HEAD, copy, multipart answers). */
export function encryptionHeaders(
  encryption: ObjectEncryption | undefined,
  options: { context?: boolean } = {},
): Record<string, string> {
  if (!encryption) return {};
  if (encryption.customerKeyMd5 !== undefined)
    return {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key-md5': encryption.customerKeyMd5,
    };
  return {
    'x-amz-server-side-encryption': encryption.algorithm,
    ...(encryption.keyId !== undefined
      ? { 'x-amz-server-side-encryption-aws-kms-key-id': encryption.keyId }
      : {}),
    ...(encryption.bucketKey ? { 'x-amz-server-side-encryption-bucket-key-enabled': 'true' } : {}),
    ...(options.context && encryption.context !== undefined
      ? { 'x-amz-server-side-encryption-context': encryption.context }
      : {}),
  };
}

/** The base64 JSON S3 answers for an encryption context. */
export function contextHeader(context: Record<string, string>): string {
  return Buffer.from(JSON.stringify(context)).toString('base64');
}

const RULE_ELEMENTS = new Set([
  'ApplyServerSideEncryptionByDefault',
  'BucketKeyEnabled',
  'BlockedEncryptionTypes',
]);

/**
 * PutBucketEncryption's document, checked as S3 checks it; without BlockedEncryptionTypes, SSE-C is as the
 * bucket's region has it by default.
 */
export function readBucketEncryption(
  document: Record<string, unknown> | undefined,
  region: string,
): BucketEncryption {
  const config = asRecord(document);
  if (!config) throw malformedXml();
  onlyElements(config, ['Rule'], malformedXml);
  const rules = Array.isArray(config.Rule) ? config.Rule : config.Rule === undefined ? [] : [config.Rule];
  if (rules.length !== 1) throw malformedXml();
  const rule = asRecord(rules[0]);
  if (!rule) throw malformedXml();
  onlyElements(rule, RULE_ELEMENTS, malformedXml, { once: true });
  const applied = rule.ApplyServerSideEncryptionByDefault;
  const byDefault = applied === undefined ? undefined : asRecord(applied);
  if (applied !== undefined && !byDefault) throw malformedXml();
  let algorithm: SseAlgorithm = 'AES256';
  let keyId: string | undefined;
  if (byDefault) {
    onlyElements(byDefault, ['SSEAlgorithm', 'KMSMasterKeyID'], malformedXml, { once: true });
    const value = byDefault.SSEAlgorithm;
    if (typeof value !== 'string') throw malformedXml();
    if (value === DUAL_LAYER)
      throw new AppError('NotImplemented', 501, 'DSSE-KMS (aws:kms:dsse) is not implemented.');
    if (!ALGORITHMS.has(value)) throw malformedXml();
    algorithm = value as SseAlgorithm;
    const key = byDefault.KMSMasterKeyID;
    if (key !== undefined) {
      if (typeof key !== 'string' || key === '') throw malformedXml();
      if (algorithm === 'AES256')
        throw invalidArgument(
          'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
          'ApplyServerSideEncryptionByDefault',
          undefined,
        );
      keyId = key;
    }
  }
  const bucketKey = rule.BucketKeyEnabled;
  if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false') throw malformedXml();
  let blockSseC = defaultBucketEncryption(region).blockSseC;
  if (rule.BlockedEncryptionTypes !== undefined) {
    const blocked = asRecord(rule.BlockedEncryptionTypes);
    if (!blocked) throw malformedXml();
    onlyElements(blocked, ['EncryptionType'], malformedXml);
    const types = blocked.EncryptionType;
    const list = Array.isArray(types) ? types : types === undefined ? [] : [types];
    if (list.some((type) => type !== 'NONE' && type !== 'SSE-C')) throw malformedXml();
    if (list.includes('NONE') && list.length > 1) throw malformedXml();
    blockSseC = list.includes('SSE-C');
  }
  return {
    algorithm,
    ...(keyId !== undefined ? { keyId } : {}),
    bucketKey: bucketKey === 'true',
    blockSseC,
  };
}

/** GetBucketEncryption's document. */
export function bucketEncryptionDocument(config: BucketEncryption) {
  return {
    Rule: {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: config.algorithm,
        ...(config.keyId !== undefined ? { KMSMasterKeyID: config.keyId } : {}),
      },
      BucketKeyEnabled: config.bucketKey,
      BlockedEncryptionTypes: { EncryptionType: config.blockSseC ? 'SSE-C' : 'NONE' },
    },
  };
}

/**
 * The KMS checks S3 makes of a caller for an object (kms:Decrypt, kms:GenerateDataKey), made through `authorize`
 * as that caller, of `account`, with kms:CallerAccount as KMS supplies it: a request's own, or a query's or a
 * job's role's for what it reads and writes on the caller's behalf.
 */
export function keyCheck(authorize: Authorize, account: string): KeyCheck {
  return ({ action, resource, conditions, lookedUpConditions }) =>
    authorize({
      action,
      resources: [resource],
      conditions: { ...conditions, 'kms:CallerAccount': account },
      ...(lookedUpConditions ? { lookedUpConditions } : {}),
    });
}

const LOOPBACK = /^(?:127\.|::1$|::ffff:127\.)/;

/**
 * The SSE-C key of a request's headers (`x-amz-server-side-encryption-customer-*`, or with `copy-source` the
 * copy source's), checked as S3 checks it; undefined when none is sent. S3 takes an SSE-C key only over TLS, and
 * so does Seawall serving HTTPS (`--tls-cert`); serving plain HTTP, it takes one only from a client on the same
 * machine, so a key never crosses a network in the clear.
 */
export function customerKeyOf(req: OperationRequest, copySource = false): CustomerKey | undefined {
  const prefix = copySource
    ? 'x-amz-copy-source-server-side-encryption-customer-'
    : 'x-amz-server-side-encryption-customer-';
  const algorithm = req.headers[`${prefix}algorithm`];
  const key = req.headers[`${prefix}key`];
  const md5 = req.headers[`${prefix}key-md5`];
  if (algorithm === undefined && key === undefined && md5 === undefined) return undefined;
  if (!req.facts.secureTransport && !LOOPBACK.test(req.facts.sourceIp))
    throw badRequest(
      'InvalidRequest',
      'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.',
    );
  if (algorithm === undefined)
    throw invalidArgument(
      'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
      `${prefix}algorithm`,
      undefined,
    );
  if (algorithm !== 'AES256')
    throw badRequest(
      'InvalidEncryptionAlgorithmError',
      'The encryption request you specified is not valid. The valid value is AES256.',
      { ArgumentName: `${prefix}algorithm`, ArgumentValue: algorithm.slice(0, 64) },
    );
  if (key === undefined)
    throw invalidArgument(
      'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.',
      `${prefix}key`,
      undefined,
    );
  const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(key) ? Buffer.from(key, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32)
    throw invalidArgument(
      'The secret key was invalid for the specified algorithm.',
      `${prefix}key`,
      undefined,
    );
  const digest = createHash('md5').update(bytes).digest('base64');
  if (md5 === undefined)
    throw invalidArgument(
      'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.',
      `${prefix}key-MD5`,
      undefined,
    );
  if (md5 !== digest)
    throw invalidArgument(
      'The calculated MD5 hash of the key did not match the hash that was provided.',
      `${prefix}key-MD5`,
      undefined,
    );
  return { key: bytes, md5: digest };
}

/**
 * A part of an SSE-C upload (UploadPart, UploadPartCopy) must bring the key the upload began with. S3 refuses
 * one without a key, or with another (by its MD5), with InvalidRequest: 400, where a read with another key is
 * 403 AccessDenied.
 */
export function expectUploadKey(upload: ObjectEncryption, access: KeyAccess | undefined): void {
  if (upload.customerKeyMd5 === undefined) return;
  if (!access?.customerKey)
    throw badRequest(
      'InvalidRequest',
      'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
    );
  if (access.customerKey.md5 !== upload.customerKeyMd5)
    throw badRequest(
      'InvalidRequest',
      'The provided encryption parameters did not match the ones used originally.',
    );
}

/**
 * S3 calls KMS for a caller only on a request signed with Signature Version 4: an anonymous request, or a POST
 * form signed with Signature Version 2, that would write or read under a KMS key is refused before KMS is asked.
 */
const requireSignatureV4: KeyCheck = async () => {
  throw invalidArgument(
    'Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.',
    'Authorization',
    'null',
  );
};

/** What a request brings to reach objects' data keys: its caller's KMS checks and its SSE-C key. */
export function keyAccessOf(req: OperationRequest, copySource = false): KeyAccess {
  const customerKey = customerKeyOf(req, copySource);
  const check =
    s3RequestKeys(req)['s3:signatureversion'] === 'AWS4-HMAC-SHA256'
      ? keyCheck(req.authorize, req.principal.accountId)
      : requireSignatureV4;
  return { check, ...(customerKey ? { customerKey } : {}) };
}
