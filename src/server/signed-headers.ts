import { CHECKSUM_ALGORITHMS, checksumHeader } from '../lib/checksums.js';
import type { RequestLine } from './authenticate.js';
import { authError, type SignatureParts } from './sigv4.js';

const SIGNING_PARAMETERS = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
]);

/**
 * A checksum in a presigned URL's query string: S3 signs it with the rest and then ignores it, since whoever
 * holds the URL picks the body later (the JavaScript SDK signs the CRC32 of the empty body it had into every
 * presigned PutObject and UploadPart URL). A checksum is held against the body only when sent as a header.
 */
const UNHOISTED = new Set(['x-amz-sdk-checksum-algorithm', ...CHECKSUM_ALGORITHMS.map(checksumHeader)]);

/**
 * Presigned URLs carry some x-amz-* headers as query parameters (SDKs hoist them there); like S3, treat
 * them as the headers they stand for, checksums aside. The query string is signed whole, so these are
 * covered. A real header of the same name wins (and is refused unless it was signed too).
 */
export function withHoistedHeaders(line: RequestLine): Record<string, string> {
  const headers = { ...line.headers };
  for (const [key, value] of line.query) {
    const name = key.toLowerCase();
    if (
      name.startsWith('x-amz-') &&
      !SIGNING_PARAMETERS.has(name) &&
      !UNHOISTED.has(name) &&
      headers[name] === undefined
    )
      headers[name] = value;
  }
  return headers;
}

/** Headers a signature must cover: S3's own (x-amz-*), and Seawall's (x-seawall-*, a replica's write). */
function mustBeSigned(name: string): boolean {
  return name.startsWith('x-amz-') || name.startsWith('x-seawall-');
}

/**
 * The request's x-amz-* (and x-seawall-*) headers that its signature does not cover, sorted. Two are covered
 * without being listed: the payload hash is the canonical request's last line, and a header signature's
 * x-amz-date is in the string to sign. Headers clients leave unsigned on purpose (user-agent, expect, x-amzn-trace-id…) are
 * not x-amz-* headers.
 */
export function unsignedAmzHeaders(
  headers: Readonly<Record<string, string>>,
  parts: Pick<SignatureParts, 'kind' | 'signedHeaders'>,
): string[] {
  const covered = new Set(parts.signedHeaders);
  covered.add('x-amz-content-sha256');
  if (parts.kind === 'header') covered.add('x-amz-date');
  return Object.keys(headers)
    .filter((name) => mustBeSigned(name) && !covered.has(name))
    .sort();
}

/**
 * Refuses, as S3 does, a request carrying x-amz-* headers its signature does not cover: anyone on the way
 * could have added them, to set metadata, a copy source, or the X-Amz-Target that picks the operation.
 */
export function requireSignedAmzHeaders(
  headers: Readonly<Record<string, string>>,
  parts: Pick<SignatureParts, 'kind' | 'signedHeaders'>,
): void {
  const unsigned = unsignedAmzHeaders(headers, parts);
  if (unsigned.length === 0) return;
  throw authError('AccessDenied', 'There were headers present in the request which were not signed', {
    HeadersNotSigned: unsigned.join(', '),
  });
}
