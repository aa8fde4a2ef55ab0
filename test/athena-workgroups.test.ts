import { rmSync } from 'node:fs';
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetQueryRuntimeStatisticsCommand,
  GetWorkGroupCommand,
  ListWorkGroupsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
  UpdateWorkGroupCommand,
} from '@aws-sdk/client-athena';
import { CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultResultsBucket } from '../src/query/index.js';
import { QUERY_JOB } from '../src/query/query-job.js';
import { athenaClient, RUNAWAY, waitForQuery } from './helpers/athena.js';
import { clientConfig, csvTableCommand } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { until } from './helpers/until.js';

let t: TestSeawall;
let athena: AthenaClient;
let results: string;

async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: Error) => `${error.name}: ${error.message}`,
  );
}

async function start(input: Omit<StartQueryExecutionCommandInput, 'QueryString'> & { sql: string }) {
  const { sql, ...rest } = input;
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({ QueryString: sql, ...rest }),
  );
  return QueryExecutionId as string;
}

async function execution(id: string): Promise<QueryExecution> {
  const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
  return QueryExecution as QueryExecution;
}

async function rows(id: string): Promise<string[][]> {
  const { ResultSet } = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
  return (ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? 'NULL'));
}

function table(name: string, location: string) {
  return csvTableCommand('lake', name, location, [
    { Name: 'a', Type: 'bigint' },
    { Name: 'b', Type: 'string' },
  ]);
}

beforeAll(async () => {
  t = await startTestSeawall();
  athena = athenaClient(t);
  results = `s3://${defaultResultsBucket(t.credentials.accountId, t.credentials.region)}`;
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'curated' }));
  await s3.send(
    new PutObjectCommand({ Bucket: 'curated', Key: 'small/1.csv', Body: 'a,b\n1,x\n2,y\n3,z\n' }),
  );
  // Past the smallest cutoff Athena allows (10 MB).
  const line = `7,${'w'.repeat(98)}\n`;
  await s3.send(
    new PutObjectCommand({ Bucket: 'curated', Key: 'big/1.csv', Body: `a,b\n${line.repeat(110_000)}` }),
  );
  const glue = new GlueClient(clientConfig(t));
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'lake' } }));
  await glue.send(table('small', 's3://curated/small/'));
  await glue.send(table('big', 's3://curated/big/'));
  glue.destroy();
});
afterAll(async () => {
  athena.destroy();
  await t.close();
});

describe('workgroup configuration', () => {
  it('keeps, shows and updates the configuration, and a disabled workgroup refuses queries', async () => {
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'reports',
        Configuration: {
          ResultConfiguration: { OutputLocation: `${results}/reports/` },
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: 10_000_000,
          PublishCloudWatchMetricsEnabled: true,
          RequesterPaysEnabled: false,
        },
      }),
    );
    const { WorkGroup } = await athena.send(new GetWorkGroupCommand({ WorkGroup: 'reports' }));
    expect(WorkGroup).toMatchObject({
      Name: 'reports',
      State: 'ENABLED',
      Configuration: {
        ResultConfiguration: { OutputLocation: `${results}/reports/` },
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10_000_000,
        PublishCloudWatchMetricsEnabled: true,
        RequesterPaysEnabled: false,
        EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
      },
    });
    // Enforced: the workgroup's location wins over the query's.
    const enforced = await start({
      sql: 'SELECT 1',
      WorkGroup: 'reports',
      ResultConfiguration: { OutputLocation: `${results}/elsewhere/` },
    });
    expect((await waitForQuery(athena, enforced)).ResultConfiguration?.OutputLocation).toBe(
      `${results}/reports/${enforced}.csv`,
    );

    await athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: 'reports',
        Description: 'Monthly',
        State: 'DISABLED',
        ConfigurationUpdates: {
          BytesScannedCutoffPerQuery: 20_000_000,
          EnforceWorkGroupConfiguration: false,
          ResultConfigurationUpdates: { OutputLocation: `${results}/monthly/` },
        },
      }),
    );
    const updated = (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'reports' }))).WorkGroup;
    expect(updated).toMatchObject({
      Description: 'Monthly',
      State: 'DISABLED',
      Configuration: {
        ResultConfiguration: { OutputLocation: `${results}/monthly/` },
        EnforceWorkGroupConfiguration: false,
        BytesScannedCutoffPerQuery: 20_000_000,
      },
    });
    const listed = (await athena.send(new ListWorkGroupsCommand({}))).WorkGroups;
    expect(listed?.find((w) => w.Name === 'reports')?.State).toBe('DISABLED');
    expect(await refusal(start({ sql: 'SELECT 1', WorkGroup: 'reports' }))).toBe(
      'InvalidRequestException: WorkGroup reports is disabled.',
    );

    await athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: 'reports',
        State: 'ENABLED',
        ConfigurationUpdates: { RemoveBytesScannedCutoffPerQuery: true },
      }),
    );
    const enabled = (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'reports' }))).WorkGroup;
    expect(enabled?.State).toBe('ENABLED');
    expect(enabled?.Configuration?.BytesScannedCutoffPerQuery).toBeUndefined();
    expect(
      (await waitForQuery(athena, await start({ sql: 'SELECT 1', WorkGroup: 'reports' }))).Status?.State,
    ).toBe('SUCCEEDED');

    const update = (ConfigurationUpdates: object) =>
      refusal(athena.send(new UpdateWorkGroupCommand({ WorkGroup: 'reports', ConfigurationUpdates })));
    expect(await update({ RequesterPaysEnabled: true })).toBe(
      'InvalidRequestException: RequesterPaysEnabled true in UpdateWorkGroup is not implemented by Seawall.',
    );
    expect(await update({ BytesScannedCutoffPerQuery: 9_999_999 })).toMatch(
      /Member must have value greater than or equal to 10000000$/,
    );
    expect(
      await update({
        ResultConfigurationUpdates: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
      }),
    ).toBe(
      'InvalidRequestException: The ConfigurationUpdates.ResultConfigurationUpdates.EncryptionConfiguration member of UpdateWorkGroup is not implemented by Seawall.',
    );
    expect(
      await refusal(athena.send(new UpdateWorkGroupCommand({ WorkGroup: 'nope', Description: 'x' }))),
    ).toBe('InvalidRequestException: WorkGroup nope is not found.');
  }, 120_000);

  it('cancels a query that would scan more than the bytes cutoff, and runs one under it', async () => {
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'capped',
        Configuration: {
          ResultConfiguration: { OutputLocation: `${results}/capped/` },
          BytesScannedCutoffPerQuery: 10_000_000,
        },
      }),
    );
    const over = await waitForQuery(
      athena,
      await start({
        sql: 'SELECT count(*) FROM big',
        WorkGroup: 'capped',
        QueryExecutionContext: { Database: 'lake' },
      }),
    );
    expect(over.Status?.State).toBe('CANCELLED');
    expect(over.Status?.StateChangeReason).toBe('Bytes scanned limit was exceeded');
    expect(over.Status?.AthenaError).toBeUndefined();
    // Every statement that reads is held to the cutoff: EXECUTE, CTAS and EXPLAIN ANALYZE too.
    const capped = (sql: string) =>
      start({ sql, WorkGroup: 'capped', QueryExecutionContext: { Database: 'lake' } }).then((id) =>
        waitForQuery(athena, id),
      );
    expect((await capped('PREPARE p FROM SELECT count(*) FROM big')).Status?.State).toBe('SUCCEEDED');
    for (const sql of [
      'EXECUTE p',
      'CREATE TABLE big_copy AS SELECT * FROM big',
      'EXPLAIN ANALYZE SELECT count(*) FROM big',
    ]) {
      const done = await capped(sql);
      expect(done.Status?.State, sql).toBe('CANCELLED');
      expect(done.Status?.StateChangeReason, sql).toBe('Bytes scanned limit was exceeded');
    }
    const under = await waitForQuery(
      athena,
      await start({
        sql: 'SELECT count(*) FROM small',
        WorkGroup: 'capped',
        QueryExecutionContext: { Database: 'lake' },
      }),
    );
    expect(under.Status?.State).toBe('SUCCEEDED');
    // The same query in a workgroup without a cutoff runs.
    const uncapped = await waitForQuery(
      athena,
      await start({ sql: 'SELECT count(*) AS n FROM big', QueryExecutionContext: { Database: 'lake' } }),
    );
    expect(uncapped.Status?.State).toBe('SUCCEEDED');
    expect(await rows(uncapped.QueryExecutionId as string)).toEqual([['n'], ['110000']]);
  }, 120_000);
});

describe("a workgroup's concurrency limit", () => {
  it('keeps queries over the limit QUEUED, holding no slot, until one of the workgroup frees', async () => {
    const refused = await refusal(
      athena.send(
        new CreateWorkGroupCommand({
          Name: 'bad',
          Tags: [{ Key: 'seawall:max-concurrent-queries', Value: '0' }],
        }),
      ),
    );
    expect(refused).toBe(
      'InvalidRequestException: The seawall:max-concurrent-queries tag must be a whole number of queries from 1 to 1000.',
    );
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'single',
        Configuration: { ResultConfiguration: { OutputLocation: `${results}/single/` } },
        Tags: [{ Key: 'seawall:max-concurrent-queries', Value: '1' }],
      }),
    );
    const runaway = await start({ sql: RUNAWAY, WorkGroup: 'single' });
    await until(
      async () => (await execution(runaway)).Status?.State === 'RUNNING',
      'the first query to run',
      60_000,
    );
    const waiting = await start({ sql: 'SELECT 41 + 1 AS answer', WorkGroup: 'single' });
    // Another workgroup's query runs meanwhile: the waiting one holds none of the runtime's slots.
    const other = await waitForQuery(athena, await start({ sql: 'SELECT 2' }));
    expect(other.Status?.State).toBe('SUCCEEDED');
    expect((await execution(waiting)).Status?.State).toBe('QUEUED');
    expect(t.seawall.runtime.isActive(QUERY_JOB, waiting)).toBe(false);

    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: runaway }));
    const done = await waitForQuery(athena, waiting);
    expect(done.Status?.State).toBe('SUCCEEDED');
    expect(await rows(waiting)).toEqual([['answer'], ['42']]);
  }, 120_000);
});

describe('a query waiting for its workgroup across a restart', () => {
  it('stays QUEUED while Seawall is down and runs once it is back', async () => {
    const dataDir = tempDir();
    const first = await startTestSeawall({ dataDir });
    const before = athenaClient(first);
    const output = `s3://${defaultResultsBucket(first.credentials.accountId, first.credentials.region)}/one/`;
    await before.send(
      new CreateWorkGroupCommand({
        Name: 'one-at-a-time',
        Configuration: { ResultConfiguration: { OutputLocation: output } },
        Tags: [{ Key: 'seawall:max-concurrent-queries', Value: '1' }],
      }),
    );
    const submit = async (client: AthenaClient, sql: string) =>
      (await client.send(new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: 'one-at-a-time' })))
        .QueryExecutionId as string;
    const state = async (client: AthenaClient, id: string) =>
      (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Status
        ?.State;
    const running = await submit(before, RUNAWAY);
    await until(async () => (await state(before, running)) === 'RUNNING', 'the first query to run', 60_000);
    const waiting = await submit(before, 'SELECT 7 AS seven');
    expect(await state(before, waiting)).toBe('QUEUED');
    before.destroy();
    await first.close();

    const second = await startTestSeawall({ dataDir });
    const after = athenaClient(second);
    try {
      expect((await waitForQuery(after, waiting)).Status?.State).toBe('SUCCEEDED');
      expect(await state(after, running)).toBe('FAILED');
    } finally {
      after.destroy();
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('result reuse', () => {
  it('answers from a recent result of the same query, still only for callers who may read its tables', async () => {
    const reuse = { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 } };
    const sql = 'SELECT a, b FROM lake.small ORDER BY a';
    const first = await waitForQuery(athena, await start({ sql, ResultReuseConfiguration: reuse }));
    expect(first.Statistics?.ResultReuseInformation?.ReusedPreviousResult).toBe(false);
    expect(first.Statistics?.DataScannedInBytes).toBeGreaterThan(0);
    const second = await waitForQuery(athena, await start({ sql, ResultReuseConfiguration: reuse }));
    expect(second.Status?.State).toBe('SUCCEEDED');
    expect(second.ResultReuseConfiguration).toEqual(reuse);
    expect(second.Statistics?.ResultReuseInformation?.ReusedPreviousResult).toBe(true);
    expect(second.Statistics?.DataScannedInBytes).toBe(0);
    expect(second.ResultConfiguration?.OutputLocation).toBe(first.ResultConfiguration?.OutputLocation);
    expect(await rows(second.QueryExecutionId as string)).toEqual(
      await rows(first.QueryExecutionId as string),
    );
    // With other text, a query runs afresh.
    const other = await waitForQuery(
      athena,
      await start({ sql: `${sql} LIMIT 2`, ResultReuseConfiguration: reuse }),
    );
    expect(other.Statistics?.ResultReuseInformation?.ReusedPreviousResult).toBe(false);

    // A caller who may not read the table is refused even though a result exists.
    const iam = new IAMClient(clientConfig(t));
    await iam.send(new CreateUserCommand({ UserName: 'outsider' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'outsider' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'outsider',
        PolicyName: 'athena-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'athena:*', Resource: '*' },
            { Effect: 'Allow', Action: 's3:*', Resource: `arn:aws:s3:::${results.slice(5)}*` },
          ],
        }),
      }),
    );
    iam.destroy();
    const outsider = new AthenaClient({
      ...clientConfig(t),
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    const { QueryExecutionId } = await outsider.send(
      new StartQueryExecutionCommand({ QueryString: sql, ResultReuseConfiguration: reuse }),
    );
    const denied = await waitForQuery(outsider, QueryExecutionId as string);
    outsider.destroy();
    expect(denied.Status?.State).toBe('FAILED');
    expect(denied.Status?.StateChangeReason).toMatch(/^Insufficient permissions to execute the query\./);

    // Once the result file is gone, the query runs again.
    const { pathname } = new URL(first.ResultConfiguration?.OutputLocation as string);
    await t.s3().send(
      new DeleteObjectCommand({
        Bucket: defaultResultsBucket(t.credentials.accountId, t.credentials.region),
        Key: pathname.slice(1),
      }),
    );
    const rerun = await waitForQuery(athena, await start({ sql, ResultReuseConfiguration: reuse }));
    expect(rerun.Statistics?.ResultReuseInformation?.ReusedPreviousResult).toBe(false);
    expect(await rows(rerun.QueryExecutionId as string)).toEqual([
      ['a', 'b'],
      ['1', 'x'],
      ['2', 'y'],
      ['3', 'z'],
    ]);
    // Without the configuration, a query runs afresh even with a result to reuse.
    const fresh = await waitForQuery(athena, await start({ sql }));
    expect(fresh.Statistics?.ResultReuseInformation?.ReusedPreviousResult).toBe(false);
  }, 120_000);
});

describe('runtime statistics and parameters', () => {
  it("reports a query's timeline and the rows and bytes it read and wrote", async () => {
    const id = await start({ sql: 'SELECT a, b FROM lake.small WHERE a > 1 ORDER BY a' });
    const done = await waitForQuery(athena, id);
    const { QueryRuntimeStatistics } = await athena.send(
      new GetQueryRuntimeStatisticsCommand({ QueryExecutionId: id }),
    );
    const { bucket, key } = (() => {
      const url = new URL(done.ResultConfiguration?.OutputLocation as string);
      return { bucket: url.host, key: url.pathname.slice(1) };
    })();
    const csv = await (
      await t.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    ).Body?.transformToString();
    const header = `${(csv ?? '').split('\n')[0]}\n`;
    expect(QueryRuntimeStatistics?.Rows).toEqual({
      InputBytes: done.Statistics?.DataScannedInBytes,
      OutputRows: 2,
      OutputBytes: Buffer.byteLength(csv ?? '') - Buffer.byteLength(header),
    });
    for (const field of [
      'QueryQueueTimeInMillis',
      'QueryPlanningTimeInMillis',
      'EngineExecutionTimeInMillis',
      'ServiceProcessingTimeInMillis',
      'TotalExecutionTimeInMillis',
    ] as const)
      expect(typeof QueryRuntimeStatistics?.Timeline?.[field]).toBe('number');
    expect(QueryRuntimeStatistics?.OutputStage).toBeUndefined();
  });

  it('keeps ExecutionParameters with the execution and echoes them', async () => {
    const id = await start({ sql: 'SELECT a FROM lake.small WHERE a = ?', ExecutionParameters: ['2'] });
    expect((await waitForQuery(athena, id)).ExecutionParameters).toEqual(['2']);
  });

  it('runs a query with ExecutionParameters in place of its placeholders', async () => {
    const id = await start({
      sql: 'SELECT a, b FROM lake.small WHERE a = ? AND b = ?',
      ExecutionParameters: ['2', "'y'"],
    });
    const done = await waitForQuery(athena, id);
    expect(done.Status?.StateChangeReason).toBeUndefined();
    expect(await rows(id)).toEqual([
      ['a', 'b'],
      ['2', 'y'],
    ]);
  });
});
