import { badRequest } from '../errors.js';
import type { ChecksumAlgorithm } from '../lib/checksums.js';
import type { ApiResponse } from '../lib/http.js';
import { queryValue } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import type { XmlObject } from '../lib/xml.js';
import { keyAccessOf } from './object-encryption.js';
import { s3Arn } from './s3-arn.js';
import { httpDate, versionHeader, xmlResponse } from './s3-wire.js';
import type { StorageService, StoredObject } from './storage-types.js';

/** The attributes GetObjectAttributes can be asked for, in the order S3 answers them. */
const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
type ObjectAttribute = (typeof ATTRIBUTES)[number];

const CHECKSUM_ELEMENTS: Record<ChecksumAlgorithm, string> = {
  CRC32: 'ChecksumCRC32',
  CRC32C: 'ChecksumCRC32C',
  CRC64NVME: 'ChecksumCRC64NVME',
  SHA1: 'ChecksumSHA1',
  SHA256: 'ChecksumSHA256',
};

/** `x-amz-object-attributes`: a comma-separated list of attribute names, each one S3 knows. */
export function parseObjectAttributes(header: string | undefined): Set<ObjectAttribute> {
  const names = (header ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0)
    throw badRequest(
      'InvalidRequest',
      'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty',
    );
  const known: ReadonlySet<string> = new Set(ATTRIBUTES);
  if (names.some((name) => !known.has(name)))
    throw badRequest('InvalidArgument', 'Invalid attribute name specified.');
  return new Set(names as ObjectAttribute[]);
}

/** A multipart object's part count, from the `-N` of its ETag; undefined for an object put whole. */
function partsCount(etag: string): number | undefined {
  const match = /-(\d+)"?$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

function checksumOf(object: StoredObject): XmlObject | undefined {
  const checksum = object.checksum;
  if (!checksum) return undefined;
  const element = CHECKSUM_ELEMENTS[checksum.algorithm as ChecksumAlgorithm];
  if (!element) return undefined;
  return { [element]: checksum.value, ChecksumType: checksum.type };
}

/** `x-amz-max-parts` and `x-amz-part-number-marker`: integers from 0, as S3 reads them. */
function partsPage(req: OperationRequest): { max: number; marker: number } {
  const read = (name: string, fallback: number) => {
    const value = req.headers[name];
    if (value === undefined) return fallback;
    if (!/^\d{1,10}$/.test(value) || Number(value) > 2_147_483_647)
      throw badRequest('InvalidArgument', `Argument ${name} must be an integer between 0 and 2147483647`, {
        ArgumentName: name,
        ArgumentValue: value.slice(0, 64),
      });
    return Number(value);
  };
  return { max: Math.min(read('x-amz-max-parts', 1000), 1000), marker: read('x-amz-part-number-marker', 0) };
}

/**
 * ObjectParts: the part count and, where the upload that made the object is recorded with a COMPOSITE checksum,
 * a page of its parts with their checksums. A FULL_OBJECT checksum (S3's default one included) is of the bytes,
 * not of the parts: S3 answers only the count then.
 */
async function objectPartsOf(
  storage: StorageService,
  object: StoredObject,
  page: { max: number; marker: number },
): Promise<XmlObject | undefined> {
  const count = partsCount(object.etag);
  if (count === undefined) return undefined;
  const recorded = await storage.multipart.objectParts(object.blobId);
  if (recorded?.checksum?.type !== 'COMPOSITE') return { PartsCount: count };
  const after = recorded.parts.filter((part) => part.partNumber > page.marker);
  const shown = after.slice(0, page.max);
  const element = recorded.checksum
    ? CHECKSUM_ELEMENTS[recorded.checksum.algorithm as ChecksumAlgorithm]
    : undefined;
  return {
    PartsCount: count,
    PartNumberMarker: page.marker,
    NextPartNumberMarker: shown.at(-1)?.partNumber ?? page.marker,
    MaxParts: page.max,
    IsTruncated: after.length > shown.length,
    Part: shown.map((part) => ({
      PartNumber: part.partNumber,
      Size: part.size,
      ...(element && part.checksum ? { [element]: part.checksum } : {}),
    })),
  };
}

function attributesDocument(
  object: StoredObject,
  wanted: Set<ObjectAttribute>,
  parts: XmlObject | undefined,
): XmlObject {
  return {
    ETag: wanted.has('ETag') ? object.etag.replace(/^"|"$/g, '') : undefined,
    Checksum: wanted.has('Checksum') ? checksumOf(object) : undefined,
    ObjectParts: parts,
    StorageClass: wanted.has('StorageClass') ? object.storageClass : undefined,
    ObjectSize: wanted.has('ObjectSize') ? object.size : undefined,
  };
}

/**
 * GetObjectAttributes: what HeadObject and ListParts tell of an object, as one document. S3 asks for
 * s3:GetObject (s3:GetObjectVersion for a version) besides the operation's own action, checked before this runs.
 */
export async function getObjectAttributes(
  storage: StorageService,
  req: OperationRequest,
  bucket: string,
  key: string,
): Promise<ApiResponse> {
  const versionId = queryValue(req.query, 'versionId');
  await req.authorize({
    action: versionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion',
    resources: [s3Arn(bucket, key)],
  });
  const wanted = parseObjectAttributes(req.headers['x-amz-object-attributes']);
  const page = partsPage(req);
  const object = await storage.headObject(bucket, key, versionId);
  await storage.checkCustomerKey(object, keyAccessOf(req));
  const parts = wanted.has('ObjectParts') ? await objectPartsOf(storage, object, page) : undefined;
  return xmlResponse('GetObjectAttributesResponse', attributesDocument(object, wanted, parts), 200, {
    'last-modified': httpDate(object.lastModified),
    ...versionHeader(object),
  });
}
