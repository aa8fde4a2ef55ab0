import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  HeadObjectCommand,
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

/** Whether a request carries a flexible checksum (a value, its algorithm or type, or one in its trailer). */
const carriesChecksum = (headers: IncomingHttpHeaders) =>
  Object.keys(headers).some(
    (name) =>
      name.startsWith('x-amz-checksum-') ||
      name === 'x-amz-sdk-checksum-algorithm' ||
      (name === 'x-amz-trailer' && /checksum/i.test(String(headers[name]))),
  );

/**
 * A destination endpoint in front of a Seawall: as an older S3-compatible server, it answers 400 InvalidArgument
 * to a write to bucket `old` that carries a flexible checksum (and to any write of a key under `old/refused/`, whatever it carries);
 * it passes every other request on as it is, recording the heads of those to bucket `replica`.
 */
class OldServer {
  readonly server: Server;
  url = '';
  refused: string[] = [];
  passed: { line: string; headers: IncomingHttpHeaders }[] = [];
  constructor(destination: string) {
    const upstream = new URL(destination);
    this.server = createServer((req, res) => {
      const line = `${req.method} ${req.url}`;
      const write = req.method === 'PUT' || req.method === 'POST';
      const old = req.url?.startsWith('/old/');
      const checksumHeader = Object.keys(req.headers).find(
        (name) => name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm',
      );
      // A refusal for another reason, of a write that carries a checksum: no sign the checksum is the trouble.
      const otherwise = write && req.url?.startsWith('/replica/new/refused/');
      if (
        write &&
        ((old && (carriesChecksum(req.headers) || req.url?.startsWith('/old/old/refused/'))) || otherwise)
      ) {
        this.refused.push(line);
        req.resume();
        const [message, argument] = otherwise
          ? ['The retain until date must be in the future!', 'RetainUntilDate']
          : ['Unsupported header', checksumHeader ?? 'x-amz-trailer'];
        req.on('end', () => {
          res.writeHead(400, { 'content-type': 'application/xml' });
          res.end(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>${message}</Message><ArgumentName>${argument}</ArgumentName></Error>`,
          );
        });
        return;
      }
      if (req.url?.startsWith('/replica/')) this.passed.push({ line, headers: req.headers });
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
  }
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}`;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * A replica carries its source version's checksum; a destination that does not know flexible checksums (an
 * older S3-compatible server behind `seawall remote add`) refuses such a write, and is then sent the replica
 * without it, as before checksums were carried.
 */
describe('replication to a destination that refuses flexible checksums', () => {
  let source: TestSeawall;
  let destination: TestSeawall;
  let old: OldServer;
  let s3: S3Client;
  let replica: S3Client;

  /** The version's replication status once it is no longer PENDING. */
  const settled = (Key: string, VersionId: string | undefined) =>
    untilReplicated(async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'lake', Key, VersionId }));
      return head.ReplicationStatus === 'PENDING' ? undefined : head.ReplicationStatus;
    }, `${Key} to replicate`);

  beforeAll(async () => {
    destination = await startTestSeawall({ logLevel: 'error' });
    replica = destination.s3({ maxAttempts: 1 });
    old = new OldServer(destination.url);
    await old.start();
    source = await startTestSeawall({
      logLevel: 'error',
      limits: {
        replicationRetries: RETRIES,
        replicationMultipart: { fromBytes: 5 * MIB, partBytes: 5 * MIB },
      },
    });
    s3 = source.s3({ maxAttempts: 1 });
    const account = destination.credentials.accountId;
    const added = registerRemote(source.dataDir, account, old.url, destination.dataDir);
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
      [replica, 'old'],
      [replica, 'replica'],
    ]);
    const rule = (Priority: number, Prefix: string, Bucket: string) => ({
      ID: Prefix,
      Priority,
      Filter: { Prefix },
      Status: 'Enabled' as const,
      DeleteMarkerReplication: { Status: 'Enabled' as const },
      Destination: { Bucket: `arn:aws:s3:::${Bucket}`, Account: account },
    });
    await s3.send(
      new PutBucketReplicationCommand({
        Bucket: 'lake',
        ReplicationConfiguration: {
          Role: `arn:aws:iam::${source.credentials.accountId}:role/replication`,
          Rules: [rule(1, 'old/', 'old'), rule(2, 'new/', 'replica')],
        },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await old?.close();
    await destination?.close();
  });

  it('replicates a version with a checksum, and one uploaded in parts with one, without it once refused', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'lake',
        Key: 'old/whole.csv',
        Body: 'a,b\n1,2\n',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    expect(await settled('old/whole.csv', put.VersionId)).toBe('COMPLETED');
    expect(old.refused).toEqual([expect.stringMatching(/^PUT \/old\/old\/whole\.csv/)]);

    const Key = 'old/parts.bin';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'lake',
        Key,
        ChecksumAlgorithm: 'CRC32',
        ChecksumType: 'FULL_OBJECT',
      }),
    );
    const parts = [];
    for (const [i, Body] of [Buffer.alloc(5 * MIB, 'a'), Buffer.alloc(1024, 'b')].entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: 'lake',
          Key,
          UploadId,
          PartNumber: i + 1,
          Body,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      parts.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'lake',
        Key,
        UploadId,
        ChecksumType: 'FULL_OBJECT',
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(await settled(Key, done.VersionId)).toBe('COMPLETED');
    // Sent without the source's checksum from the first refusal on: nothing more was refused.
    expect(old.refused).toHaveLength(1);
    const made = await replica.send(new HeadObjectCommand({ Bucket: 'old', Key, VersionId: done.VersionId }));
    expect(made.ETag).toBe(done.ETag);
  });

  it('marks FAILED a version the destination refuses without a checksum too', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'lake',
        Key: 'old/refused/a.csv',
        Body: 'x',
        ChecksumAlgorithm: 'CRC32C',
      }),
    );
    expect(await settled('old/refused/a.csv', put.VersionId)).toBe('FAILED');
  });

  it('learns nothing of a refusal for another reason: the next version still carries its checksum', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'lake',
        Key: 'new/refused/b.csv',
        Body: 'x',
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    expect(await settled('new/refused/b.csv', put.VersionId)).toBe('FAILED');
    // The next test's parts carry their checksum to the same destination.
  });

  it("computes each part's CRC64NVME where the source's full-object one goes in parts it was not uploaded in", async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'lake',
        Key: 'new/big.bin',
        Body: Buffer.alloc(6 * MIB, 'c'),
        ChecksumAlgorithm: 'CRC64NVME',
      }),
    );
    expect(await settled('new/big.bin', put.VersionId)).toBe('COMPLETED');
    const sentParts = old.passed.filter(({ line }) =>
      /^PUT \/replica\/new\/big\.bin\?.*partNumber=/.test(line),
    );
    expect(sentParts.map(({ headers }) => headers['x-amz-sdk-checksum-algorithm'])).toEqual([
      'CRC64NVME',
      'CRC64NVME',
    ]);
    const attributes = async (client: S3Client, Bucket: string) =>
      (
        await client.send(
          new GetObjectAttributesCommand({
            Bucket,
            Key: 'new/big.bin',
            VersionId: put.VersionId,
            ObjectAttributes: ['Checksum', 'ObjectSize'],
          }),
        )
      ).Checksum;
    expect(await attributes(replica, 'replica')).toEqual(await attributes(s3, 'lake'));
  });
});
