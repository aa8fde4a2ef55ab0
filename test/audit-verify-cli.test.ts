import { gunzipSync } from 'node:zlib';
import {
  CloudTrailClient,
  CreateTrailCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/commands.js';
import { main } from '../src/cli/main.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { documentedTrailPolicy } from './helpers/trails.js';
import { until } from './helpers/until.js';

// `seawall audit verify` against files a real trail delivered: the same digests and log files validate-logs
// reads (test/audit-trails.test.ts), each tampering reported on its own line with the key it concerns.
const BUCKET = 'verify-logs';
const PREFIX = 'org';
const TRAIL = 'verified';

let t: TestSeawall;
let trail: CloudTrailClient;
let s3: S3Client;
let logs: string[] = [];
let digests: string[] = [];

async function keysUnder(prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function read(key: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: Buffer.from((await got.Body?.transformToByteArray()) ?? []), metadata: got.Metadata ?? {} };
}

async function write(key: string, file: { body: Buffer; metadata: Record<string, string> }): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: file.body, Metadata: file.metadata }));
}

const logPrefix = () => `${PREFIX}/AWSLogs/${t.seawall.accountId}/CloudTrail/`;
const digestPrefix = () => `${PREFIX}/AWSLogs/${t.seawall.accountId}/CloudTrail-Digest/`;
const url = (key: string) => `s3://${BUCKET}/${key}`;

/** Runs `seawall audit verify` in this process (the server keeps answering while it waits). */
async function verify(): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { HOME: t.dataDir },
    stopSignal: new Promise(() => {}),
  };
  const code = await main(
    [
      'audit',
      'verify',
      '--bucket',
      BUCKET,
      '--prefix',
      PREFIX,
      '--data-dir',
      t.dataDir,
      '--endpoint-url',
      t.url,
    ],
    io,
  );
  return { code, out, err };
}

/** Every log file's key, once every one of them is listed by a digest. */
async function allDigested(): Promise<{ logs: string[]; digests: string[] } | undefined> {
  const logKeys = await keysUnder(logPrefix());
  const digestKeys = await keysUnder(digestPrefix());
  const listed = new Set<string>();
  for (const key of digestKeys) {
    const document = JSON.parse(gunzipSync((await read(key)).body).toString('utf8')) as {
      logFiles: { s3Object: string }[];
    };
    for (const file of document.logFiles) listed.add(file.s3Object);
  }
  return logKeys.length > 0 && logKeys.every((key) => listed.has(key))
    ? { logs: logKeys, digests: digestKeys }
    : undefined;
}

beforeAll(async () => {
  t = await startTestSeawall({
    env: { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '2' },
  });
  trail = new CloudTrailClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: documentedTrailPolicy(t, BUCKET, PREFIX, TRAIL) }),
  );
  await trail.send(
    new CreateTrailCommand({
      Name: TRAIL,
      S3BucketName: BUCKET,
      S3KeyPrefix: PREFIX,
      EnableLogFileValidation: true,
    }),
  );
  await trail.send(new StartLoggingCommand({ Name: TRAIL }));
  // Calls spread over several digest periods, so several digests list log files.
  await until(
    async () => {
      await s3.send(new CreateBucketCommand({ Bucket: `made-${Date.now()}` }));
      const listing = await keysUnder(digestPrefix());
      let withFiles = 0;
      for (const key of listing) {
        const document = JSON.parse(gunzipSync((await read(key)).body).toString('utf8')) as {
          logFiles: unknown[];
        };
        if (document.logFiles.length > 0) withFiles++;
      }
      return withFiles >= 3 ? true : undefined;
    },
    'three digests that list log files',
    { ms: 40_000, everyMs: 250 },
  );
  await trail.send(new StopLoggingCommand({ Name: TRAIL }));
  // Stopped: what it logged is delivered and digested, then nothing more is written.
  ({ logs, digests } = await until(allDigested, 'every log file in a digest', { ms: 40_000, everyMs: 250 }));
  await new Promise((resolve) => setTimeout(resolve, 2500));
  ({ logs, digests } = await until(allDigested, 'every log file in a digest', { ms: 40_000, everyMs: 250 }));
}, 120_000);

afterAll(async () => {
  trail.destroy();
  await t.close();
});

describe('seawall audit verify', () => {
  it('finds an untouched trail bucket valid and exits 0', async () => {
    const result = await verify();
    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.out).toEqual([
      `${digests.length} digest file(s) and ${logs.length} log file(s) checked: all valid`,
    ]);
  });

  it('names a modified log file, and the digest it no longer matches', async () => {
    const key = logs[0] as string;
    const original = await read(key);
    await write(key, { body: Buffer.from('{"Records":[]}'), metadata: {} });
    const result = await verify();
    await write(key, original);
    expect(result.code).toBe(1);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(
      new RegExp(
        `^Log file\\t${url(key)}\\tINVALID: hash value doesn't match \\(modified since s3://${BUCKET}/${PREFIX}/.*CloudTrail-Digest.*\\.json\\.gz was signed\\)$`,
      ),
    );
    expect(result.out.at(-1)).toMatch(/: 1 INVALID$/);
  });

  it('names a deleted log file', async () => {
    const key = logs[1] as string;
    const original = await read(key);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const result = await verify();
    await write(key, original);
    expect(result.code).toBe(1);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(
      new RegExp(`^Log file\\t${url(key)}\\tINVALID: not found \\(listed by .*; deleted\\)$`),
    );
  });

  it('names a log file that no digest lists as inserted', async () => {
    const model = logs[0] as string;
    // Named as CloudTrail names its files, in a period the digests cover.
    const inserted = model.replace(/_[A-Za-z0-9]+\.json\.gz$/, '_Inserted0000000.json.gz');
    await write(inserted, await read(model));
    // Its name's minute may be the newest digest's, when a late delivery is legitimate: a digest signed after it
    // was written, which does not list it, is what proves it was inserted.
    const writtenAt = Date.now();
    await trail.send(new StartLoggingCommand({ Name: TRAIL }));
    await until(
      async () => {
        await s3.send(new CreateBucketCommand({ Bucket: `made-${Date.now()}` }));
        const status = await trail.send(new GetTrailStatusCommand({ Name: TRAIL }));
        return (status.LatestDigestDeliveryTime?.getTime() ?? 0) > writtenAt + 1000 ? true : undefined;
      },
      'a digest signed after the insertion',
      { ms: 40_000, everyMs: 250 },
    );
    const result = await verify();
    await trail.send(new StopLoggingCommand({ Name: TRAIL }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: inserted }));
    ({ logs, digests } = await until(allDigested, 'every log file in a digest', {
      ms: 40_000,
      everyMs: 250,
    }));
    expect(result.code).toBe(1);
    expect(result.err).toEqual([`Log file\t${url(inserted)}\tINVALID: listed by no digest (inserted)`]);
  });

  it('names a missing digest by the digest that names it, and leaves its log files unverified', async () => {
    // A digest with a successor: the next one names it as its previous digest.
    const key = digests[digests.length - 2] as string;
    const newer = digests[digests.length - 1] as string;
    const original = await read(key);
    const listed = (
      JSON.parse(gunzipSync(original.body).toString('utf8')) as { logFiles: { s3Object: string }[] }
    ).logFiles.map((f) => f.s3Object);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const result = await verify();
    await write(key, original);
    expect(result.code).toBe(1);
    expect(result.err[0]).toBe(
      `Digest file\t${url(key)}\tINVALID: not found (the digest ${url(newer)} names it as its previous digest)`,
    );
    for (const log of listed)
      expect(result.err.some((line) => line.startsWith(`Log file\t${url(log)}\tUNVERIFIED`))).toBe(true);
    // Restored, the chain is whole again.
    expect((await verify()).code).toBe(0);
  });
});
