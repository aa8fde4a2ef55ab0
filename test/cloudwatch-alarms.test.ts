import { join } from 'node:path';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { failure } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { webhook } from './helpers/webhook.js';

/** The server's clock: real time plus an offset the tests move (within the signing skew SigV4 allows). */
let offset = 0;
const clock = { now: () => new Date(Date.now() + offset) };

let t: TestSeawall;
let cw: CloudWatchClient;
let sns: SNSClient;
let hook: Awaited<ReturnType<typeof webhook>>;
let topic: string;
/** The minute the tests' datapoints are in: the last whole one before they start. */
const minute = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;

/** Moves the clock to just after `minute` + `n` minutes and evaluates every alarm. */
async function evaluateAt(n: number): Promise<void> {
  offset = minute + n * 60_000 + 1000 - Date.now();
  await t.seawall.monitor.alarms.evaluate();
}

async function stateOf(name: string, types?: ('MetricAlarm' | 'CompositeAlarm')[]) {
  const out = await cw.send(
    new DescribeAlarmsCommand({ AlarmNames: [name], ...(types ? { AlarmTypes: types } : {}) }),
  );
  return [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])][0];
}

const alarm = (
  name: string,
  extra: Partial<PutMetricAlarmCommandInput> = {},
): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  Namespace: 'Test/Alarms',
  MetricName: 'Errors',
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 5,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  ...extra,
});

/** A metric math alarm on ten times Test/Alarms' Load, above 50. */
const loadTimesTen = (name: string, Label?: string): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  EvaluationPeriods: 1,
  Threshold: 50,
  ComparisonOperator: 'GreaterThanThreshold',
  Metrics: [
    {
      Id: 'm1',
      MetricStat: { Metric: { Namespace: 'Test/Alarms', MetricName: 'Load' }, Period: 60, Stat: 'Maximum' },
      ReturnData: false,
    },
    { Id: 'e1', Expression: 'm1 * 10', ...(Label ? { Label } : {}), ReturnData: true },
  ],
});

beforeAll(async () => {
  t = await startTestSeawall({
    clock,
    env: { SEAWALL_SNS_ENDPOINTS: 'any', SEAWALL_ALARM_EVALUATION_SECONDS: '3600' },
    limits: { eventRetries: { firstDelayMs: 50, maxDelayMs: 200, attempts: 5 } },
  });
  const config = { endpoint: t.url, region: t.credentials.region, credentials: t.credentials };
  cw = new CloudWatchClient(config);
  sns = new SNSClient(config);
  hook = await webhook();
  topic = (await sns.send(new CreateTopicCommand({ Name: 'alarm-test' }))).TopicArn ?? '';
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'http', Endpoint: hook.url }));
  const [confirmation] = await hook.waitFor(1);
  expect((await fetch(confirmation?.body.SubscribeURL ?? '')).status).toBe(200);
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'Test/Alarms',
      MetricData: [{ MetricName: 'Errors', Timestamp: new Date(minute), Value: 7 }],
    }),
  );
});

afterAll(async () => {
  cw?.destroy();
  sns?.destroy();
  await hook?.close();
  await t?.close();
});

describe('metric alarms', () => {
  it('start unchecked, cross the threshold, notify the topic and keep their history', async () => {
    await cw.send(
      new PutMetricAlarmCommand(
        alarm('errors', { AlarmActions: [topic], OKActions: [topic], AlarmDescription: 'Too many errors' }),
      ),
    );
    const initial = await stateOf('errors');
    expect([initial?.StateValue, initial?.StateReason]).toEqual([
      'INSUFFICIENT_DATA',
      'Unchecked: Initial alarm creation',
    ]);
    expect(initial?.AlarmArn).toBe(
      `arn:aws:cloudwatch:${t.credentials.region}:${t.seawall.accountId}:alarm:errors`,
    );
    const before = hook.received.length;
    await evaluateAt(1);
    const fired = await stateOf('errors');
    expect(fired?.StateValue).toBe('ALARM');
    expect(fired?.StateReason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[7\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was greater than or equal to the threshold \(5\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\.$/,
    );
    expect(JSON.parse(fired?.StateReasonData ?? '{}')).toMatchObject({
      version: '1.0',
      period: 60,
      threshold: 5,
      recentDatapoints: [7],
    });
    const [notice] = (await hook.waitFor(before + 1)).slice(before);
    expect(notice?.type).toBe('Notification');
    expect(notice?.body.Subject).toBe('ALARM: "errors" in Canada West (Calgary)');
    const message = JSON.parse(notice?.body.Message ?? '{}');
    expect(message).toMatchObject({
      AlarmName: 'errors',
      AlarmDescription: 'Too many errors',
      NewStateValue: 'ALARM',
      OldStateValue: 'INSUFFICIENT_DATA',
      AWSAccountId: t.seawall.accountId,
      Trigger: {
        MetricName: 'Errors',
        Namespace: 'Test/Alarms',
        Threshold: 5,
        Period: 60,
        EvaluationPeriods: 1,
      },
    });
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'errors' }));
    expect(history.AlarmHistoryItems?.map((h) => [h.HistoryItemType, h.HistorySummary])).toEqual([
      ['Action', `Successfully executed action ${topic}`],
      ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to ALARM'],
      ['ConfigurationUpdate', 'Alarm "errors" created'],
    ]);
    const states = await cw.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'errors', HistoryItemType: 'StateUpdate' }),
    );
    expect(JSON.parse(states.AlarmHistoryItems?.[0]?.HistoryData ?? '{}')).toMatchObject({
      oldState: { stateValue: 'INSUFFICIENT_DATA' },
      newState: { stateValue: 'ALARM' },
    });
    // The next minute has no data: missing data keeps the alarm INSUFFICIENT_DATA, as CloudWatch's default.
    await evaluateAt(2);
    expect((await stateOf('errors'))?.StateValue).toBe('INSUFFICIENT_DATA');
  });

  it('treats missing data as each TreatMissingData says', async () => {
    const names = {
      breaching: 'missing-breaching',
      notBreaching: 'missing-ok',
      missing: 'missing-missing',
      ignore: 'missing-ignore',
    };
    for (const [treat, name] of Object.entries(names))
      await cw.send(
        new PutMetricAlarmCommand(alarm(name, { MetricName: 'Nothing', TreatMissingData: treat })),
      );
    await evaluateAt(3);
    expect((await stateOf(names.breaching))?.StateValue).toBe('ALARM');
    expect((await stateOf(names.notBreaching))?.StateValue).toBe('OK');
    expect((await stateOf(names.missing))?.StateValue).toBe('INSUFFICIENT_DATA');
    expect((await stateOf(names.ignore))?.StateReason).toBe('Unchecked: Initial alarm creation');
  });

  it('alarms on M of N datapoints and on metric math', async () => {
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Test/Alarms',
        MetricData: [
          { MetricName: 'Load', Timestamp: new Date(minute + 4 * 60_000), Value: 9 },
          { MetricName: 'Load', Timestamp: new Date(minute + 5 * 60_000), Value: 1 },
          { MetricName: 'Load', Timestamp: new Date(minute + 6 * 60_000), Value: 9 },
        ],
      }),
    );
    await cw.send(
      new PutMetricAlarmCommand(
        alarm('two-of-three', {
          MetricName: 'Load',
          Statistic: 'Maximum',
          Threshold: 8,
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
        }),
      ),
    );
    await cw.send(
      new PutMetricAlarmCommand(
        alarm('three-of-three', {
          MetricName: 'Load',
          Statistic: 'Maximum',
          Threshold: 8,
          EvaluationPeriods: 3,
        }),
      ),
    );
    await cw.send(new PutMetricAlarmCommand(loadTimesTen('math', 'Load x10')));
    await evaluateAt(7);
    expect((await stateOf('two-of-three'))?.StateValue).toBe('ALARM');
    expect((await stateOf('three-of-three'))?.StateValue).toBe('OK');
    expect((await stateOf('math'))?.StateValue).toBe('ALARM');
    const forMetric = await cw.send(
      new DescribeAlarmsForMetricCommand({ Namespace: 'Test/Alarms', MetricName: 'Load' }),
    );
    expect(forMetric.MetricAlarms?.map((a) => a.AlarmName).sort()).toEqual([
      'three-of-three',
      'two-of-three',
    ]);
  });

  it('goes to INSUFFICIENT_DATA, saying why, when a stored expression can no longer be evaluated', async () => {
    await cw.send(new PutMetricAlarmCommand(loadTimesTen('stored-math')));
    await evaluateAt(7);
    expect((await stateOf('stored-math'))?.StateValue).toBe('ALARM');
    // As an earlier version stored it: SQRT, which CloudWatch does not have and Seawall no longer evaluates.
    const db = new Database(join(t.dataDir, 'metrics.db'));
    try {
      db.prepare(
        "UPDATE alarms SET definition = replace(definition, 'm1 * 10', 'SQRT(m1)') WHERE name = ?",
      ).run('stored-math');
    } finally {
      db.close();
    }
    await evaluateAt(7);
    const stored = await stateOf('stored-math');
    expect(stored?.StateValue).toBe('INSUFFICIENT_DATA');
    expect(stored?.StateReason).toMatch(/^Unable to evaluate the alarm's metrics: .*SQRT/);
  });

  it('follows its children in a composite alarm, and SetAlarmState', async () => {
    await cw.send(
      new PutMetricAlarmCommand(alarm('child-a', { MetricName: 'Load', Statistic: 'Maximum', Threshold: 8 })),
    );
    await cw.send(
      new PutMetricAlarmCommand(
        alarm('child-b', { MetricName: 'Load', Statistic: 'Maximum', Threshold: 100 }),
      ),
    );
    await cw.send(
      new PutCompositeAlarmCommand({
        AlarmName: 'both',
        AlarmRule: 'ALARM("child-a") AND NOT ALARM(child-b)',
        AlarmActions: [topic],
      }),
    );
    await evaluateAt(7);
    expect((await stateOf('both', ['CompositeAlarm']))?.StateValue).toBe('ALARM');
    expect(await stateOf('both')).toBeUndefined();
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: 'child-b', StateValue: 'ALARM', StateReason: 'testing' }),
    );
    const both = await stateOf('both', ['CompositeAlarm']);
    expect(both?.StateValue).toBe('OK');
    expect((await stateOf('child-b'))?.StateReason).toBe('testing');
    const parents = await cw.send(
      new DescribeAlarmsCommand({ ParentsOfAlarmName: 'child-a', AlarmTypes: ['CompositeAlarm'] }),
    );
    expect(parents.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['both']);
    // A child a composite alarm uses cannot be deleted from under it.
    expect((await failure(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['child-a'] })))).code).toBe(
      'InvalidParameterValue',
    );
  });

  it('disables actions, tags alarms and refuses what CloudWatch refuses', async () => {
    await cw.send(new DisableAlarmActionsCommand({ AlarmNames: ['errors'] }));
    expect((await stateOf('errors'))?.ActionsEnabled).toBe(false);
    const arn = (await stateOf('errors'))?.AlarmArn;
    await cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'team', Value: 'ops' }] }));
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: 'team', Value: 'ops' },
    ]);
    expect(
      await failure(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['errors', 'no-such-alarm'] }))),
    ).toEqual({
      code: 'ResourceNotFound',
      status: 404,
    });
    expect((await stateOf('errors'))?.AlarmName).toBe('errors');
    expect(
      (
        await failure(
          cw.send(
            new PutMetricAlarmCommand(alarm('bad', { ComparisonOperator: 'GreaterThanUpperThreshold' })),
          ),
        )
      ).code,
    ).toBe('InvalidParameterValue');
    expect(
      (
        await failure(
          cw.send(
            new PutMetricAlarmCommand(
              alarm('bad', { AlarmActions: ['arn:aws:automate:ca-west-1:ec2:stop'] }),
            ),
          ),
        )
      ).code,
    ).toBe('InvalidParameterValue');
    expect(
      (await failure(cw.send(new PutCompositeAlarmCommand({ AlarmName: 'bad', AlarmRule: 'ALARM(nobody)' }))))
        .code,
    ).toBe('InvalidParameterValue');
    expect(
      (
        await failure(
          cw.send(new PutCompositeAlarmCommand({ AlarmName: 'bad', AlarmRule: 'ALARM(errors) AND' })),
        )
      ).code,
    ).toBe('InvalidParameterValue');
    expect(
      (
        await failure(
          cw.send(new PutMetricAlarmCommand(alarm('bad', { Statistic: 'Sum', ExtendedStatistic: 'p90' }))),
        )
      ).code,
    ).toBe('InvalidParameterCombination');
    // The evaluation range: a day for periods under an hour, seven days from an hour.
    const range = async (Period: number, EvaluationPeriods: number) =>
      failure(cw.send(new PutMetricAlarmCommand(alarm('range', { Period, EvaluationPeriods })))).then(
        (refused) => refused.code,
        () => 'accepted',
      );
    expect(await range(60, 1441)).toBe('InvalidParameterValue');
    expect(await range(3600, 168)).toBe('accepted');
    expect(await range(3600, 169)).toBe('InvalidParameterValue');
    await cw.send(new PutMetricAlarmCommand(alarm('range', { Period: 60, EvaluationPeriods: 1440 })));
  });

  it('ships its default alarms on their own topic', async () => {
    const shipped = await cw.send(
      new DescribeAlarmsCommand({
        ActionPrefix: `arn:aws:sns:${t.credentials.region}:${t.seawall.accountId}:seawall-alarms`,
      }),
    );
    expect(shipped.MetricAlarms?.map((a) => a.AlarmName).sort()).toEqual([
      'Disk-free-below-10-percent',
      'EstimatedCharges-over-50-USD',
      'Platform-5xx-errors',
      'Recipe-job-failed',
    ]);
  });
});

describe('alarms through the aws cli', () => {
  for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
    it(`puts, describes, sets and deletes with ${cli}`, async () => {
      const name = `cli-${cli === AWS_CLI ? 'v2' : 'path'}`;
      const run = (args: string[]) => awsCli(t.dataDir, t.url, ['cloudwatch', ...args], undefined, cli);
      const put = await run([
        'put-metric-alarm',
        '--alarm-name',
        name,
        '--namespace',
        'Test/Alarms',
        '--metric-name',
        'Errors',
        '--statistic',
        'Sum',
        '--period',
        '60',
        '--evaluation-periods',
        '1',
        '--threshold',
        '5',
        '--comparison-operator',
        'GreaterThanOrEqualToThreshold',
        '--dimensions',
        'Name=Service,Value=api',
      ]);
      expect(put.stderr).toBe('');
      const set = await run([
        'set-alarm-state',
        '--alarm-name',
        name,
        '--state-value',
        'ALARM',
        '--state-reason',
        'by hand',
      ]);
      expect(set.stderr).toBe('');
      const described = JSON.parse((await run(['describe-alarms', '--alarm-names', name])).stdout);
      expect(described.MetricAlarms[0]).toMatchObject({
        AlarmName: name,
        StateValue: 'ALARM',
        StateReason: 'by hand',
        Dimensions: [{ Name: 'Service', Value: 'api' }],
        Threshold: 5,
      });
      const history = JSON.parse((await run(['describe-alarm-history', '--alarm-name', name])).stdout);
      expect(history.AlarmHistoryItems[0].HistorySummary).toBe(
        'Alarm updated from INSUFFICIENT_DATA to ALARM',
      );
      expect((await run(['delete-alarms', '--alarm-names', name])).code).toBe(0);
      const missing = await run(['delete-alarms', '--alarm-names', name]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('ResourceNotFound');
    });
  }
});

describe('DescribeAlarms pages', () => {
  it('gives every alarm once, a page at a time, whatever characters the names hold', async () => {
    const names = ['page-a', 'page-\u{E000}', 'page-\u{1F600}', 'page-z', 'page-é'];
    for (const name of names) await cw.send(new PutMetricAlarmCommand(alarm(name)));
    const seen: string[] = [];
    let token: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = await cw.send(
        new DescribeAlarmsCommand({ AlarmNamePrefix: 'page-', MaxRecords: 2, NextToken: token }),
      );
      expect(page.MetricAlarms?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.MetricAlarms ?? []).map((a) => a.AlarmName as string));
      token = page.NextToken;
      if (!token) break;
    }
    expect(seen.sort()).toEqual([...names].sort());
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: names }));
  });
});

describe('what alarms do not do', () => {
  it('refuses EvaluateLowSampleCountPercentile ignore, which it would not honour', async () => {
    const refused = await failure(
      cw.send(
        new PutMetricAlarmCommand(
          alarm('low-samples', {
            Statistic: undefined,
            ExtendedStatistic: 'p90',
            EvaluateLowSampleCountPercentile: 'ignore',
          }),
        ),
      ),
    );
    expect(refused.code).toBe('InvalidParameterValue');
  });

  it('keeps the notification subject within the 100 characters SNS takes', async () => {
    const name = `a-very-long-alarm-name-${'x'.repeat(200)}`;
    await cw.send(new PutMetricAlarmCommand(alarm(name, { AlarmActions: [topic] })));
    const before = hook.received.length;
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'drill' }));
    const [notice] = (await hook.waitFor(before + 1)).slice(before);
    expect(notice?.body.Subject?.length).toBeLessThanOrEqual(100);
    const history = await cw.send(
      new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: 'Action' }),
    );
    expect(history.AlarmHistoryItems?.[0]?.HistorySummary).toBe(`Successfully executed action ${topic}`);
  });
});
