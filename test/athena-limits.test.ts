import {
  type AthenaClient,
  BatchGetQueryExecutionCommand,
  CreateWorkGroupCommand,
  DeleteWorkGroupCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  ListTagsForResourceCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-athena';
import { CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultResultsBucket } from '../src/query/index.js';
import { QUERY_JOB } from '../src/query/query-job.js';
import { athenaClient, athenaQuery, RUNAWAY, waitForQuery } from './helpers/athena.js';
import { clientConfig } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { until } from './helpers/until.js';

let open: { t: TestSeawall; athena: AthenaClient }[] = [];

async function start(options: Parameters<typeof startTestSeawall>[0] = {}) {
  const t = await startTestSeawall(options);
  const athena = athenaClient(t);
  open.push({ t, athena });
  return { t, athena };
}

afterEach(async () => {
  for (const { t, athena } of open) {
    athena.destroy();
    await t.close();
  }
  open = [];
});

async function submit(
  athena: AthenaClient,
  sql: string,
  options: { outputLocation?: string; workgroup?: string } = {},
): Promise<string> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ...(options.outputLocation ? { ResultConfiguration: { OutputLocation: options.outputLocation } } : {}),
      ...(options.workgroup ? { WorkGroup: options.workgroup } : {}),
    }),
  );
  return QueryExecutionId as string;
}

async function execution(athena: AthenaClient, id: string): Promise<QueryExecution> {
  const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
  return QueryExecution as QueryExecution;
}

describe('Athena queries are bounded in time, memory and slots', () => {
  it('runs a short query while runaways hold the ordinary slots, and stops runaways on request', async () => {
    const { t, athena } = await start({
      limits: { athenaLimits: { concurrency: 1, longConcurrency: 2, longAfterMs: 300 } },
    });
    const runaways = [await submit(athena, RUNAWAY), await submit(athena, RUNAWAY)];
    await until(
      async () => (await execution(athena, runaways[1] as string)).Status?.State === 'RUNNING',
      'both runaways to run',
    );
    expect(await athenaQuery(athena, 'SELECT 6 * 7 AS answer')).toEqual([['answer'], ['42']]);
    for (const id of runaways) expect((await execution(athena, id)).Status?.State).toBe('RUNNING');

    for (const id of runaways) await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    for (const id of runaways) {
      const stopped = await execution(athena, id);
      expect(stopped.Status?.State).toBe('CANCELLED');
      expect(stopped.Status?.CompletionDateTime).toBeInstanceOf(Date);
    }
    // Cancelled is not enough: the engine must really have let go of the query.
    await until(
      async () => runaways.every((id) => !t.seawall.runtime.isActive(QUERY_JOB, id)),
      'the runaways to end',
    );
  }, 120_000);

  it('answers a poll of a running query when its state changes, not only at the next poll', async () => {
    // Held this long, a poll that missed the change would come back RUNNING long after the stop.
    const { athena } = await start({ limits: { athenaLimits: { stateChangeWaitMs: 20_000 } } });
    const id = await submit(athena, RUNAWAY);
    // Watched without a poll: a poll that came once it runs would be held, which is what comes next.
    await until(async () => {
      const { QueryExecutions } = await athena.send(
        new BatchGetQueryExecutionCommand({ QueryExecutionIds: [id] }),
      );
      return QueryExecutions?.[0]?.Status?.State === 'RUNNING';
    }, 'the query to run');
    let answered = false;
    const held = execution(athena, id).finally(() => {
      answered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Held (or not yet arrived): without a change a running query's poll waits.
    expect(answered).toBe(false);
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    // A finished query is answered as it is; the held poll was answered at the stop, before this one.
    expect((await execution(athena, id)).Status?.State).toBe('CANCELLED');
    expect(answered).toBe(true);
    expect((await held).Status?.State).toBe('CANCELLED');
  }, 60_000);

  it("fails a query that runs past its time limit with Athena's timeout error", async () => {
    const { t, athena } = await start({ limits: { athenaLimits: { timeoutMs: 1500 } } });
    const id = await submit(athena, RUNAWAY);
    const done = await waitForQuery(athena, id);
    expect(done.Status?.State).toBe('FAILED');
    expect(done.Status?.StateChangeReason).toMatch(
      /^Query timeout: the query ran longer than its limit of 1\.5 seconds\.$/,
    );
    expect(done.Status?.AthenaError).toMatchObject({ ErrorCategory: 1, ErrorType: 210 });
    await until(async () => !t.seawall.runtime.isActive(QUERY_JOB, id), 'the query to let go of its slot');
  }, 120_000);

  it("takes a workgroup's time limit from its tag, and refuses workgroup settings it does not implement", async () => {
    const { t, athena } = await start();
    const arn = `arn:aws:athena:${t.credentials.region}:${t.credentials.accountId}:workgroup/dashboards`;
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'dashboards',
        Description: 'Quick charts',
        Configuration: {
          ResultConfiguration: {
            OutputLocation: `s3://${defaultResultsBucket(t.credentials.accountId, t.credentials.region)}/dashboards/`,
          },
        },
        Tags: [{ Key: 'seawall:query-timeout-seconds', Value: '1' }],
      }),
    );
    const { WorkGroup } = await athena.send(new GetWorkGroupCommand({ WorkGroup: 'dashboards' }));
    expect(WorkGroup?.Description).toBe('Quick charts');
    const { Tags } = await athena.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    expect(Tags).toEqual([{ Key: 'seawall:query-timeout-seconds', Value: '1' }]);

    const limited = await waitForQuery(athena, await submit(athena, RUNAWAY, { workgroup: 'dashboards' }));
    expect(limited.Status?.StateChangeReason).toBe(
      'Query timeout: the query ran longer than its limit of 1 second.',
    );
    expect(limited.WorkGroup).toBe('dashboards');

    const refusal = async (promise: Promise<unknown>) =>
      promise.then(
        () => 'accepted',
        (error: Error) => `${error.name}: ${error.message}`,
      );
    expect(
      await refusal(
        athena.send(
          new CreateWorkGroupCommand({
            Name: 'capped',
            Configuration: { BytesScannedCutoffPerQuery: 9_999_999 },
          }),
        ),
      ),
    ).toMatch(/^InvalidRequestException: .*Member must have value greater than or equal to 10000000/);
    expect(await refusal(athena.send(new CreateWorkGroupCommand({ Name: 'dashboards' })))).toBe(
      'InvalidRequestException: WorkGroup is already created',
    );
    // A workgroup without a result location: each query must name one, as in Athena.
    await athena.send(new CreateWorkGroupCommand({ Name: 'adhoc' }));
    expect(
      await refusal(
        athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1', WorkGroup: 'adhoc' })),
      ),
    ).toMatch(/^InvalidRequestException: No output location provided/);
    expect(
      await refusal(
        athena.send(
          new TagResourceCommand({
            ResourceARN: arn,
            Tags: [{ Key: 'seawall:query-timeout-seconds', Value: 'soon' }],
          }),
        ),
      ),
    ).toMatch(/^InvalidRequestException: The seawall:query-timeout-seconds tag must be a whole number/);
    expect(await refusal(athena.send(new DeleteWorkGroupCommand({ WorkGroup: 'dashboards' })))).toMatch(
      /not empty/,
    );
    await athena.send(new DeleteWorkGroupCommand({ WorkGroup: 'dashboards', RecursiveDeleteOption: true }));
    expect(await refusal(athena.send(new GetWorkGroupCommand({ WorkGroup: 'dashboards' })))).toBe(
      'InvalidRequestException: WorkGroup dashboards is not found.',
    );
  }, 120_000);

  it('fails a query whose rows are too large to return, and keeps serving', async () => {
    // Athena's limit: a row or column of at most 32 MB; measured before any of it reaches JavaScript.
    const { athena } = await start({ limits: { athenaLimits: { engineMemoryMb: 256 } } });
    const tooLarge = await waitForQuery(athena, await submit(athena, "SELECT lpad('', 40000000, 'x') AS v"));
    expect(tooLarge.Status?.State).toBe('FAILED');
    expect(tooLarge.Status?.StateChangeReason).toBe(
      'EXCEEDED_ROW_SIZE_LIMIT: a result row is about 38.1 MB; the size of a single row or its columns cannot exceed 32.0 MB.',
    );

    // Ten columns of one 120 MB string: the engine runs out of its memory long before a row is complete.
    const columns = 'abcdefghij'
      .split('')
      .map((c) => `v ${c}`)
      .join(', ');
    const done = await waitForQuery(
      athena,
      await submit(athena, `WITH s AS (SELECT lpad('', 120000000, 'x') AS v) SELECT ${columns} FROM s`),
    );
    expect(done.Status?.State).toBe('FAILED');
    expect(done.Status?.StateChangeReason).toMatch(
      /EXCEEDED_ROW_SIZE_LIMIT|Query exhausted resources at this scale factor/,
    );
    expect(await athenaQuery(athena, 'SELECT 2 AS two')).toEqual([['two'], ['2']]);
  }, 240_000);

  it('answers SlowDown past the memory all requests may buffer, and serves again once it is free', async () => {
    const { t, athena } = await start({ limits: { memoryBudgetBytes: 8 * 2 ** 20 } });
    const id = await submit(athena, "SELECT lpad('', 3000000, 'x') AS big");
    expect((await waitForQuery(athena, id)).Status?.State).toBe('SUCCEEDED');
    // A page of a 3 MB row holds about three times that while it is built: past the whole budget.
    const noRetries = athenaClient(t, { maxAttempts: 1 });
    const throttled = await noRetries.send(new GetQueryResultsCommand({ QueryExecutionId: id })).then(
      () => 'answered',
      (error: Error & { $metadata?: { httpStatusCode?: number } }) =>
        `${error.name} ${error.$metadata?.httpStatusCode}`,
    );
    noRetries.destroy();
    expect(throttled).toBe('ThrottlingException 503');
    // A body larger than what is left is refused too, before it is read whole.
    const glue = new GlueClient({ ...clientConfig(t), maxAttempts: 1 });
    const large = await glue
      .send(
        new CreateDatabaseCommand({ DatabaseInput: { Name: 'big', Description: 'd'.repeat(9 * 2 ** 20) } }),
      )
      .then(
        () => 'created',
        (error: Error) => error.name,
      );
    expect(large).toBe('ThrottlingException');
    // Nothing is held after those answers: small requests go through.
    expect(
      (await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'small' } }))).$metadata
        .httpStatusCode,
    ).toBe(200);
    glue.destroy();
    expect(await athenaQuery(athena, 'SELECT 3 AS three')).toEqual([['three'], ['3']]);
  }, 120_000);

  it('pages large results by size as well as by row count', async () => {
    const { athena } = await start();
    const id = await submit(
      athena,
      "SELECT i, lpad('', 1000000, 'x') AS big FROM UNNEST(sequence(0, 11)) t(i) ORDER BY i",
    );
    expect((await waitForQuery(athena, id)).Status?.State).toBe('SUCCEEDED');
    const seen: string[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
      const rows = page.ResultSet?.Rows ?? [];
      expect(rows.length).toBeLessThan(13);
      for (const row of rows) seen.push(row.Data?.[0]?.VarCharValue ?? '');
      expect(rows.every((row) => [1000000, 3].includes(row.Data?.[1]?.VarCharValue?.length ?? 0))).toBe(true);
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(['i', ...Array.from({ length: 12 }, (_, i) => String(i))]);
  }, 120_000);

  it('fails a query whose output bucket does not exist instead of creating it', async () => {
    const { t, athena } = await start();
    const done = await waitForQuery(
      athena,
      await submit(athena, 'SELECT 1', { outputLocation: 's3://no-such-results/q/' }),
    );
    expect(done.Status?.State).toBe('FAILED');
    expect(done.Status?.StateChangeReason).toBe('Unable to verify/create output bucket no-such-results');
    const buckets = await t.seawall.storage.listBuckets(t.credentials.accountId);
    expect(buckets.map((b) => b.name)).not.toContain('no-such-results');
  }, 60_000);

  it('keeps queued queries across a restart and fails the one that was running', async () => {
    const dataDir = tempDir();
    const limits = { athenaLimits: { concurrency: 1, longConcurrency: 0 } };
    const first = await start({ dataDir, limits });
    const running = await submit(first.athena, RUNAWAY);
    await until(
      async () => (await execution(first.athena, running)).Status?.State === 'RUNNING',
      'the first query to run',
    );
    const queued = await submit(first.athena, 'SELECT 7 AS seven');
    expect((await execution(first.athena, queued)).Status?.State).toBe('QUEUED');
    first.athena.destroy();
    await first.t.close();
    open = [];

    const second = await start({ dataDir, limits });
    const done = await waitForQuery(second.athena, queued);
    expect(done.Status?.State).toBe('SUCCEEDED');
    const cut = await execution(second.athena, running);
    expect(cut.Status?.State).toBe('FAILED');
    expect(cut.Status?.StateChangeReason).toMatch(/shut down|stopped/);
  }, 120_000);
});
