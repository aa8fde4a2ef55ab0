import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CreateDatabaseCommand, CreateTableCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  GetBucketInventoryConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { allowPublic, startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

let t: TestSeawall;
let iam: IAMClient;
let account: string;
const clients: { destroy(): void }[] = [];

function config(credentials: Keys) {
  return { endpoint: t.url, region: t.credentials.region, credentials };
}
function s3As(keys: Keys): S3Client {
  const client = new S3Client({ ...config(keys), forcePathStyle: true });
  clients.push(client);
  return client;
}

async function user(name: string): Promise<Keys> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' };
}

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

beforeAll(async () => {
  t = await startTestSeawall();
  account = t.credentials.accountId;
  iam = new IAMClient(config(t.credentials));
  const root = t.s3();
  for (const bucket of ['curated', 'raw', 'results'])
    await root.send(new CreateBucketCommand({ Bucket: bucket }));
  await root.send(new PutObjectCommand({ Bucket: 'curated', Key: 'parking/2024.csv', Body: 'a,b\n1,2\n' }));
  await root.send(new PutObjectCommand({ Bucket: 'raw', Key: 'parking/2024.csv', Body: 'secret\n' }));
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  iam.destroy();
  await t.close();
});

describe('a user with no policies', () => {
  it('is denied everything, with AWS message naming the user, action and resource', async () => {
    const keys = await user('nobody');
    const s3 = s3As(keys);
    const denied = await failureOf(
      s3.send(new GetObjectCommand({ Bucket: 'curated', Key: 'parking/2024.csv' })),
    );
    expect(denied.code).toBe('AccessDenied');
    expect(denied.status).toBe(403);
    expect(denied.message).toBe(
      `User: arn:aws:iam::${account}:user/nobody is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::curated/parking/2024.csv" because no identity-based policy allows the s3:GetObject action`,
    );
    expect((await failureOf(s3.send(new ListBucketsCommand({})))).code).toBe('AccessDenied');
    const glue = new GlueClient(config(keys));
    clients.push(glue);
    const glueDenied = await failureOf(glue.send(new GetTableCommand({ DatabaseName: 'x', Name: 'y' })));
    expect(glueDenied.code).toBe('AccessDeniedException');
    // The awsJson services answer a denial with 400, as AWS's do (S3 and IAM with 403).
    expect(glueDenied.status).toBe(400);
    expect(glueDenied.message).toContain(
      `is not authorized to perform: glue:GetTable on resource: arn:aws:glue:`,
    );
    const iamAsUser = new IAMClient(config(keys));
    clients.push(iamAsUser);
    const iamDenied = await failureOf(iamAsUser.send(new CreateUserCommand({ UserName: 'escalate' })));
    expect(iamDenied.code).toBe('AccessDenied');
  });
});

describe('identity-based policies', () => {
  it('grant what an AWS managed policy grants, and nothing more', async () => {
    const keys = await user('reader');
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'reader',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      }),
    );
    const s3 = s3As(keys);
    const object = await s3.send(new GetObjectCommand({ Bucket: 'curated', Key: 'parking/2024.csv' }));
    expect(await object.Body?.transformToString()).toBe('a,b\n1,2\n');
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain('raw');
    const put = await failureOf(s3.send(new PutObjectCommand({ Bucket: 'curated', Key: 'x', Body: 'y' })));
    expect(put.code).toBe('AccessDenied');
    expect(put.message).toContain('s3:PutObject on resource: "arn:aws:s3:::curated/x"');
  });

  it('let an explicit deny win, and apply conditions on the request (s3:prefix)', async () => {
    const keys = await user('scoped');
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'scoped',
        PolicyName: 'curated-only',
        PolicyDocument: policy([
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::*/*' },
          { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::raw/*' },
          {
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: 'arn:aws:s3:::curated',
            Condition: { StringLike: { 's3:prefix': 'parking/*' } },
          },
        ]),
      }),
    );
    const s3 = s3As(keys);
    await s3.send(new GetObjectCommand({ Bucket: 'curated', Key: 'parking/2024.csv' }));
    const raw = await failureOf(s3.send(new GetObjectCommand({ Bucket: 'raw', Key: 'parking/2024.csv' })));
    expect(raw.message).toContain('with an explicit deny in an identity-based policy');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'curated', Prefix: 'parking/' }));
    expect(listed.KeyCount).toBe(1);
    expect((await failureOf(s3.send(new ListObjectsV2Command({ Bucket: 'curated' })))).code).toBe(
      'AccessDenied',
    );
  });

  it('come from groups, and a permissions boundary narrows them', async () => {
    const keys = await user('member');
    await iam.send(new CreateGroupCommand({ GroupName: 'analysts' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'analysts', UserName: 'member' }));
    await iam.send(
      new AttachGroupPolicyCommand({
        GroupName: 'analysts',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess',
      }),
    );
    const s3 = s3As(keys);
    await s3.send(new PutObjectCommand({ Bucket: 'curated', Key: 'by-member', Body: '1' }));
    await iam.send(
      new PutUserPermissionsBoundaryCommand({
        UserName: 'member',
        PermissionsBoundary: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      }),
    );
    const put = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: 'curated', Key: 'again', Body: '1' })),
    );
    expect(put.message).toContain('because no permissions boundary allows the s3:PutObject action');
    await s3.send(new GetObjectCommand({ Bucket: 'curated', Key: 'by-member' }));
  });

  it('authorize each key of DeleteObjects on its own', async () => {
    const keys = await user('deleter');
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'deleter',
        PolicyName: 'tmp-only',
        PolicyDocument: policy([
          { Effect: 'Allow', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::curated/tmp/*' },
        ]),
      }),
    );
    const root = t.s3();
    for (const key of ['tmp/a', 'keep/b'])
      await root.send(new PutObjectCommand({ Bucket: 'curated', Key: key, Body: '1' }));
    const result = await s3As(keys).send(
      new DeleteObjectsCommand({
        Bucket: 'curated',
        Delete: { Objects: [{ Key: 'tmp/a' }, { Key: 'keep/b' }] },
      }),
    );
    expect(result.Deleted?.map((d) => d.Key)).toEqual(['tmp/a']);
    expect(result.Errors?.map((e) => [e.Key, e.Code])).toEqual([['keep/b', 'AccessDenied']]);
    await root.send(new GetObjectCommand({ Bucket: 'curated', Key: 'keep/b' }));
  });
});

describe('bucket policies', () => {
  it('grant a named user access without any identity policy, and their denies bind even the root', async () => {
    const root = t.s3();
    await root.send(new CreateBucketCommand({ Bucket: 'shared' }));
    await root.send(new PutObjectCommand({ Bucket: 'shared', Key: 'open/a.csv', Body: 'open' }));
    await root.send(new PutObjectCommand({ Bucket: 'shared', Key: 'locked/b.csv', Body: 'locked' }));
    const keys = await user('partner');
    await root.send(
      new PutBucketPolicyCommand({
        Bucket: 'shared',
        Policy: policy([
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:user/partner` },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::shared/*',
          },
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::shared/locked/*',
          },
        ]),
      }),
    );
    const partner = s3As(keys);
    const open = await partner.send(new GetObjectCommand({ Bucket: 'shared', Key: 'open/a.csv' }));
    expect(await open.Body?.transformToString()).toBe('open');
    const locked = await failureOf(
      partner.send(new GetObjectCommand({ Bucket: 'shared', Key: 'locked/b.csv' })),
    );
    expect(locked.message).toContain('with an explicit deny in a resource-based policy');
    const rootLocked = await failureOf(
      root.send(new GetObjectCommand({ Bucket: 'shared', Key: 'locked/b.csv' })),
    );
    expect(rootLocked.code).toBe('AccessDenied');
    // The owner can always take the policy away again.
    await root.send(new DeleteBucketPolicyCommand({ Bucket: 'shared' }));
    await root.send(new GetObjectCommand({ Bucket: 'shared', Key: 'locked/b.csv' }));
    expect(
      (await failureOf(partner.send(new GetObjectCommand({ Bucket: 'shared', Key: 'open/a.csv' })))).code,
    ).toBe('AccessDenied');
  });

  it('let anonymous requests have only what a policy grants to everyone, unless public buckets are restricted', async () => {
    const root = t.s3();
    await root.send(new CreateBucketCommand({ Bucket: 'public-data' }));
    await allowPublic(root, 'public-data');
    await root.send(new PutObjectCommand({ Bucket: 'public-data', Key: 'open.csv', Body: 'x,y\n' }));
    const anonymous = async (path: string) => (await fetch(`${t.url}${path}`)).status;
    expect(await anonymous('/public-data/open.csv')).toBe(403);
    await root.send(
      new PutBucketPolicyCommand({
        Bucket: 'public-data',
        Policy: policy([
          { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::public-data/*' },
        ]),
      }),
    );
    const response = await fetch(`${t.url}/public-data/open.csv`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('x,y\n');
    expect(await anonymous('/public-data')).toBe(403);
    const put = await fetch(`${t.url}/public-data/new.csv`, { method: 'PUT', body: 'z' });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('<Code>AccessDenied</Code>');
    await root.send(
      new PutPublicAccessBlockCommand({
        Bucket: 'public-data',
        PublicAccessBlockConfiguration: { RestrictPublicBuckets: true },
      }),
    );
    expect(await anonymous('/public-data/open.csv')).toBe(403);
  });
});

describe('reads of what does not exist', () => {
  it('answer NoSuchKey only to a caller who may list the bucket at that key, and NoSuchBucket to anyone', async () => {
    const root = t.s3();
    await root.send(new CreateBucketCommand({ Bucket: 'hidden-keys' }));
    // Its policy grants everyone: the bucket's Block Public Access, on from its creation, is off.
    await allowPublic(root, 'hidden-keys');
    await root.send(
      new PutBucketPolicyCommand({
        Bucket: 'hidden-keys',
        Policy: policy([
          { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::hidden-keys/*' },
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:ListBucket',
            Resource: 'arn:aws:s3:::hidden-keys',
            Condition: { StringLike: { 's3:prefix': 'public/*' } },
          },
        ]),
      }),
    );
    const s3 = s3As(await user('prober'));
    const get = (key: string) =>
      failureOf(s3.send(new GetObjectCommand({ Bucket: 'hidden-keys', Key: key })));
    const head = (key: string) =>
      failureOf(s3.send(new HeadObjectCommand({ Bucket: 'hidden-keys', Key: key })));
    expect([(await get('public/none')).status, (await get('public/none')).code]).toEqual([404, 'NoSuchKey']);
    expect([(await get('private/none')).status, (await get('private/none')).code]).toEqual([
      403,
      'AccessDenied',
    ]);
    expect((await head('public/none')).status).toBe(404);
    expect((await head('private/none')).status).toBe(403);
    // Anonymous callers are told the same, and that a bucket does not exist whatever they may do.
    expect((await fetch(`${t.url}/hidden-keys/public/none`)).status).toBe(404);
    expect((await fetch(`${t.url}/hidden-keys/private/none`)).status).toBe(403);
    const gone = await fetch(`${t.url}/no-such-bucket-here/k`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('<Code>NoSuchBucket</Code>');
    expect((await fetch(`${t.url}/curated/parking/2024.csv`)).status).toBe(403);
  });
});

describe('S3 authorizes a request before it refuses what the request asks for', () => {
  it('lets a bucket policy deny by ACL and encryption headers', async () => {
    const root = t.s3();
    await root.send(new CreateBucketCommand({ Bucket: 'guarded' }));
    // Its policy allows everyone to upload: the bucket's Block Public Access, on from its creation, is off.
    await allowPublic(root, 'guarded');
    await root.send(
      new PutBucketPolicyCommand({
        Bucket: 'guarded',
        Policy: policy([
          { Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::guarded/*' },
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:PutObject',
            Resource: 'arn:aws:s3:::guarded/*',
            Condition: { StringLike: { 's3:x-amz-acl': 'public*' } },
          },
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:PutObject',
            Resource: 'arn:aws:s3:::guarded/*',
            Condition: { StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
          },
        ]),
      }),
    );
    const s3 = s3As(await user('uploader'));
    await s3.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'plain', Body: '1' }));
    for (const client of [s3, root]) {
      const acl = await failureOf(
        client.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'p', Body: '1', ACL: 'public-read' })),
      );
      expect([acl.status, acl.code]).toEqual([403, 'AccessDenied']);
      expect(acl.message).toContain('with an explicit deny in a resource-based policy');
    }
    const kms = await failureOf(
      s3.send(
        new PutObjectCommand({ Bucket: 'guarded', Key: 'k', Body: '1', ServerSideEncryption: 'aws:kms' }),
      ),
    );
    expect([kms.status, kms.code]).toEqual([403, 'AccessDenied']);
    // Allowed, the same requests meet what Seawall decides: ACLs are disabled; SSE-S3 is what the bucket does.
    const aclRefused = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'p', Body: '1', ACL: 'authenticated-read' })),
    );
    expect([aclRefused.status, aclRefused.code]).toEqual([400, 'AccessControlListNotSupported']);
    const sse = await s3.send(
      new PutObjectCommand({ Bucket: 'guarded', Key: 'k', Body: '1', ServerSideEncryption: 'AES256' }),
    );
    expect(sse.ServerSideEncryption).toBe('AES256');
  });

  it('supplies the grant and object ownership headers as condition keys', async () => {
    const root = t.s3();
    await root.send(new CreateBucketCommand({ Bucket: 'handed-over' }));
    // Its policy names any principal: the bucket's Block Public Access, on from its creation, is off.
    await allowPublic(root, 'handed-over');
    await root.send(
      new PutBucketPolicyCommand({
        Bucket: 'handed-over',
        Policy: policy([
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:PutObject',
            Resource: 'arn:aws:s3:::handed-over/*',
            Condition: { StringEquals: { 's3:x-amz-grant-full-control': `id=${account}` } },
          },
        ]),
      }),
    );
    const maker = s3As(await user('bucket-maker'));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'bucket-maker',
        PolicyName: 'enforced-only',
        PolicyDocument: policy([
          {
            Effect: 'Allow',
            Action: 's3:CreateBucket',
            Resource: '*',
            Condition: { StringEquals: { 's3:x-amz-object-ownership': 'BucketOwnerEnforced' } },
          },
        ]),
      }),
    );
    const put = (grant?: string) =>
      maker.send(
        new PutObjectCommand({ Bucket: 'handed-over', Key: 'k', Body: '1', GrantFullControl: grant }),
      );
    expect((await failureOf(put())).code).toBe('AccessDenied');
    await put(`id=${account}`);
    expect((await failureOf(maker.send(new CreateBucketCommand({ Bucket: 'made-1' })))).code).toBe(
      'AccessDenied',
    );
    await maker.send(new CreateBucketCommand({ Bucket: 'made-2', ObjectOwnership: 'BucketOwnerEnforced' }));
  });

  it('tells a caller without access neither what it refuses nor whether an object exists', async () => {
    const s3 = s3As(await user('outsider'));
    const sseC = {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: 'pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs=',
      SSECustomerKeyMD5: 'DWygnHRtgiJ77HCm+1rvHw==',
    };
    for (const key of ['parking/2024.csv', 'missing']) {
      const read = await failureOf(s3.send(new GetObjectCommand({ Bucket: 'curated', Key: key, ...sseC })));
      expect([read.status, read.code]).toEqual([403, 'AccessDenied']);
    }
    const put = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: 'curated', Key: 'x', Body: '1', StorageClass: 'GLACIER' })),
    );
    expect([put.status, put.code]).toEqual([403, 'AccessDenied']);
    const root = await failureOf(
      t.s3().send(new GetObjectCommand({ Bucket: 'curated', Key: 'missing', ...sseC })),
    );
    expect([root.status, root.code]).toEqual([404, 'NoSuchKey']);
  });

  it('refuses an operation Seawall does not implement before authorizing it as another', async () => {
    const s3 = s3As(await user('tagger'));
    const website = await failureOf(
      s3.send(
        new PutBucketWebsiteCommand({
          Bucket: 'curated',
          WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } },
        }),
      ),
    );
    expect([website.status, website.code]).toEqual([501, 'NotImplemented']);
    const inventory = await failureOf(
      s3.send(new GetBucketInventoryConfigurationCommand({ Bucket: 'curated', Id: 'weekly' })),
    );
    expect([inventory.status, inventory.code]).toEqual([501, 'NotImplemented']);
  });
});

describe('roles and sessions', () => {
  it('act with the role policies, narrowed by the session policy', async () => {
    const keys = await user('assumer');
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'assumer',
        PolicyName: 'assume',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'steward',
        AssumeRolePolicyDocument: policy([
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
        ]),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'steward',
        PolicyName: 'lake',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]),
      }),
    );
    const sts = new STSClient(config(keys));
    clients.push(sts);
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/steward`,
        RoleSessionName: 'cleanup',
        Policy: policy([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]),
      }),
    );
    const c = assumed.Credentials;
    const session = s3As({
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    });
    await session.send(new GetObjectCommand({ Bucket: 'raw', Key: 'parking/2024.csv' }));
    const put = await failureOf(session.send(new PutObjectCommand({ Bucket: 'raw', Key: 'x', Body: '1' })));
    expect(put.message).toBe(
      `User: arn:aws:sts::${account}:assumed-role/steward/cleanup is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::raw/x" because no session policy allows the s3:PutObject action`,
    );
  });
});

describe('Athena', () => {
  it('runs a query only with Glue and S3 access to its tables, and fails it as Athena does otherwise', async () => {
    const glue = new GlueClient(config(t.credentials));
    clients.push(glue);
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'lake' } }));
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'lake',
        TableInput: {
          Name: 'parking',
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
          StorageDescriptor: {
            Columns: [
              { Name: 'a', Type: 'bigint' },
              { Name: 'b', Type: 'bigint' },
            ],
            Location: 's3://curated/parking/',
            InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            SerdeInfo: {
              SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
              Parameters: { 'field.delim': ',' },
            },
          },
        },
      }),
    );
    const keys = await user('querier');
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'querier',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonAthenaFullAccess',
      }),
    );
    const athena = new AthenaClient(config(keys));
    clients.push(athena);
    const run = async () => {
      const { QueryExecutionId } = await athena.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT sum(b) FROM parking',
          QueryExecutionContext: { Database: 'lake' },
          ResultConfiguration: { OutputLocation: 's3://results/q/' },
        }),
      );
      for (;;) {
        const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
        const state = QueryExecution?.Status?.State;
        if (state !== 'QUEUED' && state !== 'RUNNING') return QueryExecution?.Status;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    // AmazonAthenaFullAccess grants the Glue catalog but reads and writes only aws-athena-query-results-*.
    const first = await run();
    expect(first?.State).toBe('FAILED');
    expect(first?.StateChangeReason).toContain('Insufficient permissions to execute the query.');
    expect(first?.StateChangeReason).toContain('s3:GetObject on resource: "arn:aws:s3:::curated/parking/"');
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'querier',
        PolicyName: 'data',
        PolicyDocument: policy([
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Resource: ['arn:aws:s3:::curated', 'arn:aws:s3:::curated/*'],
          },
        ]),
      }),
    );
    const second = await run();
    expect(second?.State).toBe('FAILED');
    expect(second?.StateChangeReason).toContain('Access denied when writing output to url: s3://results/q/');
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'querier',
        PolicyName: 'results',
        PolicyDocument: policy([
          { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::results/*' },
        ]),
      }),
    );
    expect((await run())?.State).toBe('SUCCEEDED');
  });
});

describe('the aws cli', () => {
  it('is denied and allowed the same way with a user profile, in v1 and v2', async () => {
    const keys = await user('cli-user');
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'cli-user',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      }),
    );
    const dir = tempDir();
    const credentials = join(dir, 'credentials');
    writeFileSync(
      credentials,
      `[analyst]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`,
    );
    for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
      const run = (args: string[]) =>
        new Promise<{ code: number; stderr: string; stdout: string }>((resolve) => {
          execFile(
            cli,
            ['--profile', 'analyst', '--region', t.credentials.region, '--endpoint-url', t.url, ...args],
            {
              env: {
                PATH: process.env.PATH ?? '/usr/bin:/bin',
                HOME: dir,
                AWS_SHARED_CREDENTIALS_FILE: credentials,
                AWS_CONFIG_FILE: join(dir, 'none'),
                AWS_EC2_METADATA_DISABLED: 'true',
                AWS_PAGER: '',
              },
            },
            (error, stdout, stderr) =>
              resolve({
                code: error ? Number(error.code ?? 1) : 0,
                stdout: String(stdout),
                stderr: String(stderr),
              }),
          );
        });
      const listed = await run(['s3', 'ls', 's3://curated/parking/']);
      expect(listed.stdout, cli).toContain('2024.csv');
      const put = await run([
        's3api',
        'put-object',
        '--bucket',
        'curated',
        '--key',
        'cli',
        '--body',
        credentials,
      ]);
      expect(put.code, cli).not.toBe(0);
      expect(put.stderr, cli).toContain('AccessDenied');
    }
  });
});
