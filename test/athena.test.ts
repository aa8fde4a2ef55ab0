import { createReadStream, statSync } from 'node:fs';
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  ListQueryExecutionsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery, RUNAWAY, waitForQuery } from './helpers/athena.js';
import { awsCli } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { SAMPLE_FILES } from './helpers/vancouver.js';

let t: TestSeawall;
let athena: AthenaClient;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  athena = athenaClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
  const file = SAMPLE_FILES.parking_tickets;
  await s3.send(
    new PutObjectCommand({
      Bucket: 'lake',
      Key: 'raw/parking_tickets/sample.jsonl',
      Body: createReadStream(file),
      ContentLength: statSync(file).size,
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: 'lake',
      Key: 'raw/quirky/data.csv',
      Body: 'id,label,when\n1,"a, b",2024-01-01\n2,"say ""hi""",2024-01-02\n3,,not-a-date\n',
    }),
  );
  const glue = new GlueClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.s3().config.credentials,
  });
  await glue.send(
    new CreateCrawlerCommand({
      Name: 'raw',
      Role: await t.serviceRole(),
      DatabaseName: 'vancouver_raw',
      Targets: { S3Targets: [{ Path: 's3://lake/raw/' }] },
    }),
  );
  await glue.send(new StartCrawlerCommand({ Name: 'raw' }));
  for (;;) {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: 'raw' }));
    if (Crawler?.State === 'READY') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  glue.destroy();
});
afterAll(async () => {
  athena.destroy();
  await t.close();
});

async function failureReason(sql: string, database?: string): Promise<string> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ...(database ? { QueryExecutionContext: { Database: database } } : {}),
    }),
  );
  const done = await waitForQuery(athena, QueryExecutionId as string);
  expect(done.Status?.State, sql).toBe('FAILED');
  return done.Status?.StateChangeReason ?? '';
}

describe('Athena API', () => {
  it('answers SQL over a crawled table with real figures', async () => {
    const rows = await athenaQuery(
      athena,
      'SELECT "Year", count(*) AS tickets FROM vancouver_raw.parking_tickets GROUP BY "Year" ORDER BY "Year"',
    );
    expect(rows).toEqual([
      ['Year', 'tickets'],
      ['2023', '10349'],
      ['2024', '11435'],
    ]);
    const quirky = await athenaQuery(
      athena,
      'SELECT id, label, "when" FROM quirky ORDER BY id',
      'vancouver_raw',
    );
    expect(quirky).toEqual([
      ['id', 'label', 'when'],
      ['1', 'a, b', '2024-01-01'],
      ['2', 'say "hi"', '2024-01-02'],
      ['3', 'NULL', 'not-a-date'],
    ]);
  });

  it('reports status, statistics, column types, pages results and saves them as CSV', async () => {
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString:
          'SELECT "Street", count(*) AS n, max("EntryDate") AS last_day, avg("Block") AS avg_block FROM parking_tickets GROUP BY 1 ORDER BY n DESC, 1 LIMIT 12',
        QueryExecutionContext: { Database: 'vancouver_raw' },
      }),
    );
    const done = await waitForQuery(athena, QueryExecutionId as string);
    expect(done.Status?.State).toBe('SUCCEEDED');
    expect(done.Statistics?.DataScannedInBytes).toBe(statSync(SAMPLE_FILES.parking_tickets).size);
    expect(done.Statistics?.EngineExecutionTimeInMillis).toBeGreaterThanOrEqual(0);
    expect(done.Status?.SubmissionDateTime).toBeInstanceOf(Date);
    expect(done.QueryExecutionContext?.Database).toBe('vancouver_raw');
    const location = done.ResultConfiguration?.OutputLocation as string;
    expect(location).toBe(
      `s3://aws-athena-query-results-${t.credentials.accountId}-ca-west-1/${QueryExecutionId}.csv`,
    );

    const first = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, MaxResults: 5 }));
    expect(first.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => `${c.Name}:${c.Type}`)).toEqual([
      'Street:varchar',
      'n:bigint',
      'last_day:date',
      'avg_block:double',
    ]);
    expect(first.ResultSet?.Rows?.[0]?.Data?.map((d) => d.VarCharValue)).toEqual([
      'Street',
      'n',
      'last_day',
      'avg_block',
    ]);
    expect(first.ResultSet?.Rows).toHaveLength(5);
    const rest = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId, NextToken: first.NextToken, MaxResults: 100 }),
    );
    expect(rest.ResultSet?.Rows).toHaveLength(8);
    expect(rest.NextToken).toBeUndefined();

    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(location) as unknown as [string, string, string];
    const csv = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    ).Body?.transformToString();
    const lines = csv?.trimEnd().split('\n') ?? [];
    expect(lines[0]).toBe('"Street","n","last_day","avg_block"');
    expect(lines).toHaveLength(13);
    const workgroup = await athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
    expect(workgroup.WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation).toBe(
      `s3://aws-athena-query-results-${t.credentials.accountId}-ca-west-1/`,
    );
  });

  it('honours ClientRequestToken idempotency and lists executions', async () => {
    const token = 'token-0123456789-0123456789-0123456789';
    const a = await athena.send(
      new StartQueryExecutionCommand({ QueryString: 'SELECT 1', ClientRequestToken: token }),
    );
    const b = await athena.send(
      new StartQueryExecutionCommand({ QueryString: 'SELECT 1', ClientRequestToken: token }),
    );
    expect(b.QueryExecutionId).toBe(a.QueryExecutionId);
    await expect(
      athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 2', ClientRequestToken: token })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await waitForQuery(athena, a.QueryExecutionId as string);
    const listed = await athena.send(new ListQueryExecutionsCommand({ MaxResults: 50 }));
    expect(listed.QueryExecutionIds?.[0]).toBe(a.QueryExecutionId);
    await expect(
      athena.send(new GetQueryExecutionCommand({ QueryExecutionId: 'no-such-query' })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(
      athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1', WorkGroup: 'nope' })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });

  it('stops a running query', async () => {
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: RUNAWAY,
      }),
    );
    for (let i = 0; i < 200; i++) {
      const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      if (QueryExecution?.Status?.State === 'RUNNING') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId }));
    const done = await waitForQuery(athena, QueryExecutionId as string);
    expect(done.Status?.State).toBe('CANCELLED');
    expect(await athenaQuery(athena, 'SELECT 40 + 2 AS answer')).toEqual([['answer'], ['42']]);
  });
});

describe('the SQL sandbox', () => {
  const refused: [string, RegExp][] = [
    ["SELECT * FROM read_csv('/etc/passwd')", /Table function 'read_csv' not registered/],
    ["SELECT * FROM read_parquet('/tmp/x.parquet')", /Table function 'read_parquet' not registered/],
    ["SELECT * FROM '/etc/passwd'", /not|does not exist/],
    ["COPY (SELECT 1) TO '/tmp/seawall-escape.csv'", /COPY statements are not allowed/],
    ["ATTACH '/tmp/evil.db' AS evil", /ATTACH statements are not allowed/],
    ['INSTALL httpfs', /INSTALL statements are not allowed/],
    ['LOAD httpfs', /LOAD statements are not allowed/],
    ['SET enable_external_access = true', /SET statements are not allowed/],
    ['PRAGMA database_list', /PRAGMA statements are not allowed/],
    ['CREATE MACRO m() AS 1', /mismatched input 'MACRO'\. Expecting: 'EXTERNAL', /],
    ["SELECT current_setting('allowed_paths')", /Function 'current_setting' not registered/],
    ['SELECT * FROM duckdb_views()', /Table function 'duckdb_views' not registered/],
    ['SELECT * FROM information_schema.tables', /not a catalog table/],
    ['SELECT * FROM nowhere.nothing', /TABLE_NOT_FOUND/],
    ['SELECT 1; SELECT 2', /Exactly one statement/],
    ["SELECT getenv('HOME')", /Function 'getenv' not registered/],
  ];
  for (const [sql, reason] of refused) {
    it(`refuses ${sql}`, async () => {
      expect(await failureReason(sql, 'vancouver_raw')).toMatch(reason);
    });
  }

  it('never shows storage paths in errors', async () => {
    const reason = await failureReason('SELECT no_such_column FROM parking_tickets', 'vancouver_raw');
    expect(reason).toMatch(/no_such_column/);
    expect(reason).not.toContain(t.dataDir);
  });
});

describe('aws athena (Debian awscli)', () => {
  it('starts a query, waits and reads the results', async () => {
    const started = await awsCli(t.dataDir, t.url, [
      'athena',
      'start-query-execution',
      '--query-string',
      'SELECT count(*) AS n FROM parking_tickets',
      '--query-execution-context',
      'Database=vancouver_raw',
    ]);
    expect(started.code, started.stderr).toBe(0);
    const id = JSON.parse(started.stdout).QueryExecutionId as string;
    await waitForQuery(athena, id);
    const results = await awsCli(t.dataDir, t.url, [
      'athena',
      'get-query-results',
      '--query-execution-id',
      id,
    ]);
    expect(results.code, results.stderr).toBe(0);
    expect(JSON.parse(results.stdout).ResultSet.Rows[1].Data[0].VarCharValue).toBe('21784');
  });
});

describe('Athena refuses what Seawall does not implement', () => {
  async function refusal(
    promise: Promise<unknown>,
  ): Promise<{ code: string; status?: number; message: string }> {
    try {
      await promise;
    } catch (error) {
      const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
      return { code: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
    }
    throw new Error('expected a refusal');
  }

  it('refuses result encryption, ACLs, owners, bad parameters and reuse ages, and starts nothing', async () => {
    const before = (await athena.send(new ListQueryExecutionsCommand({ MaxResults: 50 }))).QueryExecutionIds;
    const output = { OutputLocation: 's3://lake/results/' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        {
          ResultConfiguration: {
            ...output,
            EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: 'k' },
          },
        },
        /ResultConfiguration.EncryptionConfiguration member of StartQueryExecution/,
      ],
      [
        {
          ResultConfiguration: { ...output, AclConfiguration: { S3AclOption: 'BUCKET_OWNER_FULL_CONTROL' } },
        },
        /AclConfiguration/,
      ],
      [{ ResultConfiguration: { ...output, ExpectedBucketOwner: '123456789012' } }, /ExpectedBucketOwner/],
      [{ ExecutionParameters: [''] }, /ExecutionParameters must be a list of at least one string/],
      [
        {
          ResultReuseConfiguration: {
            ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 10081 },
          },
        },
        /maxAgeInMinutes' failed to satisfy constraint: Member must have value less than or equal to 10080/,
      ],
      [{ EngineConfiguration: { MaxConcurrentDpus: 4 } }, /EngineConfiguration/],
    ];
    for (const [input, message] of cases) {
      const answer = await refusal(
        athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1', ...input })),
      );
      expect(answer.code, JSON.stringify(input)).toBe('InvalidRequestException');
      expect(answer.status).toBe(400);
      expect(answer.message).toMatch(message);
    }
    expect((await athena.send(new ListQueryExecutionsCommand({ MaxResults: 50 }))).QueryExecutionIds).toEqual(
      before,
    );

    // What Seawall does is accepted: reuse disabled, and the idempotency token the SDK fills in itself.
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 1',
        ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
      }),
    );
    await waitForQuery(athena, QueryExecutionId as string);
    const manifest = await refusal(
      athena.send(new GetQueryResultsCommand({ QueryExecutionId, QueryResultType: 'DATA_MANIFEST' })),
    );
    expect(manifest.code).toBe('InvalidRequestException');
    const rows = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId, QueryResultType: 'DATA_ROWS' }),
    );
    expect(rows.ResultSet?.Rows).toHaveLength(2);

    const cli = await awsCli(t.dataDir, t.url, [
      'athena',
      'start-query-execution',
      '--query-string',
      'SELECT 1',
      '--result-configuration',
      'OutputLocation=s3://lake/results/,EncryptionConfiguration={EncryptionOption=SSE_S3}',
    ]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('(InvalidRequestException)');
    expect(cli.stderr).toContain('EncryptionConfiguration');
  });
});
