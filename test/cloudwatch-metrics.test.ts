import { StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import {
  CloudWatchClient,
  DeleteDashboardsCommand,
  GetDashboardCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListDashboardsCommand,
  ListMetricsCommand,
  PutDashboardCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, waitForQuery } from './helpers/athena.js';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { failure, failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let cw: CloudWatchClient;
/** A minute boundary a little in the past, so every datapoint is within the last two weeks. */
const base = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;

beforeAll(async () => {
  t = await startTestSeawall();
  cw = new CloudWatchClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
});

afterAll(async () => {
  cw?.destroy();
  await t?.close();
});

const at = (minutes: number) => new Date(base + minutes * 60_000);

/** One datapoint a page, newest first, of Test/Paging's Arrivals over minutes 0 to 3. */
const pageOf = (NextToken: string | undefined) => ({
  StartTime: at(0),
  EndTime: at(3),
  MaxDatapoints: 1,
  NextToken,
  MetricDataQueries: [
    {
      Id: 'arrivals',
      MetricStat: {
        Metric: { Namespace: 'Test/Paging', MetricName: 'Arrivals' },
        Period: 60,
        Stat: 'Sum',
      },
    },
  ],
});

describe('metrics through the SDK (awsJson1_0)', () => {
  beforeAll(async () => {
    // Minute 0: values 1..100 with a count each; minute 1: a statistic set; minute 2: a single value.
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Test/App',
        MetricData: [
          {
            MetricName: 'Latency',
            Dimensions: [
              { Name: 'Service', Value: 'api' },
              { Name: 'Stage', Value: 'prod' },
            ],
            Timestamp: at(0),
            Values: Array.from({ length: 100 }, (_, i) => i + 1),
            Unit: 'Milliseconds',
          },
          {
            MetricName: 'Latency',
            Dimensions: [
              { Name: 'Stage', Value: 'prod' },
              { Name: 'Service', Value: 'api' },
            ],
            Timestamp: at(1),
            StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 20 },
            Unit: 'Milliseconds',
          },
          {
            MetricName: 'Latency',
            Dimensions: [
              { Name: 'Service', Value: 'api' },
              { Name: 'Stage', Value: 'prod' },
            ],
            Timestamp: at(2),
            Value: 7,
            Unit: 'Milliseconds',
          },
          {
            MetricName: 'Requests',
            Dimensions: [{ Name: 'Service', Value: 'api' }],
            Timestamp: at(0),
            Value: 10,
          },
          {
            MetricName: 'Requests',
            Dimensions: [{ Name: 'Service', Value: 'web' }],
            Timestamp: at(0),
            Value: 5,
          },
          {
            MetricName: 'Requests',
            Dimensions: [{ Name: 'Service', Value: 'api' }],
            Timestamp: at(1),
            Values: [2, 3],
            Counts: [2, 1],
          },
        ],
      }),
    );
  });

  it('answers statistics and percentiles per period, dimensions in any order', async () => {
    const out = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Test/App',
        MetricName: 'Latency',
        Dimensions: [
          { Name: 'Stage', Value: 'prod' },
          { Name: 'Service', Value: 'api' },
        ],
        StartTime: at(0),
        EndTime: at(3),
        Period: 60,
        Statistics: ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'],
      }),
    );
    expect(out.Label).toBe('Latency');
    const points = (out.Datapoints ?? []).sort(
      (a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0),
    );
    expect(
      points.map((p) => [
        p.Timestamp?.getTime(),
        p.SampleCount,
        p.Sum,
        p.Average,
        p.Minimum,
        p.Maximum,
        p.Unit,
      ]),
    ).toEqual([
      [at(0).getTime(), 100, 5050, 50.5, 1, 100, 'Milliseconds'],
      [at(1).getTime(), 4, 40, 10, 5, 20, 'Milliseconds'],
      [at(2).getTime(), 1, 7, 7, 7, 7, 'Milliseconds'],
    ]);
    const pct = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Test/App',
        MetricName: 'Latency',
        Dimensions: [
          { Name: 'Service', Value: 'api' },
          { Name: 'Stage', Value: 'prod' },
        ],
        StartTime: at(0),
        EndTime: at(1),
        Period: 60,
        ExtendedStatistics: ['p50', 'p90', 'p99.9', 'TM(10%:90%)'],
      }),
    );
    expect(pct.Datapoints?.[0]?.ExtendedStatistics).toEqual({
      p50: 50,
      p90: 90,
      'p99.9': 100,
      'TM(10%:90%)': 50.5,
    });
  });

  it('keeps a metric with other dimensions apart', async () => {
    const out = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Test/App',
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Service', Value: 'api' }],
        StartTime: at(0),
        EndTime: at(3),
        Period: 180,
        Statistics: ['Sum'],
      }),
    );
    expect(out.Datapoints).toEqual([]);
  });

  it('answers GetMetricData with MetricStat and metric math, newest first', async () => {
    const stat = (service: string) => ({
      Metric: {
        Namespace: 'Test/App',
        MetricName: 'Requests',
        Dimensions: [{ Name: 'Service', Value: service }],
      },
      Period: 60,
      Stat: 'Sum',
    });
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(2),
        MetricDataQueries: [
          { Id: 'api', MetricStat: stat('api'), ReturnData: true },
          { Id: 'web', MetricStat: stat('web'), ReturnData: false },
          { Id: 'total', Expression: 'api + web', Label: 'Both' },
          { Id: 'doubled', Expression: 'api * 2' },
        ],
      }),
    );
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r]));
    expect(Object.keys(byId).sort()).toEqual(['api', 'doubled', 'total']);
    expect(byId.api?.Timestamps?.map((d: Date) => d.getTime())).toEqual([at(1).getTime(), at(0).getTime()]);
    expect(byId.api?.Values).toEqual([7, 10]);
    expect(byId.api?.Label).toBe('Requests');
    expect(byId.api?.StatusCode).toBe('Complete');
    expect(byId.total?.Label).toBe('Both');
    // A missing point counts as 0 in series arithmetic: web has nothing in the second minute.
    expect(byId.total?.Values).toEqual([7, 15]);
    expect(byId.doubled?.Values).toEqual([14, 20]);
  });

  it('pages GetMetricData by MaxDatapoints', async () => {
    const query = {
      Id: 'm1',
      MetricStat: {
        Metric: {
          Namespace: 'Test/App',
          MetricName: 'Latency',
          Dimensions: [
            { Name: 'Service', Value: 'api' },
            { Name: 'Stage', Value: 'prod' },
          ],
        },
        Period: 60,
        Stat: 'Maximum',
      },
    };
    const first = await cw.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(3),
        MetricDataQueries: [query],
        MaxDatapoints: 2,
        ScanBy: 'TimestampAscending',
      }),
    );
    expect(first.MetricDataResults?.[0]?.Values).toEqual([100, 20]);
    expect(first.MetricDataResults?.[0]?.StatusCode).toBe('PartialData');
    expect(first.NextToken).toBeDefined();
    const second = await cw.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(3),
        MetricDataQueries: [query],
        MaxDatapoints: 2,
        ScanBy: 'TimestampAscending',
        NextToken: first.NextToken,
      }),
    );
    expect(second.MetricDataResults?.[0]?.Values).toEqual([7]);
    expect(second.NextToken).toBeUndefined();
    expect(
      (await failure(cw.send(new GetMetricDataCommand({ ...pageOf('x'), NextToken: 'dp-1' })))).code,
    ).toBe('InvalidNextToken');
  });

  it('refuses expressions that together would make more than ten requests of datapoints', async () => {
    // Seventy days of minutes: each TIME_SERIES makes 100,800 points, the most one request returns.
    const EndTime = new Date(base);
    const StartTime = new Date(base - 100_800 * 60_000);
    const series = (count: number) =>
      Array.from({ length: count }, (_, n) => ({
        Id: `t${n}`,
        Expression: 'TIME_SERIES(1)',
        Period: 60,
        ReturnData: n === 0,
      }));
    const ten = await cw.send(
      new GetMetricDataCommand({ StartTime, EndTime, MetricDataQueries: series(10), MaxDatapoints: 10 }),
    );
    expect(ten.MetricDataResults?.[0]?.Values).toEqual(Array(10).fill(1));
    const eleven = await failureOf(
      cw.send(new GetMetricDataCommand({ StartTime, EndTime, MetricDataQueries: series(11) })),
    );
    expect(eleven.code).toBe('InvalidParameterValue');
    expect(eleven.message).toMatch(/^Error in expression t10: .*more datapoints than a request may/);
  });

  it.each([
    ['labelled', true],
    ['all labelled Load', false],
  ])(
    'pages a sorted array on by series (%s), though the sort order changes between pages',
    async (_, labelled) => {
      const Namespace = labelled ? 'Test/SortedLabelled' : 'Test/SortedUnlabelled';
      const put = (Value: string, minute: number, value: number) =>
        cw.send(
          new PutMetricDataCommand({
            Namespace,
            MetricData: [
              {
                MetricName: 'Load',
                Dimensions: [{ Name: 'Host', Value }],
                Timestamp: at(minute),
                Value: value,
              },
            ],
          }),
        );
      for (const minute of [0, 1, 2]) {
        await put('a', minute, 10 + minute);
        await put('b', minute, 1 + minute);
      }
      const load = (Id: string, host: string) => ({
        Id,
        ReturnData: false,
        ...(labelled ? { Label: host } : {}),
        MetricStat: {
          Metric: { Namespace, MetricName: 'Load', Dimensions: [{ Name: 'Host', Value: host }] },
          Period: 60,
          Stat: 'Maximum',
        },
      });
      const request = (NextToken?: string) =>
        new GetMetricDataCommand({
          StartTime: at(0),
          EndTime: at(3),
          MaxDatapoints: 2,
          ScanBy: 'TimestampAscending',
          NextToken,
          MetricDataQueries: [
            load('a', 'a'),
            load('b', 'b'),
            { Id: 'sorted', Expression: 'SORT([a, b], MAX, DESC)' },
          ],
        });
      const first = await cw.send(request());
      expect(first.MetricDataResults?.map((r) => r.Values)).toEqual([[10, 11], []]);
      // b now has the highest maximum and sorts first; the next page still goes on from a's third minute.
      await put('b', 2, 99);
      const second = await cw.send(request(first.NextToken));
      const third = await cw.send(request(second.NextToken));
      expect(third.NextToken).toBeUndefined();
      const given = new Map<string, number[]>();
      for (const page of [first, second, third])
        for (const result of page.MetricDataResults ?? [])
          given.set(result.Label ?? '', [...(given.get(result.Label ?? '') ?? []), ...(result.Values ?? [])]);
      // Every datapoint once, whether the series' labels tell them apart or not.
      expect([...given.values()].flat().sort((x, y) => x - y)).toEqual([1, 2, 10, 11, 12, 99]);
      if (labelled) expect(Object.fromEntries(given)).toEqual({ a: [10, 11, 12], b: [1, 2, 99] });
    },
  );

  it('pages on where the last page ended, whatever arrives meanwhile', async () => {
    const put = (minute: number, Value: number) =>
      cw.send(
        new PutMetricDataCommand({
          Namespace: 'Test/Paging',
          MetricData: [{ MetricName: 'Arrivals', Timestamp: at(minute), Value }],
        }),
      );
    await put(0, 1);
    await put(1, 2);
    const first = await cw.send(new GetMetricDataCommand(pageOf(undefined)));
    expect(first.MetricDataResults?.[0]?.Values).toEqual([2]);
    // A newer datapoint arrives between the pages: the next page goes on from minute 1, not from an offset.
    await put(2, 3);
    const second = await cw.send(new GetMetricDataCommand(pageOf(first.NextToken)));
    expect(second.MetricDataResults?.[0]?.Values).toEqual([1]);
    expect(second.NextToken).toBeUndefined();
  });

  it('lists metrics by namespace, name and dimension', async () => {
    const all = await cw.send(new ListMetricsCommand({ Namespace: 'Test/App' }));
    expect(all.Metrics?.length).toBe(3);
    const web = await cw.send(
      new ListMetricsCommand({ Namespace: 'Test/App', Dimensions: [{ Name: 'Service', Value: 'web' }] }),
    );
    expect(web.Metrics).toEqual([
      { Namespace: 'Test/App', MetricName: 'Requests', Dimensions: [{ Name: 'Service', Value: 'web' }] },
    ]);
    const staged = await cw.send(new ListMetricsCommand({ Dimensions: [{ Name: 'Stage' }] }));
    expect(staged.Metrics?.map((m) => m.MetricName)).toEqual(['Latency']);
  });

  it('takes a large batch the SDK gzips', async () => {
    const MetricData = Array.from({ length: 1000 }, (_, i) => ({
      MetricName: 'Batch',
      Dimensions: [{ Name: 'Shard', Value: `s${i % 10}` }],
      Timestamp: at(0),
      Values: [i, i + 1, i + 2],
    }));
    await cw.send(new PutMetricDataCommand({ Namespace: 'Test/Batch', MetricData }));
    const out = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Test/Batch',
        MetricName: 'Batch',
        Dimensions: [{ Name: 'Shard', Value: 's3' }],
        StartTime: at(0),
        EndTime: at(1),
        Period: 60,
        Statistics: ['SampleCount'],
      }),
    );
    expect(out.Datapoints?.[0]?.SampleCount).toBe(300);
  });

  it('refuses what CloudWatch refuses, in its errors', async () => {
    expect(
      await failure(
        cw.send(
          new PutMetricDataCommand({ Namespace: 'AWS/S3', MetricData: [{ MetricName: 'x', Value: 1 }] }),
        ),
      ),
    ).toEqual({ code: 'InvalidParameterValue', status: 400 });
    expect(
      await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'Test/Bad',
            MetricData: [
              {
                MetricName: 'x',
                Value: 1,
                StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 },
              },
            ],
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidParameterCombination', status: 400 });
    expect(
      await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'Test/Bad',
            MetricData: [{ MetricName: 'x', Values: [1, 2], Counts: [1] }],
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidParameterValue', status: 400 });
    expect(
      await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'Test/Bad',
            MetricData: [{ MetricName: 'x', Value: 1, Timestamp: new Date(Date.now() - 30 * 86_400_000) }],
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidParameterValue', status: 400 });
    expect(
      await failure(
        cw.send(
          new GetMetricStatisticsCommand({
            Namespace: 'Test/App',
            MetricName: 'Latency',
            StartTime: at(0),
            EndTime: at(1),
            Period: 45,
            Statistics: ['Sum'],
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidParameterValue', status: 400 });
    expect(
      await failure(
        cw.send(
          new GetMetricStatisticsCommand({
            Namespace: 'Test/App',
            MetricName: 'Latency',
            StartTime: at(0),
            EndTime: at(1),
            Period: 60,
            Statistics: ['Sum'],
            ExtendedStatistics: ['p90'],
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidParameterCombination', status: 400 });
    // An expression reading itself, and one whose result is a number (it must be a time series).
    for (const Expression of ['e1 + 1', '1 + 1'])
      expect(
        await failure(
          cw.send(
            new GetMetricDataCommand({
              StartTime: at(0),
              EndTime: at(1),
              MetricDataQueries: [{ Id: 'e1', Expression }],
            }),
          ),
        ),
        Expression,
      ).toEqual({ code: 'InvalidParameterValue', status: 400 });
  });

  it('denies a user without cloudwatch permissions', async () => {
    const user = await policyUser(t, 'no-cloudwatch', [
      { Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
    ]);
    const credentials = await user.s3.config.credentials();
    const client = new CloudWatchClient({ endpoint: t.url, region: t.credentials.region, credentials });
    try {
      const denied = await failureOf(client.send(new ListMetricsCommand({})));
      expect([denied.code, denied.status]).toEqual(['AccessDenied', 403]);
      expect(denied.message).toContain('cloudwatch:ListMetrics');
      await client.send(
        new GetMetricDataCommand({
          StartTime: at(0),
          EndTime: at(1),
          MetricDataQueries: [{ Id: 'e1', Expression: 'TIME_SERIES(1)' }],
        }),
      );
    } finally {
      client.destroy();
      user.close();
    }
  });
});

describe('dashboards', () => {
  const body = JSON.stringify({
    widgets: [
      { type: 'text', x: 0, y: 0, width: 24, height: 2, properties: { markdown: '# Hello' } },
      {
        type: 'metric',
        x: 0,
        y: 2,
        width: 12,
        height: 6,
        properties: {
          metrics: [['Test/App', 'Requests', 'Service', 'api']],
          stat: 'Sum',
          period: 60,
          region: 'ca-west-1',
        },
      },
    ],
  });

  it('puts, gets, lists and deletes', async () => {
    expect(
      (await cw.send(new PutDashboardCommand({ DashboardName: 'Ops-1', DashboardBody: body })))
        .DashboardValidationMessages,
    ).toEqual([]);
    const got = await cw.send(new GetDashboardCommand({ DashboardName: 'Ops-1' }));
    expect(got.DashboardBody).toBe(body);
    expect(got.DashboardArn).toBe(`arn:aws:cloudwatch::${t.seawall.accountId}:dashboard/Ops-1`);
    const list = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: 'Ops' }));
    expect(list.DashboardEntries?.map((d) => [d.DashboardName, d.Size])).toEqual([
      ['Ops-1', Buffer.byteLength(body)],
    ]);
    expect(
      await failure(cw.send(new DeleteDashboardsCommand({ DashboardNames: ['Ops-1', 'Missing'] }))),
    ).toEqual({ code: 'ResourceNotFound', status: 404 });
    // Nothing was deleted by the refused call.
    expect((await cw.send(new GetDashboardCommand({ DashboardName: 'Ops-1' }))).DashboardName).toBe('Ops-1');
    await cw.send(new DeleteDashboardsCommand({ DashboardNames: ['Ops-1'] }));
    const missing = await failureOf(cw.send(new GetDashboardCommand({ DashboardName: 'Ops-1' })));
    expect([missing.code, missing.status]).toEqual(['ResourceNotFound', 404]);
  });

  it('refuses an invalid body with its validation errors', async () => {
    const bad = await failureOf(
      cw.send(
        new PutDashboardCommand({
          DashboardName: 'Bad',
          DashboardBody: '{"widgets":[{"type":"pie","properties":{}}]}',
        }),
      ),
    );
    expect([bad.code, bad.status]).toEqual(['InvalidParameterInput', 400]);
    expect(bad.message).toContain('/widgets/0/type');
    expect(
      (await failure(cw.send(new PutDashboardCommand({ DashboardName: 'a/b', DashboardBody: body })))).code,
    ).toBe('InvalidParameterInput');
  });
});

describe('the aws cli (awsQuery)', () => {
  for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
    it(`puts and reads metrics with ${cli}`, async () => {
      const namespace = `Cli/${cli === AWS_CLI ? 'v2' : 'path'}`;
      const put = await awsCli(
        t.dataDir,
        t.url,
        [
          'cloudwatch',
          'put-metric-data',
          '--namespace',
          namespace,
          '--metric-name',
          'Hits',
          '--dimensions',
          'Page=home',
          '--timestamp',
          at(0).toISOString(),
          '--value',
          '3',
          '--unit',
          'Count',
        ],
        undefined,
        cli,
      );
      expect(put.stderr).toBe('');
      expect(put.code).toBe(0);
      const stats = await awsCli(
        t.dataDir,
        t.url,
        [
          'cloudwatch',
          'get-metric-statistics',
          '--namespace',
          namespace,
          '--metric-name',
          'Hits',
          '--dimensions',
          'Name=Page,Value=home',
          '--start-time',
          at(0).toISOString(),
          '--end-time',
          at(1).toISOString(),
          '--period',
          '60',
          '--statistics',
          'Sum',
          '--extended-statistics',
          'p50',
        ],
        undefined,
        cli,
      );
      // Statistics and ExtendedStatistics together are refused, as CloudWatch refuses them.
      expect(stats.code).not.toBe(0);
      expect(stats.stderr).toContain('InvalidParameterCombination');
      const sum = await awsCli(
        t.dataDir,
        t.url,
        [
          'cloudwatch',
          'get-metric-statistics',
          '--namespace',
          namespace,
          '--metric-name',
          'Hits',
          '--dimensions',
          'Name=Page,Value=home',
          '--start-time',
          at(0).toISOString(),
          '--end-time',
          at(1).toISOString(),
          '--period',
          '60',
          '--statistics',
          'Sum',
        ],
        undefined,
        cli,
      );
      expect(sum.stderr).toBe('');
      // v1 prints timestamps as received (epoch seconds in JSON), v2 as ISO 8601.
      expect(JSON.parse(sum.stdout).Datapoints).toEqual([
        { Timestamp: expect.anything(), Sum: 3, Unit: 'Count' },
      ]);
      const list = await awsCli(
        t.dataDir,
        t.url,
        ['cloudwatch', 'list-metrics', '--namespace', namespace],
        undefined,
        cli,
      );
      expect(JSON.parse(list.stdout).Metrics).toEqual([
        { Namespace: namespace, MetricName: 'Hits', Dimensions: [{ Name: 'Page', Value: 'home' }] },
      ]);
      const data = await awsCli(
        t.dataDir,
        t.url,
        [
          'cloudwatch',
          'get-metric-data',
          '--start-time',
          at(0).toISOString(),
          '--end-time',
          at(1).toISOString(),
          '--metric-data-queries',
          JSON.stringify([
            {
              Id: 'm1',
              MetricStat: {
                Metric: {
                  Namespace: namespace,
                  MetricName: 'Hits',
                  Dimensions: [{ Name: 'Page', Value: 'home' }],
                },
                Period: 60,
                Stat: 'Sum',
              },
            },
            { Id: 'e1', Expression: 'm1 * 10' },
          ]),
        ],
        undefined,
        cli,
      );
      expect(data.stderr).toBe('');
      const results = JSON.parse(data.stdout).MetricDataResults;
      expect(results.map((r: { Id: string; Values: number[] }) => [r.Id, r.Values])).toEqual([
        ['m1', [3]],
        ['e1', [30]],
      ]);
    });
  }
});

describe('built-in metrics', () => {
  it('measures S3 requests and storage per bucket in AWS/S3', async () => {
    const s3 = t.s3();
    const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new CreateBucketCommand({ Bucket: 'measured' }));
    await s3.send(new PutObjectCommand({ Bucket: 'measured', Key: 'a.txt', Body: 'hello world' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'measured', Key: 'a.txt' }));
    await got.Body?.transformToString();
    await failure(s3.send(new GetObjectCommand({ Bucket: 'measured', Key: 'missing.txt' })));
    await t.seawall.monitor.builtin.flush();
    await t.seawall.monitor.builtin.collectStorage();
    const now = Date.now();
    const stats = async (
      MetricName: string,
      Statistics: ('Sum' | 'Average' | 'Maximum')[],
      extra = 'FilterId',
    ) => {
      const out = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/S3',
          MetricName,
          Dimensions: [
            { Name: 'BucketName', Value: 'measured' },
            extra === 'FilterId'
              ? { Name: 'FilterId', Value: 'EntireBucket' }
              : { Name: 'StorageType', Value: extra },
          ],
          StartTime: new Date(now - 3_600_000),
          EndTime: new Date(now + 60_000),
          Period: 3600,
          Statistics,
        }),
      );
      return out.Datapoints?.[0];
    };
    // CreateBucket names the bucket too: four requests in all.
    expect((await stats('AllRequests', ['Sum']))?.Sum).toBe(4);
    expect((await stats('GetRequests', ['Sum']))?.Sum).toBe(2);
    expect((await stats('PutRequests', ['Sum']))?.Sum).toBe(1);
    expect((await stats('4xxErrors', ['Sum', 'Average']))?.Sum).toBe(1);
    expect((await stats('BytesDownloaded', ['Sum']))?.Sum).toBe(11);
    expect((await stats('BytesUploaded', ['Sum']))?.Sum).toBe(11);
    expect((await stats('TotalRequestLatency', ['Maximum']))?.Maximum).toBeGreaterThanOrEqual(0);
    expect((await stats('BucketSizeBytes', ['Maximum'], 'StandardStorage'))?.Maximum).toBe(11);
    expect((await stats('NumberOfObjects', ['Maximum'], 'AllStorageTypes'))?.Maximum).toBe(1);
    const listed = await cw.send(
      new ListMetricsCommand({ Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges' }),
    );
    expect(listed.Metrics?.some((m) => m.Dimensions?.some((d) => d.Value === 'AmazonS3'))).toBe(true);
  });
});

describe('built-in Athena metrics', () => {
  it('measures each query in AWS/Athena by workgroup, its timeline adding up to the total', async () => {
    const athena = athenaClient(t);
    try {
      const id = (
        await athena.send(
          new StartQueryExecutionCommand({ QueryString: 'SELECT 1 AS one', WorkGroup: 'primary' }),
        )
      ).QueryExecutionId as string;
      const done = await waitForQuery(athena, id);
      expect(done.Status?.State).toBe('SUCCEEDED');
      const statistics = done.Statistics ?? {};
      expect(
        (statistics.QueryQueueTimeInMillis ?? 0) +
          (statistics.EngineExecutionTimeInMillis ?? 0) +
          (statistics.ServiceProcessingTimeInMillis ?? 0),
      ).toBe(statistics.TotalExecutionTimeInMillis);
      await t.seawall.monitor.builtin.flush();
      const now = Date.now();
      const stat = async (MetricName: string) =>
        (
          await cw.send(
            new GetMetricStatisticsCommand({
              Namespace: 'AWS/Athena',
              MetricName,
              Dimensions: [
                { Name: 'QueryState', Value: 'SUCCEEDED' },
                { Name: 'QueryType', Value: 'DML' },
                { Name: 'WorkGroup', Value: 'primary' },
              ],
              StartTime: new Date(now - 3_600_000),
              EndTime: new Date(now + 60_000),
              Period: 3600,
              Statistics: ['Sum', 'SampleCount'],
            }),
          )
        ).Datapoints?.[0];
      expect((await stat('TotalExecutionTime'))?.Sum).toBe(statistics.TotalExecutionTimeInMillis);
      expect((await stat('EngineExecutionTime'))?.Sum).toBe(statistics.EngineExecutionTimeInMillis);
      expect((await stat('QueryQueueTime'))?.Sum).toBe(statistics.QueryQueueTimeInMillis);
      expect((await stat('ServiceProcessingTime'))?.Sum).toBe(statistics.ServiceProcessingTimeInMillis);
      expect((await stat('ProcessedBytes'))?.SampleCount).toBe(1);
    } finally {
      athena.destroy();
    }
  });
});

describe('hostile ranges', () => {
  it('refuses a query spanning more periods than a request can answer', async () => {
    expect(
      await failure(
        cw.send(
          new GetMetricDataCommand({
            StartTime: new Date(0),
            EndTime: at(1),
            MetricDataQueries: [{ Id: 'e1', Expression: 'TIME_SERIES(1)', Period: 1 }],
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidParameterCombination', status: 400 });
  });
});
