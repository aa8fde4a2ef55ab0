import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { targetFromDataDir } from '../src/cli/client-target.js';
import { BIN, serveChild } from './helpers/child-server.js';
import { rawRequest } from './helpers/raw.js';
import { tempDir } from './helpers/seawall.js';

async function credentialsOf(dir: string) {
  return (await targetFromDataDir(dir)).credentials;
}

/** The blob files in a data directory: one per stored version and uploaded part, nothing else. */
function blobFiles(dir: string): string[] {
  return readdirSync(join(dir, 'objects', 'blobs'), { recursive: true })
    .map(String)
    .filter((n) => /[0-9a-f]{32}$/.test(n));
}

function client(url: string, credentials: Awaited<ReturnType<typeof credentialsOf>>): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'ca-west-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
}

/** A body of `size` bytes of `fill` that takes a while to arrive, so a kill lands in the middle of it. */
async function* slowly(size: number, fill: number) {
  const chunk = Buffer.alloc(1024 * 1024, fill);
  for (let sent = 0; sent < size; sent += chunk.length) {
    yield chunk;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('crash safety', () => {
  it('a process killed mid-upload leaves no visible object and no stray bytes', async () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [BIN, 'init', '--data-dir', dir]).status).toBe(0);
    const first = serveChild(dir);
    const url = await first.url;
    const s3 = new S3Client({
      endpoint: url,
      region: 'ca-west-1',
      forcePathStyle: true,
      credentials: await credentialsOf(dir),
      maxAttempts: 1,
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'crash' }));
    await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: 'kept.txt', Body: 'survives' }));

    // Start a 64 MiB upload, then kill -9 the server while the bytes are still arriving.
    const size = 64 * 1024 * 1024;
    async function* slowBody() {
      const chunk = Buffer.alloc(1024 * 1024, 1);
      for (let sent = 0; sent < size; sent += chunk.length) {
        yield chunk;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const upload = s3
      .send(
        new PutObjectCommand({
          Bucket: 'crash',
          Key: 'half.bin',
          Body: (await import('node:stream')).Readable.from(slowBody()),
          ContentLength: size,
        }),
      )
      .catch(() => 'failed');
    // The upload's blob is being written in place, beside the kept object's: watched for while the upload is
    // still arriving (a fixed wait was too short on a loaded machine), never after it ended.
    let ended = false;
    void upload.finally(() => {
      ended = true;
    });
    while (blobFiles(dir).length < 2 && !ended) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ended).toBe(false);
    expect(blobFiles(dir)).toHaveLength(2);
    first.child.kill('SIGKILL');
    expect(await upload).toBe('failed');
    s3.destroy();

    // Something a crash between writing a blob and committing its version would leave: a blob no object
    // refers to (as the cut-off upload's is).
    mkdirSync(join(dir, 'objects', 'blobs', 'ff'), { recursive: true });
    const stray = join(dir, 'objects', 'blobs', 'ff', 'ff'.repeat(16));
    writeFileSync(stray, 'orphan');
    // And what a crash of an earlier version, which wrote blobs in objects/tmp and renamed them, left there.
    mkdirSync(join(dir, 'objects', 'tmp'));
    writeFileSync(join(dir, 'objects', 'tmp', 'ee'.repeat(16)), 'half');

    const second = serveChild(dir);
    const url2 = await second.url;
    const s3b = new S3Client({
      endpoint: url2,
      region: 'ca-west-1',
      forcePathStyle: true,
      credentials: await credentialsOf(dir),
    });
    const gone = await s3b
      .send(new HeadObjectCommand({ Bucket: 'crash', Key: 'half.bin' }))
      .catch((e: { name: string }) => e.name);
    expect(gone).toBe('NotFound');
    const kept = await s3b.send(new GetObjectCommand({ Bucket: 'crash', Key: 'kept.txt' }));
    expect(await kept.Body?.transformToString()).toBe('survives');
    expect(existsSync(join(dir, 'objects', 'tmp'))).toBe(false);
    expect(existsSync(stray)).toBe(false);
    const blobs = readdirSync(join(dir, 'objects', 'blobs'), { recursive: true }).filter((n) =>
      /[0-9a-f]{32}$/.test(String(n)),
    );
    expect(blobs).toHaveLength(1);
    expect((await rawRequest(url2, { method: 'GET', path: '/_seawall/health' })).status).toBe(200);
    s3b.destroy();
    second.child.kill('SIGTERM');
  });

  it('a kill during a versioned overwrite, an UploadPart or a CompleteMultipartUpload loses nothing acknowledged', async () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [BIN, 'init', '--data-dir', dir]).status).toBe(0);
    const credentials = await credentialsOf(dir);
    const first = serveChild(dir);
    const s3 = client(await first.url, credentials);
    await s3.send(new CreateBucketCommand({ Bucket: 'crash-v' }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'crash-v', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: 'crash-v', Key: 'doc', Body: 'version one' })))
      .VersionId as string;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: 'crash-v', Key: 'doc', Body: 'version two' })))
      .VersionId as string;
    // An upload with two parts done, ready to complete; another one whose part is cut off by the kill.
    const { UploadId: ready } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'crash-v', Key: 'big' }),
    );
    const parts = [];
    for (const n of [1, 2]) {
      const out = await s3.send(
        new UploadPartCommand({
          Bucket: 'crash-v',
          Key: 'big',
          UploadId: ready,
          PartNumber: n,
          Body: Buffer.alloc(24 * 2 ** 20, n),
        }),
      );
      parts.push({ PartNumber: n, ETag: out.ETag as string });
    }
    const { UploadId: cut } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'crash-v', Key: 'cut' }),
    );
    const { Readable } = await import('node:stream');
    const size = 48 * 2 ** 20;
    const overwrite = s3
      .send(
        new PutObjectCommand({
          Bucket: 'crash-v',
          Key: 'doc',
          Body: Readable.from(slowly(size, 3)),
          ContentLength: size,
        }),
      )
      .catch(() => 'failed');
    const part = s3
      .send(
        new UploadPartCommand({
          Bucket: 'crash-v',
          Key: 'cut',
          UploadId: cut,
          PartNumber: 1,
          Body: Readable.from(slowly(size, 4)),
          ContentLength: size,
        }),
      )
      .catch(() => 'failed');
    const complete = s3
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: 'crash-v',
          Key: 'big',
          UploadId: ready,
          MultipartUpload: { Parts: parts },
        }),
      )
      .then(
        () => 'completed',
        () => 'failed',
      );
    await new Promise((resolve) => setTimeout(resolve, 150));
    first.child.kill('SIGKILL');
    expect(await overwrite).toBe('failed');
    expect(await part).toBe('failed');
    const completed = await complete;
    s3.destroy();

    const second = serveChild(dir);
    const s3b = client(await second.url, credentials);
    // The acknowledged versions are intact and the cut-off overwrite left no version.
    const versions = await s3b.send(new ListObjectVersionsCommand({ Bucket: 'crash-v', Prefix: 'doc' }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2, true],
      [v1, false],
    ]);
    const read = async (VersionId?: string) =>
      (
        await s3b.send(new GetObjectCommand({ Bucket: 'crash-v', Key: 'doc', VersionId }))
      ).Body?.transformToString();
    expect(await read()).toBe('version two');
    expect(await read(v1)).toBe('version one');
    // The completion either happened whole or not at all: the object with all its bytes, or the upload still there.
    const uploads = (await s3b.send(new ListMultipartUploadsCommand({ Bucket: 'crash-v' }))).Uploads ?? [];
    const big = await s3b
      .send(new HeadObjectCommand({ Bucket: 'crash-v', Key: 'big' }))
      .then((o) => o.ContentLength)
      .catch(() => undefined);
    if (big === undefined) {
      expect(completed).toBe('failed');
      expect(uploads.map((u) => u.UploadId).sort()).toEqual([ready, cut].sort());
    } else {
      expect(big).toBe(48 * 2 ** 20);
      expect(uploads.map((u) => u.UploadId)).toEqual([cut]);
    }
    // The cut-off part was never stored, and no bytes are left that nothing refers to.
    expect(
      (await s3b.send(new ListPartsCommand({ Bucket: 'crash-v', Key: 'cut', UploadId: cut }))).Parts,
    ).toBeUndefined();
    expect(existsSync(join(dir, 'objects', 'tmp'))).toBe(false);
    expect(blobFiles(dir)).toHaveLength(big === undefined ? 4 : 3);
    s3b.destroy();
    second.child.kill('SIGTERM');
  });

  it('a kill during a CopyObject leaves the copy whole or absent, the source intact and no stray bytes', async () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [BIN, 'init', '--data-dir', dir]).status).toBe(0);
    const credentials = await credentialsOf(dir);
    const first = serveChild(dir);
    const s3 = client(await first.url, credentials);
    await s3.send(new CreateBucketCommand({ Bucket: 'crash-c' }));
    const size = 160 * 2 ** 20;
    const { Readable } = await import('node:stream');
    await s3.send(
      new PutObjectCommand({
        Bucket: 'crash-c',
        Key: 'source',
        Body: Readable.from(
          (async function* () {
            const chunk = Buffer.alloc(2 ** 20, 7);
            for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
          })(),
        ),
        ContentLength: size,
      }),
    );
    const copy = s3
      .send(new CopyObjectCommand({ Bucket: 'crash-c', Key: 'copy', CopySource: 'crash-c/source' }))
      .then(
        () => 'copied',
        () => 'failed',
      );
    // Once the copy's bytes are being written, kill.
    for (let i = 0; i < 200 && blobFiles(dir).length < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 2));
    first.child.kill('SIGKILL');
    const outcome = await copy;
    s3.destroy();

    const second = serveChild(dir);
    const s3b = client(await second.url, credentials);
    const source = await s3b.send(new HeadObjectCommand({ Bucket: 'crash-c', Key: 'source' }));
    expect(source.ContentLength).toBe(size);
    const copied = await s3b
      .send(new HeadObjectCommand({ Bucket: 'crash-c', Key: 'copy' }))
      .then((o) => o.ContentLength)
      .catch(() => undefined);
    // Acknowledged means there; anything there is whole.
    if (outcome === 'copied') expect(copied).toBe(size);
    if (copied !== undefined) expect(copied).toBe(size);
    expect(existsSync(join(dir, 'objects', 'tmp'))).toBe(false);
    expect(blobFiles(dir)).toHaveLength(copied === undefined ? 1 : 2);
    s3b.destroy();
    second.child.kill('SIGTERM');
  });
});
