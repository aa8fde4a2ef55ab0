import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3Flags, scratchDirs, seawallCli as seawall } from './helpers/backup.js';
import { startTestSeawall } from './helpers/seawall.js';

// Issue 13's backup, tried as a hostile operator would: each case here was a defect when it was written.

const scratch = scratchDirs();

describe('seawall backup into a place that holds more than backups', () => {
  it('leaves what is not its own in a directory: a snapshots/ folder of other files survives', async () => {
    const dataDir = scratch('seawall-probe-data-');
    const t = await startTestSeawall({ dataDir });
    await t.s3().send(new CreateBucketCommand({ Bucket: 'lake' }));
    await t.s3().send(new PutObjectCommand({ Bucket: 'lake', Key: 'a.csv', Body: 'x,y\n1,2\n' }));
    await t.close();
    // A share that already holds an operator's own folders, one of them called snapshots.
    const share = scratch('seawall-probe-share-');
    mkdirSync(join(share, 'snapshots', '2024-holiday'), { recursive: true });
    writeFileSync(join(share, 'snapshots', '2024-holiday', 'photo.jpg'), 'precious');
    writeFileSync(join(share, 'snapshots', 'notes.txt'), 'mine');
    // And what a killed run left, which the next run removes.
    const stopped = join(share, 'snapshots', '20240101T000000Z-abcdef');
    mkdirSync(stopped);
    writeFileSync(join(stopped, 'metadata.db'), 'half');
    // A blob it was copying, of an object deleted since: no later run copies it again to replace it.
    mkdirSync(join(share, 'blobs', '0a'), { recursive: true });
    const partial = join(share, 'blobs', '0a', '0a1b2c3d4e5f60718293a4b5c6d7e8f9.partial');
    writeFileSync(partial, 'half a blob');

    const taken = await seawall('backup', '--data-dir', dataDir, '--to', share);
    expect(taken.err).toBe('');
    expect(taken.code).toBe(0);
    // Before, every entry of snapshots/ without a manifest.json was taken for a stopped run's and removed.
    expect(readFileSync(join(share, 'snapshots', '2024-holiday', 'photo.jpg'), 'utf8')).toBe('precious');
    expect(readFileSync(join(share, 'snapshots', 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(stopped)).toBe(false);
    expect(existsSync(partial)).toBe(false);
    const verified = await seawall('backup', '--verify', '--from', share);
    expect(verified.code).toBe(0);
  }, 60_000);

  it("leaves another client's objects and multipart uploads in the bucket it backs up into", async () => {
    const target = await startTestSeawall({ dataDir: scratch('seawall-probe-target-') });
    const dataDir = scratch('seawall-probe-data-');
    const t = await startTestSeawall({ dataDir });
    try {
      await t.s3().send(new CreateBucketCommand({ Bucket: 'lake' }));
      await t.s3().send(new PutObjectCommand({ Bucket: 'lake', Key: 'a.csv', Body: 'x,y\n1,2\n' }));
      const shared = target.s3();
      await shared.send(new CreateBucketCommand({ Bucket: 'shared' }));
      await shared.send(
        new PutObjectCommand({ Bucket: 'shared', Key: 'snapshots/2024/summary.txt', Body: 'mine' }),
      );
      // Another client's uploads under way, at the bucket's root and beside the backup's own names; and what a
      // killed run left, which the next run aborts.
      const create = async (Key: string) =>
        (await shared.send(new CreateMultipartUploadCommand({ Bucket: 'shared', Key }))).UploadId;
      const others = [await create('videos/council.mp4'), await create('snapshots/2024/big.bin')];
      await create('blobs/01/0123456789abcdef0123456789abcdef');
      await create('snapshots/20240101T000000Z-abcdef/metadata.db');

      const taken = await seawall('backup', '--data-dir', dataDir, '--to', 's3://shared', ...s3Flags(target));
      expect(taken.err).toBe('');
      expect(taken.code).toBe(0);
      // Before, the run removed objects under snapshots/ and aborted every upload in the bucket.
      const kept = await shared.send(
        new GetObjectCommand({ Bucket: 'shared', Key: 'snapshots/2024/summary.txt' }),
      );
      expect(await kept.Body?.transformToString()).toBe('mine');
      const { Uploads = [] } = await shared.send(new ListMultipartUploadsCommand({ Bucket: 'shared' }));
      expect(Uploads.map((u) => u.UploadId).sort()).toEqual([...others].sort());
      const verified = await seawall('backup', '--verify', '--from', 's3://shared', ...s3Flags(target));
      expect(verified.code).toBe(0);
    } finally {
      await t.close();
      await target.close();
    }
  }, 90_000);
});
