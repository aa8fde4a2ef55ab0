import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { compositeChecksum } from './helpers/checksums.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const MiB = 1024 * 1024;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
});
afterAll(async () => {
  await t.close();
});

const md5 = (data: Buffer) => createHash('md5').update(data).digest();

/** Whether this aws cli's s3transfer creates uploads with CRC32 checksums (v1 from 1.37, v2 from 2.23). */
async function sendsChecksums(cli: string): Promise<boolean> {
  const out = await awsCli(t.dataDir, t.url, ['--version'], undefined, cli);
  const match = /aws-cli\/(\d+)\.(\d+)\./.exec(`${out.stdout} ${out.stderr}`);
  expect(match, out.stdout + out.stderr).not.toBeNull();
  const [major, minor] = [Number(match?.[1]), Number(match?.[2])];
  return major === 1 ? minor >= 37 : major === 2 && minor >= 23;
}

describe('multipart uploads', () => {
  it('uploads parts, lists them, completes with the S3 multipart ETag and serves the whole object', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'uploads',
        Key: 'big/file.bin',
        ContentType: 'application/x-test',
        Metadata: { origin: 'test' },
      }),
    );
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      const out = await s3.send(
        new UploadPartCommand({
          Bucket: 'uploads',
          Key: 'big/file.bin',
          UploadId,
          PartNumber: i + 1,
          Body: body,
        }),
      );
      expect(out.ETag).toBe(`"${md5(body).toString('hex')}"`);
      etags.push(out.ETag as string);
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'big/file.bin', UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, 5 * MiB],
      [3, 1234],
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'uploads' }))).rejects.toMatchObject({
      name: 'BucketNotEmpty',
    });

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'uploads',
        Key: 'big/file.bin',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const expected = `"${createHash('md5')
      .update(Buffer.concat(parts.map(md5)))
      .digest('hex')}-3"`;
    expect(done.ETag).toBe(expected);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'big/file.bin' }));
    expect(head).toMatchObject({
      ContentLength: 10 * MiB + 1234,
      ETag: expected,
      ContentType: 'application/x-test',
      Metadata: { origin: 'test' },
    });
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: 'uploads',
        Key: 'big/file.bin',
        Range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}`,
      }),
    );
    expect(
      Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))),
    ).toEqual(Buffer.concat(parts).subarray(5 * MiB - 2, 5 * MiB + 2));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }))).Uploads ?? []).toEqual([]);
  });

  it('refuses wrong part lists as S3 does, and aborts', async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'bad.bin' }),
    );
    const small = await s3.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: 'bad.bin',
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(100),
      }),
    );
    const last = await s3.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: 'bad.bin',
        UploadId,
        PartNumber: 2,
        Body: Buffer.alloc(100),
      }),
    );
    const complete = (Parts: { ETag?: string; PartNumber: number }[]) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: 'bad.bin',
          UploadId,
          MultipartUpload: { Parts },
        }),
      );
    await expect(
      complete([
        { ETag: last.ETag, PartNumber: 2 },
        { ETag: small.ETag, PartNumber: 1 },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await expect(complete([{ ETag: '"0000"', PartNumber: 1 }])).rejects.toMatchObject({
      name: 'InvalidPart',
    });
    await expect(
      complete([
        { ETag: small.ETag, PartNumber: 1 },
        { ETag: last.ETag, PartNumber: 2 },
      ]),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' });
    await expect(
      s3.send(
        new UploadPartCommand({ Bucket: 'uploads', Key: 'bad.bin', UploadId, PartNumber: 10_001, Body: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'bad.bin', UploadId }));
    await expect(
      s3.send(
        new CreateMultipartUploadCommand({
          Bucket: 'uploads',
          Key: 'meta.bin',
          Metadata: { big: 'm'.repeat(3000) },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'MetadataTooLarge',
    });
    await expect(
      s3.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'bad.bin', UploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(
      s3.send(
        new UploadPartCommand({
          Bucket: 'uploads',
          Key: 'bad.bin',
          UploadId: 'nope',
          PartNumber: 1,
          Body: 'x',
        }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'bad.bin' }))).rejects.toMatchObject(
      { name: 'NotFound' },
    );
  });

  it('keeps the parts of uploads in progress when orphan blobs are swept', async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'swept.bin' }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: 'swept.bin',
        UploadId,
        PartNumber: 1,
        Body: 'survives the sweep',
      }),
    );
    expect(await t.seawall.storage.sweepOrphanBlobs()).toBe(0);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'uploads',
        Key: 'swept.bin',
        UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'swept.bin' }));
    expect(await got.Body?.transformToString()).toBe('survives the sweep');
  });

  it.each([
    ['v1, first on PATH', AWS_CLI_ON_PATH],
    ['v2, Debian', AWS_CLI],
  ])(
    'lets `aws s3 cp` (%s) move files larger than its multipart threshold, both ways',
    async (_name, cli) => {
      const dir = tempDir('seawall-multipart-cli-');
      const file = join(dir, 'tickets.bin');
      const content = randomBytes(21 * MiB);
      writeFileSync(file, content);
      const key = `cli/${randomBytes(4).toString('hex')}/tickets.bin`;
      const up = await awsCli(t.dataDir, t.url, ['s3', 'cp', file, `s3://uploads/${key}`], undefined, cli);
      expect(up.code, up.stderr).toBe(0);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'uploads', Key: key, ChecksumMode: 'ENABLED' }),
      );
      expect(head.ContentLength).toBe(content.length);
      expect(head.ETag).toMatch(/-3"$/);
      // Since early 2025 (v1 1.37, v2 2.23) s3transfer asks for CRC32 and sends each part's (8 MiB parts).
      const parts = [
        content.subarray(0, 8 * MiB),
        content.subarray(8 * MiB, 16 * MiB),
        content.subarray(16 * MiB),
      ];
      if (await sendsChecksums(cli)) {
        expect(head).toMatchObject({
          ChecksumCRC32: compositeChecksum('CRC32', parts),
          ChecksumType: 'COMPOSITE',
        });
      } else {
        expect(head.ChecksumCRC32).toBeUndefined();
      }
      const back = join(dir, 'back.bin');
      const down = await awsCli(t.dataDir, t.url, ['s3', 'cp', `s3://uploads/${key}`, back], undefined, cli);
      expect(down.code, down.stderr).toBe(0);
      expect(readFileSync(back).equals(content)).toBe(true);
    },
  );
});
