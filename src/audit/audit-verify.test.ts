import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeFindings, type TrailBucket, verifyTrailBucket } from './audit-verify.js';
import { digestStringToSign } from './digest-format.js';

const ACCOUNT = '123456789012';
const REGION = 'ca-west-1';
const BUCKET = 'trail-bucket';
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const der = publicKey.export({ type: 'pkcs1', format: 'der' });
const FINGERPRINT = createHash('md5').update(der).digest('hex');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Stored {
  body: Buffer;
  metadata: Record<string, string>;
  lastModified?: number;
}

let objects: Map<string, Stored>;

const bucket: TrailBucket = {
  async *list(prefix) {
    for (const [key, stored] of objects)
      if (key.startsWith(prefix))
        yield { key, ...(stored.lastModified !== undefined ? { lastModified: stored.lastModified } : {}) };
  },
  get: async (key) => objects.get(key),
};

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(time: Date, seconds: boolean): string {
  const base = `${time.getUTCFullYear()}${pad(time.getUTCMonth() + 1)}${pad(time.getUTCDate())}T${pad(time.getUTCHours())}${pad(time.getUTCMinutes())}`;
  return seconds ? `${base}${pad(time.getUTCSeconds())}Z` : `${base}Z`;
}
const day = (time: Date) =>
  `${time.getUTCFullYear()}/${pad(time.getUTCMonth() + 1)}/${pad(time.getUTCDate())}`;
const iso = (time: Date) => `${time.toISOString().slice(0, 19)}Z`;

function putLog(time: Date, n: number): { key: string; hash: string } {
  const key = `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${day(time)}/${ACCOUNT}_CloudTrail_${REGION}_${stamp(time, false)}_LOG${n}abcdefghijkl.json.gz`;
  const text = Buffer.from(JSON.stringify({ Records: [{ eventName: `Call${n}`, eventTime: iso(time) }] }));
  objects.set(key, { body: gzipSync(text), metadata: {} });
  return { key, hash: createHash('sha256').update(text).digest('hex') };
}

let previous: { key: string; hash: string; signature: string } | undefined;

function putDigest(start: Date, end: Date, logs: { key: string; hash: string }[]): string {
  const key = `AWSLogs/${ACCOUNT}/CloudTrail-Digest/${REGION}/${day(end)}/${ACCOUNT}_CloudTrail-Digest_${REGION}_main_${REGION}_${stamp(end, true)}.json.gz`;
  const digest = {
    awsAccountId: ACCOUNT,
    digestStartTime: iso(start),
    digestEndTime: iso(end),
    digestS3Bucket: BUCKET,
    digestS3Object: key,
    digestPublicKeyFingerprint: FINGERPRINT,
    digestSignatureAlgorithm: 'SHA256withRSA',
    newestEventTime: null,
    oldestEventTime: null,
    previousDigestS3Bucket: previous ? BUCKET : null,
    previousDigestS3Object: previous?.key ?? null,
    previousDigestHashValue: previous?.hash ?? null,
    previousDigestHashAlgorithm: previous ? 'SHA-256' : null,
    previousDigestSignature: previous?.signature ?? null,
    logFiles: logs.map((log) => ({
      s3Bucket: BUCKET,
      s3Object: log.key,
      hashValue: log.hash,
      hashAlgorithm: 'SHA-256',
      newestEventTime: null,
      oldestEventTime: null,
    })),
  };
  const inflated = Buffer.from(JSON.stringify(digest));
  const signature = sign(
    'sha256',
    Buffer.from(digestStringToSign(digest, sha256(inflated))),
    privateKey,
  ).toString('hex');
  objects.set(key, {
    body: gzipSync(inflated),
    metadata: { signature, 'signature-algorithm': 'SHA256withRSA' },
  });
  previous = { key, hash: createHash('sha256').update(inflated).digest('hex'), signature };
  return key;
}

/** Three hours of a trail: two log files an hour, a digest at the end of each. */
function trail(): { digests: string[]; logs: string[] } {
  const digests: string[] = [];
  const logs: string[] = [];
  const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);
  for (let h = 0; h < 3; h++) {
    const files = [
      putLog(new Date(t0 + h * 3_600_000 + 600_000), h * 2),
      putLog(new Date(t0 + h * 3_600_000 + 1_800_000), h * 2 + 1),
    ];
    logs.push(...files.map((f) => f.key));
    digests.push(putDigest(new Date(t0 + h * 3_600_000), new Date(t0 + (h + 1) * 3_600_000), files));
  }
  return { digests, logs };
}

async function check() {
  const findings = await verifyTrailBucket(bucket, [{ fingerprint: FINGERPRINT, der }], { bucket: BUCKET });
  return {
    findings,
    bad: findings.filter((f) => !f.kind.endsWith('-valid')),
    ...describeFindings(BUCKET, findings),
  };
}

beforeEach(() => {
  objects = new Map();
  previous = undefined;
});

describe('audit verify: the digest chain', () => {
  it('finds every digest and log file of an untouched trail valid', async () => {
    trail();
    const { findings, ok, lines } = await check();
    expect(ok).toBe(true);
    expect(findings.filter((f) => f.kind === 'digest-valid')).toHaveLength(3);
    expect(findings.filter((f) => f.kind === 'log-valid')).toHaveLength(6);
    expect(lines.at(-1)).toBe('3 digest file(s) and 6 log file(s) checked: all valid');
  });

  it('names a modified, a deleted and an inserted log file', async () => {
    const { logs } = trail();
    const modified = logs[1] as string;
    const deleted = logs[4] as string;
    objects.set(modified, { body: gzipSync('{"Records":[{"eventName":"Forged"}]}'), metadata: {} });
    objects.delete(deleted);
    const inserted = putLog(new Date(Date.UTC(2026, 11, 1, 11, 40)), 99).key;
    const { bad, ok } = await check();
    expect(ok).toBe(false);
    expect(bad).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'log-modified', key: modified }),
        expect.objectContaining({ kind: 'log-deleted', key: deleted }),
        { kind: 'log-inserted', key: inserted },
      ]),
    );
    expect(bad).toHaveLength(3);
  });

  it('takes a file delivered after the newest digest, in its minute, as not yet due; not so one written before it', async () => {
    trail();
    // The newest digest ends at 13:00:00; a file named 13:00 written at 13:00:20 is a later delivery.
    const late = putLog(new Date(Date.UTC(2026, 11, 1, 13, 0, 20)), 50).key;
    const lateFile = objects.get(late) as Stored;
    objects.set(late, { ...lateFile, lastModified: Date.UTC(2026, 11, 1, 13, 0, 20) });
    expect((await check()).ok).toBe(true);
    // The same name, but written before the newest digest was signed, which does not list it: inserted.
    objects.set(late, { ...lateFile, lastModified: Date.UTC(2026, 11, 1, 12, 59, 50) });
    expect((await check()).bad).toEqual([{ kind: 'log-inserted', key: late }]);
    // Written now, but named for a minute the digests cover and it was not written in: inserted.
    objects.set(late, { ...lateFile, lastModified: Date.UTC(2026, 11, 1, 13, 5, 0) });
    const misnamed = putLog(new Date(Date.UTC(2026, 11, 1, 12, 59, 0)), 51).key;
    objects.delete(late);
    objects.set(misnamed, {
      ...(objects.get(misnamed) as Stored),
      lastModified: Date.UTC(2026, 11, 1, 13, 5, 0),
    });
    expect((await check()).bad).toEqual([{ kind: 'log-inserted', key: misnamed }]);
  });

  it('names a file the table would read but CloudTrail never named so, when written in a covered period', async () => {
    trail();
    const odd = `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2026/12/01/evil.json.gz`;
    objects.set(odd, {
      body: gzipSync('{"Records":[]}'),
      metadata: {},
      lastModified: Date.UTC(2026, 11, 1, 11, 30),
    });
    expect((await check()).bad).toEqual([{ kind: 'log-inserted', key: odd }]);
    // Written after the newest digest: no digest is due to list it yet.
    objects.set(odd, {
      body: gzipSync('{"Records":[]}'),
      metadata: {},
      lastModified: Date.UTC(2026, 11, 1, 13, 30),
    });
    expect((await check()).ok).toBe(true);
  });

  it('names a missing digest, and its log files as unverified rather than inserted', async () => {
    const { digests, logs } = trail();
    objects.delete(digests[1] as string);
    const { bad } = await check();
    expect(bad).toEqual([
      { kind: 'digest-missing', key: digests[1], referencedBy: digests[2] },
      { kind: 'log-unverified', key: logs[2], missingDigest: digests[1] },
      { kind: 'log-unverified', key: logs[3], missingDigest: digests[1] },
    ]);
  });

  it('names a digest whose contents were changed, and one signed by no known key', async () => {
    const { digests } = trail();
    const key = digests[0] as string;
    const stored = objects.get(key) as Stored;
    const forged = JSON.parse(gunzipSync(stored.body).toString()) as { logFiles: unknown[] };
    forged.logFiles = [];
    objects.set(key, { ...stored, body: gzipSync(JSON.stringify(forged)) });
    let { bad } = await check();
    expect(bad).toEqual([
      expect.objectContaining({ kind: 'digest-invalid', key, reason: expect.stringContaining('modified') }),
    ]);

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'pkcs1',
      format: 'der',
    });
    objects = new Map();
    previous = undefined;
    trail();
    const findings = await verifyTrailBucket(bucket, [{ fingerprint: 'f'.repeat(32), der: other }], {
      bucket: BUCKET,
    });
    bad = findings.filter((f) => !f.kind.endsWith('-valid'));
    expect(bad[0]).toMatchObject({
      kind: 'digest-invalid',
      reason: `public key not found for fingerprint ${FINGERPRINT}`,
    });
  });

  it('names a digest replaced by one signed with the right key, by what the next digest recorded of it', async () => {
    const { digests } = trail();
    const key = digests[1] as string;
    const forged = JSON.parse(gunzipSync((objects.get(key) as Stored).body).toString()) as {
      logFiles: unknown[];
      digestEndTime: string;
      digestS3Bucket: string;
      digestS3Object: string;
      previousDigestSignature: string | null;
    };
    forged.logFiles = [];
    const inflated = Buffer.from(JSON.stringify(forged));
    const signature = sign(
      'sha256',
      Buffer.from(digestStringToSign(forged, sha256(inflated))),
      privateKey,
    ).toString('hex');
    objects.set(key, {
      body: gzipSync(inflated),
      metadata: { signature, 'signature-algorithm': 'SHA256withRSA' },
    });
    const { bad, lines } = await check();
    expect(bad[0]).toEqual({
      kind: 'digest-invalid',
      key,
      reason: "hash value doesn't match the one the next digest recorded",
    });
    expect(lines).toContain(
      `Digest file\ts3://${BUCKET}/${key}\tINVALID: hash value doesn't match the one the next digest recorded`,
    );
  });

  it('checks only the digests that end in --start..--end, and the log files they list', async () => {
    const { logs } = trail();
    const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);
    // Tampering outside the range is not looked at; inside it, it is.
    objects.delete(logs[0] as string);
    const modified = logs[3] as string;
    objects.set(modified, { body: gzipSync('{"Records":[]}'), metadata: {} });
    const inRange = async (start: number, end: number) =>
      (
        await verifyTrailBucket(bucket, [{ fingerprint: FINGERPRINT, der }], { bucket: BUCKET, start, end })
      ).map((f) => `${f.kind} ${f.key}`);
    const lastTwo = await inRange(t0 + 3_600_000 + 1000, t0 + 3 * 3_600_000);
    expect(lastTwo.filter((f) => f.startsWith('digest-valid'))).toHaveLength(2);
    expect(lastTwo.filter((f) => f.startsWith('log-'))).toHaveLength(4);
    expect(lastTwo).toContain(`log-modified ${modified}`);
    const firstTwo = await inRange(t0, t0 + 2 * 3_600_000);
    expect(firstTwo.filter((f) => f.startsWith('digest-valid'))).toHaveLength(2);
    expect(firstTwo.filter((f) => f.startsWith('log-'))).toHaveLength(4);
    expect(firstTwo).toContain(`log-deleted ${logs[0]}`);
    expect(firstTwo).toContain(`log-modified ${modified}`);
    const lastOnly = await inRange(t0 + 2 * 3_600_000 + 1000, t0 + 4 * 3_600_000);
    expect(lastOnly.every((f) => !f.startsWith('log-') || f.startsWith('log-valid'))).toBe(true);
  });

  it('refuses hostile objects where a digest should be, without throwing', async () => {
    const { digests } = trail();
    for (const body of [
      Buffer.from('not gzip'),
      gzipSync('not json'),
      gzipSync('[]'),
      gzipSync('{"logFiles":7}'),
    ]) {
      objects.set(digests[2] as string, {
        body,
        metadata: { signature: '00', 'signature-algorithm': 'SHA256withRSA' },
      });
      const { bad } = await check();
      expect(bad[0]).toMatchObject({ kind: 'digest-invalid', key: digests[2] });
    }
  });
});
