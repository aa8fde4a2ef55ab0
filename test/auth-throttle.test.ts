import { createHmac, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { GetUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { RootCredentials } from '../src/iam/index.js';
import { createLogger } from '../src/lib/logger.js';
import { initDataDir, type Seawall, startSeawall } from '../src/main.js';
import { failureOf } from './helpers/failure.js';
import { rawRequest } from './helpers/raw.js';
import { tempDir } from './helpers/seawall.js';

// Failed authentication backs off per source address and per claimed access key id (server/auth-throttle.ts).
// Loopback is throttled here (it is not by default), with small thresholds. The server's clock stands still
// (well within the 15 minutes a signature may be off by), so no wait ends while a test runs; a test moves it
// forward past a wait instead of sleeping through it.

const BUCKET = 'throttled';
const WRONG_SECRET = 'wrongwrongwrongwrongwrongwrongwrongwrong';

let seawall: Seawall;
let dataDir: string;
let root: RootCredentials;
const startedAt = Date.now();
let offsetMs = 0;
const logLines: string[] = [];

beforeAll(async () => {
  dataDir = tempDir();
  const config = loadConfig({ dataDir, port: '0', logLevel: 'info' }, {});
  root = await initDataDir(config);
  seawall = await startSeawall(config, {
    clock: { now: () => new Date(startedAt + offsetMs) },
    logger: createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    ),
    authThrottle: {
      loopback: true,
      perAddress: { threshold: 4, baseMs: 1000, maxMs: 8000, forgetMs: 60_000 },
      perAccessKey: { threshold: 2, baseMs: 1000, maxMs: 8000, forgetMs: 60_000 },
    },
  });
  await s3(root).send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await seawall.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type Keys = { accessKeyId: string; secretAccessKey: string };

/** An access key id of AWS's shape that no one holds. */
const unknownKey = (): Keys => ({
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: WRONG_SECRET,
});
const wrongSecret = (): Keys => ({ accessKeyId: root.accessKeyId, secretAccessKey: WRONG_SECRET });

// One attempt each: the SDKs retry throttling errors, which would only count (and wait) more.
const common = (credentials: Keys) => ({
  endpoint: seawall.url,
  region: root.region,
  credentials,
  maxAttempts: 1,
});
const s3 = (keys: Keys) => new S3Client({ ...common(keys), forcePathStyle: true });
const kms = (keys: Keys) => new KMSClient(common(keys));
const iam = (keys: Keys) => new IAMClient(common(keys));
const sts = (keys: Keys) => new STSClient(common(keys));

/** A browser form signed with Signature Version 2 (`AWSAccessKeyId`, `signature`) by `keys`. */
async function postForm(keys: Keys) {
  const policy = Buffer.from(
    JSON.stringify({
      expiration: new Date(Date.now() + 3600_000).toISOString(),
      conditions: [{ bucket: BUCKET }, ['starts-with', '$key', '']],
    }),
  ).toString('base64');
  const form = new FormData();
  form.append('key', 'form.txt');
  form.append('AWSAccessKeyId', keys.accessKeyId);
  form.append('policy', policy);
  form.append('signature', createHmac('sha1', keys.secretAccessKey).update(policy).digest('base64'));
  form.append('file', new Blob(['bytes']), 'form.txt');
  const response = await fetch(`${seawall.url}/${BUCKET}`, { method: 'POST', body: form });
  const body = await response.text();
  return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1] };
}

async function presignedGet(keys: Keys) {
  const url = await getSignedUrl(s3(keys), new GetObjectCommand({ Bucket: BUCKET, Key: 'x' }), {
    expiresIn: 60,
  });
  const response = await fetch(url);
  const body = await response.text();
  return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1], url };
}

const listBuckets = (keys: Keys) => s3(keys).send(new ListBucketsCommand({}));

/** Everything a correctly signed root may do while its address and key are throttled. */
async function expectCorrectSignaturesPass() {
  expect((await listBuckets(root)).Buckets?.map((bucket) => bucket.Name)).toContain(BUCKET);
  expect((await kms(root).send(new ListKeysCommand({}))).Keys).toBeDefined();
  expect((await iam(root).send(new ListUsersCommand({}))).Users).toBeDefined();
  expect((await sts(root).send(new GetCallerIdentityCommand({}))).Account).toBe(root.accountId);
}

const SLOW_DOWN = { code: 'SlowDown', status: 503, message: 'Please reduce your request rate.' };

describe('failed authentication from one address', () => {
  it('is answered as itself up to the threshold, then throttled in each protocol’s shape', async () => {
    // Four failures, each under a key of its own, so that only the address reaches its threshold.
    expect(await failureOf(listBuckets(wrongSecret()))).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(await failureOf(kms(unknownKey()).send(new ListKeysCommand({})))).toMatchObject({
      code: 'UnrecognizedClientException',
    });
    expect(await failureOf(iam(unknownKey()).send(new ListUsersCommand({})))).toMatchObject({
      code: 'InvalidClientTokenId',
      status: 403,
    });
    expect(await postForm(unknownKey())).toEqual({ status: 403, code: 'InvalidAccessKeyId' });

    // Over the threshold: an unknown key and a known one with a wrong signature get the same answer.
    expect(await failureOf(listBuckets(unknownKey()))).toEqual(SLOW_DOWN);
    expect(await failureOf(listBuckets(wrongSecret()))).toEqual(SLOW_DOWN);
    expect(await failureOf(kms(unknownKey()).send(new ListKeysCommand({})))).toMatchObject({
      code: 'ThrottlingException',
      status: 400,
      message: 'Rate exceeded',
    });
    expect(await failureOf(iam(unknownKey()).send(new GetUserCommand({})))).toEqual({
      code: 'Throttling',
      status: 400,
      message: 'Rate exceeded',
    });
    expect(await failureOf(sts(wrongSecret()).send(new GetCallerIdentityCommand({})))).toEqual({
      code: 'Throttling',
      status: 400,
      message: 'Rate exceeded',
    });
    const presigned = await presignedGet(unknownKey());
    expect(presigned).toMatchObject({ status: 503, code: 'SlowDown' });
    expect(await postForm(wrongSecret())).toEqual({ status: 503, code: 'SlowDown' });

    // Failures that test no credential are answered as before.
    const unsigned = await rawRequest(seawall.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(unsigned.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');

    await expectCorrectSignaturesPass();

    const warnings = logLines.filter((line) => line.includes('throttling failed authentication'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] as string)).toMatchObject({ level: 40, sourceIp: '127.0.0.1' });
    const signature = new URL(presigned.url).searchParams.get('X-Amz-Signature') as string;
    for (const line of logLines) {
      expect(line).not.toContain(WRONG_SECRET);
      expect(line).not.toContain(signature);
    }
  });

  it('is answered as itself again once its wait is over, and the next wait is twice as long', async () => {
    offsetMs += 1100;
    expect(await failureOf(listBuckets(unknownKey()))).toMatchObject({ code: 'InvalidAccessKeyId' });
    expect(await failureOf(listBuckets(unknownKey()))).toEqual(SLOW_DOWN);
    offsetMs += 1100;
    expect(await failureOf(listBuckets(unknownKey()))).toEqual(SLOW_DOWN);
    offsetMs += 1000;
    expect(await failureOf(listBuckets(unknownKey()))).toMatchObject({ code: 'InvalidAccessKeyId' });
    await expectCorrectSignaturesPass();
    // Still the one warning: the address started being throttled once.
    expect(logLines.filter((line) => line.includes('failed authentication from this address'))).toHaveLength(
      1,
    );
  });
});

describe('failed authentication with one access key id', () => {
  it('is throttled for that key, not for others from the same address; its correct signatures pass', async () => {
    // Long enough for both the address and the keys to be forgotten.
    offsetMs += 61_000;
    for (let i = 0; i < 2; i++)
      expect(await failureOf(listBuckets(wrongSecret()))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(await failureOf(listBuckets(wrongSecret()))).toEqual(SLOW_DOWN);
    expect(await failureOf(kms(wrongSecret()).send(new ListKeysCommand({})))).toMatchObject({
      code: 'ThrottlingException',
    });
    // Another key from the same address: the address has two failures of its four.
    expect(await failureOf(listBuckets(unknownKey()))).toMatchObject({ code: 'InvalidAccessKeyId' });
    await expectCorrectSignaturesPass();
    expect(
      logLines.filter((line) => line.includes('throttling failed authentication with this access key id')),
    ).toHaveLength(1);
  });
});

describe('loopback by configuration', () => {
  /** A server of its own on `env`'s settings, with the default thresholds (20 failures per address). */
  async function failuresFromLoopback(env: Record<string, string>): Promise<string[]> {
    const dir = tempDir();
    const config = loadConfig({ dataDir: dir, port: '0', logLevel: 'silent' }, env);
    const owner = await initDataDir(config);
    const server = await startSeawall(config, {});
    const client = new S3Client({
      endpoint: server.url,
      region: owner.region,
      forcePathStyle: true,
      credentials: { accessKeyId: owner.accessKeyId, secretAccessKey: WRONG_SECRET },
      maxAttempts: 1,
    });
    try {
      const codes: string[] = [];
      for (let i = 0; i < 22; i++)
        codes.push((await failureOf(client.send(new ListBucketsCommand({})))).code);
      return codes;
    } finally {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('is not throttled by default, and is with SEAWALL_THROTTLE_LOOPBACK=on (a server behind a local proxy)', async () => {
    expect(new Set(await failuresFromLoopback({}))).toEqual(new Set(['SignatureDoesNotMatch']));
    const throttled = await failuresFromLoopback({ SEAWALL_THROTTLE_LOOPBACK: 'on' });
    expect(throttled.slice(0, 20)).toEqual(Array(20).fill('SignatureDoesNotMatch'));
    expect(throttled.slice(20)).toEqual(['SlowDown', 'SlowDown']);
  });
});

describe('secure defaults', () => {
  it('listen on loopback unless told otherwise', () => {
    expect(loadConfig({ dataDir: dataDir }, {}).host).toBe('127.0.0.1');
    expect(new URL(seawall.url).hostname).toBe('127.0.0.1');
  });

  it('refuse unsigned requests: S3 serves the anonymous caller only what a policy grants, the others nothing', async () => {
    const object = await rawRequest(seawall.url, { method: 'GET', path: `/${BUCKET}/form.txt` });
    expect(object.status).toBe(403);
    expect(object.body).toContain('<Code>AccessDenied</Code>');
    const buckets = await rawRequest(seawall.url, { method: 'GET', path: '/' });
    expect(buckets.status).toBe(403);
    expect(buckets.body).not.toContain(BUCKET);
    const keys = await rawRequest(seawall.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(keys.status).toBe(403);
    expect(JSON.parse(keys.body)).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const users = await rawRequest(seawall.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(users.status).toBeGreaterThanOrEqual(400);
    expect(users.body).not.toContain('ListUsersResult');
  });
});
