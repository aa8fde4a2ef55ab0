import { Hash } from '@smithy/hash-node';
import {
  ALWAYS_UNSIGNABLE_HEADERS,
  GENERATED_HEADERS,
  PROXY_HEADER_PATTERN,
  SEC_HEADER_PATTERN,
  SignatureV4,
} from '@smithy/signature-v4';
import fc from 'fast-check';

// The client side of the SigV4 round trip: requests as an SDK builds, encodes and signs them.

/** RFC 3986 encoding as the SDKs' serialisers write paths and queries (written here, not taken from src). */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A client may leave safe characters unencoded and write hex in lower case; the server must not care. */
export function looseEncode(text: string, raw: boolean, lower: boolean): string {
  const strict = rfc3986(text);
  const relaxed = raw
    ? strict.replace(/%(21|27|28|29|2A|3A|40|2C|3B|24|2B)/g, (m) => decodeURIComponent(m))
    : strict;
  return lower ? relaxed.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) : relaxed;
}

export const accessKey = fc.stringMatching(/^[A-Za-z0-9]{16,40}$/);
export const secret = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 48 });
export const region = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
export const service = fc.oneof(
  fc.constantFrom('s3', 'glue', 'athena', 'databrew'),
  fc.stringMatching(/^[a-z0-9-]{1,16}$/),
);
export const signingDate = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2099-12-31T23:59:59Z'),
  noInvalidDate: true,
});
const anyText = fc.string({ unit: 'binary', maxLength: 16 });
/** Header names are HTTP tokens; the signer lower-cases them, as Node does on the server. */
const headerName = fc
  .oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,24}$/) },
    // Names the signer leaves unsigned: the server must verify a request that carries them all the same.
    fc.constantFrom(
      ...Object.keys(ALWAYS_UNSIGNABLE_HEADERS),
      ...GENERATED_HEADERS,
      'proxy-x',
      'sec-fetch-mode',
    ),
  )
  .filter((name) => !OWN_HEADERS.has(name));
const headerValue = fc.string({
  unit: fc.constantFrom(...' \t!"#$%&()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('')),
  maxLength: 24,
});
/** Headers the request sets itself, or that would describe a body it does not have. */
const OWN_HEADERS = new Set([
  'host',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-security-token',
  'authorization',
  'content-length',
  'transfer-encoding',
]);

/**
 * Whether the SDK's signer signs a header of this name: not one it never signs (its ALWAYS_UNSIGNABLE_HEADERS,
 * proxy-* and sec-*) nor one it makes itself (GENERATED_HEADERS, which it removes first).
 */
export function signedBySdk(name: string): boolean {
  return (
    !Object.hasOwn(ALWAYS_UNSIGNABLE_HEADERS, name) &&
    !GENERATED_HEADERS.includes(name) &&
    !PROXY_HEADER_PATTERN.test(name) &&
    !SEC_HEADER_PATTERN.test(name)
  );
}

/** A request as a client builds it: decoded path segments, query parameters (some repeated) and headers. */
export const request = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
  segments: fc.array(fc.oneof({ weight: 4, arbitrary: anyText }, fc.constantFrom('', '.', '..')), {
    maxLength: 5,
  }),
  trailingSlash: fc.boolean(),
  query: fc.uniqueArray(
    fc.tuple(
      // The signer skips x-amz-signature, and its request cloning assigns keys, losing '__proto__'.
      anyText.filter(
        (key) => key.toLowerCase() !== 'x-amz-signature' && !key.startsWith('X-Amz-') && key !== '__proto__',
      ),
      fc.array(anyText, { minLength: 1, maxLength: 3 }),
    ),
    { selector: ([key]) => key, maxLength: 5 },
  ),
  headers: fc.uniqueArray(fc.tuple(headerName, headerValue), { selector: ([name]) => name, maxLength: 5 }),
  rawSafe: fc.boolean(),
  lowerHex: fc.boolean(),
});
export type ClientRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

export function wireQuery(req: ClientRequest): string {
  return req.query
    .flatMap(([key, values]) =>
      values.map(
        (value) =>
          `${looseEncode(key, req.rawSafe, req.lowerHex)}=${looseEncode(value, req.rawSafe, req.lowerHex)}`,
      ),
    )
    .join('&');
}

/** The path as the SDKs send it: each segment RFC 3986-encoded ('.' and '..' stay as they are). */
export function wirePath(req: ClientRequest): string {
  const path = `/${req.segments.map(rfc3986).join('/')}`;
  return req.trailingSlash && req.segments.length > 0 ? `${path}/` : path;
}

export function signer(args: {
  service: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}) {
  return new SignatureV4({
    service: args.service,
    region: args.region,
    credentials: { accessKeyId: args.accessKeyId, secretAccessKey: args.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: args.service !== 's3',
    applyChecksum: false,
  });
}
