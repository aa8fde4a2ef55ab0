import { badRequest } from '../errors.js';
import type { ChecksumAlgorithm } from '../lib/checksums.js';
import type { ApiResponse } from '../lib/http.js';
import { queryValue } from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import type { XmlObject } from '../lib/xml.js';
import { s3Arn } from './s3-arn.js';
import { httpDate, xmlResponse } from './s3-wire.js';
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

function attributesDocument(object: StoredObject, wanted: Set<ObjectAttribute>): XmlObject {
  const parts = partsCount(object.etag);
  return {
    ETag: wanted.has('ETag') ? object.etag.replace(/^"|"$/g, '') : undefined,
    Checksum: wanted.has('Checksum') ? checksumOf(object) : undefined,
    // The parts of a completed upload are not kept, only their count; S3 lists them only with checksums.
    ObjectParts: wanted.has('ObjectParts') && parts !== undefined ? { PartsCount: parts } : undefined,
    StorageClass: wanted.has('StorageClass') ? 'STANDARD' : undefined,
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
  const object = await storage.headObject(bucket, key, versionId);
  return xmlResponse('GetObjectAttributesResponse', attributesDocument(object, wanted), 200, {
    'last-modified': httpDate(object.lastModified),
    ...(object.versionId === undefined ? {} : { 'x-amz-version-id': object.versionId }),
  });
}
