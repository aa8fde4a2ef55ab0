import { IAMClient } from '@aws-sdk/client-iam';
import {
  type ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  type GetObjectAttributesCommandOutput,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketReplicationCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RETRIES,
  registerRemote,
  replicationRole,
  untilReplicated,
  versionedBuckets,
} from './helpers/replication.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const MIB = 1024 * 1024;

/**
 * What GetObjectAttributes answers of a version, less what is of the request (its metadata) and its time: a
 * replica from another installation is dated when it arrives (see replicaLastModified in replication.ts).
 */
function attributesOf(answer: GetObjectAttributesCommandOutput) {
  const { ETag, Checksum, ObjectParts, ObjectSize, StorageClass, VersionId } = answer;
  return { ETag, Checksum, ObjectParts, ObjectSize, StorageClass, VersionId };
}

/**
 * A replica is the source version as it was made: "replicate objects while retaining metadata, such as the
 * original object creation time and version IDs" (S3 User Guide, Replicating objects), its checksum with it.
 * One source Seawall replicating to another, each with its own account. The creation time is kept only by an
 * installation's own replication (replication-same-account.test.ts): another's replica is dated on arrival,
 * since any caller allowed s3:ReplicateObject could otherwise date a version as it liked.
 */
describe('replicas keep what the source version is made of', () => {
  let source: TestSeawall;
  let destination: TestSeawall;
  let s3: S3Client;
  let replica: S3Client;

  /** The source version and its replica, each as GetObjectAttributes answers it, once it is COMPLETED. */
  const bothSides = async (Key: string, VersionId: string | undefined) => {
    const ObjectAttributes = ['ETag', 'Checksum', 'ObjectParts', 'ObjectSize', 'StorageClass'] as const;
    await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key, VersionId }));
      return head.ReplicationStatus === 'COMPLETED';
    }, `${Key} to replicate`);
    const of = async (client: S3Client, Bucket: string) =>
      attributesOf(
        await client.send(
          new GetObjectAttributesCommand({ Bucket, Key, VersionId, ObjectAttributes: [...ObjectAttributes] }),
        ),
      );
    return { source: await of(s3, 'lake'), replica: await of(replica, 'replica') };
  };

  /** HEAD with ChecksumMode: the checksum headers, as a client reads them. */
  const headOf = async (client: S3Client, Bucket: string, Key: string, VersionId: string | undefined) => {
    const head = await client.send(
      new HeadObjectCommand({ Bucket, Key, VersionId, ChecksumMode: 'ENABLED' }),
    );
    const { ETag, ChecksumType, ContentLength } = head;
    const { ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256 } = head;
    return {
      ETag,
      ChecksumType,
      ContentLength,
      ChecksumCRC32,
      ChecksumCRC32C,
      ChecksumCRC64NVME,
      ChecksumSHA1,
      ChecksumSHA256,
    };
  };

  /** An object uploaded in two parts (5 MiB and 1 KiB) with `algorithm` and `type`. */
  const uploadInParts = async (
    Key: string,
    ChecksumAlgorithm: ChecksumAlgorithm,
    type: 'COMPOSITE' | 'FULL_OBJECT',
  ) => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'lake', Key, ChecksumAlgorithm, ChecksumType: type }),
    );
    const bodies = [Buffer.alloc(5 * MIB, 'a'), Buffer.alloc(1024, 'b')];
    const field = `Checksum${ChecksumAlgorithm}` as const;
    const parts = [];
    for (const [i, Body] of bodies.entries()) {
      const part = await s3.send(
        new UploadPartCommand({ Bucket: 'lake', Key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm }),
      );
      parts.push({ PartNumber: i + 1, ETag: part.ETag, [field]: part[field] });
    }
    return s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'lake',
        Key,
        UploadId,
        ChecksumType: type,
        MultipartUpload: { Parts: parts },
      }),
    );
  };

  beforeAll(async () => {
    destination = await startTestSeawall({ logLevel: 'error' });
    replica = destination.s3({ maxAttempts: 1 });
    source = await startTestSeawall({ logLevel: 'error', limits: { replicationRetries: RETRIES } });
    s3 = source.s3({ maxAttempts: 1 });
    const account = destination.credentials.accountId;
    expect(account).not.toBe(source.credentials.accountId);
    // `seawall remote add`, as an operator runs it on the source's data directory.
    const added = registerRemote(source.dataDir, account, destination.url, destination.dataDir);
    expect([added.status, added.stderr]).toEqual([0, '']);
    const iam = new IAMClient({
      endpoint: source.url,
      region: source.credentials.region,
      credentials: source.credentials,
    });
    await replicationRole(iam, 'lake');
    iam.destroy();
    await versionedBuckets([
      [s3, 'lake'],
      [replica, 'replica'],
    ]);
    await s3.send(
      new PutBucketReplicationCommand({
        Bucket: 'lake',
        ReplicationConfiguration: {
          Role: `arn:aws:iam::${source.credentials.accountId}:role/replication`,
          Rules: [
            {
              ID: 'all',
              Priority: 1,
              Filter: {},
              Status: 'Enabled',
              DeleteMarkerReplication: { Status: 'Enabled' },
              Destination: { Bucket: 'arn:aws:s3:::replica', Account: account },
            },
          ],
        },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await destination?.close();
  });

  it("keeps a whole version's checksum, and is dated when it arrives", async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'lake',
        Key: 'whole.csv',
        Body: 'a,b\n1,2\n',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    expect(put.ChecksumSHA256).toBeDefined();
    const { source: from, replica: to } = await bothSides('whole.csv', put.VersionId);
    expect(from.Checksum).toEqual({ ChecksumSHA256: put.ChecksumSHA256, ChecksumType: 'FULL_OBJECT' });
    expect(to).toEqual(from);
    expect(await headOf(replica, 'replica', 'whole.csv', put.VersionId)).toEqual(
      await headOf(s3, 'lake', 'whole.csv', put.VersionId),
    );
    // Listed alike but for the time: the replica is made after its source, and dated so.
    const listed = async (client: S3Client, Bucket: string) =>
      (await client.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'whole.csv' }))).Versions?.map(
        (v) => ({
          row: [v.VersionId, v.ETag, v.ChecksumAlgorithm, v.ChecksumType],
          at: v.LastModified?.getTime() ?? 0,
        }),
      );
    const [made] = (await listed(s3, 'lake')) ?? [];
    const [copied] = (await listed(replica, 'replica')) ?? [];
    expect(copied?.row).toEqual(made?.row);
    expect(copied?.at).toBeGreaterThanOrEqual(made?.at ?? Number.POSITIVE_INFINITY);
  });

  it('keeps the default CRC64NVME checksum of a version uploaded without one', async () => {
    const plain = source.s3({ maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const put = await plain.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'plain.csv', Body: 'a,b\n3,4\n' }),
    );
    plain.destroy();
    expect(put.ChecksumCRC64NVME).toBeDefined();
    const { source: from, replica: to } = await bothSides('plain.csv', put.VersionId);
    expect(from.Checksum).toEqual({ ChecksumCRC64NVME: put.ChecksumCRC64NVME, ChecksumType: 'FULL_OBJECT' });
    expect(to).toEqual(from);
  });

  it("keeps a composite checksum of a version uploaded in parts, and each part's", async () => {
    const done = await uploadInParts('composite.bin', 'CRC32C', 'COMPOSITE');
    expect(done.ChecksumCRC32C).toMatch(/-2$/);
    const { source: from, replica: to } = await bothSides('composite.bin', done.VersionId);
    expect(from.Checksum).toEqual({ ChecksumCRC32C: done.ChecksumCRC32C, ChecksumType: 'COMPOSITE' });
    expect(from.ObjectParts?.Parts?.[0]?.ChecksumCRC32C).toBeDefined();
    expect(to).toEqual(from);
    expect(await headOf(replica, 'replica', 'composite.bin', done.VersionId)).toEqual(
      await headOf(s3, 'lake', 'composite.bin', done.VersionId),
    );
  });

  it('keeps a full-object checksum of a version uploaded in parts', async () => {
    const done = await uploadInParts('full.bin', 'CRC32', 'FULL_OBJECT');
    expect(done.ChecksumType).toBe('FULL_OBJECT');
    const { source: from, replica: to } = await bothSides('full.bin', done.VersionId);
    expect(from.Checksum).toEqual({ ChecksumCRC32: done.ChecksumCRC32, ChecksumType: 'FULL_OBJECT' });
    expect(to).toEqual(from);
    expect(await headOf(replica, 'replica', 'full.bin', done.VersionId)).toEqual(
      await headOf(s3, 'lake', 'full.bin', done.VersionId),
    );
  });
});
