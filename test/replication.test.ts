import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketReplicationCommand,
  DeleteObjectCommand,
  GetBucketReplicationCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketReplicationCommand,
  type PutBucketReplicationCommandInput,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetFromDataDir } from '../src/cli/client-target.js';
import { dataDirLayout, PROFILE } from '../src/data-dir.js';
import { REPLICA_HEADER } from '../src/storage/replication.js';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { BIN, servedUrl } from './helpers/child-server.js';
import { failure, failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import {
  allowReplicationRole,
  RETRIES,
  registerRemote,
  replicationRole,
  retainByDefault,
  untilReplicated,
} from './helpers/replication.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The destination: another Seawall, in a process of its own, with its own data directory and account. */
class Destination {
  child: ChildProcess | undefined;
  readonly dir = tempDir('seawall-replica-');
  url = '';
  constructor(readonly port: number) {
    expect(spawnSync(process.execPath, [BIN, 'init', '--data-dir', this.dir]).status).toBe(0);
  }
  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--data-dir', this.dir, '--port', String(this.port), '--log-level', 'warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    this.url = await servedUrl(child);
  }
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  async client<C>(make: new (config: object) => C): Promise<C> {
    const { credentials, region } = await targetFromDataDir(this.dir);
    return new make({ endpoint: this.url, region, forcePathStyle: true, credentials, maxAttempts: 1 });
  }
}

/**
 * A TCP relay to the destination, where the source reaches it: it passes every byte as it is, until it is told
 * to cut off at a request (its head matching `cutAt`); then it drops every connection and refuses new ones
 * until `resume()`, as a destination killed at that moment and started again would.
 */
class Relay {
  readonly server: Server;
  url = '';
  cutAt: RegExp | undefined;
  /** Connections refused since the cut. */
  refused = 0;
  private down = false;
  private readonly sockets = new Set<Socket>();
  constructor(readonly destinationPort: number) {
    this.server = createServer((client) => this.relay(client));
  }
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}`;
  }
  resume(): void {
    this.down = false;
  }
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
  private relay(client: Socket): void {
    if (this.down) {
      this.refused++;
      client.destroy();
      return;
    }
    const upstream = connect(this.destinationPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (this.cutAt?.test(chunk.toString('latin1', 0, 1024))) {
        this.cutAt = undefined;
        this.down = true;
        for (const socket of this.sockets) socket.destroy();
        return;
      }
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.pipe(client);
  }
}

/** Sends a command as a replica's write (what a replicating Seawall sends). */
function asReplica<C extends { middlewareStack: unknown }>(command: C, versionId: string): C {
  // Either command's stack takes the same build step; its type is written for one of them.
  (command.middlewareStack as unknown as PutObjectCommand['middlewareStack']).add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers[REPLICA_HEADER] = versionId;
      return next(args);
    },
    { step: 'build' },
  );
  return command;
}

async function statusOf(s3: S3Client, Bucket: string, Key: string, VersionId?: string) {
  return (await s3.send(new HeadObjectCommand({ Bucket, Key, VersionId }))).ReplicationStatus;
}

async function text(s3: S3Client, Bucket: string, Key: string, VersionId?: string) {
  return (await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body?.transformToString();
}

describe('bucket replication to another Seawall process', () => {
  let destination: Destination;
  let relay: Relay;
  let account: string;
  let source: TestSeawall;
  let sourceDir: string;
  let s3: S3Client;
  let replica: S3Client;

  /** A rule replicating `Prefix` to the destination's `bucket`, with or without delete markers. */
  const rule = (ID: string, Priority: number, Prefix: string, bucket: string, markers: boolean) => ({
    ID,
    Priority,
    Filter: { Prefix },
    Status: 'Enabled' as const,
    DeleteMarkerReplication: { Status: markers ? ('Enabled' as const) : ('Disabled' as const) },
    Destination: { Bucket: `arn:aws:s3:::${bucket}`, Account: account },
  });

  /** The source Seawall, on its data directory; what replication gives up is logged (its own log group). */
  const startSource = () =>
    startTestSeawall({ dataDir: sourceDir, logLevel: 'error', limits: { replicationRetries: RETRIES } });

  /** The rule most tests use: data/ to the destination's bucket, delete markers included. */
  const config = (Bucket: string): PutBucketReplicationCommandInput => ({
    Bucket,
    ReplicationConfiguration: {
      Role: `arn:aws:iam::${source.credentials.accountId}:role/replication`,
      Rules: [rule('data', 1, 'data/', 'replica', true)],
    },
  });

  beforeAll(async () => {
    destination = new Destination(await freePort());
    await destination.start();
    relay = new Relay(destination.port);
    await relay.start();
    replica = await destination.client(S3Client);
    const sts = await destination.client(STSClient);
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account as string;
    sts.destroy();
    await replica.send(new CreateBucketCommand({ Bucket: 'replica' }));
    await replica.send(
      new PutBucketVersioningCommand({ Bucket: 'replica', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    sourceDir = tempDir();
    source = await startSource();
    // The role replication reads as: trusted by S3, allowed to read versions for replication but private/.
    const iam = new IAMClient({
      endpoint: source.url,
      region: source.credentials.region,
      credentials: source.credentials,
    });
    await replicationRole(iam, 'source', 'private/');
    iam.destroy();
    s3 = source.s3({ maxAttempts: 1 });
    // Registered while the source runs: its next delivery reads it. It reaches the destination by the relay.
    const added = registerRemote(sourceDir, account, relay.url, destination.dir);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain(`registered account ${account}`);
    await s3.send(new CreateBucketCommand({ Bucket: 'source' }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'source', VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }, 120_000);

  afterAll(async () => {
    replica?.destroy();
    await source?.close();
    await relay?.close();
    await destination?.kill();
    rmSync(sourceDir, { recursive: true, force: true });
    rmSync(destination.dir, { recursive: true, force: true });
  });

  it('remote add refuses what is not an account, an endpoint or a region; remote list shows no secret', async () => {
    const credentials = dataDirLayout(destination.dir).credentials;
    const remote = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'remote', ...args, '--data-dir', sourceDir], { encoding: 'utf8' });
    const add = (account: string, endpoint: string, ...more: string[]) =>
      remote(
        'add',
        '--account',
        account,
        '--endpoint',
        endpoint,
        '--credentials',
        credentials,
        '--profile',
        PROFILE,
        ...more,
      );
    const refusals: [string, string, string[], RegExp][] = [
      ['12345', destination.url, [], /--account must be a 12-digit account id/],
      [account, 'ftp://127.0.0.1:21', [], /--endpoint must be an http/],
      [account, `${destination.url}/other-path`, [], /scheme, host and port only/],
      [account, destination.url.replace('http://', 'http://user:pass@'), [], /scheme, host and port only/],
      [account, destination.url, ['--region', 'nowhere'], /--region must look like/],
      // The installation's own account: its rules reach its own buckets with no remote.
      [source.credentials.accountId, destination.url, [], /account \d{12} is this installation's own/],
    ];
    for (const [who, where, more, message] of refusals) {
      const refused = add(who, where, ...more);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(message);
    }
    const listed = remote('list');
    expect(listed.stdout).toContain(`${account}\t${relay.url}`);
    const { credentials: keys } = await targetFromDataDir(destination.dir);
    expect(listed.stdout).not.toContain(keys.secretAccessKey);
    expect(listed.stdout).not.toContain(source.credentials.accountId);
  });

  it('remote remove forgets an account no replication rule names, and says which bucket names it', async () => {
    // Run beside the source, whose server (in this process) goes on answering meanwhile.
    const seawall = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) =>
          resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
        ),
      );
    const remote = (...args: string[]) => seawall('remote', ...args, '--data-dir', sourceDir);
    const help = await seawall('remote', '--help');
    expect(help.stdout).toContain('seawall remote remove --data-dir DIR --account ID');
    expect((await remote('remove', '--account', '12345')).stderr).toMatch(
      /--account must be a 12-digit account id/,
    );
    const unknown = await remote('remove', '--account', '111122223333');
    expect([unknown.status, unknown.stderr]).toEqual([
      1,
      expect.stringMatching(/no remote is registered for account 111122223333/),
    ]);
    // A rule names the account: kept, and the bucket and rule are named.
    await s3.send(new PutBucketReplicationCommand(config('source')));
    const named = await remote('remove', '--account', account);
    expect([named.status, named.stderr]).toEqual([
      1,
      expect.stringMatching(
        new RegExp(
          `bucket source has a replication rule \\(data\\) naming account ${account}; change or delete it`,
        ),
      ),
    ]);
    expect((await remote('list')).stdout).toContain(account);
    // A delivery to the account still queued (its destination away): kept, and the deliveries are named.
    const Key = 'queued/at-removal';
    const queuing = config('source');
    if (queuing.ReplicationConfiguration)
      queuing.ReplicationConfiguration.Rules = [rule('queued', 1, 'queued/', 'replica', true)];
    await s3.send(new PutBucketReplicationCommand(queuing));
    const refused = relay.refused;
    relay.cutAt = new RegExp(`PUT /replica/${Key}[? ]`);
    await s3.send(new PutObjectCommand({ Bucket: 'source', Key, Body: 'queued' }));
    await untilReplicated(
      async () => (relay.refused > refused ? true : undefined),
      'an attempt while the destination is away',
    );
    await s3.send(new DeleteBucketReplicationCommand({ Bucket: 'source' }));
    const queued = await remote('remove', '--account', account);
    expect([queued.status, queued.stderr]).toEqual([
      1,
      expect.stringMatching(
        new RegExp(
          `1 replication delivery to account ${account} is still queued \\(the oldest from bucket source\\)`,
        ),
      ),
    ]);
    relay.resume();
    await untilReplicated(
      async () => ((await statusOf(s3, 'source', Key)) === 'COMPLETED' ? true : undefined),
      'the queued delivery once the destination is back',
    );
    const removed = await remote('remove', '--account', account);
    expect([removed.status, removed.stdout.trim()]).toEqual([0, `removed account ${account}`]);
    expect((await remote('list')).stdout).not.toContain(account);
    // Unregistered, a rule naming it is refused; registered again, it is taken.
    expect(await failureOf(s3.send(new PutBucketReplicationCommand(config('source'))))).toMatchObject({
      code: 'InvalidRequest',
      message: expect.stringMatching(/account \d{12} is not registered.*seawall remote add/),
    });
    const credentials = dataDirLayout(destination.dir).credentials;
    const added = await remote(
      'add',
      ...['--account', account, '--endpoint', relay.url, '--credentials', credentials, '--profile', PROFILE],
    );
    expect(added.status).toBe(0);
    await s3.send(new PutBucketReplicationCommand(config('source')));
    await s3.send(new DeleteBucketReplicationCommand({ Bucket: 'source' }));
  });

  it('stores the configuration as S3 does, and refuses what S3 refuses', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'unversioned' }));
    expect(await failure(s3.send(new PutBucketReplicationCommand(config('unversioned'))))).toMatchObject({
      code: 'InvalidRequest',
      status: 400,
    });
    expect(await failure(s3.send(new GetBucketReplicationCommand({ Bucket: 'source' })))).toMatchObject({
      code: 'ReplicationConfigurationNotFoundError',
      status: 404,
    });
    const noMarkers = config('source');
    delete noMarkers.ReplicationConfiguration?.Rules?.[0]?.DeleteMarkerReplication;
    expect(await failure(s3.send(new PutBucketReplicationCommand(noMarkers)))).toMatchObject({
      code: 'InvalidRequest',
    });
    const unknown = config('source');
    const rule = unknown.ReplicationConfiguration?.Rules?.[0];
    if (rule?.Destination) rule.Destination.Account = '999999999999';
    expect(await failureOf(s3.send(new PutBucketReplicationCommand(unknown)))).toMatchObject({
      code: 'InvalidRequest',
      message:
        'Destination account 999999999999 is not registered; register its endpoint with `seawall remote add`.',
    });
    // A name no bucket can have (two characters) is no bucket ARN: which naming rule it breaks is said.
    if (rule?.Destination) rule.Destination.Bucket = 'arn:aws:s3:::zz';
    expect(await failureOf(s3.send(new PutBucketReplicationCommand(unknown)))).toMatchObject({
      code: 'InvalidArgument',
      message: 'Invalid bucket ARN: the bucket name must be between 3 and 63 characters long.',
    });
    const kmsWithoutKey = config('source');
    const kmsRule = kmsWithoutKey.ReplicationConfiguration?.Rules?.[0];
    if (kmsRule) kmsRule.SourceSelectionCriteria = { SseKmsEncryptedObjects: { Status: 'Enabled' } };
    expect(await failure(s3.send(new PutBucketReplicationCommand(kmsWithoutKey)))).toMatchObject({
      code: 'InvalidArgument',
    });

    await s3.send(new PutBucketReplicationCommand(config('source')));
    const got = await s3.send(new GetBucketReplicationCommand({ Bucket: 'source' }));
    expect(got.ReplicationConfiguration).toEqual(config('source').ReplicationConfiguration);
  });

  it('replicates versions in order with their ids, and delete markers; statuses go PENDING → COMPLETED / REPLICA', async () => {
    const first = await s3.send(
      new PutObjectCommand({
        Bucket: 'source',
        Key: 'data/a.csv',
        Body: 'one',
        ContentType: 'text/csv',
        Metadata: { origin: 'city' },
        Tagging: 'zone=raw',
      }),
    );
    const second = await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'data/a.csv', Body: 'two' }));
    await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'other/b.csv', Body: 'not replicated' }));
    expect(['PENDING', 'COMPLETED']).toContain(await statusOf(s3, 'source', 'data/a.csv', first.VersionId));
    await untilReplicated(
      async () => ((await statusOf(s3, 'source', 'data/a.csv')) === 'COMPLETED' ? true : undefined),
      'the second version to replicate',
    );
    expect(await statusOf(s3, 'source', 'data/a.csv', first.VersionId)).toBe('COMPLETED');
    expect(await statusOf(s3, 'source', 'other/b.csv')).toBeUndefined();

    const versions = await replica.send(
      new ListObjectVersionsCommand({ Bucket: 'replica', Prefix: 'data/' }),
    );
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [second.VersionId, true],
      [first.VersionId, false],
    ]);
    expect(await text(replica, 'replica', 'data/a.csv', first.VersionId)).toBe('one');
    expect(await text(replica, 'replica', 'data/a.csv')).toBe('two');
    const head = await replica.send(
      new HeadObjectCommand({ Bucket: 'replica', Key: 'data/a.csv', VersionId: first.VersionId }),
    );
    expect(head).toMatchObject({
      ReplicationStatus: 'REPLICA',
      ContentType: 'text/csv',
      Metadata: { origin: 'city' },
      TagCount: 1,
    });
    expect(
      await failure(replica.send(new HeadObjectCommand({ Bucket: 'replica', Key: 'other/b.csv' }))),
    ).toMatchObject({ status: 404 });

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: 'source', Key: 'data/a.csv' }));
    expect(deleted.DeleteMarker).toBe(true);
    const marker = await untilReplicated(async () => {
      const listed = await replica.send(
        new ListObjectVersionsCommand({ Bucket: 'replica', Prefix: 'data/' }),
      );
      return listed.DeleteMarkers?.find((m) => m.VersionId === deleted.VersionId);
    }, 'the delete marker');
    expect(marker.IsLatest).toBe(true);
    // Deleting a version for good is not replicated (S3 guards replicas against malicious deletes): a later
    // version of the key, which would follow it in order, arrives with the first version still there.
    await s3.send(
      new DeleteObjectCommand({ Bucket: 'source', Key: 'data/a.csv', VersionId: first.VersionId }),
    );
    const third = await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'data/a.csv', Body: 'three' }));
    await untilReplicated(
      async () =>
        (await text(replica, 'replica', 'data/a.csv', third.VersionId)) === 'three' ? true : undefined,
      'the third version',
    );
    expect(await text(replica, 'replica', 'data/a.csv', first.VersionId)).toBe('one');
  });

  it('re-encrypts SSE-KMS objects under the key the rule names at the destination', async () => {
    const destinationKms = await destination.client(KMSClient);
    const replicaKey = (await destinationKms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn as string;
    destinationKms.destroy();
    const sourceKms = new KMSClient({
      endpoint: source.url,
      region: source.credentials.region,
      credentials: source.credentials,
    });
    const sourceKey = (await sourceKms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn as string;
    sourceKms.destroy();
    // Without SseKmsEncryptedObjects, an SSE-KMS object is not replicated (as S3 does).
    await s3.send(
      new PutObjectCommand({
        Bucket: 'source',
        Key: 'data/skipped.bin',
        Body: 'sealed',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: sourceKey,
      }),
    );
    expect(await statusOf(s3, 'source', 'data/skipped.bin')).toBeUndefined();

    const sealed = config('source');
    const rule = sealed.ReplicationConfiguration?.Rules?.[0];
    if (rule?.Destination) {
      rule.SourceSelectionCriteria = { SseKmsEncryptedObjects: { Status: 'Enabled' } };
      rule.Destination.EncryptionConfiguration = { ReplicaKmsKeyID: replicaKey };
    }
    await s3.send(new PutBucketReplicationCommand(sealed));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'source',
        Key: 'data/sealed.bin',
        Body: 'kms bytes',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: sourceKey,
      }),
    );
    await untilReplicated(
      async () => ((await statusOf(s3, 'source', 'data/sealed.bin')) === 'COMPLETED' ? true : undefined),
      'the SSE-KMS object to replicate',
    );
    const head = await replica.send(new HeadObjectCommand({ Bucket: 'replica', Key: 'data/sealed.bin' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: replicaKey });
    expect(await text(replica, 'replica', 'data/sealed.bin')).toBe('kms bytes');
    await s3.send(new PutBucketReplicationCommand(config('source')));
  });

  it('catches up after the destination was down, and after the source restarted meanwhile; backlog and lag are metrics', async () => {
    await destination.kill();
    // Twelve versions of one key while the destination is down, and one more after the source restarts.
    const written: string[] = [];
    for (let i = 0; i < 12; i++)
      written.push(
        (await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'data/while-down', Body: `v${i}` })))
          .VersionId as string,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await statusOf(s3, 'source', 'data/while-down')).toBe('PENDING');

    // S3's replication metrics for the rule: one operation and its bytes pending, a lag of at least the wait.
    await source.seawall.monitor.builtin.flush();
    const cloudwatch = new CloudWatchClient({
      endpoint: source.url,
      region: source.credentials.region,
      credentials: source.credentials,
    });
    const dimensions = [
      { Name: 'DestinationBucket', Value: 'replica' },
      { Name: 'RuleId', Value: 'data' },
      { Name: 'SourceBucket', Value: 'source' },
    ];
    const latest = async (MetricName: string) => {
      const now = Date.now();
      const out = await cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/S3',
          MetricName,
          Dimensions: dimensions,
          StartTime: new Date(now - 600_000),
          EndTime: new Date(now + 60_000),
          Period: 60,
          Statistics: ['Maximum'],
        }),
      );
      // The newest period's: the server's own flushes may have put an earlier one in the window (a minute
      // boundary crossed while the versions were written), and datapoints come in no order.
      const newest = [...(out.Datapoints ?? [])].sort(
        (a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0),
      );
      return newest.at(-1)?.Maximum;
    };
    expect(await latest('OperationsPendingReplication')).toBe(12);
    expect(await latest('BytesPendingReplication')).toBe(2 * 10 + 3 * 2);
    expect(await latest('ReplicationLatency')).toBeGreaterThanOrEqual(0.4);
    cloudwatch.destroy();

    // The source restarts with the change still waiting; then the destination comes back.
    await source.close();
    source = await startSource();
    s3 = source.s3({ maxAttempts: 1 });
    const more = await s3.send(
      new PutObjectCommand({ Bucket: 'source', Key: 'data/while-down', Body: 'later' }),
    );
    // Its tags change while it waits: the change follows it, and holds back no COMPLETED.
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'source',
        Key: 'data/while-down',
        VersionId: more.VersionId,
        Tagging: { TagSet: [{ Key: 'stage', Value: 'late' }] },
      }),
    );
    await destination.start();
    await untilReplicated(
      async () => ((await statusOf(s3, 'source', 'data/while-down')) === 'COMPLETED' ? true : undefined),
      'the backlog to drain',
    );
    await untilReplicated(async () => {
      const { TagSet = [] } = await replica.send(
        new GetObjectTaggingCommand({ Bucket: 'replica', Key: 'data/while-down', VersionId: more.VersionId }),
      );
      return TagSet.some((tag) => tag.Value === 'late') ? true : undefined;
    }, 'the tag change at the replica');
    const versions = await replica.send(
      new ListObjectVersionsCommand({ Bucket: 'replica', Prefix: 'data/while-down' }),
    );
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([more.VersionId, ...written.reverse()]);
    expect(await text(replica, 'replica', 'data/while-down')).toBe('later');
  });

  it('sends a digest of the bytes to a destination that retains by default, once it asks for one', async () => {
    await replica.send(new CreateBucketCommand({ Bucket: 'vault', ObjectLockEnabledForBucket: true }));
    await retainByDefault(replica, 'vault');
    const toVault = config('source');
    const rule = toVault.ReplicationConfiguration?.Rules?.[0];
    if (rule?.Destination) rule.Destination.Bucket = 'arn:aws:s3:::vault';
    await s3.send(new PutBucketReplicationCommand(toVault));
    try {
      const put = await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'data/kept', Body: 'kept' }));
      await untilReplicated(
        async () => ((await statusOf(s3, 'source', 'data/kept')) === 'COMPLETED' ? true : undefined),
        'the replica in the retaining bucket',
      );
      const kept = await replica.send(new HeadObjectCommand({ Bucket: 'vault', Key: 'data/kept' }));
      expect(kept).toMatchObject({ VersionId: put.VersionId, ObjectLockMode: 'GOVERNANCE' });
    } finally {
      await s3.send(new PutBucketReplicationCommand(config('source')));
    }
  });

  it('marks FAILED what the destination refuses, and keeps versioning on while replication is configured', async () => {
    await replica.send(new CreateBucketCommand({ Bucket: 'unversioned-replica' }));
    const three = config('source');
    three.ReplicationConfiguration?.Rules?.push(
      rule('refused', 2, 'refused/', 'unversioned-replica', false),
      rule('private', 3, 'private/', 'replica', false),
    );
    await s3.send(new PutBucketReplicationCommand(three));
    await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'refused/x', Body: 'x' }));
    // The role may not read private/ for replication: FAILED, and nothing reaches the destination.
    await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'private/y', Body: 'y' }));
    for (const key of ['refused/x', 'private/y'])
      await untilReplicated(
        async () => ((await statusOf(s3, 'source', key)) === 'FAILED' ? true : undefined),
        `${key} to fail`,
      );
    expect(
      await failure(replica.send(new HeadObjectCommand({ Bucket: 'replica', Key: 'private/y' }))),
    ).toMatchObject({ status: 404 });
    expect(
      await failure(
        s3.send(
          new PutBucketVersioningCommand({
            Bucket: 'source',
            VersioningConfiguration: { Status: 'Suspended' },
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidBucketState', status: 409 });
    await s3.send(new PutBucketReplicationCommand(config('source')));
  });

  it('marks FAILED a replica whose StorageClass the other endpoint does not take, and the log names the class', async () => {
    const classed = config('source');
    const rule = classed.ReplicationConfiguration?.Rules?.[0];
    if (rule?.Destination) rule.Destination.StorageClass = 'STANDARD_IA';
    // Which classes another endpoint's bucket takes cannot be known here: the rule is taken.
    await s3.send(new PutBucketReplicationCommand(classed));
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'data/infrequent', Body: 'ia' }));
      await untilReplicated(
        async () => ((await statusOf(s3, 'source', 'data/infrequent')) === 'FAILED' ? true : undefined),
        'data/infrequent to fail',
      );
      // The destination has no cold tier: it refuses STANDARD_IA as its PutObject does, and the log says so.
      const logs = new CloudWatchLogsClient({
        endpoint: source.url,
        region: source.credentials.region,
        credentials: source.credentials,
      });
      const events = await untilReplicated(async () => {
        const found = await logs.send(
          new FilterLogEventsCommand({ logGroupName: '/seawall/server', filterPattern: '"STANDARD_IA"' }),
        );
        return found.events?.length ? found.events : undefined;
      }, 'the failure in the log');
      logs.destroy();
      expect(events[0]?.message).toMatch(/NotImplemented \(501\).*x-amz-storage-class STANDARD_IA/);
    } finally {
      await s3.send(new PutBucketReplicationCommand(config('source')));
    }
  });

  it('aborts the multipart upload a delivery cut off mid-way left at the destination, once it answers again', async () => {
    await s3.send(new PutBucketReplicationCommand(config('source')));
    const Key = 'data/interrupted';
    // The destination goes away while the replica's second part is sent, as one killed then would.
    const refused = relay.refused;
    relay.cutAt = new RegExp(`PUT /replica/${Key}\\?[^ ]*partNumber=2[& ]`);
    const sizes = [5 * 1024 * 1024, 5 * 1024 * 1024, 1024];
    const bytes = sizes.map((size, i) => Buffer.alloc(size, i + 1));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'source', Key }));
    const parts = [];
    for (const [i, Body] of bytes.entries()) {
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket: 'source', Key, UploadId, PartNumber: i + 1, Body }),
      );
      parts.push({ PartNumber: i + 1, ETag });
    }
    const made = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'source',
        Key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    // Tried again (and again) while it is away; then it is back.
    await untilReplicated(
      async () => (relay.refused >= refused + 3 ? true : undefined),
      'attempts while the destination is away',
    );
    expect(await statusOf(s3, 'source', Key)).toBe('PENDING');
    relay.resume();
    await untilReplicated(
      async () => ((await statusOf(s3, 'source', Key)) === 'COMPLETED' ? true : undefined),
      'the replica once the destination is back',
    );
    const copy = await replica.send(new GetObjectCommand({ Bucket: 'replica', Key }));
    expect(copy.VersionId).toBe(made.VersionId);
    const digest = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
    expect(digest((await copy.Body?.transformToByteArray()) ?? new Uint8Array())).toBe(
      digest(Buffer.concat(bytes)),
    );
    // Nothing of the attempt that was cut off is left there.
    const left = await replica.send(new ListMultipartUploadsCommand({ Bucket: 'replica', Prefix: Key }));
    expect(left.Uploads ?? []).toEqual([]);
  });

  it('replicates a bucket with Object Lock only to a bucket with Object Lock, as S3 does', async () => {
    await replica.send(
      new CreateBucketCommand({ Bucket: 'locked-replica', ObjectLockEnabledForBucket: true }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'sealed', ObjectLockEnabledForBucket: true }));
    const iam = new IAMClient({
      endpoint: source.url,
      region: source.credentials.region,
      credentials: source.credentials,
    });
    await allowReplicationRole(iam, 'sealed', ['s3:GetObjectVersionForReplication']);
    iam.destroy();
    // One rule to the versioned bucket without Object Lock, one to the bucket with it.
    const both = config('sealed');
    both.ReplicationConfiguration?.Rules?.push(rule('locked', 2, 'data/', 'locked-replica', true));
    await s3.send(new PutBucketReplicationCommand(both));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'sealed', Key: 'data/open.csv', Body: 'open' }));
    await untilReplicated(
      async () => ((await statusOf(s3, 'sealed', 'data/open.csv')) === 'FAILED' ? true : undefined),
      'data/open.csv to fail for the destination without Object Lock',
    );
    // DstBucketObjectLockConfigMissing: nothing of it went there, though the version has no lock of its own.
    expect(
      await failure(replica.send(new HeadObjectCommand({ Bucket: 'replica', Key: 'data/open.csv' }))),
    ).toMatchObject({ status: 404 });
    // The bucket with Object Lock has it as it is at the source: no legal hold it never had.
    const kept = await untilReplicated(
      () => replica.send(new HeadObjectCommand({ Bucket: 'locked-replica', Key: 'data/open.csv' })),
      'the replica in the bucket with Object Lock',
    );
    expect(kept).toMatchObject({ VersionId: put.VersionId, ReplicationStatus: 'REPLICA' });
    expect(kept.ObjectLockLegalHoldStatus).toBeUndefined();
    expect(kept.ObjectLockMode).toBeUndefined();
  });

  it("takes another Seawall's replica only from whoever may s3:PutObject and s3:ReplicateObject, and takes it once", async () => {
    const user = await policyUser(source, 'replicator', [
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::source/*' },
    ]);
    const versionId = 'A'.repeat(32);
    const write = (Key = 'incoming/r', Tagging?: string) =>
      user.s3.send(
        asReplica(
          new PutObjectCommand({ Bucket: 'source', Key, Body: 'replica', ...(Tagging ? { Tagging } : {}) }),
          versionId,
        ),
      );
    const remove = (Key: string, markerId: string) =>
      user.s3.send(asReplica(new DeleteObjectCommand({ Bucket: 'source', Key }), markerId));
    try {
      expect(await failure(write())).toMatchObject({ code: 'AccessDenied', status: 403 });
      // s3:ReplicateObject does not escape a deny of the write itself: only Seawall's own replication (a
      // session it made of the role for S3) writes replicas as S3's internal replication does.
      await user.allow([
        { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::source/*' },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::source/incoming/*' },
      ]);
      expect(await failure(write())).toMatchObject({ code: 'AccessDenied', status: 403 });
      await user.allow([
        { Effect: 'Allow', Action: 's3:ReplicateObject', Resource: 'arn:aws:s3:::source/*' },
      ]);
      expect(await failure(write())).toMatchObject({ code: 'AccessDenied', status: 403 });
      await user.allow([
        {
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:ReplicateObject'],
          Resource: 'arn:aws:s3:::source/*',
        },
      ]);
      // The header is one the signature must cover: added to a presigned request, it is refused.
      const url = await getSignedUrl(
        user.s3,
        new PutObjectCommand({ Bucket: 'source', Key: 'incoming/forged', Body: 'x' }),
      );
      const forged = await fetch(url, {
        method: 'PUT',
        body: 'x',
        headers: { [REPLICA_HEADER]: 'F'.repeat(32) },
      });
      expect(forged.status).toBe(403);
      expect(await forged.text()).toContain('not signed');
      expect((await write()).VersionId).toBe(versionId);
      // A delivery whose answer was lost is sent again: it makes no second version.
      expect((await write()).VersionId).toBe(versionId);
      // Other bytes under that id are not the replica sent again: refused for good, and the replica stays.
      const forgedBytes = new PutObjectCommand({ Bucket: 'source', Key: 'incoming/r', Body: 'forged' });
      expect(await failure(user.s3.send(asReplica(forgedBytes, versionId)))).toMatchObject({
        code: 'InvalidRequest',
        status: 400,
      });
      expect(await text(s3, 'source', 'incoming/r')).toBe('replica');
      // The replica sent again but damaged on the way is BadDigest (the sender tries again), not other bytes.
      const damaged = new PutObjectCommand({
        Bucket: 'source',
        Key: 'incoming/r',
        Body: 'replica',
        ContentMD5: createHash('md5').update('replicA').digest('base64'),
      });
      expect(await failure(user.s3.send(asReplica(damaged, versionId)))).toMatchObject({
        code: 'BadDigest',
        status: 400,
      });
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'source', Prefix: 'incoming/' }));
      expect(listed.Versions?.map((v) => v.VersionId)).toEqual([versionId]);
      expect(await statusOf(s3, 'source', 'incoming/r')).toBe('REPLICA');
      // Its tags need s3:ReplicateTags besides s3:PutObjectTagging; a replicated delete marker needs
      // s3:ReplicateDelete besides s3:DeleteObject.
      expect(await failure(write('incoming/tagged', 'zone=raw'))).toMatchObject({ code: 'AccessDenied' });
      const markerId = 'B'.repeat(32);
      expect(await failure(remove('incoming/r', markerId))).toMatchObject({ code: 'AccessDenied' });
      await user.allow([
        {
          Effect: 'Allow',
          Action: [
            's3:PutObject',
            's3:PutObjectTagging',
            's3:DeleteObject',
            's3:ReplicateObject',
            's3:ReplicateTags',
            's3:ReplicateDelete',
          ],
          Resource: 'arn:aws:s3:::source/*',
        },
      ]);
      expect((await write('incoming/tagged', 'zone=raw')).VersionId).toBe(versionId);
      expect((await remove('incoming/r', markerId)).VersionId).toBe(markerId);
      const after = await s3.send(new ListObjectVersionsCommand({ Bucket: 'source', Prefix: 'incoming/r' }));
      expect(after.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[markerId, true]]);
      // A replica too large for one PUT comes as a multipart upload; its completion, sent again, makes no second
      // version either, and ends the second upload.
      const uploadReplica = async (Body = 'part') => {
        const key = { Bucket: 'source', Key: 'incoming/big' };
        const { UploadId } = await user.s3.send(asReplica(new CreateMultipartUploadCommand(key), versionId));
        const { ETag } = await user.s3.send(
          asReplica(new UploadPartCommand({ ...key, UploadId, PartNumber: 1, Body }), versionId),
        );
        return user.s3.send(
          asReplica(
            new CompleteMultipartUploadCommand({
              ...key,
              UploadId,
              MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
            }),
            versionId,
          ),
        );
      };
      // A version id no source has is refused when the upload begins, before any part is sent.
      for (const bad of ['null', '../x', 'A'.repeat(33)])
        expect(
          await failure(
            user.s3.send(
              asReplica(new CreateMultipartUploadCommand({ Bucket: 'source', Key: 'incoming/bad' }), bad),
            ),
          ),
        ).toMatchObject({ code: 'InvalidArgument', status: 400 });
      const completed = await uploadReplica();
      expect(completed.VersionId).toBe(versionId);
      expect((await uploadReplica()).ETag).toBe(completed.ETag);
      const big = await s3.send(new ListObjectVersionsCommand({ Bucket: 'source', Prefix: 'incoming/big' }));
      expect(big.Versions?.map((v) => v.VersionId)).toEqual([versionId]);
      expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'source' }))).Uploads ?? []).toEqual(
        [],
      );
      // Other parts under that id make another ETag: refused for good (the sender aborts the upload).
      expect(await failure(uploadReplica('other'))).toMatchObject({ code: 'InvalidRequest', status: 400 });
      expect(
        (await s3.send(new ListObjectVersionsCommand({ Bucket: 'source', Prefix: 'incoming/big' }))).Versions,
      ).toHaveLength(1);
      // s3:ReplicateDelete makes markers only: a version is deleted for good only with s3:DeleteObjectVersion.
      expect(
        await failure(
          user.s3.send(
            asReplica(
              new DeleteObjectCommand({ Bucket: 'source', Key: 'incoming/r', VersionId: versionId }),
              'C'.repeat(32),
            ),
          ),
        ),
      ).toMatchObject({ code: 'AccessDenied' });
    } finally {
      user.close();
    }
  });

  it("takes another Seawall's later retention or legal hold change of a replica only with s3:ReplicateObject besides", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'intake', ObjectLockEnabledForBucket: true }));
    const lockActions = ['s3:PutObjectRetention', 's3:PutObjectLegalHold'];
    const user = await policyUser(source, 'lock-replicator', [
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:ReplicateObject', ...lockActions],
        Resource: 'arn:aws:s3:::intake/*',
      },
    ]);
    const VersionId = 'D'.repeat(32);
    const version = { Bucket: 'intake', Key: 'records/r', VersionId };
    const day = 86_400_000;
    const today = Math.ceil(Date.now() / 1000) * 1000;
    const inDays = (days: number) => new Date(today + days * day);
    const hold = (Status: 'ON' | 'OFF') =>
      user.s3.send(
        asReplica(new PutObjectLegalHoldCommand({ ...version, LegalHold: { Status } }), VersionId),
      );
    const retain = (until: Date) =>
      user.s3.send(
        asReplica(
          new PutObjectRetentionCommand({
            ...version,
            Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until },
            BypassGovernanceRetention: true,
          }),
          VersionId,
        ),
      );
    const lockOf = async () => {
      const head = await s3.send(new HeadObjectCommand(version));
      return [head.ObjectLockLegalHoldStatus, head.ObjectLockRetainUntilDate?.getTime()];
    };
    try {
      const written = await user.s3.send(
        asReplica(
          new PutObjectCommand({
            Bucket: 'intake',
            Key: 'records/r',
            Body: 'record',
            ChecksumAlgorithm: 'CRC32',
            ObjectLockMode: 'GOVERNANCE',
            ObjectLockRetainUntilDate: inDays(3),
          }),
          VersionId,
        ),
      );
      expect(written.VersionId).toBe(VersionId);
      await hold('ON');
      expect(await lockOf()).toEqual(['ON', inDays(3).getTime()]);
      // Without s3:ReplicateObject the replica's change is refused; the same change as no replica's is not.
      await user.allow([{ Effect: 'Allow', Action: lockActions, Resource: 'arn:aws:s3:::intake/*' }]);
      expect(await failure(hold('OFF'))).toMatchObject({ code: 'AccessDenied', status: 403 });
      expect(await failure(retain(inDays(4)))).toMatchObject({ code: 'AccessDenied', status: 403 });
      expect(await lockOf()).toEqual(['ON', inDays(3).getTime()]);
      await user.s3.send(new PutObjectLegalHoldCommand({ ...version, LegalHold: { Status: 'OFF' } }));
      // With it, a retention is extended; shortening a governance retention also needs the bypass permission.
      await user.allow([
        {
          Effect: 'Allow',
          Action: [...lockActions, 's3:ReplicateObject'],
          Resource: 'arn:aws:s3:::intake/*',
        },
      ]);
      await retain(inDays(4));
      expect(await failure(retain(inDays(2)))).toMatchObject({ code: 'AccessDenied', status: 403 });
      expect(await lockOf()).toEqual(['OFF', inDays(4).getTime()]);
      await user.allow([
        {
          Effect: 'Allow',
          Action: [...lockActions, 's3:ReplicateObject', 's3:BypassGovernanceRetention'],
          Resource: 'arn:aws:s3:::intake/*',
        },
      ]);
      await retain(inDays(2));
      expect(await lockOf()).toEqual(['OFF', inDays(2).getTime()]);
      // A replica's change names a replica: a version of the bucket's own is refused it, and stays as it was.
      const own = await s3.send(new PutObjectCommand({ Bucket: 'intake', Key: 'records/own', Body: 'own' }));
      const ownHold = new PutObjectLegalHoldCommand({
        Bucket: 'intake',
        Key: 'records/own',
        VersionId: own.VersionId,
        LegalHold: { Status: 'ON' },
      });
      expect(await failure(user.s3.send(asReplica(ownHold, own.VersionId as string)))).toMatchObject({
        code: 'InvalidRequest',
        status: 400,
      });
      const ownHead = await s3.send(
        new HeadObjectCommand({ Bucket: 'intake', Key: 'records/own', VersionId: own.VersionId }),
      );
      expect(ownHead.ObjectLockLegalHoldStatus).toBeUndefined();
    } finally {
      user.close();
    }
  });

  it("takes another Seawall's ACL of a replica only with s3:ReplicateObject besides s3:PutObjectVersionAcl", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'shared-intake', ObjectOwnership: 'ObjectWriter' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'shared-intake',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const aclActions = ['s3:PutObject', 's3:PutObjectVersionAcl'];
    const user = await policyUser(source, 'acl-replicator', [
      {
        Effect: 'Allow',
        Action: [...aclActions, 's3:ReplicateObject'],
        Resource: 'arn:aws:s3:::shared-intake/*',
      },
    ]);
    const VersionId = 'E'.repeat(32);
    const version = { Bucket: 'shared-intake', Key: 'shared/r', VersionId };
    const grant = (Bucket: string, Key: string, id: string, as: string) =>
      user.s3.send(
        asReplica(
          new PutObjectAclCommand({ Bucket, Key, VersionId: id, GrantRead: 'id="111122223333"' }),
          as,
        ),
      );
    const grantsOf = async (Key: string, id: string) =>
      (
        (await s3.send(new GetObjectAclCommand({ Bucket: 'shared-intake', Key, VersionId: id }))).Grants ?? []
      ).map((g) => `${g.Grantee?.ID}:${g.Permission}`);
    try {
      await user.s3.send(asReplica(new PutObjectCommand({ ...version, Body: 'shared' }), VersionId));
      // Without s3:ReplicateObject, or without s3:PutObjectVersionAcl, the replica's ACL is refused.
      for (const allowed of [aclActions, ['s3:PutObject', 's3:ReplicateObject']]) {
        await user.allow([{ Effect: 'Allow', Action: allowed, Resource: 'arn:aws:s3:::shared-intake/*' }]);
        expect(await failure(grant('shared-intake', 'shared/r', VersionId, VersionId))).toMatchObject({
          code: 'AccessDenied',
          status: 403,
        });
      }
      expect(await grantsOf('shared/r', VersionId)).not.toContain('111122223333:READ');
      await user.allow([
        {
          Effect: 'Allow',
          Action: [...aclActions, 's3:ReplicateObject'],
          Resource: 'arn:aws:s3:::shared-intake/*',
        },
      ]);
      await grant('shared-intake', 'shared/r', VersionId, VersionId);
      expect(await grantsOf('shared/r', VersionId)).toEqual(['111122223333:READ']);
      // A replica's ACL names a replica: a version of the bucket's own is refused it, and keeps its own.
      const own = await s3.send(
        new PutObjectCommand({ Bucket: 'shared-intake', Key: 'shared/own', Body: 'own' }),
      );
      const ownId = own.VersionId as string;
      expect(await failure(grant('shared-intake', 'shared/own', ownId, ownId))).toMatchObject({
        code: 'InvalidRequest',
        status: 400,
      });
      expect(await grantsOf('shared/own', ownId)).not.toContain('111122223333:READ');
    } finally {
      user.close();
    }
  });

  it('is configured with the aws cli, and DeleteBucketReplication stops it', async () => {
    const document = JSON.stringify({
      Role: `arn:aws:iam::${source.credentials.accountId}:role/replication`,
      Rules: [rule('cli', 2, 'cli/', 'replica', false)],
    });
    for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
      const put = await awsCli(
        sourceDir,
        source.url,
        ['s3api', 'put-bucket-replication', '--bucket', 'source', '--replication-configuration', document],
        undefined,
        cli,
      );
      expect(put.stderr).toBe('');
      const got = await awsCli(
        sourceDir,
        source.url,
        ['s3api', 'get-bucket-replication', '--bucket', 'source'],
        undefined,
        cli,
      );
      expect(JSON.parse(got.stdout).ReplicationConfiguration.Rules[0]).toMatchObject({
        ID: 'cli',
        Filter: { Prefix: 'cli/' },
        DeleteMarkerReplication: { Status: 'Disabled' },
      });
    }
    await s3.send(new DeleteBucketReplicationCommand({ Bucket: 'source' }));
    expect(await failure(s3.send(new GetBucketReplicationCommand({ Bucket: 'source' })))).toMatchObject({
      code: 'ReplicationConfigurationNotFoundError',
    });
    await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'cli/after', Body: 'x' }));
    expect(await statusOf(s3, 'source', 'cli/after')).toBeUndefined();
  });
});
