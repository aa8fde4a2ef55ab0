import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

/**
 * Checks a trail bucket's log file integrity chain as CloudTrail defines it (the digests, their signatures and
 * links, and every log file they list), and says precisely what is wrong: a log file modified, deleted or
 * inserted (present but listed by no digest), a digest missing, modified or signed by no known key.
 *
 * The bucket is read through `TrailBucket` (S3, for `seawall audit verify`), so the check needs nothing but
 * what any S3 client can read and the trail's public keys.
 */
export interface TrailBucket {
  /** Every key under `prefix`, in any order. */
  list(prefix: string): AsyncIterable<string>;
  /** The object's bytes and user metadata, or undefined when there is no such key. */
  get(key: string): Promise<{ body: Buffer; metadata: Record<string, string> } | undefined>;
}

/** A public key the trail signs with: PKCS#1 DER, by its fingerprint. */
export interface TrailPublicKey {
  readonly fingerprint: string;
  readonly der: Buffer;
}

export type Finding =
  | { kind: 'digest-valid'; key: string }
  | { kind: 'digest-missing'; key: string; referencedBy: string }
  | { kind: 'digest-invalid'; key: string; reason: string }
  | { kind: 'log-valid'; key: string }
  | { kind: 'log-modified'; key: string; digest: string }
  | { kind: 'log-deleted'; key: string; digest: string }
  | { kind: 'log-inserted'; key: string }
  | { kind: 'log-unverified'; key: string; missingDigest: string };

export interface VerifyOptions {
  readonly bucket: string;
  /** The trail's S3 key prefix, if it has one. */
  readonly prefix?: string;
  /** Only digests whose end falls in this range (ms); log files they list, and log files of the range. */
  readonly start?: number;
  readonly end?: number;
}

interface Digest {
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestSignature: string | null;
  logFiles: { s3Bucket: string; s3Object: string; hashValue: string; hashAlgorithm: string }[];
}

const DIGEST_KEY =
  /AWSLogs\/(\d{12})\/CloudTrail-Digest\/([a-z0-9-]+)\/\d{4}\/\d\d\/\d\d\/\d{12}_CloudTrail-Digest_[a-z0-9-]+_(.+)_[a-z0-9-]+_(\d{8}T\d{6}Z)\.json\.gz$/;
const LOG_KEY =
  /AWSLogs\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/\d{4}\/\d\d\/\d\d\/\d{12}_CloudTrail_[a-z0-9-]+_(\d{8}T\d{4})Z_[A-Za-z0-9]+\.json\.gz$/;

/** `20261204T180000Z` or `20261204T1800Z` as milliseconds. */
function keyTime(stamp: string): number {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)?/.exec(stamp) ?? [];
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
}

/** What a digest's signature covers, as CloudTrail defines it. */
export function digestStringToSign(digest: Digest, inflated: Buffer): string {
  const previous = digest.previousDigestSignature ?? 'null';
  const hash = createHash('sha256').update(inflated).digest('hex');
  return `${digest.digestEndTime}\n${digest.digestS3Bucket}/${digest.digestS3Object}\n${hash}\n${previous}`;
}

/** The SHA-256 (hex) of a gzip file's inflated bytes: a log file's hashValue. */
function inflatedHash(gzipped: Buffer): string {
  return createHash('sha256').update(gunzipSync(gzipped)).digest('hex');
}

/** One trail's digests, newest first, by their keys. */
interface Chain {
  readonly keys: { key: string; time: number }[];
}

export async function verifyTrailBucket(
  bucket: TrailBucket,
  publicKeys: readonly TrailPublicKey[],
  options: VerifyOptions,
): Promise<Finding[]> {
  const root = `${options.prefix ? `${options.prefix.replace(/\/$/, '')}/` : ''}AWSLogs/`;
  const start = options.start ?? 0;
  const end = options.end ?? Number.MAX_SAFE_INTEGER;
  const chains = new Map<string, Chain>();
  const logKeys: { key: string; time: number }[] = [];
  for await (const key of bucket.list(root)) {
    const digest = DIGEST_KEY.exec(key);
    if (digest) {
      const chain = `${digest[1]}/${digest[2]}/${digest[3]}`;
      const found = chains.get(chain) ?? { keys: [] };
      found.keys.push({ key, time: keyTime(digest[4] as string) });
      chains.set(chain, found);
      continue;
    }
    const log = LOG_KEY.exec(key);
    if (log) logKeys.push({ key, time: keyTime(log[3] as string) });
  }
  const keysByFingerprint = new Map(publicKeys.map((k) => [k.fingerprint, k.der]));
  const findings: Finding[] = [];
  const listed = new Set<string>();
  /** Periods whose digest is missing: their log files cannot be checked, and are not insertions. */
  const gaps: { from: number; to: number; digest: string }[] = [];
  /** The latest time any digest covers: log files after it are not yet due in a digest. */
  let coveredUntil = Number.NEGATIVE_INFINITY;
  let coveredFrom = Number.POSITIVE_INFINITY;

  for (const chain of chains.values()) {
    const present = new Set(chain.keys.map((k) => k.key));
    const ordered = [...chain.keys].sort((a, b) => b.time - a.time);
    const inRange = ordered.filter((k) => k.time >= start && k.time <= end);
    // Follow each digest's link to the one before it: a link to a key that is not there is a missing digest.
    const visited = new Set<string>();
    for (const { key } of inRange) {
      if (visited.has(key)) continue;
      let current: string | undefined = key;
      let expectedSignature: string | undefined;
      while (current !== undefined && !visited.has(current)) {
        visited.add(current);
        const found = await bucket.get(current);
        if (!found) break;
        const result = checkDigest(current, options.bucket, found, keysByFingerprint);
        if ('reason' in result) {
          findings.push({ kind: 'digest-invalid', key: current, reason: result.reason });
          break;
        }
        const { digest } = result;
        if (expectedSignature !== undefined && found.metadata.signature !== expectedSignature) {
          findings.push({
            kind: 'digest-invalid',
            key: current,
            reason: 'its signature is not the one the next digest names as its previous digest',
          });
        } else findings.push({ kind: 'digest-valid', key: current });
        coveredUntil = Math.max(coveredUntil, Date.parse(digest.digestEndTime));
        coveredFrom = Math.min(coveredFrom, Date.parse(digest.digestStartTime));
        for (const log of digest.logFiles) {
          listed.add(log.s3Object);
          const file = await bucket.get(log.s3Object);
          if (!file) findings.push({ kind: 'log-deleted', key: log.s3Object, digest: current });
          else if (hashOf(file.body) !== log.hashValue)
            findings.push({ kind: 'log-modified', key: log.s3Object, digest: current });
          else findings.push({ kind: 'log-valid', key: log.s3Object });
        }
        const previous = digest.previousDigestS3Object;
        if (previous === null || previous === undefined) break;
        const previousTime = DIGEST_KEY.exec(previous)?.[4];
        if (previousTime !== undefined && keyTime(previousTime) < start) break;
        if (!present.has(previous)) {
          findings.push({ kind: 'digest-missing', key: previous, referencedBy: current });
          // The missing digest covered from the end of the newest digest before it to this one's start.
          const missingTime = keyTime(previousTime ?? '');
          const before = ordered.find((k) => k.time < missingTime);
          gaps.push({
            from: before?.time ?? Number.NEGATIVE_INFINITY,
            to: Date.parse(digest.digestStartTime),
            digest: previous,
          });
          break;
        }
        expectedSignature = digest.previousDigestSignature ?? undefined;
        current = previous;
      }
    }
  }
  // A log file in the period the digests cover that none of them lists was put there afterwards.
  for (const { key, time } of logKeys) {
    if (listed.has(key)) continue;
    const gap = gaps.find((g) => time >= g.from - 60_000 && time <= g.to);
    if (gap) {
      findings.push({ kind: 'log-unverified', key, missingDigest: gap.digest });
      continue;
    }
    if (time < Math.max(start, coveredFrom) - 60_000 || time > Math.min(end, coveredUntil)) continue;
    findings.push({ kind: 'log-inserted', key });
  }
  return findings;
}

function hashOf(gzipped: Buffer): string | undefined {
  try {
    return inflatedHash(gzipped);
  } catch {
    return undefined;
  }
}

function checkDigest(
  key: string,
  bucketName: string,
  found: { body: Buffer; metadata: Record<string, string> },
  keys: ReadonlyMap<string, Buffer>,
): { digest: Digest } | { reason: string } {
  let inflated: Buffer;
  let digest: Digest;
  try {
    inflated = gunzipSync(found.body);
    digest = JSON.parse(inflated.toString('utf8')) as Digest;
  } catch {
    return { reason: 'it is not a gzip JSON digest' };
  }
  if (typeof digest !== 'object' || digest === null || !Array.isArray(digest.logFiles))
    return { reason: 'it is not a CloudTrail digest' };
  if (digest.digestS3Bucket !== bucketName || digest.digestS3Object !== key)
    return { reason: 'it names another bucket or key as its own (it was moved or copied)' };
  const signature = found.metadata.signature;
  if (!signature || found.metadata['signature-algorithm'] !== 'SHA256withRSA')
    return { reason: 'it has no signature metadata' };
  const der = keys.get(digest.digestPublicKeyFingerprint);
  if (!der) return { reason: `no public key has fingerprint ${digest.digestPublicKeyFingerprint}` };
  const publicKey = createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
  const valid = verifySignature(
    'sha256',
    Buffer.from(digestStringToSign(digest, inflated)),
    publicKey,
    Buffer.from(signature, 'hex'),
  );
  return valid ? { digest } : { reason: 'its signature does not match its contents (it was modified)' };
}

/** One line per finding, as `aws cloudtrail validate-logs` words them, and whether everything was valid. */
export function describeFindings(
  bucket: string,
  findings: readonly Finding[],
): { lines: string[]; ok: boolean } {
  const url = (key: string) => `s3://${bucket}/${key}`;
  const lines = findings.map((finding) => {
    switch (finding.kind) {
      case 'digest-valid':
        return `Digest file\t${url(finding.key)}\tvalid`;
      case 'digest-missing':
        return `Digest file\t${url(finding.key)}\tINVALID: not found (the digest ${url(finding.referencedBy)} names it as its previous digest)`;
      case 'digest-invalid':
        return `Digest file\t${url(finding.key)}\tINVALID: ${finding.reason}`;
      case 'log-valid':
        return `Log file\t${url(finding.key)}\tvalid`;
      case 'log-modified':
        return `Log file\t${url(finding.key)}\tINVALID: hash value doesn't match (modified since ${url(finding.digest)} was signed)`;
      case 'log-deleted':
        return `Log file\t${url(finding.key)}\tINVALID: not found (listed by ${url(finding.digest)}; deleted)`;
      case 'log-inserted':
        return `Log file\t${url(finding.key)}\tINVALID: listed by no digest (inserted)`;
      case 'log-unverified':
        return `Log file\t${url(finding.key)}\tUNVERIFIED: the digest that lists it, ${url(finding.missingDigest)}, is missing`;
    }
    return '';
  });
  const bad = findings.filter((f) => !f.kind.endsWith('-valid')).length;
  const digests = findings.filter((f) => f.kind.startsWith('digest')).length;
  const logs = findings.filter((f) => f.kind.startsWith('log')).length;
  lines.push(
    `${digests} digest file(s) and ${logs} log file(s) checked: ${bad === 0 ? 'all valid' : `${bad} INVALID`}`,
  );
  return { lines, ok: bad === 0 };
}
