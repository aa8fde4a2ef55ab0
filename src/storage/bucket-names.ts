import { badRequest } from '../errors.js';

const SHAPE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Why a bucket name breaks S3's general-purpose bucket naming rules, or undefined when it is valid. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be between 3 and 63 characters long';
  if (!SHAPE.test(name)) {
    return 'may contain only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  }
  if (name.includes('..')) return 'must not contain two adjacent periods';
  if (name.includes('.-') || name.includes('-.')) return 'must not have a period next to a hyphen';
  if (IP_ADDRESS.test(name)) return 'must not be formatted as an IP address';
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return 'must not start with a reserved prefix';
  if (RESERVED_SUFFIXES.some((s) => name.endsWith(s))) return 'must not end with a reserved suffix';
  return undefined;
}

export function assertBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) {
    throw badRequest('InvalidBucketName', `The specified bucket is not valid: the name ${problem}.`, {
      BucketName: name.slice(0, 255),
    });
  }
}

/** S3 limits keys to 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

export function assertObjectKey(key: string): void {
  if (key.length === 0) throw badRequest('InvalidArgument', 'The object key must not be empty.');
  // PostgreSQL text cannot hold NUL, so the key would not survive a move of the metadata store.
  if (key.includes('\0'))
    throw badRequest('InvalidArgument', 'The object key must not contain the NUL character.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw badRequest('KeyTooLongError', 'Your key is too long.', {
      Size: String(Buffer.byteLength(key)),
      MaxSizeAllowed: String(MAX_KEY_BYTES),
    });
  }
}

/** S3 limits user metadata (x-amz-meta-* names and values) to 2 KiB. */
const MAX_METADATA_BYTES = 2048;

export function checkMetadataSize(userMetadata: Record<string, string>): void {
  const bytes = Object.entries(userMetadata).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
  if (bytes > MAX_METADATA_BYTES) {
    throw badRequest('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', {
      Size: String(bytes),
      MaxSizeAllowed: String(MAX_METADATA_BYTES),
    });
  }
}
