import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';
import { awsUriEncode, decodePathSegment, type QueryParams } from '../lib/http.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The parts of a SigV4 signature, from an Authorization header or a presigned URL. */
export interface SignatureParts {
  kind: 'header' | 'query';
  accessKeyId: string;
  /** YYYYMMDD from the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** The request time, YYYYMMDD'T'HHMMSS'Z'. */
  amzDate: string;
  /** Presigned URLs only: seconds of validity. */
  expires?: number;
}

/** Auth failures, each with its code and status in S3 (restXml), JSON and query protocols. */
const AUTH_FAILURES = {
  AccessDenied: ['AccessDenied', 403, 'AccessDeniedException', 'AccessDenied'],
  MissingAuthenticationToken: [
    'AccessDenied',
    403,
    'MissingAuthenticationTokenException',
    'MissingAuthenticationToken',
  ],
  AuthorizationHeaderMalformed: [
    'AuthorizationHeaderMalformed',
    400,
    'IncompleteSignatureException',
    'IncompleteSignature',
  ],
  AuthorizationQueryParametersError: [
    'AuthorizationQueryParametersError',
    400,
    'IncompleteSignatureException',
    'IncompleteSignature',
  ],
  InvalidAccessKeyId: ['InvalidAccessKeyId', 403, 'UnrecognizedClientException', 'InvalidClientTokenId'],
  SignatureDoesNotMatch: ['SignatureDoesNotMatch', 403, 'InvalidSignatureException', 'SignatureDoesNotMatch'],
  RequestTimeTooSkewed: ['RequestTimeTooSkewed', 403, 'InvalidSignatureException', 'RequestExpired'],
  ExpiredRequest: ['AccessDenied', 403, 'InvalidSignatureException', 'RequestExpired'],
  XAmzContentSHA256Mismatch: [
    'XAmzContentSHA256Mismatch',
    400,
    'InvalidSignatureException',
    'SignatureDoesNotMatch',
  ],
} as const satisfies Record<string, readonly [string, number, string, string]>;

export type AuthFailure = keyof typeof AUTH_FAILURES;

/** How the JSON and query services word a key or session token they do not know. */
export const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.';

/** How the JSON and query services word a failure that S3 words otherwise. */
const PROTOCOL_MESSAGES: Partial<Record<AuthFailure, string>> = {
  InvalidAccessKeyId: INVALID_TOKEN_MESSAGE,
};

/**
 * An auth failure in S3's words (`message`, with the extra elements S3 puts in its error document); the JSON and
 * query services word some failures otherwise (`otherwise`).
 */
export function authError(
  failure: AuthFailure,
  message: string,
  fields?: Record<string, string>,
  otherwise?: string,
): AppError {
  const [code, status, json, query] = AUTH_FAILURES[failure];
  const protocolMessage = otherwise ?? PROTOCOL_MESSAGES[failure];
  return new AppError(code, status, message, {
    ...(fields ? { fields } : {}),
    protocolCodes: { json, query },
    ...(protocolMessage ? { protocolMessage } : {}),
  });
}

// Any alphanumeric key id parses; one that is not Seawall's is InvalidAccessKeyId (403), as in AWS.
const CREDENTIAL = /^([A-Za-z0-9]{1,128})\/(\d{8})\/([a-z0-9-]{1,32})\/([a-z0-9-]{1,32})\/aws4_request$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
/** Header names are HTTP tokens (RFC 9110), lower-cased: `x-amz-meta-my_key` is as valid as `range`. */
const HEADER_NAME = "[a-z0-9!#$%&'*+.^_`|~-]+";
const HEADER_LIST = new RegExp(`^${HEADER_NAME}(;${HEADER_NAME})*$`);

/** The parts of a credential scope `KEY/YYYYMMDD/region/service/aws4_request`, or undefined. */
export function matchCredential(
  value: string,
): { accessKeyId: string; scopeDate: string; region: string; service: string } | undefined {
  const match = CREDENTIAL.exec(value);
  if (!match) return undefined;
  const [, accessKeyId, scopeDate, region, service] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { accessKeyId, scopeDate, region, service };
}

/** How S3 begins a complaint about the credential, in the header or in a presigned URL. */
const CREDENTIAL_PREFIX = {
  AuthorizationHeaderMalformed: 'The authorization header is malformed;',
  AuthorizationQueryParametersError: 'Error parsing the X-Amz-Credential parameter;',
} as const;

function parseCredential(value: string, failure: keyof typeof CREDENTIAL_PREFIX) {
  const parts = matchCredential(value);
  if (!parts)
    throw authError(
      failure,
      `${CREDENTIAL_PREFIX[failure]} the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
      undefined,
      // The other services are not S3: they keep Seawall's own wording, which names what was sent.
      `the credential '${value.slice(0, 200)}' is not of the form KEY/YYYYMMDD/region/service/aws4_request`,
    );
  return parts;
}

export function parseAmzDate(value: string): Date | undefined {
  const match = AMZ_DATE.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999; any field that rolled over
  // (month 13, hour 24, 31 February) was out of range.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s);
  const fields = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  return fields.every((value, i) => value === [y, mo, d, h, mi, s][i]) ? date : undefined;
}

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export function parseAuthorizationHeader(value: string, amzDate: string): SignatureParts {
  const malformed = (why: string) =>
    authError('AuthorizationHeaderMalformed', `The authorization header is malformed; ${why}`);
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw authError(
      'AuthorizationHeaderMalformed',
      `Unsupported authorization type '${algorithm.slice(0, 40)}'; use ${ALGORITHM}.`,
    );
  }
  // Whitespace may follow a comma and end a value; a name is exact up to its '=' ("Signature =…" names no
  // Signature), and a value starts right after it.
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trimStart(), part.slice(eq + 1).trimEnd());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature)
    throw malformed('it needs Credential, SignedHeaders and Signature.');
  if (!SIGNATURE.test(signature)) throw malformed('the Signature is not 64 hex digits.');
  if (!HEADER_LIST.test(signedHeaders)) throw malformed('SignedHeaders is not a list of header names.');
  return {
    kind: 'header',
    ...parseCredential(credential, 'AuthorizationHeaderMalformed'),
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
  };
}

/** Parses the X-Amz-* parameters of a presigned URL. */
export function parsePresignedQuery(query: QueryParams): SignatureParts {
  const get = (name: string) => query.find(([key]) => key === name)?.[1];
  const malformed = (why: string) => authError('AuthorizationQueryParametersError', why);
  if (get('X-Amz-Algorithm') !== ALGORITHM) throw malformed(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const expires = get('X-Amz-Expires');
  const signedHeaders = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (!credential || !amzDate || !expires || !signedHeaders || !signature) {
    throw malformed(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (!/^-?\d{1,16}$/.test(expires)) throw malformed('X-Amz-Expires should be a number');
  const seconds = Number(expires);
  if (seconds < 0) throw malformed('X-Amz-Expires must be non-negative');
  if (seconds > 604_800)
    throw malformed(
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    );
  if (!SIGNATURE.test(signature)) throw malformed('X-Amz-Signature is not 64 hex digits.');
  if (!HEADER_LIST.test(signedHeaders)) throw malformed('X-Amz-SignedHeaders is not a list of header names.');
  return {
    kind: 'query',
    ...parseCredential(credential, 'AuthorizationQueryParametersError'),
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    expires: seconds,
  };
}

/**
 * The canonical URI: each segment decoded then encoded. Other services than S3 normalise the path first, as
 * SigV4 asks and the SDKs do (empty and '.' segments dropped, '..' removes its parent), and encode it twice.
 */
export function canonicalUri(rawPath: string, service: string): string {
  const once = (segment: string) => awsUriEncode(decodePathSegment(segment));
  if (service === 's3') return rawPath.split('/').map(once).join('/') || '/';
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.map((segment) => awsUriEncode(once(segment))).join('/')}${trailing}`;
}

export function canonicalQuery(query: QueryParams, exclude?: string): string {
  return query
    .filter(([key]) => key !== exclude)
    .map(([key, value]) => [awsUriEncode(key), awsUriEncode(value)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

export function canonicalRequest(args: {
  method: string;
  uri: string;
  query: string;
  headers: (name: string) => string | undefined;
  signedHeaders: string[];
  payloadHash: string;
}): string {
  const headerLines = args.signedHeaders.map((name) => {
    // Signed header names are the client's: looked up in a plain object, `constructor` finds a function.
    const value = args.headers(name);
    return `${name}:${(typeof value === 'string' ? value : '').trim().replace(/\s+/g, ' ')}\n`;
  });
  return [
    args.method,
    args.uri,
    args.query,
    headerLines.join(''),
    args.signedHeaders.join(';'),
    args.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function scopeOf(parts: Pick<SignatureParts, 'scopeDate' | 'region' | 'service'>): string {
  return `${parts.scopeDate}/${parts.region}/${parts.service}/aws4_request`;
}

export function stringToSign(amzDate: string, scope: string, canonicalRequestText: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequestText)}`;
}

const signingKeys = new Map<string, Buffer>();

/** HMAC chain of date, region, service; cached because it changes once a day per key. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\0${date}\0${region}\0${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
    const kRegion = createHmac('sha256', kDate).update(region).digest();
    const kService = createHmac('sha256', kRegion).update(service).digest();
    key = createHmac('sha256', kService).update('aws4_request').digest();
    if (signingKeys.size > 1000) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

export function hmacHex(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

/** Signature Version 2's HMAC-SHA1, base64: what browser-upload forms of older clients sign their policy with. */
export function hmacSha1Base64(secret: string, text: string): string {
  return createHmac('sha1', secret).update(text).digest('base64');
}

export function signaturesEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
