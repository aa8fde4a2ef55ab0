import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataDb } from '../src/db/database.js';
import { failure } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

/**
 * A data directory on a file system of its own, 48 MiB of tmpfs, so the disk can fill. Mounting needs root,
 * as the CI runs; the test says so rather than pass without trying.
 */
const mountPoint = tempDir('seawall-full-disk-');
let t: TestSeawall;

beforeAll(async () => {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'tmpfs', mountPoint], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0)
    throw new Error(`the full-disk test mounts a small tmpfs and needs root: ${mounted.stderr}`);
  t = await startTestSeawall({ dataDir: join(mountPoint, 'data') });
});

afterAll(async () => {
  await t?.close();
  spawnSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

function blobFiles(): string[] {
  return readdirSync(join(mountPoint, 'data', 'objects', 'blobs'), { recursive: true })
    .map(String)
    .filter((name) => /[0-9a-f]{32}$/.test(name));
}

describe('a full disk', () => {
  it("answers S3's InsufficientCapacity, keeps what was stored, leaves nothing partial, and recovers", async () => {
    const s3 = t.s3({ maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'full' }));
    const stored: string[] = [];
    let refusal: S3ServiceException | undefined;
    for (let i = 0; i < 20 && !refusal; i++) {
      const body = Buffer.alloc(4 * MiB, i);
      try {
        await s3.send(new PutObjectCommand({ Bucket: 'full', Key: `o${i}`, Body: body }));
        stored.push(`o${i}`);
      } catch (error) {
        refusal = error as S3ServiceException;
      }
    }
    expect(stored.length).toBeGreaterThan(2);
    expect(refusal).toBeInstanceOf(S3ServiceException);
    expect(refusal?.name).toBe('InsufficientCapacity');
    expect(refusal?.$metadata.httpStatusCode).toBe(507);
    expect(refusal?.message).toMatch(/disk is full/);
    const failedKey = `o${stored.length}`;
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'full', Key: failedKey }))).rejects.toMatchObject({
      name: 'NotFound',
    });
    // One file per stored object: the refused write left nothing behind.
    expect(blobFiles()).toHaveLength(stored.length);

    // Space comes back: writes work again, and what was stored reads back whole.
    for (const key of stored.slice(0, 3))
      await s3.send(new DeleteObjectCommand({ Bucket: 'full', Key: key }));
    const late = Buffer.alloc(2 * MiB, 7);
    await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'late', Body: late }));
    for (const [key, fill] of [
      ['late', 7],
      [stored.at(-1) as string, stored.length - 1],
    ] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'full', Key: key }));
      const bytes = (await got.Body?.transformToByteArray()) ?? new Uint8Array();
      expect(md5(bytes)).toBe(md5(Buffer.alloc(key === 'late' ? 2 * MiB : 4 * MiB, fill)));
    }
  }, 120_000);

  it('answers every service cleanly when even its metadata and audit trail cannot grow, and recovers', async () => {
    const config = {
      endpoint: t.url,
      region: t.credentials.region,
      credentials: {
        accessKeyId: t.credentials.accessKeyId,
        secretAccessKey: t.credentials.secretAccessKey,
      },
      maxAttempts: 1,
    };
    const s3 = t.s3({ maxAttempts: 1 });
    const iam = new IAMClient({ ...config, region: 'us-east-1' });
    const kms = new KMSClient(config);
    // A metadata store of its own on the same disk, to see what a transaction that cannot commit throws.
    const scratch = await openMetadataDb({ sqlitePath: join(mountPoint, 'scratch.db') });
    await sql`CREATE TABLE filling (bytes BLOB)`.execute(scratch.db);
    // Every last block taken by a file beside the data directory.
    const filler = join(mountPoint, 'filler');
    const fd = openSync(filler, 'w');
    try {
      const block = Buffer.alloc(64 * 1024);
      for (;;) writeSync(fd, block);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    try {
      // Each call that writes is answered, in its protocol's shape, as a full disk: never a dropped connection.
      const full = { code: 'InsufficientCapacity', status: 507 };
      expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'no-room' })))).toEqual(full);
      expect(await failure(iam.send(new CreateUserCommand({ UserName: 'no-room' })))).toEqual(full);
      expect(await failure(kms.send(new CreateKeyCommand({})))).toEqual(full);
      // Reads still answer.
      await s3.send(new HeadObjectCommand({ Bucket: 'full', Key: 'late' }));
      // SQLite rolls a transaction back itself when it finds the disk full: the error is that, not Kysely's
      // ROLLBACK failing after it ("cannot rollback - no transaction is active"), which hid it before.
      const refused = await scratch.db
        .transaction()
        .execute(async (trx) => {
          for (let i = 0; i < 64; i++)
            await sql`INSERT INTO filling VALUES (${Buffer.alloc(64 * 1024)})`.execute(trx);
        })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'SQLITE_FULL' });
    } finally {
      rmSync(filler);
      await scratch.close();
    }
    await s3.send(new CreateBucketCommand({ Bucket: 'room-again' }));
    await iam.send(new CreateUserCommand({ UserName: 'room-again' }));
    await kms.send(new CreateKeyCommand({}));
    iam.destroy();
    kms.destroy();
  }, 120_000);
});
