import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketReplicationCommand,
  type PutBucketReplicationCommandInput,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3EventRecord } from '../src/storage/notifications.js';
import { REPLICA_HEADER, REPLICA_MODIFIED_HEADER } from '../src/storage/replication.js';
import { failureOf } from './helpers/failure.js';
import {
  allowReplicationRole,
  RETRIES,
  replicationRole,
  retainByDefault,
  untilReplicated,
} from './helpers/replication.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { makeCertificate } from './helpers/tls.js';

const MIB = 1024 * 1024;

/** Bytes that differ from part to part, so a part sent twice or out of place changes the digest. */
function pattern(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return bytes;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Same-account replication (S3's SRR): the destination is another bucket of the same installation, written
 * through its own API as the configuration's role, with the permissions AWS documents for that role.
 */
describe.each([
  ['over HTTP', false],
  ['over HTTPS', true],
])('bucket replication to a bucket of the same account, %s', (_name, tls) => {
  let t: TestSeawall;
  let s3: S3Client;
  let certDir: string | undefined;
  let replicaKey: string;
  /** Clients trust the run's certificate over HTTPS. */
  const handler = () =>
    certDir
      ? { requestHandler: { httpsAgent: new Agent({ ca: readFileSync(join(certDir, 'server.pem')) }) } }
      : {};
  /** A client's configuration as the account's root. */
  const asRoot = () => ({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.credentials,
    ...handler(),
  });

  const config = (destination: string, Account?: string): PutBucketReplicationCommandInput => ({
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
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: {
            Bucket: `arn:aws:s3:::${destination}`,
            ...(Account ? { Account } : {}),
            EncryptionConfiguration: { ReplicaKmsKeyID: replicaKey },
          },
        },
      ],
    },
  });

  beforeAll(async () => {
    let env: Record<string, string> = {};
    if (tls) {
      certDir = tempDir('seawall-srr-tls-');
      const { cert, key } = makeCertificate(certDir, 'server');
      env = { SEAWALL_TLS_CERT: cert, SEAWALL_TLS_KEY: key };
    }
    t = await startTestSeawall({
      env,
      // What replication gives up is logged as an error, kept in the server's own log group.
      logLevel: 'error',
      limits: {
        replicationRetries: RETRIES,
        replicationMultipart: { fromBytes: MIB * 6, partBytes: MIB * 5 },
      },
    });
    s3 = t.s3({ maxAttempts: 1, ...handler() });
    const kms = new KMSClient(asRoot());
    replicaKey = (await kms.send(new CreateKeyCommand({ Description: 'replicas' }))).KeyMetadata
      ?.Arn as string;
    kms.destroy();
    const iam = new IAMClient(asRoot());
    await replicationRole(iam, 'lake', 'private/');
    // What AWS documents for the destination: s3:Replicate* on its objects (no s3:PutObject), and the key.
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'replication',
        PolicyName: 'destination',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
              Resource: ['arn:aws:s3:::replica/*', 'arn:aws:s3:::second/*'],
            },
            { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Encrypt'], Resource: replicaKey },
            // What S3 wants to carry tag changes: the source version's tags.
            { Effect: 'Allow', Action: 's3:GetObjectVersionTagging', Resource: 'arn:aws:s3:::lake/*' },
          ],
        }),
      }),
    );
    iam.destroy();
    for (const bucket of ['lake', 'replica', 'second', 'elsewhere', 'plain']) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      if (bucket !== 'plain')
        await s3.send(
          new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
        );
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('refuses a destination that is the source, missing or unversioned, as S3 does', async () => {
    for (const [destination, message] of [
      ['lake', /cannot be the same as the source/],
      ['nowhere', /must exist/],
      ['plain', /must have versioning enabled/],
    ] as const)
      expect(await failureOf(s3.send(new PutBucketReplicationCommand(config(destination))))).toMatchObject({
        code: 'InvalidRequest',
        status: 400,
        message: expect.stringMatching(message),
      });
  });

  it("refuses a StorageClass the destination bucket's PutObject refuses, with PutObject's error", async () => {
    const classed = (StorageClass: 'STANDARD' | 'STANDARD_IA') => {
      const input = config('replica');
      const destination = input.ReplicationConfiguration?.Rules?.[0]?.Destination;
      if (destination) destination.StorageClass = StorageClass;
      return input;
    };
    // No cold tier here: STANDARD_IA is not a class this installation stores, as a PutObject asking for it finds.
    const put = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: 'replica', Key: 'ia', Body: 'x', StorageClass: 'STANDARD_IA' })),
    );
    expect(put).toMatchObject({ code: 'NotImplemented', status: 501 });
    expect(await failureOf(s3.send(new PutBucketReplicationCommand(classed('STANDARD_IA'))))).toEqual({
      code: put.code,
      status: put.status,
      message: expect.stringMatching(
        /^The destination bucket replica does not take StorageClass STANDARD_IA: /,
      ),
    });
    await s3.send(new PutBucketReplicationCommand(classed('STANDARD')));
  });

  it('replicates versions with their ids, tags and delete markers, re-encrypted under the replica key', async () => {
    // The account named explicitly is the same as none.
    await s3.send(new PutBucketReplicationCommand(config('replica', t.credentials.accountId)));
    const first = await s3.send(
      new PutObjectCommand({
        Bucket: 'lake',
        Key: 'data/a.csv',
        Body: 'one',
        Metadata: { origin: 'city' },
        Tagging: 'zone=raw',
        ServerSideEncryption: 'aws:kms',
      }),
    );
    const second = await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'data/a.csv', Body: 'two' }));
    await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'data/a.csv' }));
      return head.ReplicationStatus === 'COMPLETED' ? true : undefined;
    }, 'the second version to replicate');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'replica', Prefix: 'data/' }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual([second.VersionId, first.VersionId]);
    // Each keeps its source's creation time, to the millisecond ("the original object creation time").
    const sources = await s3.send(new ListObjectVersionsCommand({ Bucket: 'lake', Prefix: 'data/' }));
    expect(listed.Versions?.map((v) => v.LastModified?.toISOString())).toEqual(
      sources.Versions?.map((v) => v.LastModified?.toISOString()),
    );
    const replica = await s3.send(
      new GetObjectCommand({ Bucket: 'replica', Key: 'data/a.csv', VersionId: first.VersionId }),
    );
    expect(await replica.Body?.transformToString()).toBe('one');
    expect(replica).toMatchObject({
      ReplicationStatus: 'REPLICA',
      Metadata: { origin: 'city' },
      TagCount: 1,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: replicaKey,
    });

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'data/a.csv' }));
    await untilReplicated(async () => {
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'replica', Prefix: 'data/' }));
      return versions.DeleteMarkers?.find((m) => m.VersionId === deleted.VersionId && m.IsLatest);
    }, 'the delete marker');
  });

  it("carries a replicated version's later tag changes to its replica", async () => {
    await s3.send(new PutBucketReplicationCommand(config('replica')));
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'tags/a', Body: 'x', Tagging: 'zone=raw' }),
    );
    const version = { Key: 'tags/a', VersionId: put.VersionId };
    const replicaTags = async () =>
      (await s3.send(new GetObjectTaggingCommand({ Bucket: 'replica', ...version }))).TagSet ?? [];
    await untilReplicated(async () => ((await replicaTags()).length === 1 ? true : undefined), 'the replica');
    const curated = [
      { Key: 'zone', Value: 'curated' },
      { Key: 'owner', Value: 'city' },
    ];
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'lake', ...version, Tagging: { TagSet: curated } }));
    await untilReplicated(
      async () => ((await replicaTags()).some((tag) => tag.Value === 'curated') ? true : undefined),
      'the new tags at the replica',
    );
    expect(await replicaTags()).toEqual(expect.arrayContaining(curated));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', ...version }));
    expect(head.ReplicationStatus).toBe('COMPLETED');
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: 'lake', ...version }));
    await untilReplicated(
      async () => ((await replicaTags()).length === 0 ? true : undefined),
      'the tags to go',
    );
  });

  it("carries a version's ACL and its later changes where the destination has ACLs, as S3 does", async () => {
    // ACLs enabled at the source and at one destination; the other (replica) keeps S3's default, ACLs disabled.
    const ownership = (Bucket: string, ObjectOwnership: 'ObjectWriter' | 'BucketOwnerEnforced') =>
      s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket,
          OwnershipControls: { Rules: [{ ObjectOwnership }] },
        }),
      );
    await ownership('lake', 'ObjectWriter');
    await ownership('second', 'ObjectWriter');
    /** Rules to second and to replica; with `override`, replicas at second are its owner's (owner override). */
    const configure = (override: boolean) =>
      s3.send(
        new PutBucketReplicationCommand({
          Bucket: 'lake',
          ReplicationConfiguration: {
            Role: `arn:aws:iam::${t.credentials.accountId}:role/replication`,
            Rules: ['second', 'replica'].map((destination, i) => ({
              ID: destination,
              Priority: i + 1,
              Filter: { Prefix: 'acl/' },
              Status: 'Enabled' as const,
              DeleteMarkerReplication: { Status: 'Disabled' as const },
              Destination: {
                Bucket: `arn:aws:s3:::${destination}`,
                ...(override && destination === 'second'
                  ? {
                      Account: t.credentials.accountId,
                      AccessControlTranslation: { Owner: 'Destination' as const },
                    }
                  : {}),
              },
            })),
          },
        }),
      );
    const reader = '111122223333';
    const owner = `${t.credentials.accountId}:FULL_CONTROL`;
    /** The grants of a version in `Bucket`, as "grantee:permission". */
    const grantsIn = async (Bucket: string, version: { Key: string; VersionId?: string | undefined }) =>
      ((await s3.send(new GetObjectAclCommand({ Bucket, ...version }))).Grants ?? [])
        .map((grant) => `${grant.Grantee?.ID ?? grant.Grantee?.URI}:${grant.Permission}`)
        .sort();
    /**
     * Puts a version and waits for its replicas at both destinations. Rows reach a destination in order, key by
     * key: once a version is there, every change of an earlier version of its key was delivered or given up.
     */
    const putReplicated = async (Key: string, GrantRead?: string) => {
      const { VersionId } = await s3.send(
        new PutObjectCommand({ Bucket: 'lake', Key, Body: 'x', ...(GrantRead ? { GrantRead } : {}) }),
      );
      for (const Bucket of ['second', 'replica'])
        await untilReplicated(
          async () =>
            (await s3.send(new HeadObjectCommand({ Bucket, Key, VersionId }))).ReplicationStatus === 'REPLICA'
              ? true
              : undefined,
          `${Key} at ${Bucket}`,
        );
      return { Key, VersionId };
    };
    try {
      await configure(false);
      const version = await putReplicated('acl/a', `id="${reader}"`);
      // Grant headers give exactly the grants they name (the owner's full control is implicit no more).
      expect(await grantsIn('lake', version)).toEqual([`${reader}:READ`]);
      await untilReplicated(
        async () => ((await grantsIn('second', version)).includes(`${reader}:READ`) ? true : undefined),
        "the version's ACL at the replica",
      );
      expect(await grantsIn('second', version)).toEqual([`${reader}:READ`]);

      await s3.send(new PutObjectAclCommand({ Bucket: 'lake', ...version, GrantReadACP: `id="${reader}"` }));
      await untilReplicated(
        async () => ((await grantsIn('second', version)).includes(`${reader}:READ_ACP`) ? true : undefined),
        'the new ACL at the replica',
      );
      expect(await grantsIn('second', version)).toEqual([`${reader}:READ_ACP`]);
      // replica has ACLs disabled: it refused both ACLs (AccessControlListNotSupported), which ended there and
      // held back nothing after them (a retried change would hold the next version for minutes).
      await putReplicated('acl/a');

      // Owner override: S3 replicates no ACL to the destination's owner's replicas, at the write or later.
      await configure(true);
      const overridden = await putReplicated('acl/b', `id="${reader}"`);
      await s3.send(
        new PutObjectAclCommand({ Bucket: 'lake', ...overridden, GrantReadACP: `id="${reader}"` }),
      );
      await putReplicated('acl/b');
      expect(await grantsIn('second', overridden)).toEqual([owner]);
    } finally {
      await ownership('lake', 'BucketOwnerEnforced');
      await ownership('second', 'BucketOwnerEnforced');
    }
  });

  it('sends a version uploaded in parts in the same parts (same ETag), and one too large for a PUT in parts', async () => {
    await s3.send(new PutBucketReplicationCommand(config('replica')));
    /** Uploads `Key` in parts of these sizes; its version and ETag, and the SHA-256 of its bytes. */
    const uploadInParts = async (Key: string, sizes: readonly number[]) => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key }));
      const parts = [];
      for (const [i, size] of sizes.entries()) {
        const { ETag } = await s3.send(
          new UploadPartCommand({ Bucket: 'lake', Key, UploadId, PartNumber: i + 1, Body: pattern(size, i) }),
        );
        parts.push({ PartNumber: i + 1, ETag });
      }
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'lake',
          Key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      const sha = sha256(Buffer.concat(sizes.map((size, i) => pattern(size, i))));
      return { versionId: done.VersionId, etag: done.ETag, sha };
    };
    // Past the threshold (6 MiB here) and below it: either way in the parts it was uploaded in.
    const large = await uploadInParts('big/parts', [5 * MIB, 5 * MIB, 3 * MIB]);
    const small = await uploadInParts('small/parts', [5 * MIB, 1024]);
    // One PUT of 7 MiB: past the threshold, sent in parts of 5 and 2 MiB.
    const whole = pattern(7 * MIB, 9);
    const single = await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'big/whole', Body: whole }));
    const expected = new Map([
      ['big/parts', large],
      ['small/parts', small],
      ['big/whole', { versionId: single.VersionId, etag: undefined, sha: sha256(whole) }],
    ]);
    for (const [Key, want] of expected) {
      await untilReplicated(async () => {
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key }));
        return head.ReplicationStatus === 'COMPLETED' ? true : undefined;
      }, `${Key} to replicate`);
      const replica = await s3.send(new GetObjectCommand({ Bucket: 'replica', Key }));
      expect(sha256((await replica.Body?.transformToByteArray()) ?? new Uint8Array())).toBe(want.sha);
      expect(replica.VersionId).toBe(want.versionId);
      expect(replica.ReplicationStatus).toBe('REPLICA');
      if (want.etag) expect(replica.ETag).toBe(want.etag);
      else expect(replica.ETag).toMatch(/-2"$/);
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'replica' }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it("carries Object Lock's retention and legal hold to a locked destination, read as the role", async () => {
    for (const Bucket of ['locked', 'vault'])
      await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
    // The destination retains by default: the replica's write, with no digest of its own, is still taken.
    await retainByDefault(s3, 'vault');
    const iam = new IAMClient(asRoot());
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'replication',
        PolicyName: 'vault',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
              Resource: 'arn:aws:s3:::locked/*',
            },
            { Effect: 'Allow', Action: 's3:ReplicateObject', Resource: 'arn:aws:s3:::vault/*' },
            // What a source's shortened or removed governance retention needs to reach the replica.
            {
              Effect: 'Allow',
              Action: 's3:BypassGovernanceRetention',
              Resource: 'arn:aws:s3:::vault/draft/*',
            },
          ],
        }),
      }),
    );
    iam.destroy();
    const locked = config('vault');
    locked.Bucket = 'locked';
    await s3.send(new PutBucketReplicationCommand(locked));
    const retainUntil = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3 * 86_400_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: 'records/2026.csv',
        Body: 'kept',
        ChecksumAlgorithm: 'SHA256',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: retainUntil,
        ObjectLockLegalHoldStatus: 'ON',
      }),
    );
    await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'records/2026.csv' }));
      return head.ReplicationStatus === 'COMPLETED' ? true : undefined;
    }, 'the locked version to replicate');
    const replica = await s3.send(new HeadObjectCommand({ Bucket: 'vault', Key: 'records/2026.csv' }));
    expect(replica).toMatchObject({
      VersionId: put.VersionId,
      ReplicationStatus: 'REPLICA',
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: retainUntil,
      ObjectLockLegalHoldStatus: 'ON',
    });

    // Later changes of the version's retention and legal hold go to the replica too, as S3 replicates them.
    const version = { Key: 'records/2026.csv', VersionId: put.VersionId };
    const later = new Date(retainUntil.getTime() + 86_400_000);
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'locked',
        ...version,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: later },
      }),
    );
    await s3.send(
      new PutObjectLegalHoldCommand({ Bucket: 'locked', ...version, LegalHold: { Status: 'OFF' } }),
    );
    const replicaHead = () => s3.send(new HeadObjectCommand({ Bucket: 'vault', ...version }));
    await untilReplicated(async () => {
      const head = await replicaHead();
      return head.ObjectLockRetainUntilDate?.getTime() === later.getTime() &&
        head.ObjectLockLegalHoldStatus === 'OFF'
        ? true
        : undefined;
    }, 'the retention and legal hold changes at the replica');
    expect(await replicaHead()).toMatchObject({ ObjectLockMode: 'COMPLIANCE', ReplicationStatus: 'REPLICA' });
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'locked', ...version }))).ReplicationStatus).toBe(
      'COMPLETED',
    );

    // A version without retention: its replica has the destination's default. Putting "no retention" at the
    // source changes nothing there, so nothing goes to the replica (where the role may bypass governance, it
    // would strip the destination's default): the legal hold set after it arrives, and finds the default.
    const plain = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: 'draft/plain.csv',
        Body: 'plain',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const unretained = { Key: 'draft/plain.csv', VersionId: plain.VersionId };
    const defaulted = await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'vault', ...unretained }));
      return head.ObjectLockMode === 'GOVERNANCE' ? head.ObjectLockRetainUntilDate : undefined;
    }, "the replica with the destination's default retention");
    // No legal hold it never had: as the source's version, the replica answers none.
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: 'vault', ...unretained }))).ObjectLockLegalHoldStatus,
    ).toBeUndefined();
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'locked',
        ...unretained,
        Retention: {},
        BypassGovernanceRetention: true,
      }),
    );
    await s3.send(
      new PutObjectLegalHoldCommand({ Bucket: 'locked', ...unretained, LegalHold: { Status: 'ON' } }),
    );
    await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'vault', ...unretained }));
      return head.ObjectLockLegalHoldStatus === 'ON' ? true : undefined;
    }, 'the legal hold at the replica');
    expect(await s3.send(new HeadObjectCommand({ Bucket: 'vault', ...unretained }))).toMatchObject({
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: defaulted,
    });

    // A governance retention removed at the source (bypassing it) is removed from the replica, where the
    // destination lets the role bypass it (draft/ only): the replica keeps its source's.
    const governed = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: 'draft/2026.csv',
        Body: 'draft',
        ChecksumAlgorithm: 'SHA256',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: later,
      }),
    );
    const draft = { Key: 'draft/2026.csv', VersionId: governed.VersionId };
    await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'vault', ...draft }));
      return head.ObjectLockMode === 'GOVERNANCE' ? true : undefined;
    }, 'the governed replica');
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'locked',
        ...draft,
        Retention: {},
        BypassGovernanceRetention: true,
      }),
    );
    await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'vault', ...draft }));
      return head.ObjectLockMode === undefined ? true : undefined;
    }, 'the retention to go from the replica');
  });

  it('marks FAILED what a bucket with Object Lock would replicate to one without, locked or not, as S3 does', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sealed', ObjectLockEnabledForBucket: true }));
    const iam = new IAMClient(asRoot());
    await allowReplicationRole(iam, 'sealed', [
      's3:GetObjectVersionForReplication',
      's3:GetObjectRetention',
      's3:GetObjectLegalHold',
    ]);
    iam.destroy();
    const rule = config('replica');
    rule.Bucket = 'sealed';
    await s3.send(new PutBucketReplicationCommand(rule));
    // S3: "the destination bucket must also have Object Lock enabled" (DstBucketObjectLockConfigMissing), for a
    // version with no retention or legal hold of its own too: its replica would lose the bucket's protection.
    const put = await s3.send(new PutObjectCommand({ Bucket: 'sealed', Key: 'open.csv', Body: 'open' }));
    await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'sealed', Key: 'open.csv' }));
      return head.ReplicationStatus === 'FAILED' ? true : undefined;
    }, 'open.csv to be marked FAILED');
    // For that reason (the role may do all the rest), and its delete marker is not replicated either.
    await s3.send(new DeleteObjectCommand({ Bucket: 'sealed', Key: 'open.csv' }));
    const logs = new CloudWatchLogsClient(asRoot());
    const reasons = await untilReplicated(async () => {
      const { events = [] } = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: '/seawall/server',
          filterPattern: '"DstBucketObjectLockConfigMissing"',
        }),
      );
      return events.length >= 2 ? events : undefined;
    }, 'the version and its delete marker to be given up');
    logs.destroy();
    expect(reasons.every((event) => event.message?.includes('s3://sealed'))).toBe(true);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'replica', Prefix: 'open.csv' }));
    expect([listed.Versions ?? [], listed.DeleteMarkers ?? []]).toEqual([[], []]);
    expect(put.VersionId).toBeDefined();
  });

  it('replicates to several destinations: COMPLETED once all have it, FAILED where one refuses', async () => {
    const rule = (ID: string, Priority: number, destination: string) => ({
      ID,
      Priority,
      Filter: { Prefix: 'multi/' },
      Status: 'Enabled' as const,
      DeleteMarkerReplication: { Status: 'Disabled' as const },
      Destination: { Bucket: `arn:aws:s3:::${destination}` },
    });
    const configure = (...destinations: string[]) =>
      s3.send(
        new PutBucketReplicationCommand({
          Bucket: 'lake',
          ReplicationConfiguration: {
            Role: `arn:aws:iam::${t.credentials.accountId}:role/replication`,
            Rules: destinations.map((destination, i) => rule(destination, i + 1, destination)),
          },
        }),
      );
    const settled = (Key: string) =>
      untilReplicated(async () => {
        const { ReplicationStatus } = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key }));
        return ReplicationStatus === 'PENDING' ? undefined : ReplicationStatus;
      }, `${Key} to settle`);
    const versionIn = async (Bucket: string, Key: string) =>
      (await s3.send(new HeadObjectCommand({ Bucket, Key }))).VersionId;

    await configure('replica', 'second');
    const both = await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'multi/a', Body: 'to both' }));
    expect(await settled('multi/a')).toBe('COMPLETED');
    expect(await versionIn('replica', 'multi/a')).toBe(both.VersionId);
    expect(await versionIn('second', 'multi/a')).toBe(both.VersionId);

    // The role may not write to elsewhere: that destination fails the version, the other still gets it.
    await configure('replica', 'elsewhere');
    const one = await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'multi/b', Body: 'to one' }));
    expect(await settled('multi/b')).toBe('FAILED');
    expect(await untilReplicated(() => versionIn('replica', 'multi/b'), 'the replica of multi/b')).toBe(
      one.VersionId,
    );
  });

  it('raises s3:Replication:OperationFailedReplication for a version marked FAILED where its rule has metrics', async () => {
    const configure = (metrics: boolean) =>
      s3.send(
        new PutBucketReplicationCommand({
          Bucket: 'lake',
          ReplicationConfiguration: {
            Role: `arn:aws:iam::${t.credentials.accountId}:role/replication`,
            Rules: [
              {
                ID: metrics ? 'measured' : 'unmeasured',
                Priority: 1,
                Filter: { Prefix: 'failing/' },
                Status: 'Enabled',
                DeleteMarkerReplication: { Status: 'Disabled' },
                // The role may not write to elsewhere: every version fails there.
                Destination: {
                  Bucket: 'arn:aws:s3:::elsewhere',
                  ...(metrics ? { Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } } } : {}),
                },
              },
            ],
          },
        }),
      );
    const failed = (Key: string) =>
      untilReplicated(async () => {
        const { ReplicationStatus } = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key }));
        return ReplicationStatus === 'FAILED' ? true : undefined;
      }, `${Key} to be marked FAILED`);
    const seen: S3EventRecord[] = [];
    const stop = t.seawall.storage.notifications.subscribe((record) => {
      if (record.eventName.startsWith('Replication:')) seen.push(record);
    });
    try {
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'lake',
          NotificationConfiguration: { EventBridgeConfiguration: {} },
        }),
      );
      // Without S3 Replication metrics, S3 raises no failure events.
      await configure(false);
      await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'failing/quiet', Body: 'q' }));
      await failed('failing/quiet');
      await configure(true);
      const before = Date.now();
      const put = await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'failing/loud', Body: 'loud' }));
      await failed('failing/loud');
      // Events go out in the order they were stored: once this one is here, the quiet one would have been.
      const [event] = await untilReplicated(
        async () => (seen.length > 0 ? seen : undefined),
        'the failure event',
      );
      expect(seen).toHaveLength(1);
      expect(event).toMatchObject({
        eventVersion: '2.2',
        eventSource: 'aws:s3',
        awsRegion: t.credentials.region,
        eventName: 'Replication:OperationFailedReplication',
        userIdentity: { principalId: 's3.amazonaws.com' },
        requestParameters: { sourceIPAddress: 's3.amazonaws.com' },
        s3: {
          bucket: { name: 'lake', arn: 'arn:aws:s3:::lake' },
          object: { key: 'failing/loud', size: 4, versionId: put.VersionId },
        },
        replicationEventData: {
          replicationRuleId: 'measured',
          destinationBucket: 'arn:aws:s3:::elsewhere',
          s3Operation: 'OBJECT_PUT',
          failureReason: 'DstPutObjectNotPermitted',
        },
      });
      const requested = Date.parse(event?.replicationEventData?.requestTime ?? '');
      expect(requested).toBeGreaterThanOrEqual(before - 1000);
      expect(requested).toBeLessThanOrEqual(Date.parse(event?.eventTime ?? ''));
    } finally {
      stop();
      await s3.send(
        new PutBucketNotificationConfigurationCommand({ Bucket: 'lake', NotificationConfiguration: {} }),
      );
    }
  });

  it("writes a replica as S3's replication only with a session Seawall made for it, never one a caller assumed", async () => {
    // A role anyone in the account may assume, allowed what the replication role is allowed at the destination.
    const iam = new IAMClient(asRoot());
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'impostor',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${t.credentials.accountId}:root` },
              Action: 'sts:AssumeRole',
            },
            { Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'impostor',
        PolicyName: 'replicate',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:ReplicateObject', Resource: 'arn:aws:s3:::replica/*' }],
        }),
      }),
    );
    // A user who may assume it (AWS lets no root assume a role).
    await iam.send(new CreateUserCommand({ UserName: 'assumer' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'assumer',
        PolicyName: 'assume',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'assumer' }));
    iam.destroy();
    const sts = new STSClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId as string,
        secretAccessKey: AccessKey?.SecretAccessKey as string,
      },
      ...handler(),
    });
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${t.credentials.accountId}:role/impostor`,
        RoleSessionName: 'replication',
      }),
    );
    sts.destroy();
    const assumed = t.s3({
      maxAttempts: 1,
      ...handler(),
      credentials: {
        accessKeyId: Credentials?.AccessKeyId as string,
        secretAccessKey: Credentials?.SecretAccessKey as string,
        sessionToken: Credentials?.SessionToken as string,
      },
    });
    const put = new PutObjectCommand({ Bucket: 'replica', Key: 'forged', Body: 'x' });
    put.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers[REPLICA_HEADER] = 'D'.repeat(32);
        return next(args);
      },
      { step: 'build' },
    );
    expect(await failureOf(assumed.send(put))).toMatchObject({ code: 'AccessDenied', status: 403 });
  });

  it("dates a replica's write from anyone but its own replication when it arrives, whatever time it names", async () => {
    // The account's root may write a replica (s3:ReplicateObject), but not date it: a version dated in 2001
    // would make lifecycle take the one before it as noncurrent for decades.
    const forged = new PutObjectCommand({ Bucket: 'replica', Key: 'dated', Body: 'x' });
    forged.middlewareStack.add(
      (next) => async (args) => {
        const { headers } = args.request as { headers: Record<string, string> };
        headers[REPLICA_HEADER] = 'E'.repeat(32);
        headers[REPLICA_MODIFIED_HEADER] = '2001-01-01T00:00:00.000Z';
        return next(args);
      },
      { step: 'build' },
    );
    const before = Date.now() - 60_000;
    await s3.send(forged);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'replica', Key: 'dated' }));
    expect(head.LastModified?.getTime()).toBeGreaterThan(before);
  });

  it('marks FAILED what the role may not read, or may not write at the destination', async () => {
    await s3.send(new PutBucketReplicationCommand(config('elsewhere')));
    // The role has no s3:ReplicateObject on this destination; nor may it read private/ at the source.
    for (const Key of ['data/b.csv', 'private/c.csv']) {
      await s3.send(new PutObjectCommand({ Bucket: 'lake', Key, Body: 'x' }));
      await untilReplicated(async () => {
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key }));
        return head.ReplicationStatus === 'FAILED' ? true : undefined;
      }, `${Key} to be marked FAILED`);
    }
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'elsewhere' }));
    expect(listed.Versions ?? []).toEqual([]);
  });
});

describe('bucket replication to a bucket of an installation with a cold tier', () => {
  let t: TestSeawall;
  let s3: S3Client;
  const coldDir = tempDir('seawall-srr-cold-');

  beforeAll(async () => {
    // The cold tier stands for STANDARD_IA (the default class): a PutObject may ask for it, so may a rule.
    t = await startTestSeawall({
      env: { SEAWALL_COLD_STORAGE_DIR: coldDir },
      limits: { replicationRetries: RETRIES },
    });
    s3 = t.s3({ maxAttempts: 1 });
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await replicationRole(iam, 'lake');
    await allowReplicationRole(iam, 'replica', ['s3:ReplicateObject']);
    iam.destroy();
    for (const Bucket of ['lake', 'replica']) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(
        new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    rmSync(coldDir, { recursive: true, force: true });
  });

  it("takes the cold tier's StorageClass, and its replicas are stored in it; refuses another", async () => {
    const configure = (StorageClass: 'STANDARD_IA' | 'GLACIER') =>
      s3.send(
        new PutBucketReplicationCommand({
          Bucket: 'lake',
          ReplicationConfiguration: {
            Role: `arn:aws:iam::${t.credentials.accountId}:role/replication`,
            Rules: [
              {
                ID: 'cold',
                Priority: 1,
                Filter: {},
                Status: 'Enabled',
                DeleteMarkerReplication: { Status: 'Disabled' },
                Destination: { Bucket: 'arn:aws:s3:::replica', StorageClass },
              },
            ],
          },
        }),
      );
    expect(await failureOf(configure('GLACIER'))).toMatchObject({ code: 'NotImplemented', status: 501 });
    await configure('STANDARD_IA');
    const put = await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'cold.csv', Body: 'rarely read' }));
    await untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'cold.csv' }));
      return head.ReplicationStatus === 'COMPLETED' ? true : undefined;
    }, 'cold.csv to replicate');
    const replica = await s3.send(new HeadObjectCommand({ Bucket: 'replica', Key: 'cold.csv' }));
    expect(replica).toMatchObject({ VersionId: put.VersionId, StorageClass: 'STANDARD_IA' });
  });
});
