import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketReplicationCommand,
  type PutBucketReplicationCommandInput,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetFromDataDir } from '../src/cli/client-target.js';
import { BIN } from './helpers/child-server.js';
import {
  allowReplicationRole,
  registerRemote,
  replicationRole,
  untilReplicated,
} from './helpers/replication.js';
import { tempDir } from './helpers/seawall.js';
import { type ServerProcess, startServerProcess } from './helpers/server-process.js';

const MIB = 1024 * 1024;

/**
 * A TCP relay in front of the destination, where the source reaches it. It passes bytes as they are, but for
 * a request whose head matches `hold` it passes the request and keeps the answer from the source (the
 * destination has done the work; the source never hears so), and it calls `onHead` with each request's head.
 */
class Relay {
  readonly server: Server;
  url = '';
  hold: RegExp | undefined;
  /** Resolved when the destination has answered a held request. */
  held: Promise<void> = Promise.resolve();
  onHead: ((head: string) => void) | undefined;
  private answered: () => void = () => undefined;
  private readonly sockets = new Set<Socket>();
  constructor(public destinationPort: number) {
    this.server = createServer((client) => this.relay(client));
  }
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}`;
  }
  /** Holds the answer of the next request whose head matches. */
  holdAnswer(head: RegExp): void {
    this.hold = head;
    this.held = new Promise((resolve) => {
      this.answered = resolve;
    });
  }
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
  private relay(client: Socket): void {
    const upstream = connect(this.destinationPort, '127.0.0.1');
    let holding = false;
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1', 0, 512);
      if (/^[A-Z]+ \//.test(head)) {
        this.onHead?.(head);
        if (this.hold?.test(head)) {
          this.hold = undefined;
          holding = true;
        }
      }
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holding) this.answered();
      else client.write(chunk);
    });
  }
}

/** A Seawall of its own, in a child process on an initialised data directory, to be killed and started again. */
class Side {
  readonly dir = tempDir('seawall-hostile-');
  process: ServerProcess | undefined;
  s3: S3Client | undefined;
  get port(): number {
    return Number(new URL(this.url).port);
  }
  get url(): string {
    return this.process?.url ?? '';
  }
  constructor(private readonly env: Record<string, string> = {}) {
    expect(spawnSync(process.execPath, [BIN, 'init', '--data-dir', this.dir]).status).toBe(0);
  }
  async start(env: Record<string, string> = {}): Promise<S3Client> {
    this.process = await startServerProcess(this.dir, { ...this.env, ...env });
    this.s3?.destroy();
    this.s3 = await this.client(S3Client);
    return this.s3;
  }
  async kill(): Promise<void> {
    await this.process?.kill();
  }
  async client<C>(make: new (config: object) => C): Promise<C> {
    const { credentials, region } = await targetFromDataDir(this.dir);
    return new make({ endpoint: this.url, region, forcePathStyle: true, credentials, maxAttempts: 1 });
  }
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The versions and delete markers of a key, newest first, as ListObjectVersions answers them. */
async function versionsOf(s3: S3Client, Bucket: string, Key: string) {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }));
  return {
    versions: (listed.Versions ?? []).map((v) => [v.VersionId, v.IsLatest, v.ETag, v.Size]),
    markers: (listed.DeleteMarkers ?? []).map((m) => [m.VersionId, m.IsLatest]),
  };
}

/**
 * Replication between two Seawall processes when either is killed at an awkward moment: every acknowledged
 * write reaches the destination once, in the source's order, and its status ends COMPLETED (or FAILED where S3
 * names a reason).
 */
describe('replication between two Seawall processes, either killed at awkward moments', () => {
  // The source writes its metrics every second, so a test sees each flush's figures soon.
  const source = new Side({ SEAWALL_METRICS_FLUSH_SECONDS: '1' });
  const destination = new Side();
  let relay: Relay;
  let account: string;
  let replicaKey: string;
  let role: string;

  const s3 = () => source.s3 as S3Client;
  const replica = () => destination.s3 as S3Client;
  const status = async (Key: string, VersionId?: string) =>
    (await s3().send(new HeadObjectCommand({ Bucket: 'source', Key, VersionId }))).ReplicationStatus;
  const settled = (Key: string, VersionId?: string, wanted = 'COMPLETED') =>
    untilReplicated(
      async () => ((await status(Key, VersionId)) === wanted ? true : undefined),
      `${Key} ${VersionId ?? ''} to be ${wanted}`,
      90_000,
    );

  /** Kills the source and starts it again on its data directory. */
  const restartSource = async () => {
    await source.kill();
    await source.start();
  };

  beforeAll(async () => {
    await destination.start();
    relay = new Relay(destination.port);
    await relay.start();
    const sts = await destination.client(STSClient);
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account as string;
    sts.destroy();
    await replica().send(new CreateBucketCommand({ Bucket: 'replica' }));
    await replica().send(
      new PutBucketVersioningCommand({ Bucket: 'replica', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const kms = await destination.client(KMSClient);
    replicaKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn as string;
    kms.destroy();

    await source.start();
    const iam = await source.client(IAMClient);
    const roleArn = await replicationRole(iam, 'source');
    await allowReplicationRole(iam, 'metered', ['s3:GetObjectVersionForReplication']);
    iam.destroy();
    const added = registerRemote(source.dir, account, relay.url, destination.dir);
    expect(added.stderr).toBe('');
    await s3().send(new CreateBucketCommand({ Bucket: 'source' }));
    await s3().send(
      new PutBucketVersioningCommand({ Bucket: 'source', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    role = roleArn;
    await s3().send(
      new PutBucketReplicationCommand({
        Bucket: 'source',
        ReplicationConfiguration: {
          Role: role,
          Rules: [
            {
              ID: 'all',
              Priority: 1,
              Filter: { Prefix: '' },
              Status: 'Enabled',
              DeleteMarkerReplication: { Status: 'Enabled' },
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
              Destination: {
                Bucket: 'arn:aws:s3:::replica',
                Account: account,
                EncryptionConfiguration: { ReplicaKmsKeyID: replicaKey },
              },
            },
          ],
        },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    source.s3?.destroy();
    destination.s3?.destroy();
    await source.kill();
    await relay?.close();
    await destination.kill();
    rmSync(source.dir, { recursive: true, force: true });
    rmSync(destination.dir, { recursive: true, force: true });
  });

  it('makes a replica once when the source is killed mid-PUT, or after the destination made it but before it heard so', async () => {
    // Killed after the destination made the replica (its answer held back), for a PUT and a multipart completion.
    const whole = Buffer.alloc(6 * MIB, 7);
    relay.holdAnswer(/^PUT \/replica\/answer-lost\/whole[? ]/);
    const put = await s3().send(
      new PutObjectCommand({ Bucket: 'source', Key: 'answer-lost/whole', Body: whole }),
    );
    await relay.held;
    await restartSource();
    await settled('answer-lost/whole');

    const Key = 'answer-lost/parts';
    const parts = [Buffer.alloc(5 * MIB, 1), Buffer.alloc(1024, 2)];
    const { UploadId } = await s3().send(new CreateMultipartUploadCommand({ Bucket: 'source', Key }));
    const uploaded = [];
    for (const [i, Body] of parts.entries())
      uploaded.push({
        PartNumber: i + 1,
        ETag: (
          await s3().send(new UploadPartCommand({ Bucket: 'source', Key, UploadId, PartNumber: i + 1, Body }))
        ).ETag,
      });
    relay.holdAnswer(/^POST \/replica\/answer-lost\/parts\?[^ ]*uploadId=/);
    const made = await s3().send(
      new CompleteMultipartUploadCommand({
        Bucket: 'source',
        Key,
        UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
    await relay.held;
    await restartSource();
    await settled(Key);

    // Killed while it sends a large replica's bytes.
    const large = Buffer.alloc(24 * MIB, 9);
    let killed: Promise<void> | undefined;
    relay.onHead = (head) => {
      if (!/^PUT \/replica\/mid-put[? ]/.test(head)) return;
      relay.onHead = undefined;
      killed = source.kill();
    };
    const midPut = await s3().send(new PutObjectCommand({ Bucket: 'source', Key: 'mid-put', Body: large }));
    await untilReplicated(async () => killed !== undefined, 'the replica PUT to begin');
    await killed;
    await source.start();
    await settled('mid-put');

    for (const [key, version, bytes] of [
      ['answer-lost/whole', put, whole],
      [Key, made, Buffer.concat(parts)],
      ['mid-put', midPut, large],
    ] as const) {
      const there = await versionsOf(replica(), 'replica', key);
      expect(there.versions.map((v) => v[0])).toEqual([version.VersionId]);
      expect(there.versions[0]?.[2]).toBe(version.ETag);
      const got = await replica().send(new GetObjectCommand({ Bucket: 'replica', Key: key }));
      expect(sha((await got.Body?.transformToByteArray()) ?? new Uint8Array())).toBe(sha(bytes));
    }
    const left = await replica().send(new ListMultipartUploadsCommand({ Bucket: 'replica' }));
    expect(left.Uploads ?? []).toEqual([]);
  });

  it('keeps the source order of quick overwrites and delete markers made while the destination was down', async () => {
    const Key = 'overwritten';
    await destination.kill();
    const ids: (string | undefined)[] = [];
    const write = async (Body: string) =>
      ids.push((await s3().send(new PutObjectCommand({ Bucket: 'source', Key, Body }))).VersionId);
    const remove = async () =>
      ids.push((await s3().send(new DeleteObjectCommand({ Bucket: 'source', Key }))).VersionId);
    await write('one');
    await write('two');
    await remove();
    // One in parts, whose replica the destination is killed in the middle of.
    const { UploadId } = await s3().send(new CreateMultipartUploadCommand({ Bucket: 'source', Key }));
    const parts = [];
    for (const [i, Body] of [Buffer.alloc(5 * MIB, 3), Buffer.alloc(5 * MIB, 4)].entries())
      parts.push({
        PartNumber: i + 1,
        ETag: (
          await s3().send(new UploadPartCommand({ Bucket: 'source', Key, UploadId, PartNumber: i + 1, Body }))
        ).ETag,
      });
    ids.push(
      (
        await s3().send(
          new CompleteMultipartUploadCommand({
            Bucket: 'source',
            Key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        )
      ).VersionId,
    );
    await write('four');
    await remove();
    await write('six');
    expect(await status(Key)).toBe('PENDING');

    let killed: Promise<void> | undefined;
    relay.onHead = (head) => {
      if (!new RegExp(`^PUT /replica/${Key}\\?[^ ]*partNumber=2[& ]`).test(head)) return;
      relay.onHead = undefined;
      killed = destination.kill();
    };
    await destination.start();
    relay.destinationPort = destination.port;
    await untilReplicated(async () => killed !== undefined, 'the destination to be killed mid-part', 90_000);
    await killed;
    await destination.start();
    relay.destinationPort = destination.port;

    await settled(Key);
    for (const id of ids) {
      const head = await s3()
        .send(new HeadObjectCommand({ Bucket: 'source', Key, VersionId: id }))
        .catch((error: Error) => error);
      // A delete marker answers 405 with no status; every version is COMPLETED, none left PENDING.
      if (!(head instanceof Error)) expect(head.ReplicationStatus).toBe('COMPLETED');
    }
    expect(await versionsOf(replica(), 'replica', Key)).toEqual(await versionsOf(s3(), 'source', Key));
    const left = await replica().send(new ListMultipartUploadsCommand({ Bucket: 'replica' }));
    expect(left.Uploads ?? []).toEqual([]);
  });

  it('marks FAILED an SSE-KMS version whose destination key is disabled, and replicates the next once it is enabled', async () => {
    const sourceKms = await source.client(KMSClient);
    const sourceKey = (await sourceKms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn as string;
    sourceKms.destroy();
    const kms = await destination.client(KMSClient);
    await kms.send(new DisableKeyCommand({ KeyId: replicaKey }));
    const sealed = (Body: string) =>
      s3().send(
        new PutObjectCommand({
          Bucket: 'source',
          Key: 'sealed',
          Body,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: sourceKey,
        }),
      );
    const first = await sealed('first');
    await settled('sealed', first.VersionId, 'FAILED');
    await kms.send(new EnableKeyCommand({ KeyId: replicaKey }));
    kms.destroy();
    const second = await sealed('second');
    await settled('sealed', second.VersionId);
    const head = await replica().send(new HeadObjectCommand({ Bucket: 'replica', Key: 'sealed' }));
    expect(head).toMatchObject({ VersionId: second.VersionId, SSEKMSKeyId: replicaKey });
  });

  it('publishes one backlog per rule, changed while it waits, again after the source is killed, and zero once drained', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'metered' }));
    await s3().send(
      new PutBucketVersioningCommand({ Bucket: 'metered', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const metered: PutBucketReplicationCommandInput = {
      Bucket: 'metered',
      ReplicationConfiguration: {
        Role: role,
        Rules: [
          {
            ID: 'metered',
            Priority: 1,
            Filter: { Prefix: '' },
            Status: 'Enabled',
            DeleteMarkerReplication: { Status: 'Disabled' },
            Destination: { Bucket: 'arn:aws:s3:::replica', Account: account },
          },
        ],
      },
    };
    await s3().send(new PutBucketReplicationCommand(metered));
    /** The newest minute's statistic of the rule's OperationsPendingReplication, as CloudWatch answers it. */
    const pending = async (statistic: 'Maximum' | 'Minimum') => {
      const cloudwatch = await source.client(CloudWatchClient);
      const now = Date.now();
      const out = await cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/S3',
          MetricName: 'OperationsPendingReplication',
          Dimensions: [
            { Name: 'DestinationBucket', Value: 'replica' },
            { Name: 'RuleId', Value: 'metered' },
            { Name: 'SourceBucket', Value: 'metered' },
          ],
          StartTime: new Date(now - 600_000),
          EndTime: new Date(now + 60_000),
          Period: 60,
          Statistics: [statistic],
        }),
      );
      cloudwatch.destroy();
      const newest = [...(out.Datapoints ?? [])].sort(
        (a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0),
      );
      return newest.at(-1)?.[statistic];
    };
    await destination.kill();
    for (const Body of ['one', 'two'])
      await s3().send(new PutObjectCommand({ Bucket: 'metered', Key: 'k', Body }));
    // The rule changes while they wait (its destination now names a storage class): the backlog is still one.
    const rule = metered.ReplicationConfiguration?.Rules?.[0];
    if (rule?.Destination) rule.Destination.StorageClass = 'STANDARD';
    await s3().send(new PutBucketReplicationCommand(metered));
    await s3().send(new PutObjectCommand({ Bucket: 'metered', Key: 'k', Body: 'three' }));
    await untilReplicated(
      async () => (await pending('Maximum')) === 3,
      'the backlog of three to be published',
    );
    // Killed with its backlog published; the destination is back before it starts again.
    await source.kill();
    await destination.start();
    relay.destinationPort = destination.port;
    // Its first flush comes after the backlog has drained: nothing it finds waiting names the rule.
    await source.start({ SEAWALL_METRICS_FLUSH_SECONDS: '5' });
    await untilReplicated(
      async () =>
        (await s3().send(new HeadObjectCommand({ Bucket: 'metered', Key: 'k' }))).ReplicationStatus ===
        'COMPLETED',
      'the backlog to drain',
    );
    await untilReplicated(async () => (await pending('Minimum')) === 0, 'no backlog to be published');
  });
});
