import { AppError, badRequest } from '../errors.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import type { ConditionValues, OperationRequest } from '../lib/operation.js';
import {
  isoDate,
  lockConfigurationNotFound,
  lockConfigurationXml,
  lockHeaders,
  noObjectLockConfiguration,
  parseIsoDate,
  readLegalHold,
  readLockConfiguration,
  readRetention,
  type VersionLock,
} from './object-lock.js';
import { s3Arn } from './s3-arn.js';
import { requireDigest } from './s3-digests.js';
import { readXmlBody, readXmlBodyOnce, xmlResponse } from './s3-wire.js';
import type { StorageService } from './storage-types.js';

/** Whether the caller may do `action` on `resource`: a denial is an answer here, not an error. */
async function allowed(req: OperationRequest, action: string, resource: string): Promise<boolean> {
  try {
    await req.authorize({ action, resources: [resource] });
    return true;
  } catch (error) {
    if (error instanceof AppError && error.code === 'AccessDenied') return false;
    throw error;
  }
}

/**
 * Whether a request bypasses governance-mode retention: it says so (`x-amz-bypass-governance-retention:
 * true`) and the caller has s3:BypassGovernanceRetention on the object. Asked only where it matters.
 */
export async function bypassesGovernance(
  req: OperationRequest,
  bucket: string,
  key: string,
): Promise<boolean> {
  if (req.headers['x-amz-bypass-governance-retention']?.toLowerCase() !== 'true') return false;
  return allowed(req, 's3:BypassGovernanceRetention', s3Arn(bucket, key));
}

/**
 * DeleteObject takes x-amz-bypass-governance-retention, whatever its value, only on a bucket with Object Lock, as
 * S3 does. DeleteObjects takes it on any bucket: ceph/s3-tests, run against S3 too, empties every bucket so.
 */
export async function checkBypassApplies(
  req: ApiRequest,
  storage: StorageService,
  bucket: string,
): Promise<void> {
  if (req.headers['x-amz-bypass-governance-retention'] === undefined) return;
  if (await storage.getObjectLock(bucket)) return;
  throw badRequest(
    'InvalidArgument',
    'x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.',
    { ArgumentName: 'x-amz-bypass-governance-retention' },
  );
}

/**
 * The Object Lock headers of GET and HEAD, each only for a caller who may read it (s3:GetObjectRetention,
 * s3:GetObjectLegalHold), as S3 answers them.
 */
export async function readableLockHeaders(
  req: OperationRequest,
  bucket: string,
  key: string,
  lock: VersionLock | undefined,
): Promise<Record<string, string>> {
  if (!lock) return {};
  const arn = s3Arn(bucket, key);
  const retention = lock.retention && (await allowed(req, 's3:GetObjectRetention', arn));
  const hold = lock.legalHold && (await allowed(req, 's3:GetObjectLegalHold', arn));
  return lockHeaders({
    ...(retention ? { retention: lock.retention } : {}),
    ...(hold ? { legalHold: lock.legalHold } : {}),
  });
}

/** Whole days from now until a retain-until date, as s3:object-lock-remaining-retention-days compares them. */
export function remainingRetentionDays(date: string | undefined): string | undefined {
  const until = date === undefined ? undefined : parseIsoDate(date);
  if (until === undefined) return undefined;
  return String(Math.max(0, Math.ceil((until - Date.now()) / 86_400_000)));
}

/**
 * PutObjectRetention's condition keys from its body, as the Service Authorization Reference lists them for
 * s3:PutObjectRetention: s3:object-lock-mode, s3:object-lock-retain-until-date and
 * s3:object-lock-remaining-retention-days; none for a body that is not a valid retention (the handler then
 * refuses it) or that removes one.
 */
export async function retentionConditions(req: ApiRequest): Promise<ConditionValues> {
  const retention = await readXmlBodyOnce(req)
    .then((document) => readRetention(document, Date.now()))
    .catch(() => undefined);
  if (!retention) return {};
  const until = isoDate(retention.until);
  return {
    's3:object-lock-mode': retention.mode,
    's3:object-lock-retain-until-date': until,
    's3:object-lock-remaining-retention-days': remainingRetentionDays(until),
  };
}

/** PutObjectLegalHold's condition key from its body: s3:object-lock-legal-hold (none for a body not valid). */
export async function legalHoldConditions(req: ApiRequest): Promise<ConditionValues> {
  const status = await readXmlBodyOnce(req)
    .then(readLegalHold)
    .catch(() => undefined);
  return status === undefined ? {} : { 's3:object-lock-legal-hold': status };
}

/** Handlers of the Object Lock operations. */
export interface S3ObjectLockApi {
  putObjectLockConfiguration(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  getObjectLockConfiguration(bucket: string): Promise<ApiResponse>;
  putObjectRetention(req: OperationRequest, bucket: string, key: string): Promise<ApiResponse>;
  getObjectRetention(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
  putObjectLegalHold(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
  getObjectLegalHold(req: ApiRequest, bucket: string, key: string): Promise<ApiResponse>;
}

export function createS3ObjectLockApi(storage: StorageService): S3ObjectLockApi {
  return {
    async putObjectLockConfiguration(req, bucket) {
      await storage.headBucket(bucket);
      requireDigest(req);
      const document = await readXmlBody(req);
      if (!document) throw badRequest('MissingRequestBodyError', 'Request Body is empty');
      const config = readLockConfiguration(document);
      await storage.putObjectLock(bucket, config);
      return { status: 200 };
    },

    async getObjectLockConfiguration(bucket) {
      const config = await storage.getObjectLock(bucket);
      if (!config) throw lockConfigurationNotFound(bucket);
      return xmlResponse('ObjectLockConfiguration', lockConfigurationXml(config));
    },

    async putObjectRetention(req, bucket, key) {
      requireDigest(req);
      const retention = readRetention(await readXmlBodyOnce(req), Date.now());
      // A replica's too (Seawall's own replication included): a governance retention is shortened or removed
      // there only where the destination lets the role bypass it, so no source undoes what a destination keeps.
      const bypass = await bypassesGovernance(req, bucket, key);
      await storage.putRetention(bucket, key, queryValue(req.query, 'versionId'), retention, bypass);
      return { status: 200 };
    },

    async getObjectRetention(req, bucket, key) {
      const { retention } = await storage.getLock(bucket, key, queryValue(req.query, 'versionId'));
      if (!retention) throw noObjectLockConfiguration();
      return xmlResponse('Retention', { Mode: retention.mode, RetainUntilDate: isoDate(retention.until) });
    },

    async putObjectLegalHold(req, bucket, key) {
      requireDigest(req);
      const status = readLegalHold(await readXmlBodyOnce(req));
      await storage.putLegalHold(bucket, key, queryValue(req.query, 'versionId'), status);
      return { status: 200 };
    },

    async getObjectLegalHold(req, bucket, key) {
      const { legalHold } = await storage.getLock(bucket, key, queryValue(req.query, 'versionId'));
      if (!legalHold) throw noObjectLockConfiguration();
      return xmlResponse('LegalHold', { Status: legalHold });
    },
  };
}
