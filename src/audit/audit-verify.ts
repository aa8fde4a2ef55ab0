import { chainBreak, checkDigestFile, type DigestDocument, logFileHash } from './digest-document.js';

/**
 * Checks a trail bucket's log file integrity chain as CloudTrail defines it (the digests, their signatures and
 * links, and every log file they list), and says precisely what is wrong: a log file modified, deleted or
 * inserted (present but listed by no digest), a digest missing, modified or signed by no known key.
 *
 * The bucket is read through `TrailBucket` (S3, for `seawall audit verify`), so the check needs nothing but
 * what any S3 client can read and the trail's public keys. Digests are read with `digest-format.ts`, the
 * module Seawall writes them with.
 */
export interface TrailBucket {
  /** Every key under `prefix`, in any order. */
  list(prefix: string): AsyncIterable<ListedObject>;
  /**
   * The object's bytes and user metadata, or undefined when there is no such key. `bucket` names another
   * bucket than the one verified: one the trail delivered to before UpdateTrail moved it, which a digest names.
   */
  get(
    key: string,
    bucket?: string,
  ): Promise<{ body: Uint8Array; metadata: Record<string, string> } | undefined>;
}

/** An object a listing names, and when it was written (ms), where the listing says. */
export interface ListedObject {
  readonly key: string;
  readonly lastModified?: number;
}

/** A public key the trail signs with: PKCS#1 DER, by its fingerprint. */
export interface TrailPublicKey {
  readonly fingerprint: string;
  readonly der: Uint8Array;
}

/**
 * What the check found of one file. `bucket` is the file's bucket and `digestBucket` the bucket of the digest
 * it names, each given only when it is not the bucket verified (a trail that UpdateTrail moved).
 */
export type Finding = (
  | { kind: 'digest-valid'; key: string }
  | { kind: 'digest-missing'; key: string; referencedBy: string }
  | { kind: 'digest-invalid'; key: string; reason: string }
  | { kind: 'log-valid'; key: string }
  | { kind: 'log-modified'; key: string; digest: string }
  | { kind: 'log-deleted'; key: string; digest: string }
  | { kind: 'log-inserted'; key: string }
  | { kind: 'log-unverified'; key: string; missingDigest: string }
) & { bucket?: string; digestBucket?: string };

export interface VerifyOptions {
  readonly bucket: string;
  /** The trail's S3 key prefix, if it has one. */
  readonly prefix?: string;
  /** Only digests whose end falls in this range (ms); log files they list, and log files of the range. */
  readonly start?: number;
  readonly end?: number;
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
  const logKeys: { key: string; time: number; lastModified: number | undefined }[] = [];
  for await (const { key, lastModified } of bucket.list(root)) {
    const digest = DIGEST_KEY.exec(key);
    if (digest) {
      const chain = `${digest[1]}/${digest[2]}/${digest[3]}`;
      const found = chains.get(chain) ?? { keys: [] };
      found.keys.push({ key, time: keyTime(digest[4] as string) });
      chains.set(chain, found);
      continue;
    }
    const log = LOG_KEY.exec(key);
    // A file under CloudTrail/ that is not named as CloudTrail names log files is still read as one (the
    // CloudTrail table reads it): it is checked by when it was written alone.
    if (log) logKeys.push({ key, time: keyTime(log[3] as string), lastModified });
    else if (key.includes('/CloudTrail/')) logKeys.push({ key, time: Number.NaN, lastModified });
  }
  const keysByFingerprint = new Map(publicKeys.map((k) => [k.fingerprint, k.der]));
  const findings: Finding[] = [];
  const listed = new Set<string>();
  /** Periods whose digest is missing: their log files cannot be checked, and are not insertions. */
  const gaps: { from: number; to: number; digest: string; digestBucket?: string }[] = [];
  /**
   * The periods the valid digests cover (start to end): a log file delivered in one must be listed. Between
   * them (validation off, before the first, after the newest) no file is due in any digest.
   */
  const periods: { from: number; to: number }[] = [];

  /** A bucket named in a digest: undefined when it is the one verified. */
  const elsewhere = (name: string | null | undefined) =>
    typeof name === 'string' && name !== options.bucket ? { bucket: name } : {};
  const visited = new Set<string>();
  for (const chain of chains.values()) {
    const ordered = [...chain.keys].sort((a, b) => b.time - a.time);
    const inRange = ordered.filter((k) => k.time >= start && k.time <= end);
    // Follow each digest's link to the one before it, into another bucket or prefix where the trail was
    // moved: a link to a digest that is not there is a missing digest.
    for (const { key } of inRange) {
      let current: { key: string; bucket?: string } | undefined = { key };
      /** The digest that named `current` as its previous one, and its place. */
      let newer: { digest: DigestDocument; key: string; bucket?: string } | undefined;
      while (current !== undefined) {
        const place = `${current.bucket ?? options.bucket}/${current.key}`;
        if (visited.has(place)) break;
        visited.add(place);
        const found = await bucket.get(current.key, current.bucket);
        if (!found) {
          if (newer === undefined) break;
          findings.push({
            kind: 'digest-missing',
            ...current,
            referencedBy: newer.key,
            ...(newer.bucket ? { digestBucket: newer.bucket } : {}),
          });
          // The missing digest covered from the end of the newest digest before it to the next one's start.
          const missingTime = keyTime(DIGEST_KEY.exec(current.key)?.[4] ?? '');
          const before = ordered.find((k) => k.time < missingTime);
          gaps.push({
            from: before?.time ?? Number.NEGATIVE_INFINITY,
            to: Date.parse(newer.digest.digestStartTime),
            digest: current.key,
            ...(current.bucket ? { digestBucket: current.bucket } : {}),
          });
          break;
        }
        const result = await checkDigestFile(
          { bucket: current.bucket ?? options.bucket, key: current.key },
          found,
          keysByFingerprint,
        );
        if (!result.ok || !Array.isArray(result.digest.logFiles)) {
          const reason = result.ok ? 'invalid format' : result.reason;
          findings.push({ kind: 'digest-invalid', ...current, reason: explained(reason) });
          break;
        }
        const { digest, hash } = result;
        const link = { key: current.key, digest, hash, signature: found.metadata.signature ?? '' };
        const broken =
          newer === undefined ? undefined : chainBreak(newer.digest, link, current.bucket ?? options.bucket);
        findings.push(
          broken === undefined
            ? { kind: 'digest-valid', ...current }
            : { kind: 'digest-invalid', ...current, reason: broken },
        );
        periods.push({ from: Date.parse(digest.digestStartTime), to: Date.parse(digest.digestEndTime) });
        const listedBy = { digest: current.key, ...(current.bucket ? { digestBucket: current.bucket } : {}) };
        for (const log of digest.logFiles) {
          const where = elsewhere(log.s3Bucket);
          if (!where.bucket) listed.add(log.s3Object);
          const file = await bucket.get(log.s3Object, where.bucket);
          if (!file) findings.push({ kind: 'log-deleted', key: log.s3Object, ...where, ...listedBy });
          else if ((await logFileHash(file.body)) !== log.hashValue)
            findings.push({ kind: 'log-modified', key: log.s3Object, ...where, ...listedBy });
          else findings.push({ kind: 'log-valid', key: log.s3Object, ...where });
        }
        const previous = digest.previousDigestS3Object;
        if (previous === null || previous === undefined) break;
        const previousTime = DIGEST_KEY.exec(previous)?.[4];
        if (previousTime !== undefined && keyTime(previousTime) < start) break;
        newer = { digest, ...current };
        current = { key: previous, ...elsewhere(digest.previousDigestS3Bucket) };
      }
    }
  }
  const covered = mergedPeriods(periods, start, end);
  const within = (t: number) => covered.some((p) => t >= p.from && t < p.to);
  // A log file in a period the digests cover that none of them lists was put there afterwards.
  for (const { key, time, lastModified } of logKeys) {
    if (listed.has(key)) continue;
    const gap = gaps.find((g) => time >= g.from - 60_000 && time <= g.to);
    if (gap) {
      findings.push({
        kind: 'log-unverified',
        key,
        missingDigest: gap.digest,
        ...(gap.digestBucket ? { digestBucket: gap.digestBucket } : {}),
      });
      continue;
    }
    // A key names the minute its file was delivered. A file the digests should list: its whole minute is
    // covered, or it was written in a covered period, or it was written in another minute than its name says
    // and its name points into a covered period. What is left was delivered where no digest is due (after the
    // newest, or while validation was off).
    if (lastModified !== undefined && within(lastModified)) {
      findings.push({ kind: 'log-inserted', key });
      continue;
    }
    const named = covered.some((p) => time + 60_000 > p.from && time <= p.to);
    if (!named) continue;
    const wholeMinute = covered.some((p) => time >= p.from && time + 60_000 <= p.to);
    const misnamed = lastModified !== undefined && Math.floor(lastModified / 60_000) * 60_000 !== time;
    if (wholeMinute || misnamed) findings.push({ kind: 'log-inserted', key });
  }
  return findings;
}

/** Periods merged where they meet or overlap (consecutive digests share an end and a start), within a range. */
function mergedPeriods(
  periods: readonly { from: number; to: number }[],
  start: number,
  end: number,
): { from: number; to: number }[] {
  const merged: { from: number; to: number }[] = [];
  for (const p of [...periods].sort((a, b) => a.from - b.from)) {
    const from = Math.max(p.from, start);
    const to = Math.min(p.to, end);
    if (from >= to) continue;
    const last = merged[merged.length - 1];
    if (last && from <= last.to) last.to = Math.max(last.to, to);
    else merged.push({ from, to });
  }
  return merged;
}

/** A digest check's reason (the aws cli's words), with what it means for the bucket's owner. */
function explained(reason: string): string {
  if (reason === 'invalid format') return 'invalid format (not a gzip JSON CloudTrail digest)';
  if (reason === 'signature verification failed')
    return 'signature verification failed (its contents or its signature metadata were modified)';
  if (reason === 'has been moved from its original location')
    return `${reason} (it names another bucket or key as its own)`;
  return reason;
}

/** One line per finding, as `aws cloudtrail validate-logs` words them, and whether everything was valid. */
export function describeFindings(
  bucket: string,
  findings: readonly Finding[],
): { lines: string[]; ok: boolean } {
  const lines = findings.map((finding) => {
    const url = (key: string) => `s3://${finding.bucket ?? bucket}/${key}`;
    const digestUrl = (key: string) => `s3://${finding.digestBucket ?? bucket}/${key}`;
    switch (finding.kind) {
      case 'digest-valid':
        return `Digest file\t${url(finding.key)}\tvalid`;
      case 'digest-missing':
        return `Digest file\t${url(finding.key)}\tINVALID: not found (the digest ${digestUrl(finding.referencedBy)} names it as its previous digest)`;
      case 'digest-invalid':
        return `Digest file\t${url(finding.key)}\tINVALID: ${finding.reason}`;
      case 'log-valid':
        return `Log file\t${url(finding.key)}\tvalid`;
      case 'log-modified':
        return `Log file\t${url(finding.key)}\tINVALID: hash value doesn't match (modified since ${digestUrl(finding.digest)} was signed)`;
      case 'log-deleted':
        return `Log file\t${url(finding.key)}\tINVALID: not found (listed by ${digestUrl(finding.digest)}; deleted)`;
      case 'log-inserted':
        return `Log file\t${url(finding.key)}\tINVALID: listed by no digest (inserted)`;
      case 'log-unverified':
        return `Log file\t${url(finding.key)}\tUNVERIFIED: the digest that lists it, ${digestUrl(finding.missingDigest)}, is missing`;
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
