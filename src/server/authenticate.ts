import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pipeline, Readable, Transform } from 'node:stream';
import { AppError, badRequest } from '../errors.js';
import type { SigningIdentity } from '../iam/index.js';
import type { Clock } from '../lib/clock.js';
import { type QueryParams, readSmallBody } from '../lib/http.js';
import type { Principal } from '../lib/operation.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { requireSignedAmzHeaders, withHoistedHeaders } from './signed-headers.js';
import {
  authError,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  hmacHex,
  INVALID_TOKEN_MESSAGE,
  parseAmzDate,
  parseAuthorizationHeader,
  parsePresignedQuery,
  type SignatureParts,
  scopeOf,
  sha256Hex,
  signaturesEqual,
  signingKey,
  stringToSign,
} from './sigv4.js';

export const MAX_SKEW_MS = 15 * 60 * 1000;
/** Bodies of non-S3 APIs are small JSON or form documents, read whole to hash them. */
export const MAX_API_BODY = 16 * 1024 * 1024;

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const STREAMING = new Set([
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
]);

/** Finds who holds an access key (active keys only). */
export interface IdentityLookup {
  signingIdentity(accessKeyId: string): Promise<SigningIdentity | undefined>;
}

export interface RequestLine {
  method: string;
  rawPath: string;
  query: QueryParams;
  headers: Readonly<Record<string, string>>;
}

export interface Authenticated {
  principal: Principal;
  /** The request's headers, with x-amz-* headers a presigned URL carried in its query string added. */
  headers: Readonly<Record<string, string>>;
  service: string;
  region: string;
  body: Readable;
  contentLength: number | undefined;
  trailers: () => Readonly<Record<string, string>>;
}

/** Reads the service a request is signed for without verifying anything, to pick the error shape early. */
export function signedService(line: RequestLine): string | undefined {
  // Refused when authenticated, but S3's: its answer has S3's shape and CORS headers a browser can read.
  if (isSigV2(line)) return 's3';
  const credential = line.headers.authorization
    ? /Credential=[^/]*\/\d{8}\/[^/]*\/([^/]*)\//.exec(line.headers.authorization)?.[1]
    : line.query.find(([key]) => key === 'X-Amz-Credential')?.[1]?.split('/')[3];
  return credential || undefined;
}

/** The access key id a request says it is signed with (an AWS-shaped id only), whether or not it verifies. */
export function claimedAccessKey(line: RequestLine): string | undefined {
  const credential = line.headers.authorization
    ? /Credential=([^/,\s]*)\//.exec(line.headers.authorization)?.[1]
    : line.query.find(([key]) => key === 'X-Amz-Credential')?.[1]?.split('/')[0];
  return credential && /^[A-Z0-9]{16,128}$/.test(credential) ? credential : undefined;
}

function toAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Signature Version 2, in the Authorization header (`AWS key:signature`) or the query string (AWSAccessKeyId and
 * Signature, as s3cmd's `signurl` and old SDKs presign). Only S3 ever took it; a SigV2 query is not an unsigned
 * request, though it has no X-Amz- parameters.
 */
export function isSigV2(line: RequestLine): boolean {
  const authorization = line.headers.authorization;
  if (authorization !== undefined) return /^AWS [^:]+:/.test(authorization);
  return (
    line.query.some(([name]) => name === 'AWSAccessKeyId') &&
    line.query.some(([name]) => name === 'Signature')
  );
}

/** S3's answer to Signature Version 2 in either place, as in every region opened since 2014. */
function sigV2Refused(): AppError {
  return badRequest(
    'InvalidRequest',
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
  );
}

/** Whether the query string carries a signature too: SigV4's X-Amz-Algorithm, or SigV2's Signature. */
function hasQuerySignature(line: RequestLine): boolean {
  return line.query.some(([name]) => name === 'X-Amz-Algorithm' || name === 'Signature');
}

/**
 * S3 takes one signature: which one to check would otherwise be a guess. It echoes the header it refuses; an
 * Authorization of another scheme (a gateway's Basic or Bearer credential) is named by its scheme alone.
 */
function twoMechanisms(authorization: string): AppError {
  const echoed = /^(AWS4-HMAC-SHA256|AWS) /.test(authorization)
    ? authorization.slice(0, 1024)
    : (authorization.split(' ', 1)[0] as string).slice(0, 64);
  return badRequest(
    'InvalidArgument',
    'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    { ArgumentName: 'Authorization', ArgumentValue: echoed },
  );
}

function signatureParts(line: RequestLine): SignatureParts {
  const authorization = line.headers.authorization;
  // S3's rule; what the other services answer is not known, so they keep using the header.
  if (authorization !== undefined && hasQuerySignature(line) && signedService(line) === 's3')
    throw twoMechanisms(authorization);
  if (isSigV2(line)) throw sigV2Refused();
  if (authorization !== undefined) {
    let amzDate = line.headers['x-amz-date'];
    if (amzDate === undefined && line.headers.date !== undefined) {
      const parsed = new Date(line.headers.date);
      if (!Number.isNaN(parsed.getTime())) amzDate = toAmzDate(parsed);
    }
    if (amzDate === undefined) {
      throw authError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    }
    return parseAuthorizationHeader(authorization, amzDate);
  }
  if (line.query.some(([key]) => key.startsWith('X-Amz-'))) return parsePresignedQuery(line.query);
  throw authError('MissingAuthenticationToken', 'Access Denied: the request is not signed.');
}

/** A time as S3 writes it in an error document's ServerTime and Expires: ISO 8601, to the second. */
function isoSeconds(time: Date | number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function credentialDateMismatch(parts: SignatureParts): AppError {
  // The other services answer that the signature does not match; S3 that the header or query is malformed.
  if (parts.service !== 's3') {
    return authError(
      'SignatureDoesNotMatch',
      `The credential date ${parts.scopeDate} does not match the request date ${parts.amzDate}.`,
    );
  }
  if (parts.kind === 'header') {
    return authError(
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.',
    );
  }
  return authError(
    'AuthorizationQueryParametersError',
    `Invalid credential date "${parts.scopeDate}". This date is not the same as X-Amz-Date: "${parts.amzDate.slice(0, 8)}".`,
  );
}

function checkTime(parts: SignatureParts, now: Date): void {
  const requestTime = parseAmzDate(parts.amzDate);
  if (!requestTime) {
    const failure = parts.kind === 'query' ? 'AuthorizationQueryParametersError' : 'AccessDenied';
    throw authError(failure, `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  if (parts.scopeDate !== parts.amzDate.slice(0, 8)) throw credentialDateMismatch(parts);
  if (parts.kind === 'query') {
    checkPresignedWindow(parts, requestTime, now);
    return;
  }
  if (Math.abs(requestTime.getTime() - now.getTime()) > MAX_SKEW_MS) {
    throw authError(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: parts.amzDate,
        ServerTime: isoSeconds(now),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      },
    );
  }
}

/** A presigned URL is valid from its X-Amz-Date (give or take the clock skew) for X-Amz-Expires seconds. */
function checkPresignedWindow(parts: SignatureParts, requestTime: Date, now: Date): void {
  const expiresAt = requestTime.getTime() + (parts.expires ?? 0) * 1000;
  if (requestTime.getTime() - now.getTime() > MAX_SKEW_MS) {
    // S3 writes this X-Amz-Date in milliseconds since the epoch, unlike the one the URL carries.
    throw authError('AccessDenied', 'Request is not yet valid', {
      'X-Amz-Date': String(requestTime.getTime()),
      Expires: isoSeconds(expiresAt),
      ServerTime: isoSeconds(now),
    });
  }
  // X-Amz-Expires=0 is a URL that was never valid.
  if (now.getTime() > expiresAt || parts.expires === 0) {
    throw authError('ExpiredRequest', 'Request has expired', {
      'X-Amz-Expires': String(parts.expires),
      Expires: isoSeconds(expiresAt),
      ServerTime: isoSeconds(now),
    });
  }
}

function checkRegion(parts: SignatureParts, region: string): void {
  // IAM and STS are global services signed for us-east-1, as in AWS.
  const expected = parts.service === 'iam' || parts.service === 'sts' ? [region, 'us-east-1'] : [region];
  if (expected.includes(parts.region)) return;
  const message = `the region '${parts.region}' is wrong; expecting '${region}'`;
  if (parts.kind === 'query') {
    throw authError(
      'AuthorizationQueryParametersError',
      `Error parsing the X-Amz-Credential parameter; ${message}`,
      { Region: region },
    );
  }
  throw authError('AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`, {
    Region: region,
  });
}

/** Passes the body through, failing at its end if its SHA-256 is not the one that was signed. */
function sha256Verifier(expected: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      if (actual === expected) callback();
      else {
        callback(
          authError(
            'XAmzContentSHA256Mismatch',
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            {
              ClientComputedContentSHA256: expected,
              S3ComputedContentSHA256: actual,
            },
          ),
        );
      }
    },
  });
}

/** Bytes as S3 spells them in an error document: two hex digits each, separated by spaces. */
function spelledBytes(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

/**
 * Signed values that are secrets in their own right: a session token, and SSE-C keys. A presigned URL may carry
 * any of them as a query parameter, in any case (they are hoisted into headers), so names are compared decoded
 * and lower-cased.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'x-amz-security-token',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key',
]);

function isSecretName(encoded: string): boolean {
  let name = encoded;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    // Not percent-encoding after all: compared as it is.
  }
  return SECRET_NAMES.has(name.toLowerCase());
}

/**
 * A canonical request as echoed in an error, the secrets it signed left out (even for their sender): its lines
 * are the method, the path, the query, then one `name:value` line per signed header up to an empty line.
 */
function withoutSecrets(canonical: string): string {
  const lines = canonical.split('\n');
  lines[2] = (lines[2] ?? '')
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0] as string;
      return isSecretName(name) ? `${name}=<redacted>` : pair;
    })
    .join('&');
  for (let i = 3; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i] as string;
    const name = line.slice(0, line.indexOf(':'));
    if (isSecretName(name)) lines[i] = `${name}:<redacted>`;
  }
  return lines.join('\n');
}

/**
 * S3's answer to a wrong signature: what it signed, as text and as bytes, so the client can find where its own
 * canonical request differs. Both are built from the request alone, so the secret key is in neither; the
 * secrets a request may sign (a session token, an SSE-C key) are left out of what is echoed.
 */
function signatureMismatch(parts: SignatureParts, toSign: string, signed: string): AppError {
  const canonical = withoutSecrets(signed);
  return authError(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    {
      AWSAccessKeyId: parts.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: parts.signature,
      StringToSignBytes: spelledBytes(toSign),
      CanonicalRequest: canonical,
      CanonicalRequestBytes: spelledBytes(canonical),
    },
  );
}

function lengthOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value))
    throw badRequest('InvalidArgument', 'The length header is not a non-negative integer.');
  return Number(value);
}

function tokenError(code: 'ExpiredToken' | 'InvalidToken'): AppError {
  return code === 'ExpiredToken'
    ? new AppError('ExpiredToken', 400, 'The provided token has expired.', {
        protocolCodes: { json: 'ExpiredTokenException', query: 'ExpiredToken' },
        protocolMessage: 'The security token included in the request is expired',
      })
    : new AppError('InvalidToken', 400, 'The provided token is malformed or otherwise invalid.', {
        protocolCodes: { json: 'UnrecognizedClientException', query: 'InvalidClientTokenId' },
        protocolMessage: INVALID_TOKEN_MESSAGE,
      });
}

/**
 * Temporary (STS) credentials are valid only with their session token (the x-amz-security-token header, or
 * X-Amz-Security-Token in a presigned URL) and only until they expire; permanent keys take no token.
 */
function checkSessionToken(
  identity: SigningIdentity,
  line: RequestLine,
  parts: SignatureParts,
  now: Date,
): void {
  const token =
    parts.kind === 'query'
      ? line.query.find(([key]) => key === 'X-Amz-Security-Token')?.[1]
      : line.headers['x-amz-security-token'];
  checkSessionTokenValue(identity, token, parts.accessKeyId, now);
}

/** The same check for a token however it came (a header, a query parameter, a browser form's field). */
export function checkSessionTokenValue(
  identity: SigningIdentity,
  token: string | undefined,
  accessKeyId: string,
  now: Date,
): void {
  const session = identity.session;
  if (!session) {
    if (token !== undefined) throw tokenError('InvalidToken');
    return;
  }
  if (token === undefined)
    throw authError(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      {
        AWSAccessKeyId: accessKeyId,
      },
    );
  const presented = createHash('sha256').update(token).digest();
  if (!timingSafeEqual(presented, Buffer.from(session.tokenSha256, 'hex'))) throw tokenError('InvalidToken');
  if (now.getTime() >= session.expiresAt.getTime()) throw tokenError('ExpiredToken');
}

/** The identity without its secret (nor, for temporary credentials, its session token's hash). */
export function principalOf(identity: SigningIdentity): Principal {
  const { secretAccessKey: _secret, session: _session, ...principal } = identity;
  return principal;
}

/**
 * Verifies a request's SigV4 signature (header or presigned URL) and returns who sent it, with a body stream
 * that verifies the payload (hash, chunk signatures, trailer) as it is read.
 */
export async function authenticate(
  req: IncomingMessage,
  line: RequestLine,
  deps: { iam: IdentityLookup; clock: Clock; region: string },
  reserve: (bytes: number) => void,
): Promise<Authenticated> {
  const parts = signatureParts(line);
  checkTime(parts, deps.clock.now());
  checkRegion(parts, deps.region);
  if (!parts.signedHeaders.includes('host')) {
    throw authError(
      parts.kind === 'query' ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
      "The signed headers must include 'host'.",
    );
  }
  const identity = await deps.iam.signingIdentity(parts.accessKeyId);
  if (!identity)
    throw authError(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      { AWSAccessKeyId: parts.accessKeyId },
    );

  const declared = line.headers['x-amz-content-sha256'];
  let payloadHash: string;
  let body: Readable = req;
  let buffered: Buffer | undefined;
  if (declared !== undefined) {
    if (/^STREAMING-AWS4-ECDSA/.test(declared))
      throw new AppError('NotImplemented', 501, 'SigV4a (ECDSA) streaming signatures are not supported.');
    if (!HEX_SHA256.test(declared) && declared !== 'UNSIGNED-PAYLOAD' && !STREAMING.has(declared)) {
      throw badRequest(
        'InvalidArgument',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
      );
    }
    payloadHash = declared;
  } else if (parts.kind === 'query') {
    payloadHash = 'UNSIGNED-PAYLOAD';
  } else if (parts.service === 's3') {
    throw badRequest('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  } else {
    buffered = await readSmallBody(
      req,
      MAX_API_BODY,
      () =>
        new AppError('RequestEntityTooLarge', 413, `The request body is larger than ${MAX_API_BODY} bytes.`),
      reserve,
    );
    payloadHash = sha256Hex(buffered);
  }

  const scope = scopeOf(parts);
  const canonical = canonicalRequest({
    method: line.method,
    uri: canonicalUri(line.rawPath, parts.service),
    query: canonicalQuery(line.query, parts.kind === 'query' ? 'X-Amz-Signature' : undefined),
    headers: (name) => line.headers[name],
    signedHeaders: parts.signedHeaders,
    payloadHash,
  });
  const toSign = stringToSign(parts.amzDate, scope, canonical);
  const key = signingKey(identity.secretAccessKey, parts.scopeDate, parts.region, parts.service);
  if (!signaturesEqual(hmacHex(key, toSign), parts.signature))
    throw signatureMismatch(parts, toSign, canonical);
  requireSignedAmzHeaders(line.headers, parts);
  checkSessionToken(identity, line, parts, deps.clock.now());

  let contentLength = lengthOf(line.headers['content-length']);
  let trailers: () => Readonly<Record<string, string>> = () => ({});
  if (buffered) body = Readable.from([buffered]);
  else if (STREAMING.has(payloadHash)) {
    const decodedLength = lengthOf(line.headers['x-amz-decoded-content-length']);
    const decoder = new AwsChunkedDecoder({
      trailer: payloadHash.endsWith('-TRAILER'),
      ...(decodedLength === undefined ? {} : { decodedLength }),
      ...(payloadHash.startsWith('STREAMING-AWS4-HMAC')
        ? { signing: { key, amzDate: parts.amzDate, scope, seedSignature: parts.signature } }
        : {}),
    });
    body = pipeline(req, decoder, () => {});
    contentLength = decodedLength;
    trailers = () => decoder.trailers;
  } else if (HEX_SHA256.test(payloadHash)) {
    body = pipeline(req, sha256Verifier(payloadHash), () => {});
  }
  return {
    principal: principalOf(identity),
    headers: parts.kind === 'query' ? withHoistedHeaders(line) : line.headers,
    service: parts.service,
    region: parts.region,
    body,
    contentLength,
    trailers,
  };
}
