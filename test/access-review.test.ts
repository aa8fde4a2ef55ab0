import {
  AthenaClient,
  BatchGetQueryExecutionCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreatePartitionCommand,
  CreateTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/** Defects a hostile review found, each reproduced through a real client. */

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

let t: TestSeawall;
let iam: IAMClient;
const clients: { destroy(): void }[] = [];
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

function config(credentials: Keys) {
  return { endpoint: t.url, region: t.credentials.region, credentials };
}
function athenaAs(keys: Keys): AthenaClient {
  const client = new AthenaClient(config(keys));
  clients.push(client);
  return client;
}
async function user(name: string, statements: object[]): Promise<Keys> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(statements) }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' };
}
async function finished(athena: AthenaClient, sql: string, output = 's3://results/q/') {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: { Database: 'mine' },
      ResultConfiguration: { OutputLocation: output },
    }),
  );
  for (;;) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const state = QueryExecution?.Status?.State;
    if (state !== 'QUEUED' && state !== 'RUNNING')
      return { id: QueryExecutionId ?? '', status: QueryExecution?.Status };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  t = await startTestSeawall();
  iam = new IAMClient(config(t.credentials));
  const s3 = t.s3();
  for (const bucket of ['own', 'hr-secret', 'results'])
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutObjectCommand({ Bucket: 'hr-secret', Key: 'salaries/year=2024/a.csv', Body: 'ceo,999999\n' }),
  );
  await s3.send(new PutObjectCommand({ Bucket: 'own', Key: 'data/year=2023/a.csv', Body: 'clerk,1\n' }));
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  iam.destroy();
  await t.close();
});

describe('Athena', () => {
  it('authorizes every partition location a query reads, not only the table location', async () => {
    const keys = await user('steward2', [
      { Effect: 'Allow', Action: ['glue:*', 'athena:*'], Resource: '*' },
      { Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::own', 'arn:aws:s3:::own/*'] },
      { Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::results', 'arn:aws:s3:::results/*'] },
    ]);
    const glue = new GlueClient(config(keys));
    clients.push(glue);
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'mine' } }));
    const descriptor = (location: string) => ({
      Columns: [
        { Name: 'who', Type: 'string' },
        { Name: 'pay', Type: 'bigint' },
      ],
      Location: location,
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        Parameters: { 'field.delim': ',' },
      },
    });
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'mine',
        TableInput: {
          Name: 'pay',
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'csv' },
          PartitionKeys: [{ Name: 'year', Type: 'string' }],
          StorageDescriptor: descriptor('s3://own/data/'),
        },
      }),
    );
    await glue.send(
      new CreatePartitionCommand({
        DatabaseName: 'mine',
        TableName: 'pay',
        PartitionInput: { Values: ['2023'], StorageDescriptor: descriptor('s3://own/data/year=2023/') },
      }),
    );
    const athena = athenaAs(keys);
    expect((await finished(athena, 'SELECT * FROM pay')).status?.State).toBe('SUCCEEDED');
    // A partition pointed at a bucket the user cannot read is refused, not read.
    await glue.send(
      new CreatePartitionCommand({
        DatabaseName: 'mine',
        TableName: 'pay',
        PartitionInput: {
          Values: ['2024'],
          StorageDescriptor: descriptor('s3://hr-secret/salaries/year=2024/'),
        },
      }),
    );
    const { status } = await finished(athena, 'SELECT * FROM pay');
    expect(status?.State).toBe('FAILED');
    expect(status?.StateChangeReason).toContain('Insufficient permissions to execute the query.');
    expect(status?.StateChangeReason).toContain('arn:aws:s3:::hr-secret');
  });

  it('refuses query ids that are not strings instead of authorizing nothing', async () => {
    const athena = athenaAs(await user('nobody', [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }]));
    const root = athenaAs(t.credentials);
    const { id } = await finished(root, 'SELECT 1');
    const nested = await athena
      .send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: [[id]] as unknown as string[] }))
      .catch((error: Error) => error);
    expect((nested as Error).name).toBe('InvalidRequestException');
    const plain = await athena
      .send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: [id] }))
      .catch((error: Error) => error);
    expect((plain as Error).name).toBe('AccessDeniedException');
  });

  it('reads results only with s3:GetObject on them, as Athena does', async () => {
    const root = athenaAs(t.credentials);
    const { id } = await finished(root, 'SELECT 42 AS answer');
    const peeker = athenaAs(
      await user('peeker', [
        { Effect: 'Allow', Action: ['athena:GetQueryResults', 'athena:GetQueryExecution'], Resource: '*' },
      ]),
    );
    const denied = await peeker
      .send(new GetQueryResultsCommand({ QueryExecutionId: id }))
      .catch((e: Error) => e);
    expect((denied as Error).name).toBe('AccessDeniedException');
    expect((denied as Error).message).toContain(
      `s3:GetObject on resource: "arn:aws:s3:::results/q/${id}.csv"`,
    );
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'peeker',
        PolicyName: 'results',
        PolicyDocument: policy([
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::results/q/*' },
        ]),
      }),
    );
    const page = await peeker.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
    expect(page.ResultSet?.Rows?.[1]?.Data?.[0]?.VarCharValue).toBe('42');
  });
});

describe('iam:PassRole', () => {
  it('is checked on the role a bare name resolves to, path included', async () => {
    const trust = policy([
      { Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'glue-admin',
        Path: '/privileged/',
        AssumeRolePolicyDocument: trust,
      }),
    );
    const keys = await user('passer', [
      { Effect: 'Allow', Action: ['glue:*', 'iam:PassRole'], Resource: '*' },
      { Effect: 'Deny', Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/privileged/*' },
    ]);
    const glue = new GlueClient(config(keys));
    clients.push(glue);
    for (const role of ['glue-admin', `arn:aws:iam::${t.credentials.accountId}:role/privileged/glue-admin`]) {
      const refused = await glue
        .send(
          new CreateCrawlerCommand({
            Name: `c-${role.length}`,
            Role: role,
            Targets: { S3Targets: [{ Path: 's3://own/' }] },
          }),
        )
        .catch((error: Error) => error);
      expect((refused as Error).name, role).toBe('AccessDeniedException');
      expect((refused as Error).message, role).toContain('role/privileged/glue-admin');
    }
  });
});

describe('anonymous DeleteObjects', () => {
  it("learns nothing of a bucket's owner: every key is denied alike; a missing bucket is NoSuchBucket, as S3 says", async () => {
    const body = '<Delete><Object><Key>a</Key></Object></Delete>';
    const md5 = (await import('node:crypto')).createHash('md5').update(body).digest('base64');
    const answers = async (bucket: string) => {
      const seen: string[] = [];
      for (const owner of [t.credentials.accountId, '000000000000']) {
        const response = await fetch(`${t.url}/${bucket}?delete`, {
          method: 'POST',
          body,
          headers: { 'content-md5': md5, 'x-amz-expected-bucket-owner': owner },
        });
        seen.push(`${response.status} ${(await response.text()).replace(/<RequestId>.*<\/HostId>/, '')}`);
      }
      expect(new Set(seen).size, seen.join('\n')).toBe(1);
      return seen[0];
    };
    expect(await answers('own')).toContain('<Code>AccessDenied</Code>');
    expect(await answers('no-such-bucket')).toMatch(/^404 .*<Code>NoSuchBucket<\/Code>/s);
  });
});
