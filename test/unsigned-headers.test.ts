import { GetDatabasesCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { rawRequest, signedHeaders, xmlElement } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

const BUCKET = 'unsigned';
const NOT_SIGNED = 'There were headers present in the request which were not signed';

let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept.txt', Body: 'kept' }));
});
afterAll(async () => {
  await t?.close();
});

/** Signs with `signed`, then adds `unsigned` as a proxy on the way could. */
async function tampered(
  method: string,
  path: string,
  signed: Record<string, string>,
  unsigned: Record<string, string>,
  body?: string,
) {
  const headers = await signedHeaders(t, {
    method,
    path,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...signed },
  });
  return rawRequest(t.url, {
    method,
    path,
    headers: { ...headers, ...unsigned, ...(body === undefined ? {} : { 'content-length': body.length }) },
    ...(body === undefined ? {} : { body }),
  });
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe('x-amz-* headers a signature does not cover are refused', () => {
  it('refuses a header-signed PUT carrying unsigned metadata, and stores nothing', async () => {
    const refused = await tampered(
      'PUT',
      `/${BUCKET}/tampered.txt`,
      { 'x-amz-meta-signed': 'yes' },
      { 'X-Amz-Meta-Added': 'by a proxy', 'x-amz-storage-class': 'STANDARD' },
      'body',
    );
    expect(refused.status).toBe(403);
    expect(xmlElement(refused.body, 'Code')).toBe('AccessDenied');
    expect(xmlElement(refused.body, 'Message')).toBe(NOT_SIGNED);
    expect(xmlElement(refused.body, 'HeadersNotSigned')).toBe('x-amz-meta-added, x-amz-storage-class');
    expect(await objectExists('tampered.txt')).toBe(false);
  });

  it('refuses unsigned x-amz-* headers on a presigned URL, and accepts the URL as it was made', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'kept.txt' }), {
      expiresIn: 60,
    });
    const plain = await fetch(url, {
      headers: { 'x-amzn-trace-id': 'Root=1-00000000-000000000000000000000000' },
    });
    expect(plain.status).toBe(200);
    const added = await fetch(url, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect(added.status).toBe(403);
    const body = await added.text();
    expect(xmlElement(body, 'Code')).toBe('AccessDenied');
    expect(xmlElement(body, 'HeadersNotSigned')).toBe('x-amz-checksum-mode');

    const put = await getSignedUrl(
      t.s3({ requestChecksumCalculation: 'WHEN_REQUIRED' }),
      new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned.txt' }),
      { expiresIn: 60 },
    );
    const withMeta = await fetch(put, {
      method: 'PUT',
      body: 'x',
      headers: { 'x-amz-meta-owner': 'mallory' },
    });
    expect(withMeta.status).toBe(403);
    expect(xmlElement(await withMeta.text(), 'HeadersNotSigned')).toBe('x-amz-meta-owner');
    expect(await objectExists('presigned.txt')).toBe(false);
    expect((await fetch(put, { method: 'PUT', body: 'x' })).status).toBe(200);
  });

  it('refuses an unsigned X-Amz-Target, in the JSON protocol shape', async () => {
    const body = '{}';
    const headers = await signedHeaders(t, {
      method: 'POST',
      path: '/',
      service: 'glue',
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body,
    });
    const refused = await rawRequest(t.url, {
      method: 'POST',
      path: '/',
      headers: { ...headers, 'x-amz-target': 'AWSGlue.GetDatabases', 'content-length': body.length },
      body,
    });
    expect(refused.status).toBe(403);
    expect(refused.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(JSON.parse(refused.body)).toMatchObject({ __type: 'AccessDeniedException', message: NOT_SIGNED });
  });

  it('refuses through the SDK a header added after signing', async () => {
    const client = t.s3();
    type Middleware = Parameters<typeof client.middlewareStack.addRelativeTo>[0];
    type Args = { request: { headers: Record<string, string> } };
    const addHeader = ((next: (args: Args) => Promise<unknown>) => async (args: Args) => {
      args.request.headers['x-amz-website-redirect-location'] = '/elsewhere';
      return next(args);
    }) as unknown as Middleware;
    client.middlewareStack.addRelativeTo(addHeader, {
      relation: 'after',
      toMiddleware: 'httpSigningMiddleware',
      name: 'addUnsignedHeader',
    });
    const error = await client
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sdk-tampered.txt', Body: 'x' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).name).toBe('AccessDenied');
    expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    expect(await objectExists('sdk-tampered.txt')).toBe(false);
  });

  it('accepts the headers clients never sign', async () => {
    const ok = await tampered(
      'PUT',
      `/${BUCKET}/unsignable.txt`,
      {},
      {
        'user-agent': 'proxy/1.0',
        'x-amzn-trace-id': 'Root=1-00000000-000000000000000000000000',
        'x-forwarded-for': '10.0.0.1',
      },
      'body',
    );
    expect(ok.status).toBe(200);
  });
});

describe('real clients sign every x-amz-* header they send', () => {
  it('the SDK: metadata, checksums, storage class and Glue', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'sdk.txt',
        Body: 'from the sdk',
        ContentType: 'text/plain',
        Metadata: { team: 'parking' },
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'sdk.txt', ChecksumMode: 'ENABLED' }),
    );
    expect(head.Metadata).toEqual({ team: 'parking' });
    const glue = new GlueClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
    });
    expect((await glue.send(new GetDatabasesCommand({}))).DatabaseList).toEqual([]);
    glue.destroy();
  });

  for (const [name, cli] of [
    ['aws cli v2', AWS_CLI],
    ['the aws cli on PATH', AWS_CLI_ON_PATH],
  ] as const) {
    it(`${name}: cp with metadata, s3api put-object, presign, glue`, async () => {
      const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args, undefined, cli);
      const dir = tempDir('seawall-unsigned-');
      const file = `${dir}/upload.txt`;
      await import('node:fs/promises').then((fs) => fs.writeFile(file, 'from the cli'));
      const key = `${name.replace(/\W+/g, '-')}.txt`;
      const cp = await aws(
        's3',
        'cp',
        file,
        `s3://${BUCKET}/${key}`,
        '--metadata',
        'team=parking',
        '--content-type',
        'text/plain',
      );
      expect(cp.stderr).toBe('');
      expect(cp.code).toBe(0);
      const put = await aws(
        's3api',
        'put-object',
        '--bucket',
        BUCKET,
        '--key',
        `api-${key}`,
        '--body',
        file,
        '--metadata',
        'source=cli',
      );
      expect(put.stderr).toBe('');
      const head = await aws('s3api', 'head-object', '--bucket', BUCKET, '--key', `api-${key}`);
      expect(JSON.parse(head.stdout).Metadata).toEqual({ source: 'cli' });
      const presigned = await aws('s3', 'presign', `s3://${BUCKET}/${key}`);
      expect(await (await fetch(presigned.stdout.trim())).text()).toBe('from the cli');
      const databases = await aws('glue', 'get-databases');
      expect(databases.stderr).toBe('');
      expect(JSON.parse(databases.stdout)).toEqual({ DatabaseList: [] });
    });
  }
});
