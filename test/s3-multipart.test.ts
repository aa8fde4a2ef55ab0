import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { type Algorithm, checksumOf, compositeChecksum } from './helpers/checksums.js';
import { failureOf } from './helpers/failure.js';
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
    // The object's absolute URL, its key form-encoded whole as S3 writes it there.
    expect(done.Location).toBe(`${t.url}/uploads/big%2Ffile.bin`);
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

type Checksummed = Partial<Record<`Checksum${Algorithm}`, string>>;
const field = (algorithm: Algorithm) => `Checksum${algorithm}` as const;

/** Creates an upload and uploads `parts` with the SDK computing and sending each part's checksum. */
async function uploadWithChecksums(
  key: string,
  algorithm: Algorithm,
  type: 'COMPOSITE' | 'FULL_OBJECT' | undefined,
  parts: Buffer[],
) {
  const created = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: 'uploads',
      Key: key,
      ChecksumAlgorithm: algorithm,
      ...(type ? { ChecksumType: type } : {}),
    }),
  );
  const uploaded: ({ ETag: string; PartNumber: number } & Checksummed)[] = [];
  for (const [i, body] of parts.entries()) {
    const out = await s3.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: key,
        UploadId: created.UploadId,
        PartNumber: i + 1,
        Body: body,
        ChecksumAlgorithm: algorithm,
      }),
    );
    expect(out[field(algorithm)]).toBe(checksumOf(algorithm, body));
    uploaded.push({ ETag: out.ETag as string, PartNumber: i + 1, [field(algorithm)]: out[field(algorithm)] });
  }
  return { created, uploadId: created.UploadId as string, uploaded };
}

describe('multipart checksums', () => {
  const cases: [Algorithm, 'COMPOSITE' | 'FULL_OBJECT' | undefined, 'COMPOSITE' | 'FULL_OBJECT'][] = [
    ['CRC32', 'COMPOSITE', 'COMPOSITE'],
    ['CRC32C', 'COMPOSITE', 'COMPOSITE'],
    ['SHA256', 'COMPOSITE', 'COMPOSITE'],
    ['SHA1', undefined, 'COMPOSITE'],
    ['CRC32', 'FULL_OBJECT', 'FULL_OBJECT'],
    ['CRC32C', 'FULL_OBJECT', 'FULL_OBJECT'],
    ['CRC64NVME', undefined, 'FULL_OBJECT'],
  ];
  it.each(cases)(
    '%s, type %s: stores, lists, completes and answers the checksum',
    async (algorithm, asked, type) => {
      const key = `checksums/${algorithm}-${type}`;
      const parts = [randomBytes(5 * MiB + 1), randomBytes(1000)];
      const whole = Buffer.concat(parts);
      const { created, uploadId, uploaded } = await uploadWithChecksums(key, algorithm, asked, parts);
      expect(created).toMatchObject({ ChecksumAlgorithm: algorithm, ChecksumType: type });

      const listed = await s3.send(new ListPartsCommand({ Bucket: 'uploads', Key: key, UploadId: uploadId }));
      expect(listed).toMatchObject({ ChecksumAlgorithm: algorithm, ChecksumType: type });
      expect(listed.Parts?.map((p) => p[field(algorithm)])).toEqual(
        parts.map((p) => checksumOf(algorithm, p)),
      );
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: key }));
      expect(uploads.Uploads?.map((u) => [u.ChecksumAlgorithm, u.ChecksumType])).toEqual([[algorithm, type]]);

      const expected =
        type === 'COMPOSITE' ? compositeChecksum(algorithm, parts) : checksumOf(algorithm, whole);
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: uploaded },
          // The whole object's checksum, verified by the server, as a FULL_OBJECT completion may send it.
          ...(type === 'FULL_OBJECT' ? { ChecksumType: type, [field(algorithm)]: expected } : {}),
        }),
      );
      expect(done).toMatchObject({ [field(algorithm)]: expected, ChecksumType: type });

      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'uploads', Key: key, ChecksumMode: 'ENABLED' }),
      );
      expect(head).toMatchObject({
        [field(algorithm)]: expected,
        ChecksumType: type,
        ContentLength: whole.length,
      });
      const got = await s3.send(
        new GetObjectCommand({ Bucket: 'uploads', Key: key, ChecksumMode: 'ENABLED' }),
      );
      expect(got).toMatchObject({ [field(algorithm)]: expected, ChecksumType: type });
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      expect(bytes.equals(whole)).toBe(true);
      const ranged = await s3.send(
        new GetObjectCommand({ Bucket: 'uploads', Key: key, ChecksumMode: 'ENABLED', Range: 'bytes=0-9' }),
      );
      await ranged.Body?.transformToByteArray();
      expect([ranged[field(algorithm)], ranged.ChecksumType]).toEqual([undefined, undefined]);
      const plain = await s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: key }));
      expect(plain[field(algorithm)]).toBeUndefined();
      const objects = await s3.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: key }));
      expect(objects.Contents?.map((o) => [o.ChecksumAlgorithm, o.ChecksumType])).toEqual([
        [[algorithm], type],
      ]);
    },
  );

  it('gives an upload created without an algorithm S3’s default CRC64NVME (the SDK still sends CRC32 parts)', async () => {
    const key = 'checksums/none';
    const body = randomBytes(1000);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: key }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: 'uploads', Key: key, UploadId, PartNumber: 1, Body: body }),
    );
    expect(part.ChecksumCRC32).toBe(checksumOf('CRC32', body));
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'uploads', Key: key, UploadId }));
    expect([listed.ChecksumAlgorithm, listed.ChecksumType, listed.Parts?.[0]?.ChecksumCRC32]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const complete = (Parts: CompletedPart[]) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: key,
          UploadId,
          MultipartUpload: { Parts },
        }),
      );
    // S3 has no part checksums to compare with for such an upload: it finds no such part.
    await expect(
      complete([{ ETag: part.ETag, PartNumber: 1, ChecksumCRC32: part.ChecksumCRC32 }]),
    ).rejects.toMatchObject({ name: 'InvalidPart' });
    const done = await complete([{ ETag: part.ETag, PartNumber: 1 }]);
    // The object gets S3's default full-object CRC64NVME, whatever its parts were sent with (LocalStack's
    // test_multipart_and_list_parts, recorded on AWS).
    const crc64 = checksumOf('CRC64NVME', body);
    expect([done.ChecksumCRC32, done.ChecksumCRC64NVME, done.ChecksumType]).toEqual([
      undefined,
      crc64,
      'FULL_OBJECT',
    ]);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'uploads', Key: key, ChecksumMode: 'ENABLED' }),
    );
    expect([head.ChecksumCRC32, head.ChecksumCRC64NVME, head.ChecksumType, head.ContentLength]).toEqual([
      undefined,
      crc64,
      'FULL_OBJECT',
      1000,
    ]);
  });
});

async function committed(key: string): Promise<boolean> {
  const answer = await s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: key })).catch((e) => e);
  return !(answer instanceof Error);
}

describe('multipart checksum refusals', () => {
  it('CreateMultipartUpload: S3’s refusals of algorithms and types, and nothing is created', async () => {
    const create = (input: Record<string, unknown>) =>
      failureOf(
        s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'refused/create', ...input })),
      );
    expect(await create({ ChecksumType: 'COMPOSITE' })).toEqual({
      code: 'InvalidRequest',
      status: 400,
      message: 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
    });
    expect(await create({ ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'COMPOSITE' })).toMatchObject({
      code: 'InvalidRequest',
      message: 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.',
    });
    expect(await create({ ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })).toMatchObject({
      code: 'InvalidRequest',
      message: 'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.',
    });
    expect(await create({ ChecksumAlgorithm: 'CRC32', ChecksumType: 'PARTIAL' })).toMatchObject({
      code: 'InvalidRequest',
      message: 'Value for x-amz-checksum-type header is invalid.',
    });
    expect((await create({ ChecksumAlgorithm: 'ADLER32' })).code).toBe('InvalidRequest');
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'refused/' }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('UploadPart: a checksum of another algorithm, none on a COMPOSITE upload, or a wrong one stores nothing', async () => {
    const key = 'refused/parts';
    const body = randomBytes(1000);
    const bare = t.s3({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: key, ChecksumAlgorithm: 'SHA256' }),
    );
    const part = { Bucket: 'uploads', Key: key, UploadId, PartNumber: 1, Body: body };
    expect(await failureOf(s3.send(new UploadPartCommand({ ...part, ChecksumAlgorithm: 'CRC32' })))).toEqual({
      code: 'InvalidRequest',
      status: 400,
      message: 'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32',
    });
    expect(await failureOf(bare.send(new UploadPartCommand(part)))).toMatchObject({
      code: 'InvalidRequest',
      message: 'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: null',
    });
    const wrong = checksumOf('SHA256', randomBytes(1000));
    expect(await failureOf(s3.send(new UploadPartCommand({ ...part, ChecksumSHA256: wrong })))).toMatchObject(
      {
        code: 'BadDigest',
        message: 'The SHA256 you specified did not match the calculated checksum.',
      },
    );
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'uploads', Key: key, UploadId }));
    expect(listed.Parts ?? []).toEqual([]);

    // A FULL_OBJECT upload takes a part without a checksum and computes the part's.
    const full = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'uploads',
        Key: key,
        ChecksumAlgorithm: 'CRC32C',
        ChecksumType: 'FULL_OBJECT',
      }),
    );
    await bare.send(new UploadPartCommand({ ...part, UploadId: full.UploadId }));
    const parts = await s3.send(
      new ListPartsCommand({ Bucket: 'uploads', Key: key, UploadId: full.UploadId }),
    );
    expect(parts.Parts?.map((p) => p.ChecksumCRC32C)).toEqual([checksumOf('CRC32C', body)]);
  });

  it('CompleteMultipartUpload: mismatched part checksums are refused as S3 does and nothing is committed', async () => {
    const key = 'refused/composite';
    const parts = [randomBytes(5 * MiB), randomBytes(10)];
    const { uploadId, uploaded } = await uploadWithChecksums(key, 'SHA256', undefined, parts);
    const [first, second] = uploaded as [CompletedPart, CompletedPart];
    const complete = (Parts: CompletedPart[], extra: Record<string, unknown> = {}) =>
      failureOf(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: 'uploads',
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts },
            ...extra,
          }),
        ),
      );
    const otherBytes = checksumOf('SHA256', randomBytes(10));
    expect(await complete([first, { ...second, ChecksumSHA256: otherBytes }])).toMatchObject({
      code: 'InvalidPart',
      status: 400,
    });
    const { ChecksumSHA256: _dropped, ...withoutChecksum } = first;
    expect(await complete([withoutChecksum, second])).toMatchObject({
      code: 'InvalidRequest',
      message:
        'The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.',
    });
    expect(
      await complete([
        { ...withoutChecksum, ChecksumCRC32: checksumOf('CRC32', parts[0] as Buffer) },
        second,
      ]),
    ).toMatchObject({
      code: 'BadDigest',
      message: 'The crc32 you specified for part 1 did not match what we received.',
    });
    expect(await complete([{ ...first, ChecksumSHA256: 'not base64!' }, second])).toMatchObject({
      code: 'InvalidArgument',
    });
    expect(await complete([first, second], { ChecksumType: 'FULL_OBJECT' })).toMatchObject({
      code: 'InvalidRequest',
      message:
        'The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode.',
    });
    expect(await complete([first, second], { ChecksumSHA256: `${otherBytes}-2` })).toMatchObject({
      code: 'BadDigest',
      message: 'The sha256 you specified did not match the calculated checksum.',
    });
    expect(await committed(key)).toBe(false);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'uploads',
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [first, second] },
        ChecksumSHA256: compositeChecksum('SHA256', parts),
      }),
    );
    expect(done.ChecksumSHA256).toBe(compositeChecksum('SHA256', parts));
  });

  it('CompleteMultipartUpload: a FULL_OBJECT checksum that does not match is refused and nothing is committed', async () => {
    const key = 'refused/full';
    const parts = [randomBytes(5 * MiB), randomBytes(10)];
    const whole = checksumOf('CRC32', Buffer.concat(parts));
    const { uploadId, uploaded } = await uploadWithChecksums(key, 'CRC32', 'FULL_OBJECT', parts);
    const complete = (extra: Record<string, unknown>) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: uploaded },
          ...extra,
        }),
      );
    const mismatch = {
      code: 'BadDigest',
      status: 400,
      message: 'The crc32 you specified did not match the calculated checksum.',
    };
    const wrong = checksumOf('CRC32', randomBytes(10));
    expect(await failureOf(complete({ ChecksumType: 'FULL_OBJECT', ChecksumCRC32: wrong }))).toEqual(
      mismatch,
    );
    // As S3 answers: a whole-object checksum is only compared when the completion says FULL_OBJECT.
    expect(await failureOf(complete({ ChecksumCRC32: whole }))).toEqual(mismatch);
    expect(await failureOf(complete({ ChecksumType: 'FULL_OBJECT', ChecksumCRC32C: whole }))).toEqual(
      mismatch,
    );
    expect(await failureOf(complete({ ChecksumType: 'FULL_OBJECT', ChecksumCRC32: 'AAAA-1' }))).toMatchObject(
      {
        code: 'InvalidRequest',
        message: 'Value for x-amz-checksum-crc32 header is invalid.',
      },
    );
    expect(await committed(key)).toBe(false);
    expect(await t.seawall.storage.sweepOrphanBlobs()).toBe(0);
    const done = await complete({ ChecksumType: 'FULL_OBJECT', ChecksumCRC32: whole });
    expect([done.ChecksumCRC32, done.ChecksumType]).toEqual([whole, 'FULL_OBJECT']);
  });

  it('CompleteMultipartUpload: an upload without an algorithm takes no checksum type', async () => {
    const key = 'refused/untyped';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: key }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: 'uploads', Key: key, UploadId, PartNumber: 1, Body: 'abc' }),
    );
    const answer = await failureOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
          ChecksumType: 'COMPOSITE',
        }),
      ),
    );
    expect(answer).toMatchObject({
      code: 'InvalidRequest',
      message:
        'The upload was created using the null checksum mode. The complete request must use the same checksum mode.',
    });
    expect(await committed(key)).toBe(false);
  });
});
