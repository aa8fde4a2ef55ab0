import { createHash, createPublicKey, type KeyObject, randomInt, sign, verify } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * CloudTrail's log file and digest file formats, as `aws cloudtrail validate-logs` reads them: where each file
 * goes (key names), what a digest holds, the string its signature covers, how a public key is fingerprinted
 * and how ListPublicKeys carries it. Seawall writes with these and `seawall audit verify` reads with them.
 */

export const SIGNATURE_ALGORITHM = 'SHA256withRSA';
export const HASH_ALGORITHM = 'SHA-256';

/** One log file as a digest lists it. */
export interface DigestLogFile {
  readonly s3Bucket: string;
  readonly s3Object: string;
  readonly hashValue: string;
  readonly hashAlgorithm: string;
  readonly newestEventTime: string;
  readonly oldestEventTime: string;
}

/** A digest file's document: CloudTrail's member names and order. */
export interface DigestDocument {
  readonly awsAccountId: string;
  readonly digestStartTime: string;
  readonly digestEndTime: string;
  readonly digestS3Bucket: string;
  readonly digestS3Object: string;
  readonly digestPublicKeyFingerprint: string;
  readonly digestSignatureAlgorithm: string;
  readonly newestEventTime: string | null;
  readonly oldestEventTime: string | null;
  readonly previousDigestS3Bucket: string | null;
  readonly previousDigestS3Object: string | null;
  readonly previousDigestHashValue: string | null;
  readonly previousDigestHashAlgorithm: string | null;
  readonly previousDigestSignature: string | null;
  readonly logFiles: readonly DigestLogFile[];
}

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

/** What a digest's signature covers, exactly as CloudTrail (and the aws cli's validator) defines it. */
export function digestStringToSign(
  digest: Pick<
    DigestDocument,
    'digestEndTime' | 'digestS3Bucket' | 'digestS3Object' | 'previousDigestSignature'
  >,
  inflated: Buffer,
): string {
  return `${digest.digestEndTime}\n${digest.digestS3Bucket}/${digest.digestS3Object}\n${sha256Hex(inflated)}\n${digest.previousDigestSignature ?? 'null'}`;
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
  const signature = sign('sha256', Buffer.from(digestStringToSign(digest, inflated)), privateKey).toString(
    'hex',
  );
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

/**
 * ListPublicKeys' Value blob: the DER key, base64 on the wire as every awsJson blob is. The aws cli leaves
 * blobs undecoded and its validator decodes this base64 itself; SDKs hand back the DER bytes.
 * `publicKeyFromValue` turns what a client holds for Value into DER, whichever of the two forms it is.
 */
export function publicKeyValue(der: Buffer): string {
  return der.toString('base64');
}

export function publicKeyFromValue(value: Uint8Array): Buffer {
  const bytes = Buffer.from(value);
  // DER starts with a SEQUENCE tag (0x30, '0'); base64 of a PKCS#1 RSA key starts with 'MII'.
  return bytes.subarray(0, 3).toString('latin1') === 'MII'
    ? Buffer.from(bytes.toString('latin1'), 'base64')
    : bytes;
}

/** Why a digest file is not a valid, signed CloudTrail digest, or its document. */
export type DigestCheck =
  | { readonly ok: true; readonly digest: DigestDocument; readonly inflated: Buffer }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks one digest file as the aws cli does: gzip JSON with the required members, naming its own bucket and
 * key, its `signature` metadata a SHA256withRSA signature by the key with its fingerprint.
 */
export function checkDigestFile(
  place: { bucket: string; key: string },
  file: { body: Buffer; metadata: Record<string, string> },
  publicKeys: ReadonlyMap<string, Buffer>,
): DigestCheck {
  let inflated: Buffer;
  let digest: DigestDocument;
  try {
    inflated = gunzipSync(file.body);
    digest = JSON.parse(inflated.toString('utf8')) as DigestDocument;
  } catch {
    return { ok: false, reason: 'invalid format' };
  }
  const required = [
    'digestPublicKeyFingerprint',
    'digestS3Bucket',
    'digestS3Object',
    'previousDigestSignature',
    'digestEndTime',
    'digestStartTime',
  ];
  if (typeof digest !== 'object' || digest === null || required.some((name) => !(name in digest)))
    return { ok: false, reason: 'invalid format' };
  if (digest.digestS3Bucket !== place.bucket || digest.digestS3Object !== place.key)
    return { ok: false, reason: 'has been moved from its original location' };
  const signature = file.metadata.signature;
  if (!signature || file.metadata['signature-algorithm'] !== SIGNATURE_ALGORITHM)
    return { ok: false, reason: 'signature verification failed' };
  const der = publicKeys.get(digest.digestPublicKeyFingerprint);
  if (!der)
    return { ok: false, reason: `public key not found for fingerprint ${digest.digestPublicKeyFingerprint}` };
  const valid = verify(
    'sha256',
    Buffer.from(digestStringToSign(digest, inflated)),
    createPublicKey({ key: der, format: 'der', type: 'pkcs1' }),
    Buffer.from(signature, 'hex'),
  );
  return valid ? { ok: true, digest, inflated } : { ok: false, reason: 'signature verification failed' };
}

/** One link of a chain a reader walks newest first: what the digest before it must be. */
export interface ChainLink {
  readonly key: string;
  readonly digest: DigestDocument;
  readonly inflated: Buffer;
  readonly signature: string;
}

/**
 * Whether `older` is the digest `newer` names as its previous one: same bucket and key, and the hash and
 * signature `newer` recorded for it. Undefined when it is; the reason otherwise.
 */
export function chainBreak(newer: DigestDocument, older: ChainLink, bucket: string): string | undefined {
  if (newer.previousDigestS3Object !== older.key || newer.previousDigestS3Bucket !== bucket)
    return 'is not the previous digest the next digest names';
  if (newer.previousDigestHashValue !== sha256Hex(older.inflated))
    return "hash value doesn't match the one the next digest recorded";
  if (newer.previousDigestSignature !== older.signature)
    return "signature doesn't match the one the next digest recorded";
  return undefined;
}

/** A log file's inflated hash, or undefined when it is not gzip. */
export function logFileHash(gzipped: Buffer): string | undefined {
  try {
    return sha256Hex(gunzipSync(gzipped));
  } catch {
    return undefined;
  }
}
