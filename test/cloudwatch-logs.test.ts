import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeQueriesCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  ListTagsForResourceCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateCrawlerCommand, CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { failure, failureOf } from './helpers/failure.js';
import { crawl } from './helpers/glue.js';
import { policyUser } from './helpers/iam-user.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let logs: CloudWatchLogsClient;
const now = Date.now();
const HOUR = 3_600_000;

/** Runs an Insights query to its end and answers its results. */
async function query(queryString: string, logGroupName = 'app'): Promise<GetQueryResultsCommandOutput> {
  const { queryId } = await logs.send(
    new StartQueryCommand({
      logGroupName,
      startTime: Math.floor((now - 24 * HOUR) / 1000),
      endTime: Math.ceil((now + HOUR) / 1000),
      queryString,
    }),
  );
  for (let i = 0; i < 400; i++) {
    const out = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (out.status !== 'Running' && out.status !== 'Scheduled') return out;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the query did not finish');
}

const rowsOf = (out: GetQueryResultsCommandOutput) =>
  (out.results ?? []).map((row) => Object.fromEntries(row.map((cell) => [cell.field, cell.value])));

beforeAll(async () => {
  t = await startTestSeawall({ logLevel: 'info' });
  logs = new CloudWatchLogsClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.credentials,
  });
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'app', tags: { team: 'data' } }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'web-1' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'worker-1' }));
  const at = (hoursAgo: number) => now - hoursAgo * HOUR;
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: 'app',
      logStreamName: 'web-1',
      logEvents: [
        { timestamp: at(5), message: 'GET /index.html 200 12ms' },
        { timestamp: at(4), message: 'GET /missing 404 3ms' },
        {
          timestamp: at(3),
          message: '{"level":"ERROR","latency":250,"path":"/api/tickets","user":{"id":7}}',
        },
        { timestamp: at(2), message: '{"level":"INFO","latency":20,"path":"/api/licences","user":{"id":8}}' },
        { timestamp: at(1), message: 'POST /api/upload 500 900ms' },
      ],
    }),
  );
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: 'app',
      logStreamName: 'worker-1',
      logEvents: [{ timestamp: at(2.5), message: '{"level":"ERROR","latency":700,"path":"/jobs/recipe"}' }],
    }),
  );
});

afterAll(async () => {
  logs?.destroy();
  await t?.close();
});

describe('log groups and streams', () => {
  it('creates, describes and refuses duplicates as CloudWatch Logs does', async () => {
    expect(await failure(logs.send(new CreateLogGroupCommand({ logGroupName: 'app' })))).toEqual({
      code: 'ResourceAlreadyExistsException',
      status: 400,
    });
    expect((await failure(logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name!' })))).code).toBe(
      'InvalidParameterException',
    );
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ap' }));
    expect(groups.logGroups?.map((g) => [g.logGroupName, g.arn])).toEqual([
      ['app', `arn:aws:logs:${t.credentials.region}:${t.seawall.accountId}:log-group:app:*`],
    ]);
    const streams = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: 'app', orderBy: 'LastEventTime', descending: true }),
    );
    expect(streams.logStreams?.map((s) => s.logStreamName)).toEqual(['web-1', 'worker-1']);
    expect(streams.logStreams?.[0]?.lastEventTimestamp).toBe(now - HOUR);
    expect(
      (
        await logs.send(
          new ListTagsForResourceCommand({
            resourceArn: `arn:aws:logs:${t.credentials.region}:${t.seawall.accountId}:log-group:app`,
          }),
        )
      ).tags,
    ).toEqual({ team: 'data' });
    expect((await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: 'nope' })))).code).toBe(
      'ResourceNotFoundException',
    );
  });

  it('checks PutLogEvents batches: order, age and the future', async () => {
    const bad = await failureOf(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'app',
          logStreamName: 'web-1',
          logEvents: [
            { timestamp: now, message: 'b' },
            { timestamp: now - 1000, message: 'a' },
          ],
        }),
      ),
    );
    expect([bad.code, bad.message]).toEqual([
      'InvalidParameterException',
      'Log events in a single PutLogEvents request must be in chronological order.',
    ]);
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'edges' }));
    const out = await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'edges',
        logEvents: [
          { timestamp: now - 14 * 24 * HOUR - 3 * HOUR, message: 'too old' },
          { timestamp: now - 14 * 24 * HOUR - 2 * HOUR, message: 'too old too' },
          { timestamp: now - 14 * 24 * HOUR + HOUR, message: 'old but kept' },
        ],
      }),
    );
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    const future = await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'edges',
        logEvents: [
          { timestamp: now - 20 * HOUR, message: 'kept' },
          { timestamp: now + 3 * HOUR, message: 'too new' },
        ],
      }),
    );
    expect(future.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    const span = await failureOf(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'app',
          logStreamName: 'edges',
          logEvents: [
            { timestamp: now - 30 * HOUR, message: 'a' },
            { timestamp: now - HOUR, message: 'b' },
          ],
        }),
      ),
    );
    expect(span.message).toBe(
      'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    );
    const events = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'edges', startFromHead: true }),
    );
    expect(events.events?.map((e) => e.message)).toEqual(['old but kept', 'kept']);
  });

  it('pages GetLogEvents forwards from the head and backwards from the tail', async () => {
    const first = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'web-1', startFromHead: true, limit: 2 }),
    );
    expect(first.events?.map((e) => e.message)).toEqual(['GET /index.html 200 12ms', 'GET /missing 404 3ms']);
    const second = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'web-1',
        nextToken: first.nextForwardToken,
        limit: 2,
      }),
    );
    expect(second.events?.length).toBe(2);
    const third = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'web-1',
        nextToken: second.nextForwardToken,
        limit: 2,
      }),
    );
    expect(third.events?.map((e) => e.message)).toEqual(['POST /api/upload 500 900ms']);
    const end = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'web-1',
        nextToken: third.nextForwardToken,
        limit: 2,
      }),
    );
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(third.nextForwardToken);
    const tail = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'web-1', limit: 2 }),
    );
    expect(tail.events?.map((e) => e.timestamp)).toEqual([now - 2 * HOUR, now - HOUR]);
    const before = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'web-1',
        nextToken: tail.nextBackwardToken,
        limit: 2,
      }),
    );
    expect(before.events?.map((e) => e.timestamp)).toEqual([now - 4 * HOUR, now - 3 * HOUR]);
  });

  it('filters with terms, alternatives, exclusions, JSON and space-delimited patterns', async () => {
    const filter = async (filterPattern: string, extra: object = {}) =>
      (
        await logs.send(new FilterLogEventsCommand({ logGroupName: 'app', filterPattern, ...extra }))
      ).events?.map((e) => e.message);
    expect(await filter('GET')).toEqual(['GET /index.html 200 12ms', 'GET /missing 404 3ms']);
    expect(await filter('GET -404')).toEqual(['GET /index.html 200 12ms']);
    expect(await filter('?404 ?500')).toEqual(['GET /missing 404 3ms', 'POST /api/upload 500 900ms']);
    expect(await filter('"api/upload 500"')).toEqual(['POST /api/upload 500 900ms']);
    expect(await filter('{ $.level = "ERROR" && $.latency > 300 }')).toEqual([
      '{"level":"ERROR","latency":700,"path":"/jobs/recipe"}',
    ]);
    expect(await filter('{ $.path = "/api/*" && $.user.id = 7 }')).toEqual([
      '{"level":"ERROR","latency":250,"path":"/api/tickets","user":{"id":7}}',
    ]);
    expect(await filter('[method, path, status = 5*, time]')).toEqual(['POST /api/upload 500 900ms']);
    expect(await filter('[method = GET, path, status >= 400, time]')).toEqual(['GET /missing 404 3ms']);
    // Regular expressions, alone or as a value, and ... for any number of fields.
    expect(await filter('%[45]0[04] [0-9]+ms%')).toEqual([
      'GET /missing 404 3ms',
      'POST /api/upload 500 900ms',
    ]);
    expect(await filter('{ $.path = %^/api/t% }')).toEqual([
      '{"level":"ERROR","latency":250,"path":"/api/tickets","user":{"id":7}}',
    ]);
    expect(await filter('[method, ..., time = %^[0-9]{3,}ms$%]')).toEqual(['POST /api/upload 500 900ms']);
    expect(await filter('[..., status = 404, time]')).toEqual(['GET /missing 404 3ms']);
    expect(await filter('ERROR', { logStreamNames: ['worker-1'] })).toHaveLength(1);
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName: 'app', limit: 2 }));
    expect(page.events).toHaveLength(2);
    const next = await logs.send(
      new FilterLogEventsCommand({ logGroupName: 'app', limit: 100, nextToken: page.nextToken }),
    );
    expect(next.events?.[0]?.timestamp).toBeGreaterThanOrEqual(page.events?.[1]?.timestamp ?? 0);
    expect(
      (
        await failure(
          logs.send(new FilterLogEventsCommand({ logGroupName: 'app', filterPattern: '{ $.a = ' })),
        )
      ).code,
    ).toBe('InvalidParameterException');
  });

  it('keeps events only as long as the group says', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'short-lived' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'short-lived', logStreamName: 's' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'short-lived',
        logStreamName: 's',
        logEvents: [{ timestamp: now - 10 * 24 * HOUR, message: 'old' }],
      }),
    );
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'short-lived',
        logStreamName: 's',
        logEvents: [{ timestamp: now - HOUR, message: 'new' }],
      }),
    );
    expect(
      (
        await failure(
          logs.send(new PutRetentionPolicyCommand({ logGroupName: 'short-lived', retentionInDays: 2 })),
        )
      ).code,
    ).toBe('InvalidParameterException');
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'short-lived', retentionInDays: 7 }));
    expect(t.seawall.monitor.logs.sweep()).toBe(1);
    const left = await logs.send(new FilterLogEventsCommand({ logGroupName: 'short-lived' }));
    expect(left.events?.map((e) => e.message)).toEqual(['new']);
    const described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'short' }));
    expect(described.logGroups?.[0]?.retentionInDays).toBe(7);
    // What expired no longer counts as stored: only 'new' (3 bytes) is left.
    expect(described.logGroups?.[0]?.storedBytes).toBe(3);
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'short-lived' }));
    expect(streams.logStreams?.[0]?.storedBytes).toBe(3);
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'short-lived' }));
  });
});

describe('Logs Insights', () => {
  it('runs fields, filter, sort and limit', async () => {
    const out = await query(
      'fields @timestamp, @message, @logStream | filter level = "ERROR" | sort @timestamp desc | limit 1',
    );
    expect(out.status).toBe('Complete');
    expect(rowsOf(out)).toEqual([
      {
        '@timestamp': new Date(now - 2.5 * HOUR).toISOString().replace('T', ' ').replace('Z', ''),
        '@message': '{"level":"ERROR","latency":700,"path":"/jobs/recipe"}',
        '@logStream': 'worker-1',
      },
    ]);
    expect(out.statistics?.recordsMatched).toBe(2);
  });

  it('describes and stops queries', async () => {
    const done = await query('fields @message | limit 1');
    const described = await logs.send(
      new DescribeQueriesCommand({ logGroupName: 'app', status: 'Complete' }),
    );
    expect(described.queries?.length).toBeGreaterThan(0);
    expect(described.queries?.every((q) => q.status === 'Complete' && q.logGroupName === 'app')).toBe(true);
    expect(described.queries?.some((q) => q.queryString === 'fields @message | limit 1')).toBe(true);
    expect(done.status).toBe('Complete');
    // A finished query cannot be stopped; an unknown one does not exist.
    const finished = described.queries?.find((q) => q.queryString === 'fields @message | limit 1');
    expect((await logs.send(new StopQueryCommand({ queryId: finished?.queryId }))).success).toBe(false);
    expect(
      (await failure(logs.send(new StopQueryCommand({ queryId: '00000000-0000-0000-0000-000000000000' }))))
        .code,
    ).toBe('ResourceNotFoundException');
  });

  it('aggregates with stats by fields and bin()', async () => {
    const byLevel = rowsOf(
      await query(
        'filter ispresent(level) | stats count(*) as n, avg(latency) as avg, max(latency) by level | sort n desc',
      ),
    );
    expect(byLevel).toEqual([
      { level: 'ERROR', n: '2', avg: '475', 'max(latency)': '700' },
      { level: 'INFO', n: '1', avg: '20', 'max(latency)': '20' },
    ]);
    const binned = rowsOf(await query('stats count(*) as events by bin(24h)'));
    expect(binned.reduce((sum, row) => sum + Number(row.events), 0)).toBe(7);
  });

  it('parses fields out of text with globs and regular expressions', async () => {
    const glob = rowsOf(
      await query(
        'parse @message "* * * *" as method, path, status, took | filter status >= 400 | display path, status | sort status asc',
      ),
    );
    expect(glob).toEqual([
      { path: '/missing', status: '404' },
      { path: '/api/upload', status: '500' },
    ]);
    const regex = rowsOf(
      await query('parse @message /(?<verb>GET|POST) (?<page>\\S+)/ | filter verb = "POST" | fields page'),
    );
    expect(regex).toEqual([{ page: '/api/upload' }]);
  });

  it('refuses what it does not understand', async () => {
    for (const queryString of [
      'fields @message | pattern @message',
      'stats nope(x)',
      'filter (a = 1',
      'limit 0',
    ])
      expect(
        (
          await failure(
            logs.send(new StartQueryCommand({ logGroupName: 'app', startTime: 0, endTime: 1, queryString })),
          )
        ).code,
        queryString,
      ).toBe('MalformedQueryException');
  });
});

describe('what Seawall writes there itself', () => {
  it("keeps Seawall's own log lines in /seawall/server", async () => {
    let found: string[] = [];
    for (let i = 0; i < 100 && found.length === 0; i++) {
      const out = await logs
        .send(
          new FilterLogEventsCommand({
            logGroupName: '/seawall/server',
            filterPattern: '{ $.op = "CreateLogGroup" }',
          }),
        )
        .catch(() => ({ events: [] }));
      found = (out.events ?? []).map((e) => e.message ?? '');
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(found.length).toBeGreaterThan(0);
    expect(JSON.parse(found[0] as string)).toMatchObject({
      msg: 'request',
      api: 'logs',
      op: 'CreateLogGroup',
    });
    for (const line of found) expect(line).not.toContain(t.credentials.secretAccessKey);
  });

  it("writes each crawl's log to /aws-glue/crawlers", async () => {
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'crawled-logs' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'crawled-logs',
        Key: 'people/a.csv',
        Body: 'name,age\nann,30\nbob,41\n',
      }),
    );
    const glue = new GlueClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    try {
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'logged' } }));
      await glue.send(
        new CreateCrawlerCommand({
          Name: 'people-crawler',
          Role: await t.serviceRole(),
          DatabaseName: 'logged',
          Targets: { S3Targets: [{ Path: 's3://crawled-logs/people/' }] },
        }),
      );
      const crawler = await crawl(glue, 'people-crawler');
      expect(crawler.LastCrawl?.Status).toBe('SUCCEEDED');
      await t.seawall.monitor.builtin.flush();
      const events = await logs.send(
        new GetLogEventsCommand({
          logGroupName: '/aws-glue/crawlers',
          logStreamName: 'people-crawler',
          startFromHead: true,
        }),
      );
      const messages = events.events?.map((e) => e.message) ?? [];
      expect(messages[0]).toMatch(/BENCHMARK : Running Start Crawl for Crawler people-crawler$/);
      expect(messages.some((m) => /Tables created: 1/.test(m ?? ''))).toBe(true);
      expect(messages.at(-1)).toMatch(
        /BENCHMARK : Crawler has finished running and is in state READY \(SUCCEEDED\)$/,
      );
      // The crawl is a job run in Seawall/Jobs, by its name and by its type alone.
      const cw = new CloudWatchClient({
        endpoint: t.url,
        region: t.credentials.region,
        credentials: t.credentials,
      });
      try {
        const now = Date.now();
        for (const Dimensions of [
          [
            { Name: 'JobType', Value: 'GlueCrawler' },
            { Name: 'JobName', Value: 'people-crawler' },
          ],
          [{ Name: 'JobType', Value: 'GlueCrawler' }],
        ]) {
          const sum = async (MetricName: string) =>
            (
              await cw.send(
                new GetMetricStatisticsCommand({
                  Namespace: 'Seawall/Jobs',
                  MetricName,
                  Dimensions,
                  StartTime: new Date(now - 3_600_000),
                  EndTime: new Date(now + 60_000),
                  Period: 3600,
                  Statistics: ['Sum'],
                }),
              )
            ).Datapoints?.[0]?.Sum;
          expect(await sum('JobRunsSucceeded')).toBe(1);
          expect(await sum('JobRunsFailed')).toBe(0);
          expect(await sum('JobRunTime')).toBeGreaterThan(0);
        }
      } finally {
        cw.destroy();
      }
    } finally {
      glue.destroy();
    }
  });
});

describe('access and the aws cli', () => {
  it('denies a user without logs permissions', async () => {
    const user = await policyUser(t, 'no-logs', [
      { Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
    ]);
    const client = new CloudWatchLogsClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: await user.s3.config.credentials(),
    });
    try {
      await client.send(new DescribeLogGroupsCommand({}));
      expect(
        (await failure(client.send(new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 'web-1' }))))
          .code,
      ).toBe('AccessDeniedException');
    } finally {
      client.destroy();
      user.close();
    }
  });

  for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
    it(`works with ${cli}`, async () => {
      const group = `cli-${cli === AWS_CLI ? 'v2' : 'path'}`;
      const run = (args: string[]) => awsCli(t.dataDir, t.url, ['logs', ...args], undefined, cli);
      expect((await run(['create-log-group', '--log-group-name', group])).stderr).toBe('');
      expect(
        (await run(['create-log-stream', '--log-group-name', group, '--log-stream-name', 's'])).stderr,
      ).toBe('');
      const put = await run([
        'put-log-events',
        '--log-group-name',
        group,
        '--log-stream-name',
        's',
        '--log-events',
        `timestamp=${now},message=hello-cli`,
      ]);
      expect(put.stderr).toBe('');
      const filtered = JSON.parse(
        (await run(['filter-log-events', '--log-group-name', group, '--filter-pattern', 'hello'])).stdout,
      );
      expect(filtered.events.map((e: { message: string }) => e.message)).toEqual(['hello-cli']);
      const missing = await run(['delete-log-group', '--log-group-name', 'never-made']);
      expect(missing.stderr).toContain('ResourceNotFoundException');
    });
  }
});

describe('hostile input', () => {
  it('refuses an event larger than CloudWatch Logs takes, and matches only own members of JSON messages', async () => {
    const huge = await failure(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'app',
          logStreamName: 'edges',
          logEvents: [{ timestamp: now, message: 'x'.repeat(262_144) }],
        }),
      ),
    );
    expect(huge.code).toBe('InvalidParameterException');
    const inherited = await logs.send(
      new FilterLogEventsCommand({ logGroupName: 'app', filterPattern: '{ $.constructor EXISTS }' }),
    );
    expect(inherited.events).toEqual([]);
  });
});

describe('DescribeLogGroups by identifiers and class', () => {
  it('lists only the groups named, and nothing of a class Seawall has none of', async () => {
    const arn = `arn:aws:logs:${t.credentials.region}:${t.seawall.accountId}:log-group:app:*`;
    const named = await logs.send(
      new DescribeLogGroupsCommand({ logGroupIdentifiers: [arn, 'no-such-group'] }),
    );
    expect(named.logGroups?.map((g) => g.logGroupName)).toEqual(['app']);
    const infrequent = await logs.send(new DescribeLogGroupsCommand({ logGroupClass: 'INFREQUENT_ACCESS' }));
    expect(infrequent.logGroups).toEqual([]);
  });
});
