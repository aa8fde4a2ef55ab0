import { createHash, randomBytes } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLICA_HEADER } from '../src/storage/replication.js';
import { runCheck } from './helpers/check.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

// S3 gives objects (and parts) encrypted with SSE-KMS or SSE-C "ETags that are not an MD5 digest of their
// object data" (S3 API reference, Object.ETag), different for each put of the same bytes; SSE-S3 objects keep
// the MD5. Seawall's are keyed digests of the MD5 under the object's data key, which `seawall check` verifies.

const BUCKET = 'etags';
const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;
const SINGLE = /^"[0-9a-f]{32}"$/;

let t: TestSeawall;
let s3: S3Client;
let kmsKeyId = '';
const customerKey = randomBytes(32);
const sseC = (prefix = 'SSECustomer') => ({
  [`${prefix}Algorithm`]: 'AES256',
  [`${prefix}Key`]: customerKey.toString('base64'),
  [`${prefix}KeyMD5`]: createHash('md5').update(customerKey).digest('base64'),
});
const dataDir = tempDir('seawall-etags-');
/** The bytes of kms/a and kms/b. */
let kmsBody = Buffer.alloc(0);
const made: string[] = [dataDir];

async function put(key: string, body: Buffer, extra: Partial<PutObjectCommandInput> = {}) {
  return s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...extra }));
}

/** A two-part upload (5 MiB, then 1000 bytes) under `extra`'s encryption: its parts' ETags and its own. */
async function multipart(key: string, extra: Record<string, string> = {}) {
  const bodies = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
  const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ...extra }));
  const parts: { ETag: string; PartNumber: number }[] = [];
  for (const [i, body] of bodies.entries()) {
    const out = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: upload.UploadId,
        PartNumber: i + 1,
        Body: body,
        ...(extra.SSECustomerKey ? sseC() : {}),
      }),
    );
    parts.push({ ETag: out.ETag ?? '', PartNumber: i + 1 });
  }
  const done = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId: upload.UploadId,
      MultipartUpload: { Parts: parts },
      ...(extra.SSECustomerKey ? sseC() : {}),
    }),
  );
  return { bodies, parts, etag: done.ETag ?? '' };
}

/** S3's multipart ETag from the parts' ETags: the MD5 of them (as bytes), then how many. */
function ofParts(etags: string[]): string {
  const hash = createHash('md5');
  for (const etag of etags) hash.update(Buffer.from(etag.replace(/"/g, ''), 'hex'));
  return `"${hash.digest('hex')}-${etags.length}"`;
}

beforeAll(async () => {
  t = await startTestSeawall({ dataDir });
  s3 = t.s3();
  const kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  try {
    kmsKeyId = (await kms.send(new CreateKeyCommand({ Description: 'etags' }))).KeyMetadata?.KeyId ?? '';
  } finally {
    kms.destroy();
  }
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // SSE-C is blocked on new buckets until the bucket's encryption configuration unblocks it.
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
            BlockedEncryptionTypes: { EncryptionType: ['NONE'] },
          },
        ],
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await t?.close();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('ETags of encrypted objects', () => {
  it('SSE-S3: the ETag is the MD5 of the bytes, whole and in parts', async () => {
    const body = randomBytes(20_000);
    expect((await put('s3/one', body)).ETag).toBe(md5(body));
    expect((await put('s3/two', body, { ServerSideEncryption: 'AES256' })).ETag).toBe(md5(body));
    const { bodies, parts, etag } = await multipart('s3/multi');
    expect(parts.map((p) => p.ETag)).toEqual(bodies.map(md5));
    expect(etag).toBe(ofParts(bodies.map(md5)));
  });

  it('SSE-KMS: not the MD5, another for each put of the same bytes; HEAD, GET and the listing agree', async () => {
    const body = randomBytes(20_000);
    kmsBody = body;
    const sealed = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId } as const;
    const first = (await put('kms/a', body, sealed)).ETag ?? '';
    const second = (await put('kms/b', body, sealed)).ETag ?? '';
    const again = (await put('kms/a', body, sealed)).ETag ?? '';
    expect(first).toMatch(SINGLE);
    expect(new Set([first, second, again, md5(body)]).size).toBe(4);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kms/a' }));
    expect(head.ETag).toBe(again);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'kms/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.ETag])).toEqual([
      ['kms/a', again],
      ['kms/b', second],
    ]);
    // The bucket's default SSE-KMS is the same.
    const byDefault = await put('kms/default', body, { ServerSideEncryption: 'aws:kms' });
    expect(byDefault.ETag).toMatch(SINGLE);
    expect(byDefault.ETag).not.toBe(md5(body));
  });

  it('If-Match takes the ETag S3 answered; Content-MD5 is still checked against the bytes', async () => {
    const body = randomBytes(3000);
    const sealed = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId } as const;
    const { ETag } = await put('kms/match', body, {
      ...sealed,
      ContentMD5: createHash('md5').update(body).digest('base64'),
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kms/match', IfMatch: ETag }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? [])).toEqual(body);
    expect(got.ETag).toBe(ETag);
    const stale = await s3
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kms/match', IfMatch: md5(body) }))
      .then(
        () => 200,
        (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
      );
    expect(stale).toBe(412);
    // A conditional write against it too.
    const replaced = await put('kms/match', body, { ...sealed, IfMatch: ETag });
    expect(replaced.ETag).not.toBe(ETag);
    const bad = await put('kms/bad-digest', body, {
      ...sealed,
      ContentMD5: createHash('md5').update('other').digest('base64'),
    }).then(
      () => 'stored',
      (error: { name?: string }) => error.name,
    );
    expect(bad).toBe('BadDigest');
  });

  it('SSE-KMS multipart: parts and object hide their MD5s; the object keeps the "-N" form', async () => {
    const { bodies, parts, etag } = await multipart('kms/multi', {
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: kmsKeyId,
    });
    for (const [i, part] of parts.entries()) {
      expect(part.ETag).toMatch(SINGLE);
      expect(part.ETag).not.toBe(md5(bodies[i] as Buffer));
    }
    expect(etag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(etag).toBe(ofParts(parts.map((p) => p.ETag)));
    expect(etag).not.toBe(ofParts(bodies.map(md5)));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kms/multi' }));
    expect(head.ETag).toBe(etag);
  });

  it('UploadPartCopy into an SSE-KMS upload: its part ETag is not the MD5 either', async () => {
    const body = randomBytes(4000);
    await put('s3/source', body);
    const upload = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'kms/copied',
        ServerSideEncryption: 'aws:kms',
      }),
    );
    const copied = await s3.send(
      new UploadPartCopyCommand({
        Bucket: BUCKET,
        Key: 'kms/copied',
        UploadId: upload.UploadId,
        PartNumber: 1,
        CopySource: `${BUCKET}/s3/source`,
      }),
    );
    const partEtag = copied.CopyPartResult?.ETag ?? '';
    expect(partEtag).toMatch(SINGLE);
    expect(partEtag).not.toBe(md5(body));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'kms/copied',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ ETag: partEtag, PartNumber: 1 }] },
      }),
    );
    expect(done.ETag).toBe(ofParts([partEtag]));
  });

  it('SSE-C, whole and in parts: not the MD5, another for each put of the same bytes', async () => {
    const body = randomBytes(10_000);
    const first = (await put('c/a', body, sseC())).ETag ?? '';
    const second = (await put('c/b', body, sseC())).ETag ?? '';
    expect(first).toMatch(SINGLE);
    expect(new Set([first, second, md5(body)]).size).toBe(3);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'c/a', ...sseC() }));
    expect(head.ETag).toBe(first);
    const { bodies, parts, etag } = await multipart('c/multi', sseC());
    for (const [i, part] of parts.entries()) expect(part.ETag).not.toBe(md5(bodies[i] as Buffer));
    expect(etag).toBe(ofParts(parts.map((p) => p.ETag)));
    expect(etag).not.toBe(ofParts(bodies.map(md5)));
  });

  it('CopyObject: to SSE-S3 the MD5 again; to SSE-KMS another keyed ETag', async () => {
    const body = randomBytes(8000);
    const source = await put('kms/copy-source', body, { ServerSideEncryption: 'aws:kms' });
    const plain = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 's3/copied',
        CopySource: `${BUCKET}/kms/copy-source`,
        ServerSideEncryption: 'AES256',
      }),
    );
    expect(plain.CopyObjectResult?.ETag).toBe(md5(body));
    const sealed = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'kms/copied',
        CopySource: `${BUCKET}/s3/copied`,
        ServerSideEncryption: 'aws:kms',
      }),
    );
    const etag = sealed.CopyObjectResult?.ETag ?? '';
    expect(etag).toMatch(SINGLE);
    expect(new Set([etag, md5(body), source.ETag]).size).toBe(3);
  });
  it('a replica sent again in parts under SSE-KMS is answered as the one made the first time', async () => {
    // A delivery whose completion answer was lost sends the version again, as new parts of a new upload.
    const Bucket = 'etags-replicas';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const bodies = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
    const send = async () => {
      const create = new CreateMultipartUploadCommand({
        Bucket,
        Key: 'replica',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: kmsKeyId,
      });
      create.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers[REPLICA_HEADER] = 'F'.repeat(32);
          return next(args);
        },
        { step: 'build' },
      );
      const { UploadId } = await s3.send(create);
      const Parts: { ETag: string; PartNumber: number }[] = [];
      for (const [i, Body] of bodies.entries()) {
        const part = await s3.send(
          new UploadPartCommand({ Bucket, Key: 'replica', UploadId, PartNumber: i + 1, Body }),
        );
        Parts.push({ ETag: part.ETag ?? '', PartNumber: i + 1 });
      }
      return s3.send(
        new CompleteMultipartUploadCommand({ Bucket, Key: 'replica', UploadId, MultipartUpload: { Parts } }),
      );
    };
    const first = await send();
    const again = await send();
    expect(first.ETag).not.toBe(ofParts(bodies.map(md5)));
    expect([again.ETag, again.VersionId]).toEqual([first.ETag, first.VersionId]);
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions).toHaveLength(1);
  });
});

describe('seawall check of objects with keyed ETags', () => {
  let stopped = '';
  beforeAll(async () => {
    await t.close();
    stopped = dataDir;
  }, 60_000);

  it('passes on SSE-KMS and SSE-C objects, whole and multipart', () => {
    const result = runCheck(stopped);
    expect({ stderr: result.stderr, problems: result.problems, code: result.code }).toEqual({
      stderr: '',
      problems: [],
      code: 0,
    });
    // SSE-C objects are checked by size only: Seawall keeps no customer key.
    expect(result.notes.some((n) => n.includes('c/a') && n.includes('SSE-C'))).toBe(true);
  });

  it("names an SSE-KMS object whose ETag is not its content's", () => {
    const dir = tempDir('seawall-etags-damaged-');
    made.push(dir);
    cpSync(stopped, dir, { recursive: true });
    // Changed as a program other than Seawall would change the rows: no seal (see check-command.test.ts).
    rmSync(join(dir, 'metadata.db.seal'), { force: true });
    const db = new BetterSqlite3(join(dir, 'metadata.db'));
    try {
      const etagOf = (key: string) =>
        (
          db
            .prepare('SELECT etag FROM object_versions WHERE bucket = ? AND key = ? AND is_latest = 1')
            .get(BUCKET, key) as { etag: string }
        ).etag;
      const setEtag = db.prepare('UPDATE object_versions SET etag = ? WHERE bucket = ? AND key = ?');
      // Another object's keyed ETag of the same bytes: right in form, wrong for this object's data key.
      setEtag.run(etagOf('kms/b'), BUCKET, 'kms/a');
      setEtag.run(`"${'0'.repeat(32)}-2"`, BUCKET, 'kms/multi');
      // The bare MD5, as Seawall made SSE-KMS ETags before it keyed them: still right, with a note.
      setEtag.run(md5(kmsBody), BUCKET, 'kms/b');
    } finally {
      db.close();
    }
    const result = runCheck(dir);
    expect(result.code).toBe(1);
    expect(result.problems).toEqual([
      expect.stringMatching(
        /^object etags\/kms\/a version .*: content does not match its ETag "[0-9a-f]{32}"/,
      ),
      expect.stringMatching(/^object etags\/kms\/multi version .*: /),
    ]);
    expect(result.notes.filter((n) => n.includes('etags/kms/b '))).toEqual([
      expect.stringMatching(/bare MD5, as an earlier Seawall made it$/),
    ]);
  });
});
