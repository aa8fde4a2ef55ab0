import { copyFileSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutBucketReplicationCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirs, seawallCli } from './helpers/backup.js';
import {
  allowReplicationRole,
  RETRIES,
  replicationRole,
  untilReplicated,
  versionedBuckets,
} from './helpers/replication.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const MIB = 1024 * 1024;

/** What of a version's representation S3 keeps and answers on HEAD: a replica answers the same. */
function representation(head: HeadObjectCommandOutput) {
  const { CacheControl, ContentEncoding, ContentDisposition, ContentLanguage, ContentType } = head;
  const { ExpiresString, Metadata, ETag } = head;
  return {
    CacheControl,
    ContentEncoding,
    ContentDisposition,
    ContentLanguage,
    ContentType,
    ExpiresString,
    Metadata,
    ETag,
  };
}

describe('replication keeps what a version is made of', () => {
  let t: TestSeawall;
  let s3: S3Client;

  /** The source version's HEAD and its replica's, once the source says it is COMPLETED. */
  const bothSides = async (Key: string, VersionId: string | undefined) => {
    const source = await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key, VersionId }));
      return head.ReplicationStatus === 'COMPLETED' ? head : undefined;
    }, `${Key} to replicate`);
    const replica = await s3.send(new HeadObjectCommand({ Bucket: 'replica', Key, VersionId }));
    return { source, replica };
  };

  beforeAll(async () => {
    t = await startTestSeawall({
      logLevel: 'error',
      limits: {
        replicationRetries: RETRIES,
        replicationMultipart: { fromBytes: MIB * 6, partBytes: MIB * 5 },
      },
    });
    s3 = t.s3({ maxAttempts: 1 });
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await replicationRole(iam, 'lake');
    await allowReplicationRole(iam, 'replica', [
      's3:ReplicateObject',
      's3:ReplicateDelete',
      's3:ReplicateTags',
    ]);
    iam.destroy();
    await versionedBuckets([
      [s3, 'lake'],
      [s3, 'replica'],
    ]);
    await s3.send(
      new PutBucketReplicationCommand({
        Bucket: 'lake',
        ReplicationConfiguration: {
          Role: `arn:aws:iam::${t.credentials.accountId}:role/replication`,
          Rules: [
            {
              ID: 'all',
              Priority: 1,
              Filter: {},
              Status: 'Enabled',
              DeleteMarkerReplication: { Status: 'Enabled' },
              Destination: { Bucket: 'arn:aws:s3:::replica' },
            },
          ],
        },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('carries Expires with the other content headers, as the source stored it, whole or in parts', async () => {
    const headers = {
      CacheControl: 'max-age=60',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="a.txt"',
      ContentLanguage: 'fr',
      Expires: new Date('2030-01-02T03:04:05Z'),
      Metadata: { city: '=?UTF-8?B?TW9udHLDqWFs?=' },
    };
    const whole = await s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'whole', Body: 'x', ...headers }),
    );
    const { source, replica } = await bothSides('whole', whole.VersionId);
    expect(source.ExpiresString).toBe('Wed, 02 Jan 2030 03:04:05 GMT');
    expect(representation(replica)).toEqual(representation(source));

    // Uploaded in parts: the replica's upload is begun with the same headers.
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'parts', ...headers }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket: 'lake', Key: 'parts', UploadId, PartNumber: 1, Body: 'y' }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'lake',
        Key: 'parts',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const parts = await bothSides('parts', done.VersionId);
    expect(parts.source.ExpiresString).toBe('Wed, 02 Jan 2030 03:04:05 GMT');
    expect(representation(parts.replica)).toEqual(representation(parts.source));
  });
});

describe('seawall backup --verify and restore on a damaged backup', () => {
  const scratch = scratchDirs();
  let dataDir: string;
  let backup: string;
  let snapshot: string;
  let blobs: string[];

  beforeAll(async () => {
    dataDir = scratch('seawall-probe-data-');
    backup = scratch('seawall-probe-backup-');
    const t = await startTestSeawall({ dataDir });
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'bkt' }));
    for (const Key of ['one', 'two', 'three'])
      await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key, Body: `${Key} `.repeat(1000) }));
    await t.close();
    expect((await seawallCli('backup', '--data-dir', dataDir, '--to', backup)).code).toBe(0);
    [snapshot] = readdirSync(join(backup, 'snapshots')) as [string];
    blobs = readdirSync(join(backup, 'blobs'), { recursive: true })
      .map(String)
      .filter((name) => /[0-9a-f]{32}$/.test(name));
  }, 60_000);

  it('names a truncated blob even where a database of the snapshot other than the metadata is damaged too', async () => {
    // The audit, metrics and logs databases name no blob: damage to them is no reason to leave the blobs unchecked.
    const [cut] = blobs as [string];
    truncateSync(join(backup, 'blobs', cut), 10);
    truncateSync(join(backup, 'snapshots', snapshot, 'audit.db'), 4096);
    rmSync(join(backup, 'snapshots', snapshot, 'metrics.db'));
    const verified = await seawallCli('backup', '--verify', '--from', backup);
    expect(verified.code).toBe(1);
    const lines = verified.err.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^snapshot ${snapshot}: audit\\.db is 4096 bytes, not the \\d+ copied$`),
        ),
        `snapshot ${snapshot}: metrics.db is missing`,
        expect.stringMatching(
          new RegExp(`^blob ${cut.slice(-32)} \\(blobs/${cut}\\): is 10 bytes, not the \\d+ copied$`),
        ),
      ]),
    );
  });

  it('restore names the manifest it cannot read, as verify does', async () => {
    truncateSync(join(backup, 'snapshots', snapshot, 'manifest.json'), 20);
    const said = `snapshot ${snapshot}: manifest.json is unreadable (`;
    const verified = await seawallCli('backup', '--verify', '--from', backup);
    expect(verified.code).toBe(1);
    expect(verified.err).toContain(said);
    const keyFile = join(scratch('seawall-probe-key-'), 'root.key');
    copyFileSync(join(dataDir, 'root.key'), keyFile);
    const target = join(scratch('seawall-probe-new-'), 'new');
    const restored = await seawallCli(
      'restore',
      '--from',
      backup,
      '--data-dir',
      target,
      '--root-key',
      keyFile,
    );
    expect(restored.code).toBe(1);
    expect(restored.err).toContain(`seawall restore: ${said}`);
  });
});
