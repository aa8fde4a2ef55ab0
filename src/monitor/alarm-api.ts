import { type QueryObject, q, queryOperation } from '../lib/aws-query.js';
import type { AlarmService, MetricAlarmInput } from './alarm-service.js';
import { CLOUDWATCH_PROTOCOL, metricDataQueryShape } from './cloudwatch-api.js';
import { notImplemented } from './cloudwatch-errors.js';
import { UNITS } from './metric-data.js';

/** CloudWatch's alarm operations, over the alarm service; declared with the metric operations' protocol. */

const dimension = q.struct({
  Name: q.string({ required: true, min: 1, max: 255 }),
  Value: q.string({ required: true, min: 1, max: 1024 }),
});
const tag = q.struct({
  Key: q.string({ required: true, min: 1, max: 128 }),
  Value: q.string({ required: true, min: 0, max: 256 }),
});
const actions = q.list(q.string({ min: 1, max: 1024 }), { max: 5 });
const names = q.list(q.string({ min: 1, max: 255 }), { max: 100 });
const alarmName = q.string({ required: true, min: 1, max: 255 });
const alarmTypes = q.list(q.string({ values: ['CompositeAlarm', 'MetricAlarm'] }), { max: 2 });

const asQuery = (value: unknown) => value as QueryObject;

export function alarmOperations(alarms: AlarmService) {
  const arnsOf = (list: readonly string[] | undefined) => (list ?? []).map((name) => alarms.arn(name));
  return [
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'PutMetricAlarm',
      input: {
        AlarmName: alarmName,
        AlarmDescription: q.string({ max: 1024 }),
        ActionsEnabled: q.boolean(),
        OKActions: actions,
        AlarmActions: actions,
        InsufficientDataActions: actions,
        MetricName: q.string({ min: 1, max: 255 }),
        Namespace: q.string({ min: 1, max: 255 }),
        Statistic: q.string(),
        ExtendedStatistic: q.string(),
        Dimensions: q.list(dimension, { max: 30 }),
        Period: q.integer({ min: 1 }),
        Unit: q.string({ values: UNITS }),
        EvaluationPeriods: q.integer({ required: true, min: 1 }),
        DatapointsToAlarm: q.integer({ min: 1 }),
        Threshold: q.double(),
        ComparisonOperator: q.string({ required: true }),
        TreatMissingData: q.string({ min: 1, max: 255 }),
        EvaluateLowSampleCountPercentile: q.string({ min: 1, max: 255 }),
        Metrics: q.list(metricDataQueryShape, { max: 10 }),
        Tags: q.list(tag, { max: 50 }),
        ThresholdMetricId: q.string({ min: 1, max: 255 }),
      },
      resources: (input) => [alarms.arn(input.AlarmName)],
      async handle(input) {
        alarms.putMetricAlarm(input as MetricAlarmInput);
        return undefined;
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'PutCompositeAlarm',
      input: {
        AlarmName: alarmName,
        AlarmDescription: q.string({ max: 1024 }),
        ActionsEnabled: q.boolean(),
        OKActions: actions,
        AlarmActions: actions,
        InsufficientDataActions: actions,
        AlarmRule: q.string({ required: true, min: 1, max: 10240 }),
        Tags: q.list(tag, { max: 50 }),
        ActionsSuppressor: q.string(),
        ActionsSuppressorWaitPeriod: q.integer(),
        ActionsSuppressorExtensionPeriod: q.integer(),
      },
      resources: (input) => [alarms.arn(input.AlarmName)],
      async handle(input) {
        const { ActionsSuppressor, ActionsSuppressorWaitPeriod, ActionsSuppressorExtensionPeriod, ...rest } =
          input;
        if (
          [ActionsSuppressor, ActionsSuppressorWaitPeriod, ActionsSuppressorExtensionPeriod].some(
            (v) => v !== undefined,
          )
        )
          throw notImplemented('Composite alarm action suppression');
        alarms.putCompositeAlarm(rest);
        return undefined;
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'DescribeAlarms',
      input: {
        AlarmNames: names,
        AlarmNamePrefix: q.string({ min: 1, max: 255 }),
        AlarmTypes: alarmTypes,
        ChildrenOfAlarmName: q.string({ min: 1, max: 255 }),
        ParentsOfAlarmName: q.string({ min: 1, max: 255 }),
        StateValue: q.string({ values: ['OK', 'ALARM', 'INSUFFICIENT_DATA'] }),
        ActionPrefix: q.string({ min: 1, max: 1024 }),
        MaxRecords: q.integer({ min: 1, max: 100 }),
        NextToken: q.string(),
      },
      resources: () => ['*'],
      async handle(input) {
        return asQuery(alarms.describeAlarms(input));
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'DescribeAlarmsForMetric',
      input: {
        MetricName: q.string({ required: true, min: 1, max: 255 }),
        Namespace: q.string({ required: true, min: 1, max: 255 }),
        Statistic: q.string(),
        ExtendedStatistic: q.string(),
        Dimensions: q.list(dimension, { max: 30 }),
        Period: q.integer({ min: 1 }),
        Unit: q.string({ values: UNITS }),
      },
      resources: () => ['*'],
      async handle(input) {
        return asQuery(alarms.describeAlarmsForMetric(input));
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'DeleteAlarms',
      input: { AlarmNames: { ...names, required: true as const } },
      resources: (input) => arnsOf(input.AlarmNames),
      async handle(input) {
        alarms.deleteAlarms(input.AlarmNames);
        return undefined;
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'DescribeAlarmHistory',
      input: {
        AlarmName: q.string({ min: 1, max: 255 }),
        AlarmTypes: alarmTypes,
        HistoryItemType: q.string(),
        StartDate: q.timestamp(),
        EndDate: q.timestamp(),
        MaxRecords: q.integer({ min: 1, max: 100 }),
        NextToken: q.string(),
        ScanBy: q.string({ values: ['TimestampDescending', 'TimestampAscending'] }),
        AlarmContributorId: q.string(),
      },
      resources: (input) => (input.AlarmName ? [alarms.arn(input.AlarmName)] : ['*']),
      async handle(input) {
        const { AlarmContributorId, ...rest } = input;
        if (AlarmContributorId !== undefined) throw notImplemented('AlarmContributorId');
        return asQuery(alarms.describeAlarmHistory(rest));
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'SetAlarmState',
      input: {
        AlarmName: alarmName,
        StateValue: q.string({ required: true, values: ['OK', 'ALARM', 'INSUFFICIENT_DATA'] }),
        StateReason: q.string({ required: true, min: 0, max: 1023 }),
        StateReasonData: q.string({ min: 0, max: 4000 }),
      },
      resources: (input) => [alarms.arn(input.AlarmName)],
      async handle(input) {
        await alarms.setAlarmState(
          input.AlarmName,
          input.StateValue,
          input.StateReason,
          input.StateReasonData,
        );
        return undefined;
      },
    }),
    ...(['Enable', 'Disable'] as const).map((verb) =>
      queryOperation(CLOUDWATCH_PROTOCOL, {
        name: `${verb}AlarmActions`,
        input: { AlarmNames: { ...names, required: true as const } },
        resources: (input) => arnsOf(input.AlarmNames),
        async handle(input) {
          alarms.setActionsEnabled(input.AlarmNames, verb === 'Enable');
          return undefined;
        },
      }),
    ),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'TagResource',
      input: {
        ResourceARN: q.string({ required: true, min: 1, max: 1024 }),
        Tags: q.list(tag, { required: true, max: 50 }),
      },
      resources: (input) => [input.ResourceARN],
      conditions: (input) => ({
        'aws:TagKeys': input.Tags.map((t) => t.Key),
        ...Object.fromEntries(input.Tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])),
      }),
      async handle(input) {
        alarms.tag(input.ResourceARN, input.Tags);
        return {};
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'UntagResource',
      input: {
        ResourceARN: q.string({ required: true, min: 1, max: 1024 }),
        TagKeys: q.list(q.string({ min: 1, max: 128 }), { required: true, max: 50 }),
      },
      resources: (input) => [input.ResourceARN],
      conditions: (input) => ({ 'aws:TagKeys': input.TagKeys }),
      async handle(input) {
        alarms.untag(input.ResourceARN, input.TagKeys);
        return {};
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'ListTagsForResource',
      input: { ResourceARN: q.string({ required: true, min: 1, max: 1024 }) },
      resources: (input) => [input.ResourceARN],
      async handle(input) {
        return { Tags: alarms.tags(input.ResourceARN) };
      },
    }),
  ];
}
