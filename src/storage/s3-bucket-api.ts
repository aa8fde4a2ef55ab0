import { AppError, badRequest } from '../errors.js';
import { type ApiRequest, type ApiResponse, queryValue } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { escapeXml, XML_SEQUENCE, type XmlObject } from '../lib/xml.js';
import { checkLocationConstraint, isBucketRegion } from './location-constraint.js';
import { requestOrigin } from './notifications.js';
import { s3Arn } from './s3-arn.js';
import { requireDigest } from './s3-digests.js';
import { bypassesGovernance } from './s3-object-lock-api.js';
import {
  asRecord,
  listingEncoder,
  malformedXml,
  onlyElements,
  parseMaxKeys,
  readXmlBody,
  S3_NAMESPACE,
  s3Time,
  xmlResponse,
} from './s3-wire.js';
import { storageClassOf } from './storage-class.js';
import type { NewBucketSettings, StorageService } from './storage-types.js';
import { checkVersionId, type Versioning } from './versioning.js';

const US_EAST_1 = 'us-east-1';

/** ListBuckets' continuation-token; an empty one is none (S3 lists from the first bucket). */
function listBucketsToken(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const name = Buffer.from(value, 'base64url').toString('utf8');
  if (Buffer.from(name).toString('base64url') !== value)
    throw badRequest('InvalidArgument', 'The continuation token provided is incorrect', {
      ArgumentName: 'continuation-token',
    });
  return name;
}

/** `bucket-region`: an AWS Region (or the endpoint's own), as S3 refuses any other name. */
function parseBucketRegion(value: string | undefined, endpointRegion: string): string | undefined {
  if (value === undefined || value === endpointRegion || isBucketRegion(value)) return value;
  throw badRequest('InvalidArgument', `Argument value ${value.slice(0, 64)} is not a valid AWS Region`, {
    ArgumentName: 'bucket-region',
  });
}

/** The parameters of ListBuckets; S3 names each bucket's region only when the request has one of them. */
const LIST_BUCKETS_PARAMETERS = ['prefix', 'bucket-region', 'continuation-token', 'max-buckets'];

/** `max-buckets`: 1 to 10000; without it, every bucket. */
function parseMaxBuckets(value: string | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  const max = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(max >= 1 && max <= 10_000))
    throw badRequest('InvalidArgument', 'Argument max-buckets must be an integer between 1 and 10000.', {
      ArgumentName: 'max-buckets',
      ArgumentValue: value.slice(0, 64),
    });
  return max;
}

/** A DeleteObjects item: its key and version, or the error S3 answers for it alone. */
function deletionOf(item: unknown): {
  key: string;
  versionId?: string;
  refusal?: { Code: string; Message: string };
} {
  const object = asRecord(item);
  const key = object?.Key;
  if (typeof key !== 'string') throw malformedXml();
  // Conditional deletes (ETag, LastModifiedTime, Size) are not implemented; guessing would delete wrongly.
  for (const element of ['ETag', 'LastModifiedTime', 'Size']) {
    if (object?.[element] !== undefined)
      throw new AppError(
        'NotImplemented',
        501,
        `The ${element} condition of DeleteObjects is not implemented by this server.`,
      );
  }
  const version = object?.VersionId;
  if (version === undefined) return { key };
  if (typeof version !== 'string') throw malformedXml();
  try {
    checkVersionId(version);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { key, versionId: version, refusal: { Code: error.code, Message: error.message } };
  }
  return { key, versionId: version };
}

/** A VersioningConfiguration document: its Status; MFA delete cannot be enabled here (no MFA devices). */
function readVersioning(document: Record<string, unknown> | undefined): Versioning {
  const config = asRecord(document?.VersioningConfiguration);
  if (!config) throw malformedXml();
  const known = new Set(['Status', 'MfaDelete']);
  onlyElements(config, known, malformedXml);
  if (config.MfaDelete !== undefined && config.MfaDelete !== 'Disabled') {
    if (config.MfaDelete !== 'Enabled') throw malformedXml();
    throw new AppError('NotImplemented', 501, 'MFA delete is not implemented by this server.');
  }
  if (config.Status !== 'Enabled' && config.Status !== 'Suspended') throw malformedXml();
  return config.Status;
}

/** Handlers of the bucket-level S3 operations. */
export interface S3BucketApi {
  /** ListBuckets, with its prefix and region filters and its pages (max-buckets, continuation-token). */
  listBuckets(req: ApiRequest): Promise<ApiResponse>;
  /** CreateBucket, the bucket made with `settings` (see S3AclApi.newBucketSettings). */
  createBucket(req: ApiRequest, bucket: string, settings: NewBucketSettings): Promise<ApiResponse>;
  headBucket(bucket: string): Promise<ApiResponse>;
  deleteBucket(bucket: string): Promise<ApiResponse>;
  getBucketLocation(bucket: string): Promise<ApiResponse>;
  listObjects(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  listObjectsV2(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  deleteObjects(
    req: OperationRequest,
    bucket: string,
    checkInputs: () => Promise<void>,
  ): Promise<ApiResponse>;
  listObjectVersions(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  putBucketVersioning(req: ApiRequest, bucket: string): Promise<ApiResponse>;
  getBucketVersioning(bucket: string): Promise<ApiResponse>;
}

/** Bucket-level S3 operations; the inputs each takes are declared in s3-api.ts. */
export function createS3BucketApi(storage: StorageService): S3BucketApi {
  async function listObjects(req: ApiRequest, bucket: string, v2: boolean): Promise<ApiResponse> {
    const encode = listingEncoder(req);
    const prefix = queryValue(req.query, 'prefix') ?? '';
    const delimiter = queryValue(req.query, 'delimiter') ?? '';
    const maxKeys = parseMaxKeys(queryValue(req.query, 'max-keys'), 'objects');
    const token = v2 ? queryValue(req.query, 'continuation-token') : undefined;
    const startAfter = queryValue(req.query, v2 ? 'start-after' : 'marker');
    // An empty token is no token: S3 lists from the start and echoes it back.
    const page = await storage.listObjects(bucket, {
      prefix,
      delimiter,
      maxKeys,
      ...(token ? { continuationToken: token } : {}),
      ...(startAfter ? { startAfter } : {}),
    });
    const owner =
      v2 && queryValue(req.query, 'fetch-owner') !== 'true'
        ? undefined
        : { ID: req.principal.accountId, DisplayName: req.principal.accountId };
    const contents = page.objects.map((o) => ({
      Key: encode(o.key),
      LastModified: s3Time(o.last_modified),
      ETag: o.etag,
      ChecksumAlgorithm: o.checksum_algorithm ?? undefined,
      ChecksumType: o.checksum_algorithm ? (o.checksum_type ?? 'FULL_OBJECT') : undefined,
      Size: o.size,
      Owner: owner,
      StorageClass: storageClassOf(o.attributes),
    }));
    const common = page.commonPrefixes.map((p) => ({ Prefix: encode(p) }));
    const encodingType = queryValue(req.query, 'encoding-type');
    if (v2) {
      return xmlResponse('ListBucketResult', {
        Name: bucket,
        Prefix: encode(prefix),
        Delimiter: delimiter === '' ? undefined : encode(delimiter),
        MaxKeys: maxKeys,
        EncodingType: encodingType,
        KeyCount: contents.length + common.length,
        IsTruncated: page.isTruncated,
        ContinuationToken: token,
        NextContinuationToken: page.nextToken,
        StartAfter: startAfter === undefined ? undefined : encode(startAfter),
        Contents: contents,
        CommonPrefixes: common,
      });
    }
    return xmlResponse('ListBucketResult', {
      Name: bucket,
      Prefix: encode(prefix),
      Marker: encode(startAfter ?? ''),
      NextMarker: page.isTruncated && delimiter !== '' && page.lastEntry ? encode(page.lastEntry) : undefined,
      MaxKeys: maxKeys,
      Delimiter: delimiter === '' ? undefined : encode(delimiter),
      EncodingType: encodingType,
      IsTruncated: page.isTruncated,
      Contents: contents,
      CommonPrefixes: common,
    });
  }

  return {
    async listBuckets(req: ApiRequest): Promise<ApiResponse> {
      const prefix = queryValue(req.query, 'prefix') ?? '';
      const region = parseBucketRegion(queryValue(req.query, 'bucket-region'), req.region);
      const after = listBucketsToken(queryValue(req.query, 'continuation-token'));
      const limit = parseMaxBuckets(queryValue(req.query, 'max-buckets'));
      const matching = (await storage.listBuckets(req.principal.accountId)).filter(
        (b) =>
          b.name.startsWith(prefix) &&
          (region === undefined || b.region === region) &&
          (after === undefined || b.name > after),
      );
      const buckets = matching.slice(0, limit);
      const last = buckets.at(-1);
      const named = LIST_BUCKETS_PARAMETERS.some((name) => queryValue(req.query, name) !== undefined);
      return xmlResponse('ListAllMyBucketsResult', {
        Owner: { ID: req.principal.accountId, DisplayName: req.principal.accountId },
        Buckets: {
          Bucket: buckets.map((b) => ({
            Name: b.name,
            CreationDate: s3Time(b.created_at),
            BucketRegion: named ? b.region : undefined,
            BucketArn: s3Arn(b.name),
          })),
        },
        ContinuationToken:
          matching.length > buckets.length && last ? Buffer.from(last.name).toString('base64url') : undefined,
        Prefix: queryValue(req.query, 'prefix'),
      });
    },

    async createBucket(req, bucket, settings) {
      const body = await readXmlBody(req);
      if (body) {
        const config = asRecord(body.CreateBucketConfiguration);
        if (!config) throw malformedXml();
        // Directory buckets (Location, Bucket) and tags at creation are not implemented.
        const other = Object.keys(config).find((name) => name !== 'LocationConstraint');
        if (other !== undefined)
          throw new AppError(
            'NotImplemented',
            501,
            `CreateBucketConfiguration ${other.slice(0, 64)} is not implemented by this server.`,
          );
        const location = config.LocationConstraint;
        if (location !== undefined && typeof location !== 'string') throw malformedXml();
        checkLocationConstraint(location, req.region);
      }
      try {
        await storage.createBucket({
          name: bucket,
          accountId: req.principal.accountId,
          region: req.region,
          objectLock: req.headers['x-amz-bucket-object-lock-enabled']?.toLowerCase() === 'true',
          settings,
        });
      } catch (error) {
        // S3's legacy in us-east-1 alone: re-creating a bucket of one's own there succeeds, changing nothing.
        const owned = error instanceof AppError && error.code === 'BucketAlreadyOwnedByYou';
        if (!owned || req.region !== US_EAST_1) throw error;
        if ((await storage.headBucket(bucket)).region !== US_EAST_1) throw error;
      }
      return { status: 200, headers: { location: `/${bucket}` } };
    },

    async headBucket(bucket: string): Promise<ApiResponse> {
      const row = await storage.headBucket(bucket);
      return { status: 200, headers: { 'x-amz-bucket-region': row.region } };
    },

    async deleteBucket(bucket: string): Promise<ApiResponse> {
      await storage.deleteBucket(bucket);
      return { status: 204 };
    },

    async getBucketLocation(bucket: string): Promise<ApiResponse> {
      const row = await storage.headBucket(bucket);
      // us-east-1 is the one region S3 answers with no constraint (its buckets are made without one).
      const constraint = row.region === US_EAST_1 ? '' : escapeXml(row.region);
      return {
        status: 200,
        headers: { 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${S3_NAMESPACE}">${constraint}</LocationConstraint>`,
      };
    },

    listObjects: (req: ApiRequest, bucket: string) => listObjects(req, bucket, false),
    listObjectsV2: (req: ApiRequest, bucket: string) => listObjects(req, bucket, true),

    async deleteObjects(
      req: OperationRequest,
      bucket: string,
      checkInputs: () => Promise<void>,
    ): Promise<ApiResponse> {
      requireDigest(req);
      const body = asRecord((await readXmlBody(req, ['Object']))?.Delete);
      const items = body?.Object;
      if (!body || !Array.isArray(items) || items.length === 0 || items.length > 1000) throw malformedXml();
      const quiet = body.Quiet === 'true';
      const deletions = items.map(deletionOf);
      const deleted: XmlObject[] = [];
      const errors: XmlObject[] = [];
      let checked = false;
      for (const { key, versionId, refusal } of deletions) {
        if (refusal) {
          errors.push({ Key: key, VersionId: versionId, ...refusal });
          continue;
        }
        try {
          // Each key is authorized on its own, and a denied one is answered among the errors.
          await req.authorize({
            action: versionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion',
            resources: [s3Arn(bucket, key)],
          });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          errors.push({ Key: key, VersionId: versionId, Code: error.code, Message: error.message });
          continue;
        }
        if (!checked) {
          // The request's own headers are judged once the caller may delete something.
          await checkInputs();
          checked = true;
        }
        try {
          const done = await storage.deleteObject(bucket, key, versionId, {
            bypassGovernance: versionId !== undefined && (await bypassesGovernance(req, bucket, key)),
            origin: requestOrigin(req),
          });
          if (!quiet)
            deleted.push({
              Key: key,
              VersionId: versionId,
              ...(done.deleteMarker
                ? {
                    DeleteMarker: true,
                    // The marker made, or the one named and removed: S3 names it either way.
                    DeleteMarkerVersionId: versionId ?? done.versionId,
                  }
                : {}),
            });
        } catch (error) {
          if (!(error instanceof AppError) || error.code === 'NoSuchBucket') throw error;
          errors.push({ Key: key, VersionId: versionId, Code: error.code, Message: error.message });
        }
      }
      return xmlResponse('DeleteResult', { Deleted: deleted, Error: errors });
    },

    async listObjectVersions(req: ApiRequest, bucket: string): Promise<ApiResponse> {
      const encode = listingEncoder(req);
      const prefix = queryValue(req.query, 'prefix') ?? '';
      const delimiter = queryValue(req.query, 'delimiter') ?? '';
      const maxKeys = parseMaxKeys(queryValue(req.query, 'max-keys'), 'versions');
      const keyMarker = queryValue(req.query, 'key-marker');
      const versionIdMarker = queryValue(req.query, 'version-id-marker');
      const page = await storage.listObjectVersions(bucket, {
        prefix,
        delimiter,
        maxKeys,
        ...(keyMarker !== undefined ? { keyMarker } : {}),
        ...(versionIdMarker !== undefined ? { versionIdMarker } : {}),
      });
      const owner = { ID: req.principal.accountId, DisplayName: req.principal.accountId };
      const entries = page.versions.map((v) =>
        v.delete_marker === 1
          ? {
              DeleteMarker: {
                Key: encode(v.key),
                VersionId: v.version_id,
                IsLatest: v.is_latest === 1,
                LastModified: s3Time(v.last_modified),
                Owner: owner,
              },
            }
          : {
              Version: {
                Key: encode(v.key),
                VersionId: v.version_id,
                IsLatest: v.is_latest === 1,
                LastModified: s3Time(v.last_modified),
                ETag: v.etag,
                Size: v.size,
                Owner: owner,
                StorageClass: storageClassOf(v.attributes),
                ChecksumAlgorithm: v.checksum_algorithm ?? undefined,
                ChecksumType: v.checksum_algorithm ? (v.checksum_type ?? 'FULL_OBJECT') : undefined,
              },
            },
      );
      return xmlResponse('ListVersionsResult', {
        Name: bucket,
        Prefix: encode(prefix),
        KeyMarker: encode(keyMarker ?? ''),
        VersionIdMarker: versionIdMarker ?? '',
        NextKeyMarker: page.nextKeyMarker === undefined ? undefined : encode(page.nextKeyMarker),
        NextVersionIdMarker: page.nextVersionIdMarker,
        MaxKeys: maxKeys,
        Delimiter: delimiter === '' ? undefined : encode(delimiter),
        EncodingType: queryValue(req.query, 'encoding-type'),
        IsTruncated: page.isTruncated,
        [XML_SEQUENCE]: entries,
        CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
      });
    },

    async putBucketVersioning(req: ApiRequest, bucket: string): Promise<ApiResponse> {
      await storage.headBucket(bucket);
      const status = readVersioning(await readXmlBody(req));
      await storage.putVersioning(bucket, status);
      return { status: 200 };
    },

    async getBucketVersioning(bucket: string): Promise<ApiResponse> {
      const status = await storage.getVersioning(bucket);
      return xmlResponse('VersioningConfiguration', { Status: status });
    },
  };
}
