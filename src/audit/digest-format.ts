import { createHash, type KeyObject, randomInt, sign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type DigestDocument, digestStringToSign, SIGNATURE_ALGORITHM } from './digest-document.js';

export {
  type ChainLink,
  chainBreak,
  checkDigestFile,
  type DigestCheck,
  type DigestDocument,
  type DigestLogFile,
  digestStringToSign,
  HASH_ALGORITHM,
  logFileHash,
  SIGNATURE_ALGORITHM,
} from './digest-document.js';

/**
 * CloudTrail's log file and digest file formats as Seawall writes them, for `aws cloudtrail validate-logs` to
 * read: where each file goes (key names), the files themselves, the digest's signature, how a public key is
 * fingerprinted and how ListPublicKeys carries it. What a digest holds and how a reader checks it is
 * `digest-document.ts`, which `seawall audit verify` and the console read with.
 */

/** Where a trail's files go: its bucket's key prefix (may be empty), account and region. */
export interface TrailPlace {
  readonly prefix?: string | null | undefined;
  readonly accountId: string;
  readonly region: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function datePath(date: Date): string {
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
}

/** `20261204T1805Z`, and with seconds `20261204T180512Z`. */
function stamp(date: Date, seconds: boolean): string {
  const day = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${seconds ? pad(date.getUTCSeconds()) : ''}`;
  return `${day}T${time}Z`;
}

function rooted(prefix: string | null | undefined, key: string): string {
  return prefix ? `${prefix.replace(/\/+$/, '')}/${key}` : key;
}

/**
 * A log file's key: `[prefix/]AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
 * ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`, UNIQUE being 16 random alphanumerics.
 */
export function logFileKey(place: TrailPlace, at: Date, unique = randomUnique()): string {
  const { accountId, region } = place;
  return rooted(
    place.prefix,
    `AWSLogs/${accountId}/CloudTrail/${region}/${datePath(at)}/${accountId}_CloudTrail_${region}_${stamp(at, false)}_${unique}.json.gz`,
  );
}

/**
 * A digest file's key: `[prefix/]AWSLogs/ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/
 * ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ.json.gz`, timed by the digest's end.
 */
export function digestFileKey(place: TrailPlace & { trailName: string }, end: Date): string {
  const { accountId, region, trailName } = place;
  return rooted(
    place.prefix,
    `AWSLogs/${accountId}/CloudTrail-Digest/${region}/${datePath(end)}/${accountId}_CloudTrail-Digest_${region}_${trailName}_${region}_${stamp(end, true)}.json.gz`,
  );
}

export function randomUnique(): string {
  let unique = '';
  for (let i = 0; i < 16; i++) unique += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return unique;
}

/** The SHA-256 (hex) of bytes: a log file's hashValue is that of its inflated (gunzipped) contents. */
export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A log file from records already in CloudTrail's JSON: the gzip file and the hash of its inflated bytes.
 * Built from the JSON texts as stored, so a record is never re-serialized differently from how it was kept.
 */
export function buildLogFile(recordJsons: readonly string[]): { body: Buffer; hashValue: string } {
  const inflated = Buffer.from(`{"Records":[${recordJsons.join(',')}]}`, 'utf8');
  return { body: gzipSync(inflated), hashValue: sha256Hex(inflated) };
}

/** A digest file ready to store: its gzip bytes, the inflated document's hash and its S3 user metadata. */
export interface SignedDigest {
  readonly body: Buffer;
  /** SHA-256 (hex) of the inflated document: the next digest's previousDigestHashValue. */
  readonly hashValue: string;
  /** Hex RSA signature: the next digest's previousDigestSignature and this file's `signature` metadata. */
  readonly signature: string;
  readonly metadata: Record<string, string>;
}

/** Serializes and signs a digest (SHA256withRSA, PKCS#1 v1.5) with the region's private key. */
export function signDigest(digest: DigestDocument, privateKey: KeyObject): SignedDigest {
  const inflated = Buffer.from(JSON.stringify(digest), 'utf8');
  const signature = sign(
    'sha256',
    Buffer.from(digestStringToSign(digest, sha256Hex(inflated))),
    privateKey,
  ).toString('hex');
  return {
    body: gzipSync(inflated),
    hashValue: sha256Hex(inflated),
    signature,
    metadata: { signature, 'signature-algorithm': SIGNATURE_ALGORITHM },
  };
}

/** CloudTrail's fingerprint of a public key: the MD5 (hex) of its PKCS#1 DER bytes. */
export function publicKeyFingerprint(der: Buffer): string {
  return createHash('md5').update(der).digest('hex');
}

/** ListPublicKeys' Value blob: the DER key, base64 on the wire as every awsJson blob is. */
export function publicKeyValue(der: Buffer): string {
  return der.toString('base64');
}
