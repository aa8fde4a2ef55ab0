import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * CompleteMultipartUpload through S3's whitespace keep-alive on the real server: with the interval at 1 ms,
 * every join outlasts it, so the answer's status and headers go out before the parts are joined and the clients
 * must find the version, the encryption and the object as a quick answer would give them.
 */
let t: TestSeawall;
let s3: S3Client;
const MiB = 1024 * 1024;
const PARTS = [randomBytes(5 * MiB), randomBytes(MiB + 17)];

beforeAll(async () => {
  t = await startTestSeawall({ limits: { httpLimits: { slowAnswerIntervalMs: 1 } } });
  s3 = t.s3();
});
afterAll(async () => {
  await t?.close();
});

async function bucket(Bucket: string, options: { versioned?: boolean; kmsKey?: string } = {}) {
  await s3.send(new CreateBucketCommand({ Bucket }));
  if (options.versioned)
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  if (options.kmsKey)
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: options.kmsKey },
            },
          ],
        },
      }),
    );
}

/** An upload of PARTS, its parts uploaded: its id and the parts as CompleteMultipartUpload lists them. */
async function upload(Bucket: string, Key: string) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const parts = [];
  for (const [i, Body] of PARTS.entries()) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }));
    parts.push({ PartNumber: i + 1, ETag: ETag as string });
  }
  return { UploadId: UploadId as string, parts };
}

async function bytesOf(Bucket: string, Key: string, VersionId?: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  return Buffer.from(
    await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

/** The CompleteMultipartUpload of an upload of PARTS, as `upload` answered it. */
function completion(
  Bucket: string,
  upload: { UploadId: string; parts: { PartNumber: number; ETag: string }[] },
) {
  return new CompleteMultipartUploadCommand({
    Bucket,
    Key: 'k',
    UploadId: upload.UploadId,
    MultipartUpload: { Parts: upload.parts },
  });
}

function completeBody(parts: { PartNumber: number; ETag: string }[]): string {
  const listed = parts.map(
    (p) => `<Part><PartNumber>${p.PartNumber}</PartNumber><ETag>${p.ETag}</ETag></Part>`,
  );
  return `<CompleteMultipartUpload>${listed.join('')}</CompleteMultipartUpload>`;
}

describe('CompleteMultipartUpload with a slow answer', () => {
  it('names in its early headers the version it makes and its SSE-KMS key, then the ETag', async () => {
    const kms = new KMSClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
    });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    kms.destroy();
    await bucket('slow-kms', { versioned: true, kmsKey: KeyMetadata?.Arn as string });
    const { UploadId, parts } = await upload('slow-kms', 'joined.bin');
    const path = '/slow-kms/joined.bin';
    const body = completeBody(parts);
    const headers = await signedHeaders(t, {
      method: 'POST',
      path,
      query: { uploadId: UploadId },
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const res = await rawRequest(t.url, {
      method: 'POST',
      path: `${path}?uploadId=${encodeURIComponent(UploadId)}`,
      headers,
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n +<CompleteMultipartUploadResult /);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'slow-kms', Key: 'joined.bin' }));
    expect(res.headers['x-amz-version-id']).toBe(head.VersionId);
    expect(head.VersionId).toMatch(/^[A-Za-z0-9_.]{32}$/);
    expect(res.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(res.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(KeyMetadata?.Arn);
    expect(head.SSEKMSKeyId).toBe(KeyMetadata?.Arn);
    expect(res.body).toContain(`<ETag>${head.ETag?.replaceAll('"', '&quot;')}</ETag>`);
    expect((await bytesOf('slow-kms', 'joined.bin', head.VersionId)).equals(Buffer.concat(PARTS))).toBe(true);
  });

  it('gives the SDK the output a quick answer gives', async () => {
    await bucket('slow-plain');
    const { UploadId, parts } = await upload('slow-plain', 'k');
    // How the answer came: through the keep-alive, chunked.
    const framing: (string | undefined)[] = [];
    const watched = t.s3();
    watched.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        framing.push((out.response as { headers: Record<string, string> }).headers['transfer-encoding']);
        return out;
      },
      { step: 'deserialize', name: 'framing' },
    );
    const done = await watched.send(completion('slow-plain', { UploadId, parts }));
    expect(framing).toEqual(['chunked']);
    expect(done.VersionId).toBeUndefined();
    expect(done.ServerSideEncryption).toBe('AES256');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'slow-plain', Key: 'k' }));
    expect(done.ETag).toBe(head.ETag);
    expect(head.ETag).toMatch(/-2"$/);
    expect((await bytesOf('slow-plain', 'k')).equals(Buffer.concat(PARTS))).toBe(true);
  });

  it.each([
    ['Debian aws cli', AWS_CLI],
    ['aws cli on PATH', AWS_CLI_ON_PATH],
  ])('lets the %s copy a multipart object up and back', async (name, cli) => {
    const Bucket = `slow-cli-${name.includes('Debian') ? 'debian' : 'path'}`;
    await bucket(Bucket, { versioned: true });
    const dir = mkdtempSync(join(tmpdir(), 'seawall-slow-'));
    try {
      const file = join(dir, 'up.bin');
      const bytes = randomBytes(20 * MiB + 3);
      writeFileSync(file, bytes);
      const up = await awsCli(t.dataDir, t.url, ['s3', 'cp', file, `s3://${Bucket}/up.bin`], undefined, cli);
      expect(up.code, up.stderr).toBe(0);
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'up.bin' }));
      expect(head.ETag).toMatch(/-3"$/);
      expect(head.VersionId).toMatch(/^[A-Za-z0-9_.]{32}$/);
      const down = await awsCli(
        t.dataDir,
        t.url,
        ['s3', 'cp', `s3://${Bucket}/up.bin`, join(dir, 'down.bin')],
        undefined,
        cli,
      );
      expect(down.code, down.stderr).toBe(0);
      expect(readFileSync(join(dir, 'down.bin')).equals(bytes)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('judges If-None-Match before the join: a plain 412, and the upload stays to complete', async () => {
    await bucket('slow-conditional');
    await s3.send(new PutObjectCommand({ Bucket: 'slow-conditional', Key: 'k', Body: 'there already' }));
    const { UploadId, parts } = await upload('slow-conditional', 'k');
    const path = '/slow-conditional/k';
    const headers = await signedHeaders(t, {
      method: 'POST',
      path,
      query: { uploadId: UploadId },
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'if-none-match': '*' },
    });
    const res = await rawRequest(t.url, {
      method: 'POST',
      path: `${path}?uploadId=${encodeURIComponent(UploadId)}`,
      headers,
      body: completeBody(parts),
    });
    expect(res.status).toBe(412);
    expect(res.body).toContain('<Code>PreconditionFailed</Code>');
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'slow-conditional', Key: 'k', UploadId }));
    expect(listed.Parts).toHaveLength(2);
    expect((await bytesOf('slow-conditional', 'k')).toString()).toBe('there already');
    await s3.send(completion('slow-conditional', { UploadId, parts }));
    expect((await bytesOf('slow-conditional', 'k')).equals(Buffer.concat(PARTS))).toBe(true);
  });

  it('makes what the bucket keeps now when versioning changed during a join whose answer had not begun', async () => {
    await bucket('slow-unbound', { versioned: true });
    const { UploadId, parts } = await upload('slow-unbound', 'k');
    const listed = parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag, checksums: [] }));
    const done = await t.seawall.storage.multipart.complete(
      UploadId,
      'slow-unbound',
      'k',
      listed,
      {},
      undefined,
      undefined,
      undefined,
      {
        async joining() {
          await s3.send(
            new PutBucketVersioningCommand({
              Bucket: 'slow-unbound',
              VersioningConfiguration: { Status: 'Suspended' },
            }),
          );
        },
        bound: () => false,
      },
    );
    expect(done.versionId).toBeUndefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'slow-unbound', Key: 'k' }));
    expect(head.VersionId).toBe('null');
  });

  it('fails a completion whose bucket stopped keeping versions during the join, which then completes again', async () => {
    await bucket('slow-suspended', { versioned: true });
    const { UploadId, parts } = await upload('slow-suspended', 'k');
    const listed = parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag, checksums: [] }));
    const offered: unknown[] = [];
    const failed = await t.seawall.storage.multipart
      .complete(UploadId, 'slow-suspended', 'k', listed, {}, undefined, undefined, undefined, {
        async joining(answer) {
          offered.push(answer.versionId);
          await s3.send(
            new PutBucketVersioningCommand({
              Bucket: 'slow-suspended',
              VersioningConfiguration: { Status: 'Suspended' },
            }),
          );
        },
        // The answer went out naming the version.
        bound: () => true,
      })
      .catch((error: unknown) => error);
    expect(offered).toEqual([expect.stringMatching(/^[A-Za-z0-9_.]{32}$/)]);
    expect(failed).toMatchObject({ code: 'OperationAborted', status: 409 });
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: 'slow-suspended', Key: 'k' })),
    ).rejects.toMatchObject({ name: 'NotFound' });
    const done = await s3.send(completion('slow-suspended', { UploadId, parts }));
    expect(done.VersionId).toBeUndefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'slow-suspended', Key: 'k' }));
    expect(head.VersionId).toBe('null');
    expect((await bytesOf('slow-suspended', 'k')).equals(Buffer.concat(PARTS))).toBe(true);
  });
});
