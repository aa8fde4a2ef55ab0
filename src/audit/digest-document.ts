/**
 * CloudTrail's digest document and how a reader checks it, as `aws cloudtrail validate-logs` does: what a digest
 * holds, the string its signature covers, a digest file's signature and a log file's hash, and the link from one
 * digest to the one before it. Only the web platform's own APIs are used (Web Crypto, Compression Streams), so the
 * same checks run in `seawall audit verify` (Node) and in the console (the browser). `digest-format.ts` writes
 * what this reads.
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

/**
 * What a digest's signature covers, exactly as CloudTrail (and the aws cli's validator) defines it; `hash` is the
 * SHA-256 (hex) of the inflated digest document.
 */
export function digestStringToSign(
  digest: Pick<
    DigestDocument,
    'digestEndTime' | 'digestS3Bucket' | 'digestS3Object' | 'previousDigestSignature'
  >,
  hash: string,
): string {
  return `${digest.digestEndTime}\n${digest.digestS3Bucket}/${digest.digestS3Object}\n${hash}\n${digest.previousDigestSignature ?? 'null'}`;
}

/** Bytes in an ArrayBuffer of their own, as Web Crypto and Blob take them (a Node Buffer may share a pool's). */
function owned(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The SHA-256 (hex) of bytes. */
export async function sha256HexOf(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', owned(bytes)));
}

/** Gzip bytes inflated, or undefined when they are not gzip. */
async function inflate(gzipped: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const stream = new Blob([owned(gzipped)]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return undefined;
  }
}

/** A DER length. */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** The SubjectPublicKeyInfo around a PKCS#1 RSA public key (what Web Crypto imports). */
function spkiOf(pkcs1: Uint8Array): Uint8Array {
  // AlgorithmIdentifier: rsaEncryption (1.2.840.113549.1.1.1), NULL parameters.
  const algorithm = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
  ];
  const bitString = [0x03, ...derLength(pkcs1.length + 1), 0x00, ...pkcs1];
  const body = [...algorithm, ...bitString];
  return new Uint8Array([0x30, ...derLength(body.length), ...body]);
}

/** Whether `signature` (hex) is a SHA256withRSA (PKCS#1 v1.5) signature of `data` by the PKCS#1 DER key. */
async function verifiesRsaSha256(pkcs1: Uint8Array, data: Uint8Array, signature: string): Promise<boolean> {
  if (!/^(?:[0-9a-f]{2})+$/i.test(signature)) return false;
  const bytes = new Uint8Array(signature.match(/../g)?.map((pair) => Number.parseInt(pair, 16)) ?? []);
  try {
    const key = await crypto.subtle.importKey(
      'spki',
      owned(spkiOf(pkcs1)),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    return await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, bytes, owned(data));
  } catch {
    return false;
  }
}

/** Why a digest file is not a valid, signed CloudTrail digest, or its document and the hash of its text. */
export type DigestCheck =
  | { readonly ok: true; readonly digest: DigestDocument; readonly hash: string }
  | { readonly ok: false; readonly reason: string };

const REQUIRED = [
  'digestPublicKeyFingerprint',
  'digestS3Bucket',
  'digestS3Object',
  'previousDigestSignature',
  'digestEndTime',
  'digestStartTime',
];

/**
 * Checks one digest file as the aws cli does: gzip JSON with the required members, naming its own bucket and
 * key, its `signature` metadata a SHA256withRSA signature by the key with its fingerprint.
 */
export async function checkDigestFile(
  place: { bucket: string; key: string },
  file: { body: Uint8Array; metadata: Record<string, string> },
  publicKeys: ReadonlyMap<string, Uint8Array>,
): Promise<DigestCheck> {
  const inflated = await inflate(file.body);
  if (!inflated) return { ok: false, reason: 'invalid format' };
  let digest: DigestDocument;
  try {
    digest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated)) as DigestDocument;
  } catch {
    return { ok: false, reason: 'invalid format' };
  }
  if (typeof digest !== 'object' || digest === null || REQUIRED.some((name) => !(name in digest)))
    return { ok: false, reason: 'invalid format' };
  if (digest.digestS3Bucket !== place.bucket || digest.digestS3Object !== place.key)
    return { ok: false, reason: 'has been moved from its original location' };
  const signature = file.metadata.signature;
  if (!signature || file.metadata['signature-algorithm'] !== SIGNATURE_ALGORITHM)
    return { ok: false, reason: 'signature verification failed' };
  const der = publicKeys.get(digest.digestPublicKeyFingerprint);
  if (!der)
    return { ok: false, reason: `public key not found for fingerprint ${digest.digestPublicKeyFingerprint}` };
  const hash = await sha256HexOf(inflated);
  const signed = new TextEncoder().encode(digestStringToSign(digest, hash));
  return (await verifiesRsaSha256(der, signed, signature))
    ? { ok: true, digest, hash }
    : { ok: false, reason: 'signature verification failed' };
}

/** One link of a chain a reader walks newest first: what the digest before it must be. */
export interface ChainLink {
  readonly key: string;
  readonly digest: DigestDocument;
  /** The SHA-256 (hex) of the inflated digest document. */
  readonly hash: string;
  readonly signature: string;
}

/**
 * Whether `older` is the digest `newer` names as its previous one: same bucket and key, and the hash and
 * signature `newer` recorded for it. Undefined when it is; the reason otherwise.
 */
export function chainBreak(newer: DigestDocument, older: ChainLink, bucket: string): string | undefined {
  if (newer.previousDigestS3Object !== older.key || newer.previousDigestS3Bucket !== bucket)
    return 'is not the previous digest the next digest names';
  if (newer.previousDigestHashValue !== older.hash)
    return "hash value doesn't match the one the next digest recorded";
  if (newer.previousDigestSignature !== older.signature)
    return "signature doesn't match the one the next digest recorded";
  return undefined;
}

/** A log file's inflated hash, or undefined when it is not gzip. */
export async function logFileHash(gzipped: Uint8Array): Promise<string | undefined> {
  const inflated = await inflate(gzipped);
  return inflated && sha256HexOf(inflated);
}
