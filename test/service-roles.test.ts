import { DataBrewClient } from '@aws-sdk/client-databrew';
import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupeCsvJob, runToEnd } from './helpers/databrew.js';
import { sealByDefault, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let iam: IAMClient;
let glue: GlueClient;

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const trusting = (service: string) =>
  policy([{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }]);

beforeAll(async () => {
  t = await startTestSeawall();
  const config = { endpoint: t.url, region: t.credentials.region, credentials: t.credentials };
  iam = new IAMClient(config);
  glue = new GlueClient(config);
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
  await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/trees/a.csv', Body: 'id,name\n1,elm\n' }));
});
afterAll(async () => {
  iam.destroy();
  glue.destroy();
  await t.close();
});

async function crawl(name: string, role: string) {
  await glue.send(
    new CreateCrawlerCommand({
      Name: name,
      Role: role,
      DatabaseName: 'roles',
      Targets: { S3Targets: [{ Path: 's3://lake/raw/' }] },
    }),
  );
  await glue.send(new StartCrawlerCommand({ Name: name }));
  for (;;) {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
    if (Crawler?.State === 'READY' && Crawler.LastCrawl) return Crawler.LastCrawl;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a crawler acts as its role', () => {
  it('fails when the role does not trust Glue', async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'brew-only',
        AssumeRolePolicyDocument: trusting('databrew.amazonaws.com'),
      }),
    );
    const last = await crawl('untrusted', 'brew-only');
    expect(last.Status).toBe('FAILED');
    expect(last.ErrorMessage).toContain('Service is unable to assume provided role brew-only');
  });

  it('reads and writes only what the role is allowed', async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'crawler',
        AssumeRolePolicyDocument: trusting('glue.amazonaws.com'),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'crawler',
        PolicyName: 'catalog',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 'glue:*', Resource: '*' }]),
      }),
    );
    const denied = await crawl('no-s3', 'crawler');
    expect(denied.Status).toBe('FAILED');
    expect(denied.ErrorMessage).toMatch(
      /assumed-role\/crawler\/AWS-Crawler is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::lake"/,
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'crawler',
        PolicyName: 'lake',
        PolicyDocument: policy([
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Resource: ['arn:aws:s3:::lake', 'arn:aws:s3:::lake/*'],
          },
        ]),
      }),
    );
    const crawled = await crawl('with-s3', 'crawler');
    expect(crawled.Status).toBe('SUCCEEDED');
  });

  it('can be handed a role only by a caller allowed iam:PassRole on it', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'engineer' }));
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'engineer',
        PolicyArn: 'arn:aws:iam::aws:policy/AWSGlueConsoleFullAccess',
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'engineer' }));
    const asEngineer = new GlueClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    // AWSGlueConsoleFullAccess passes only roles named AWSGlueServiceRole*.
    const refused = await asEngineer
      .send(
        new CreateCrawlerCommand({
          Name: 'passed',
          Role: 'crawler',
          Targets: { S3Targets: [{ Path: 's3://lake/raw/' }] },
        }),
      )
      .catch((error: Error) => error);
    expect((refused as Error).name).toBe('AccessDeniedException');
    expect((refused as Error).message).toContain(
      `is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${t.credentials.accountId}:role/crawler`,
    );
    asEngineer.destroy();
  });
});

describe('a recipe job acts as its role', () => {
  it("writes its output as the role's PUTs would be: sealed under the bucket's key with its kms:GenerateDataKey", async () => {
    const config = { endpoint: t.url, region: t.credentials.region, credentials: t.credentials };
    const databrew = new DataBrewClient(config);
    const kms = new KMSClient(config);
    const s3 = t.s3();
    try {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'curated zone' }));
      await s3.send(new CreateBucketCommand({ Bucket: 'sealed-curated' }));
      await sealByDefault(s3, 'sealed-curated', KeyMetadata?.Arn);
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'brewer',
          AssumeRolePolicyDocument: trusting('databrew.amazonaws.com'),
        }),
      );
      const allow = (actions: string[]) =>
        iam.send(
          new PutRolePolicyCommand({
            RoleName: 'brewer',
            PolicyName: 'job',
            PolicyDocument: policy([{ Effect: 'Allow', Action: actions, Resource: '*' }]),
          }),
        );
      await allow(['s3:*', 'glue:*']);
      await dedupeCsvJob(
        databrew,
        'trees-job',
        Role?.Arn ?? '',
        { Bucket: 'lake', Key: 'raw/trees/' },
        { Bucket: 'sealed-curated', Key: 'trees/' },
      );
      const denied = await runToEnd(databrew, 'trees-job');
      expect(denied.State).toBe('FAILED');
      expect(denied.ErrorMessage).toMatch(/assumed-role\/brewer\/.* kms:GenerateDataKey/);
      expect((await s3.send(new ListObjectsV2Command({ Bucket: 'sealed-curated' }))).KeyCount).toBe(0);
      await allow(['s3:*', 'glue:*', 'kms:GenerateDataKey']);
      expect((await runToEnd(databrew, 'trees-job')).State).toBe('SUCCEEDED');
      const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: 'sealed-curated' }));
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'sealed-curated', Key: Contents?.[0]?.Key }),
      );
      expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KeyMetadata?.Arn });
      // Every output file's key is checked before the first is written: a Deny on one partition's files leaves
      // none of the others either (each partition denied in turn, so one of them is not the first written).
      await s3.send(
        new PutObjectCommand({ Bucket: 'lake', Key: 'raw/parks/a.csv', Body: 'id,name\n1,elm\n2,oak\n' }),
      );
      for (const denied of ['elm', 'oak']) {
        await dedupeCsvJob(
          databrew,
          `parks-${denied}`,
          Role?.Arn ?? '',
          { Bucket: 'lake', Key: 'raw/parks/' },
          { Bucket: 'sealed-curated', Key: `parks-${denied}/` },
          ['name'],
        );
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: 'brewer',
            PolicyName: 'one-partition',
            PolicyDocument: policy([
              {
                Effect: 'Deny',
                Action: 'kms:GenerateDataKey',
                Resource: '*',
                Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': `*/name=${denied}/*` } },
              },
            ]),
          }),
        );
        expect((await runToEnd(databrew, `parks-${denied}`)).State).toBe('FAILED');
        const left = await s3.send(
          new ListObjectsV2Command({ Bucket: 'sealed-curated', Prefix: `parks-${denied}/` }),
        );
        expect(left.KeyCount, denied).toBe(0);
      }
    } finally {
      databrew.destroy();
      kms.destroy();
    }
  });
});
