import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataBrewClient } from '@aws-sdk/client-databrew';
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  GetTablesCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery } from './helpers/athena.js';
import { dedupeCsvJob, runToEnd } from './helpers/databrew.js';
import { clientConfig, crawl, csvTableCommand } from './helpers/glue.js';
import { sealByDefault, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/** tmpfs and ramfs, as statfs(2) names them. */
const MEMORY_FILE_SYSTEMS = [0x01021994, 0x858458f6];

/**
 * Every file under `dir` (following no links) whose bytes contain `needle`; files that vanish are skipped, and so
 * are files not changed since `since` (ctime, which no tool can set back): a needle made after it cannot be in
 * them, and a shared temporary directory can hold gigabytes of other work's files.
 */
async function filesContaining(dir: string, needle: Buffer, since = 0): Promise<string[]> {
  const found: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesContaining(path, needle, since)));
    else if (entry.isFile() && (await changedSince(path, since)) && (await contains(path, needle)))
      found.push(path);
  }
  return found;
}

/**
 * The temporary directories a leak could reach: this process's (the test run's own, see test/global-setup.ts),
 * and the machine's, where a process not given TMPDIR (an engine worker) would write.
 */
function temporaryDirectories(): string[] {
  const system = process.env.SEAWALL_TEST_SYSTEM_TMPDIR;
  return system && system !== tmpdir() ? [tmpdir(), system] : [tmpdir()];
}

async function changedSince(path: string, since: number): Promise<boolean> {
  return fs.stat(path).then(
    (stat) => stat.ctimeMs >= since,
    () => false,
  );
}

/** Streams a file, keeping the tail of each chunk so a needle across two chunks is seen. */
async function contains(path: string, needle: Buffer): Promise<boolean> {
  let tail = Buffer.alloc(0);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      const window = Buffer.concat([tail, chunk as Buffer]);
      if (window.includes(needle)) return true;
      tail = window.subarray(Math.max(0, window.length - needle.length + 1));
    }
  } catch {
    // Removed meanwhile (another test's files), or not readable: not ours.
  }
  return false;
}

describe('plaintext never reaches a persistent disk', () => {
  let t: TestSeawall;
  let s3: S3Client;
  let glue: GlueClient;
  let databrew: DataBrewClient;
  const marker = `plaintext-marker-${randomBytes(12).toString('hex')}`;
  /** When the marker was made, less a little for file systems that keep coarse times. */
  const markedAt = Date.now() - 2000;
  const BUCKET = 'marked';

  beforeAll(async () => {
    t = await startTestSeawall();
    s3 = t.s3();
    glue = new GlueClient(clientConfig(t));
    databrew = new DataBrewClient(clientConfig(t));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const rows = ['id,kind,note'];
    for (let i = 0; i < 2000; i++) rows.push(`${i},${i % 3 === 0 ? 'fence' : 'deck'},${marker} ${i}`);
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/permits/rows.csv', Body: `${rows.join('\n')}\n` }),
    );
  });
  let closed = false;
  afterAll(async () => {
    glue.destroy();
    databrew.destroy();
    if (!closed) await t.close();
  });

  it('through a crawl, a recipe job and a query, each of which reads the marked rows', async () => {
    // The crawler samples the file in the engine.
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'marked',
        Role: await t.serviceRole(),
        DatabaseName: 'marked',
        Targets: { S3Targets: [{ Path: `s3://${BUCKET}/raw/` }] },
      }),
    );
    expect((await crawl(glue, 'marked')).LastCrawl?.Status).toBe('SUCCEEDED');
    const { TableList } = await glue.send(new GetTablesCommand({ DatabaseName: 'marked' }));
    expect(TableList?.map((table) => table.Name)).toEqual(['permits']);

    // A recipe job reads the raw file and writes CSV (where a marker in plaintext would show).
    await dedupeCsvJob(
      databrew,
      'marked-job',
      await t.serviceRole(),
      { Bucket: BUCKET, Key: 'raw/permits/' },
      { Bucket: BUCKET, Key: 'curated/permits/' },
    );
    const run = await runToEnd(databrew, 'marked-job');
    expect([run.State, run.ErrorMessage]).toEqual(['SUCCEEDED', undefined]);
    const outputs = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'curated/permits/' }));
    const output = outputs.Contents?.[0]?.Key as string;
    const curated = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: output }));
    expect(await curated.Body?.transformToString()).toContain(`${marker} 1999`);

    // A query reads the marked rows and writes them to the results bucket.
    const athena = athenaClient(t);
    try {
      const rows = await athenaQuery(
        athena,
        "SELECT note FROM permits WHERE kind = 'fence' ORDER BY id LIMIT 3",
        'marked',
      );
      expect(rows).toEqual([['note'], [`${marker} 0`], [`${marker} 3`], [`${marker} 6`]]);
    } finally {
      athena.destroy();
    }

    // Nowhere on disk: not in the data directory, not in the temporary directory. The engines read
    // decrypted copies in memory-backed scratch space (a warm query engine keeps its tables' files there).
    const needle = Buffer.from(marker);
    expect(await filesContaining(t.dataDir, needle), t.dataDir).toEqual([]);
    for (const place of temporaryDirectories())
      expect(await filesContaining(place, needle, markedAt), place).toEqual([]);
    expect(MEMORY_FILE_SYSTEMS).toContain((await fs.statfs(t.config.scratchDir)).type);
    // The search finds what is there: a file with the marker in the data directory is found.
    const probe = join(t.dataDir, 'probe.txt');
    await fs.writeFile(probe, `before ${marker} after`);
    expect(await filesContaining(t.dataDir, needle)).toEqual([probe]);
    await fs.rm(probe);
    // And one written into the temporary directory now is not passed over as older than the marker.
    const tmpProbe = join(tmpdir(), `seawall-probe-${randomBytes(6).toString('hex')}.txt`);
    await fs.writeFile(tmpProbe, `before ${marker} after`);
    try {
      expect(await filesContaining(tmpdir(), needle, markedAt)).toEqual([tmpProbe]);
    } finally {
      await fs.rm(tmpProbe);
    }
    // Once the server stops, the scratch space holds none of it either.
    await t.close();
    closed = true;
    expect(await filesContaining(t.config.scratchDir, needle)).toEqual([]);
  });
});

describe('reading SSE-KMS data through the engines', () => {
  let t: TestSeawall;
  beforeAll(async () => {
    t = await startTestSeawall();
  });
  afterAll(() => t.close());

  it("takes the reader's kms:Decrypt on the data's key: a query's caller, as S3 would", async () => {
    const s3 = t.s3();
    const kms = new KMSClient(clientConfig(t));
    const glue = new GlueClient(clientConfig(t));
    const iam = new IAMClient(clientConfig(t));
    try {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'permits' }));
      const keyArn = KeyMetadata?.Arn as string;
      await s3.send(new CreateBucketCommand({ Bucket: 'sealed-permits' }));
      await s3.send(
        new PutObjectCommand({
          Bucket: 'sealed-permits',
          Key: 'permits/rows.csv',
          Body: 'id,kind\n1,fence\n2,deck\n',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: keyArn,
        }),
      );
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'sealed' } }));
      await glue.send(
        csvTableCommand('sealed', 'permits', 's3://sealed-permits/permits/', [
          { Name: 'id', Type: 'int' },
          { Name: 'kind', Type: 'string' },
        ]),
      );
      await iam.send(new CreateUserCommand({ UserName: 'reader' }));
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }));
      const allow = (statements: object[]) =>
        iam.send(
          new PutUserPolicyCommand({
            UserName: 'reader',
            PolicyName: 'read',
            PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
          }),
        );
      const base = [{ Effect: 'Allow', Action: ['athena:*', 'glue:*', 's3:*'], Resource: '*' }];
      await allow(base);
      const athena = athenaClient(t, {
        credentials: {
          accessKeyId: AccessKey?.AccessKeyId ?? '',
          secretAccessKey: AccessKey?.SecretAccessKey ?? '',
        },
      });
      try {
        await expect(athenaQuery(athena, 'SELECT count(*) FROM permits', 'sealed')).rejects.toThrow(
          /Insufficient permissions.*kms:Decrypt/,
        );
        await allow([...base, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn }]);
        expect(await athenaQuery(athena, 'SELECT count(*) AS n FROM permits', 'sealed')).toEqual([
          ['n'],
          ['2'],
        ]);
        // The key disabled, even a warm engine that holds the table's files reads no more of it.
        await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
        await expect(athenaQuery(athena, 'SELECT count(*) AS n FROM permits', 'sealed')).rejects.toThrow(
          /disabled/,
        );
        await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
        expect(await athenaQuery(athena, 'SELECT count(*) AS n FROM permits', 'sealed')).toEqual([
          ['n'],
          ['2'],
        ]);
        // A policy that denies by the object's encryption context holds for queries as for GetObject.
        await allow([
          ...base,
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn },
          {
            Effect: 'Deny',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: {
              StringLike: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::sealed-permits/permits/*' },
            },
          },
        ]);
        await expect(athenaQuery(athena, 'SELECT count(*) AS n FROM permits', 'sealed')).rejects.toThrow(
          /Insufficient permissions/,
        );
        // Results sealed under a key the caller may not use are not given to it (GetQueryResults reads them from
        // S3 as the caller), though the query ran.
        const { KeyMetadata: results } = await kms.send(new CreateKeyCommand({ Description: 'results' }));
        const resultsBucket = `aws-athena-query-results-${t.credentials.accountId}-${t.credentials.region}`;
        await sealByDefault(s3, resultsBucket, results?.Arn);
        await allow([...base, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn }]);
        // Writing them takes the caller's kms:GenerateDataKey on that key, as S3 asks of a writer: without it the
        // query fails before it runs.
        await expect(athenaQuery(athena, 'SELECT count(*) AS n FROM permits', 'sealed')).rejects.toThrow(
          /Access denied when writing output to url: s3:\/\/aws-athena-query-results-.*KMS key.*kms:GenerateDataKey/,
        );
        const writeResults = { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: results?.Arn };
        // The check is of the results object itself: a Deny by its ARN in the encryption context holds.
        await allow([
          ...base,
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn },
          writeResults,
          {
            Effect: 'Deny',
            Action: 'kms:GenerateDataKey',
            Resource: '*',
            Condition: {
              StringLike: { 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${resultsBucket}/*.csv` },
            },
          },
        ]);
        await expect(athenaQuery(athena, 'SELECT count(*) AS n FROM permits', 'sealed')).rejects.toThrow(
          /Access denied when writing output to url/,
        );
        await allow([...base, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn }, writeResults]);
        await expect(
          athenaQuery(athena, 'SELECT count(*) AS n FROM permits', 'sealed'),
        ).rejects.toMatchObject({
          name: 'AccessDeniedException',
        });
        await allow([
          ...base,
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: [keyArn, results?.Arn] },
          writeResults,
        ]);
        expect(await athenaQuery(athena, 'SELECT count(*) AS n FROM permits', 'sealed')).toEqual([
          ['n'],
          ['2'],
        ]);
        // A CTAS writes its files as the caller's PUTs would be: sealed under the location's default key, which
        // takes the caller's kms:GenerateDataKey on it.
        await s3.send(new CreateBucketCommand({ Bucket: 'sealed-copies' }));
        await sealByDefault(s3, 'sealed-copies', keyArn);
        const ctas = (name: string) =>
          athenaQuery(
            athena,
            `CREATE TABLE ${name} WITH (external_location = 's3://sealed-copies/${name}/') AS SELECT * FROM permits`,
            'sealed',
          );
        await expect(ctas('copy_denied')).rejects.toThrow(/Insufficient permissions.*kms:GenerateDataKey/);
        expect((await s3.send(new ListObjectsV2Command({ Bucket: 'sealed-copies' }))).KeyCount).toBe(0);
        await allow([
          ...base,
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: [keyArn, results?.Arn] },
          { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: [keyArn, results?.Arn] },
        ]);
        await ctas('copy_allowed');
        const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: 'sealed-copies' }));
        const written = await s3.send(
          new HeadObjectCommand({ Bucket: 'sealed-copies', Key: Contents?.[0]?.Key }),
        );
        expect(written).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
        // Its data manifest beside the results is written as the caller's PUT too, and every write is checked
        // before the first is made: a Deny on the manifest alone leaves the table's location empty.
        await allow([
          ...base,
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: [keyArn, results?.Arn] },
          { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: [keyArn, results?.Arn] },
          {
            Effect: 'Deny',
            Action: 'kms:GenerateDataKey',
            Resource: '*',
            Condition: {
              StringLike: {
                'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${resultsBucket}/*-manifest.csv`,
              },
            },
          },
        ]);
        await expect(ctas('copy_unlisted')).rejects.toThrow(/Insufficient permissions.*kms:GenerateDataKey/);
        const unlisted = await s3.send(
          new ListObjectsV2Command({ Bucket: 'sealed-copies', Prefix: 'copy_unlisted/' }),
        );
        expect(unlisted.KeyCount).toBe(0);
      } finally {
        athena.destroy();
      }
    } finally {
      kms.destroy();
      glue.destroy();
      iam.destroy();
    }
  });
});
