import { AppError, badRequest } from '../errors.js';
import {
  type ApiRequest,
  type ApiResponse,
  decodePathSegment,
  queryValue,
  readSmallBody,
} from '../lib/http.js';
import { escapeXml, parseXml, XmlParseError } from '../lib/xml.js';
import { createS3MultipartApi } from './s3-multipart-api.js';
import { createS3ObjectApi } from './s3-object-api.js';
import {
  listingEncoder,
  methodNotAllowed,
  parseMaxKeys,
  S3_NAMESPACE,
  subresource,
  xmlResponse,
} from './s3-wire.js';
import type { StorageService } from './storage-service.js';

/** Bodies of bucket-level XML requests (CreateBucketConfiguration, Delete) are small. */
const MAX_XML_BODY = 1024 * 1024;

async function readXmlBody(
  req: ApiRequest,
  arrays: readonly string[] = [],
): Promise<Record<string, unknown> | undefined> {
  const text = (
    await readSmallBody(req.body, MAX_XML_BODY, () =>
      badRequest('MaxMessageLengthExceeded', 'Your request was too big.'),
    )
  ).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return parseXml(text, arrays);
  } catch (error) {
    if (error instanceof XmlParseError) {
      throw badRequest(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema.',
      );
    }
    throw error;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

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

export function createS3Api(deps: { storage: StorageService; baseDomains: readonly string[] }) {
  const { storage } = deps;
  const objects = createS3ObjectApi(storage);
  const multipart = createS3MultipartApi(storage, readXmlBody);

  async function listBuckets(req: ApiRequest): Promise<ApiResponse> {
    const buckets = await storage.listBuckets(req.principal.accountId);
    return xmlResponse('ListAllMyBucketsResult', {
      Owner: { ID: req.principal.accountId, DisplayName: req.principal.accountId },
      Buckets: {
        Bucket: buckets.map((b) => ({
          Name: b.name,
          CreationDate: new Date(b.created_at),
          BucketRegion: b.region,
        })),
      },
    });
  }

  async function createBucket(req: ApiRequest, bucket: string): Promise<ApiResponse> {
    const body = await readXmlBody(req);
    if (body) {
      const config = asRecord(body.CreateBucketConfiguration);
      if (!config)
        throw badRequest(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema.',
        );
      const location = config.LocationConstraint;
      if (location !== undefined && location !== '' && location !== req.region) {
        throw badRequest(
          'IllegalLocationConstraintException',
          `The ${String(location).slice(0, 64)} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        );
      }
    }
    await storage.createBucket({ name: bucket, accountId: req.principal.accountId, region: req.region });
    return { status: 200, headers: { location: `/${bucket}` } };
  }

  async function listObjects(req: ApiRequest, bucket: string): Promise<ApiResponse> {
    const v2 = queryValue(req.query, 'list-type') === '2';
    const encode = listingEncoder(req);
    const prefix = queryValue(req.query, 'prefix') ?? '';
    const delimiter = queryValue(req.query, 'delimiter') ?? '';
    const maxKeys = parseMaxKeys(queryValue(req.query, 'max-keys'));
    const token = v2 ? queryValue(req.query, 'continuation-token') : undefined;
    const startAfter = queryValue(req.query, v2 ? 'start-after' : 'marker');
    if (token === '')
      throw badRequest('InvalidArgument', 'The continuation token provided is incorrect', {
        ArgumentName: 'continuation-token',
      });
    const page = await storage.listObjects(bucket, {
      prefix,
      delimiter,
      maxKeys,
      ...(token !== undefined ? { continuationToken: token } : {}),
      ...(startAfter ? { startAfter } : {}),
    });
    const owner =
      v2 && queryValue(req.query, 'fetch-owner') !== 'true'
        ? undefined
        : { ID: req.principal.accountId, DisplayName: req.principal.accountId };
    const contents = page.objects.map((o) => ({
      Key: encode(o.key),
      LastModified: new Date(o.last_modified),
      ETag: o.etag,
      ChecksumAlgorithm: o.checksum_algorithm ?? undefined,
      ChecksumType: o.checksum_algorithm ? 'FULL_OBJECT' : undefined,
      Size: o.size,
      Owner: owner,
      StorageClass: 'STANDARD',
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

  async function deleteObjects(req: ApiRequest, bucket: string): Promise<ApiResponse> {
    if (
      req.headers['content-md5'] === undefined &&
      !Object.keys(req.headers).some((h) => h.startsWith('x-amz-checksum-'))
    ) {
      throw badRequest(
        'InvalidRequest',
        'Missing required header for this request: Content-MD5 or x-amz-checksum-*',
      );
    }
    const body = asRecord((await readXmlBody(req, ['Object']))?.Delete);
    const items = body?.Object;
    if (!body || !Array.isArray(items) || items.length === 0 || items.length > 1000) {
      throw badRequest(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema.',
      );
    }
    const quiet = body.Quiet === 'true';
    const deleted: { Key: string }[] = [];
    const errors: { Key: string; Code: string; Message: string }[] = [];
    for (const item of items) {
      const key = asRecord(item)?.Key;
      if (typeof key !== 'string') {
        throw badRequest(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema.',
        );
      }
      try {
        await storage.deleteObject(bucket, key);
        if (!quiet) deleted.push({ Key: key });
      } catch (error) {
        if (!(error instanceof AppError) || error.code === 'NoSuchBucket') throw error;
        errors.push({ Key: key, Code: error.code, Message: error.message });
      }
    }
    return xmlResponse('DeleteResult', { Deleted: deleted, Error: errors });
  }

  async function bucketRequest(req: ApiRequest, bucket: string): Promise<ApiResponse> {
    const sub = subresource(req);
    switch (`${req.method} ${sub}`) {
      case 'PUT ':
        return createBucket(req, bucket);
      case 'HEAD ': {
        const row = await storage.headBucket(bucket);
        return { status: 200, headers: { 'x-amz-bucket-region': row.region } };
      }
      case 'DELETE ':
        await storage.deleteBucket(bucket);
        return { status: 204 };
      case 'GET ':
        return listObjects(req, bucket);
      case 'GET location': {
        const row = await storage.headBucket(bucket);
        return {
          status: 200,
          headers: { 'content-type': 'application/xml' },
          body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${S3_NAMESPACE}">${escapeXml(row.region)}</LocationConstraint>`,
        };
      }
      case 'POST delete':
        return deleteObjects(req, bucket);
      case 'GET uploads':
        return multipart.listUploads(req, bucket);
      default:
        throw methodNotAllowed(req.method, 'BUCKET');
    }
  }

  /** Answers one S3 REST request. */
  return async function handleS3(req: ApiRequest): Promise<ApiResponse> {
    const { bucket, key } = addressOf(req, deps.baseDomains);
    if (bucket === undefined) {
      if (req.method !== 'GET') throw methodNotAllowed(req.method, 'SERVICE');
      subresource(req);
      return listBuckets(req);
    }
    if (key === undefined) return bucketRequest(req, bucket);
    switch (`${req.method} ${subresource(req)}`) {
      case 'PUT ':
        return objects.putObject(req, bucket, key);
      case 'GET ':
      case 'HEAD ':
        return objects.getObject(req, bucket, key, req.method === 'HEAD');
      case 'DELETE ':
        return objects.deleteObject(bucket, key);
      case 'POST uploads':
        return multipart.create(req, bucket, key);
      case 'PUT partNumber,uploadId':
        return multipart.uploadPart(req, bucket, key);
      case 'POST uploadId':
        return multipart.complete(req, bucket, key);
      case 'DELETE uploadId':
        return multipart.abort(req, bucket, key);
      case 'GET uploadId':
        return multipart.listParts(req, bucket, key);
      default:
        throw methodNotAllowed(req.method, 'OBJECT');
    }
  };
}
