import { PassThrough, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isAppError } from '../errors.js';
import {
  QueryMap,
  type QueryObject,
  type QueryProtocol,
  q,
  queryEndpoint,
  queryOperation,
} from '../lib/aws-query.js';
import type { ApiRequest } from '../lib/http.js';
import { type AnyOperation, registerOperations, type ServiceEndpoint } from '../lib/operation.js';
import { invalidNextToken, invalidParameterCombination, invalidParameterValue } from './cloudwatch-errors.js';
import type { Dashboards } from './dashboards.js';
import { getMetricData, getMetricStatistics, UNITS } from './metric-data.js';
import type { MetricKey, MetricStore, Sample } from './metric-store.js';

/**
 * CloudWatch's API. The aws cli sends awsQuery (`Action=PutMetricData&Version=2010-08-01`), the SDKs send
 * awsJson1_0 (`X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`); each operation is declared once
 * and answers both. Clients gzip large PutMetricData bodies (Content-Encoding: gzip).
 */

/** A body a client compressed, decompressed as it is read (bounded by the reader's own limit). */
function decompressed(req: ApiRequest): ApiRequest {
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  if (!/(^|,)\s*gzip\s*(,|$)/.test(encoding)) return req;
  const out = new PassThrough();
  pipeline(req.body, createGunzip(), out, (error) => {
    if (error)
      out.destroy(
        isAppError(error) ? error : invalidParameterValue('The request body is not valid gzip data.'),
      );
  });
  return { ...req, body: out };
}

export const CLOUDWATCH_PROTOCOL: QueryProtocol = {
  service: 'monitoring',
  iamPrefix: 'cloudwatch',
  version: '2010-08-01',
  namespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
  json: { targetPrefix: 'GraniteServiceVersion20100801', decodeBody: decompressed },
  invalid: invalidParameterValue,
};

const dimension = q.struct({
  Name: q.string({ required: true, min: 1, max: 255 }),
  Value: q.string({ required: true, min: 1, max: 1024 }),
});
const dimensions = q.list(dimension, { max: 30 });
const dimensionFilter = q.struct({
  Name: q.string({ required: true, min: 1, max: 255 }),
  Value: q.string({ min: 1, max: 1024 }),
});
const unit = q.string({ values: UNITS });
export const metricShape = q.struct({
  Namespace: q.string({ min: 1, max: 255 }),
  MetricName: q.string({ min: 1, max: 255 }),
  Dimensions: dimensions,
});
export const metricStatShape = q.struct({
  Metric: { ...metricShape, required: true as const },
  Period: q.integer({ required: true, min: 1 }),
  Stat: q.string({ required: true }),
  Unit: unit,
});
export const metricDataQueryShape = q.struct({
  Id: q.string({ required: true, min: 1, max: 255 }),
  MetricStat: metricStatShape,
  Expression: q.string({ min: 1, max: 2048 }),
  Label: q.string(),
  ReturnData: q.boolean(),
  Period: q.integer({ min: 1 }),
  AccountId: q.string({ min: 1, max: 255 }),
});
const metricDatum = q.struct({
  MetricName: q.string({ required: true, min: 1, max: 255 }),
  Dimensions: dimensions,
  Timestamp: q.timestamp(),
  Value: q.double(),
  StatisticValues: q.struct({
    SampleCount: q.double({ required: true }),
    Sum: q.double({ required: true }),
    Minimum: q.double({ required: true }),
    Maximum: q.double({ required: true }),
  }),
  Values: q.list(q.double(), { max: 150 }),
  Counts: q.list(q.double(), { max: 150 }),
  Unit: unit,
  StorageResolution: q.integer(),
});

/** CloudWatch keeps values between -2^360 and 2^360. */
const VALUE_LIMIT = 2 ** 360;
const PAST_LIMIT_MS = 14 * 86_400_000;
const FUTURE_LIMIT_MS = 2 * 3_600_000;
const LIST_PAGE = 500;

function checkValue(value: number, where: string): number {
  if (Math.abs(value) > VALUE_LIMIT)
    throw invalidParameterValue(`The value ${value} for parameter ${where} is out of range.`);
  return value;
}

function sortedDimensions(list: readonly { Name: string; Value: string }[] | undefined, where: string) {
  const names = new Set<string>();
  for (const { Name } of list ?? []) {
    if (names.has(Name))
      throw invalidParameterValue(`No duplicate dimension names are allowed: ${where}.Dimensions`);
    names.add(Name);
  }
  return list ?? [];
}

export interface CloudWatchDeps {
  readonly metrics: MetricStore;
  readonly dashboards: Dashboards;
  readonly now: () => number;
  /** Further operation groups (alarms), declared with CLOUDWATCH_PROTOCOL. */
  readonly more?: readonly AnyOperation[];
}

/** A datum of PutMetricData as the samples it adds. */
function samplesOf(
  namespace: string,
  datum: {
    MetricName: string;
    Dimensions?: { Name: string; Value: string }[];
    Timestamp?: Date;
    Value?: number;
    StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
    Values?: number[];
    Counts?: number[];
    Unit?: string;
    StorageResolution?: number;
  },
  n: number,
  now: number,
): Sample {
  const where = `MetricData.member.${n}`;
  const given = [datum.Value, datum.StatisticValues, datum.Values].filter((v) => v !== undefined).length;
  if (given > 1)
    throw invalidParameterCombination(
      `The parameters ${where}.Value, ${where}.StatisticValues and ${where}.Values are mutually exclusive and you have specified more than one.`,
    );
  if (given === 0)
    throw invalidParameterCombination(
      `At least one of the parameters ${where}.Value, ${where}.StatisticValues or ${where}.Values must be specified.`,
    );
  if (datum.Counts !== undefined && datum.Values === undefined)
    throw invalidParameterCombination(
      `The parameter ${where}.Counts must be specified with ${where}.Values.`,
    );
  if (datum.Counts !== undefined && datum.Counts.length !== datum.Values?.length)
    throw invalidParameterValue(
      `The parameters ${where}.Values and ${where}.Counts must be of the same size.`,
    );
  const resolution = datum.StorageResolution ?? 60;
  if (resolution !== 1 && resolution !== 60)
    throw invalidParameterValue(
      `The value ${resolution} for parameter ${where}.StorageResolution is invalid.`,
    );
  const time = datum.Timestamp?.getTime() ?? now;
  if (time < now - PAST_LIMIT_MS || time > now + FUTURE_LIMIT_MS)
    throw invalidParameterValue(
      `The parameter ${where}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
    );
  const metric: MetricKey = {
    namespace,
    name: datum.MetricName,
    dimensions: sortedDimensions(datum.Dimensions, where),
  };
  const base = { metric, unit: datum.Unit ?? 'None', time, resolution: resolution as 1 | 60 };
  if (datum.StatisticValues) {
    const set = datum.StatisticValues;
    for (const value of [set.SampleCount, set.Sum, set.Minimum, set.Maximum])
      checkValue(value, `${where}.StatisticValues`);
    if (set.SampleCount <= 0 || set.Minimum > set.Maximum)
      throw invalidParameterValue(
        `The parameter ${where}.StatisticValues must have a positive SampleCount and Minimum no greater than Maximum.`,
      );
    return { ...base, set: { count: set.SampleCount, sum: set.Sum, min: set.Minimum, max: set.Maximum } };
  }
  if (datum.Value !== undefined) return { ...base, values: [[checkValue(datum.Value, `${where}.Value`), 1]] };
  const counts = datum.Counts;
  const values = (datum.Values ?? []).map((value, i) => {
    const count = counts?.[i] ?? 1;
    if (!(count >= 0)) throw invalidParameterValue(`The parameter ${where}.Counts must not be negative.`);
    return [checkValue(value, `${where}.Values`), count] as const;
  });
  return { ...base, values: values.filter(([, count]) => count > 0) };
}

function metricOf(metric: {
  namespace: string;
  name: string;
  dimensions: readonly { Name: string; Value: string }[];
}) {
  return { Namespace: metric.namespace, MetricName: metric.name, Dimensions: [...metric.dimensions] };
}

/** The metric and dashboard operations. */
export function cloudWatchOperations(deps: CloudWatchDeps) {
  const { metrics, dashboards } = deps;
  return [
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'PutMetricData',
      input: {
        Namespace: q.string({
          required: true,
          min: 1,
          max: 255,
          pattern: /^[^:].*$/s,
          patternText: '[^:].*',
        }),
        MetricData: q.list(metricDatum, { max: 1000 }),
        StrictEntityValidation: q.boolean(),
      },
      resources: () => ['*'],
      conditions: (input) => ({ 'cloudwatch:namespace': input.Namespace }),
      async handle(input) {
        if (input.Namespace.startsWith('AWS/'))
          throw invalidParameterValue(`The value AWS/ for parameter Namespace is invalid.`);
        if (!input.MetricData || input.MetricData.length === 0)
          throw invalidParameterValue('The parameter MetricData is required.');
        const now = deps.now();
        const samples = input.MetricData.map((datum, n) =>
          samplesOf(input.Namespace, datum as Parameters<typeof samplesOf>[1], n + 1, now),
        );
        metrics.put(samples);
        return undefined;
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'GetMetricStatistics',
      input: {
        Namespace: q.string({ required: true, min: 1, max: 255 }),
        MetricName: q.string({ required: true, min: 1, max: 255 }),
        Dimensions: dimensions,
        StartTime: q.timestamp({ required: true }),
        EndTime: q.timestamp({ required: true }),
        Period: q.integer({ required: true, min: 1 }),
        Statistics: q.list(q.string(), { max: 5 }),
        ExtendedStatistics: q.list(q.string(), { max: 10 }),
        Unit: unit,
      },
      resources: () => ['*'],
      async handle(input) {
        const result = getMetricStatistics(metrics, input, deps.now());
        return {
          Label: result.Label,
          Datapoints: result.Datapoints.map((point) => ({
            ...point,
            ExtendedStatistics: point.ExtendedStatistics
              ? new QueryMap(Object.entries(point.ExtendedStatistics))
              : undefined,
          })),
        } as QueryObject;
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'GetMetricData',
      input: {
        MetricDataQueries: q.list(metricDataQueryShape, { required: true, max: 500 }),
        StartTime: q.timestamp({ required: true }),
        EndTime: q.timestamp({ required: true }),
        NextToken: q.string(),
        ScanBy: q.string({ values: ['TimestampDescending', 'TimestampAscending'] }),
        MaxDatapoints: q.integer(),
        LabelOptions: q.struct({ Timezone: q.string() }),
      },
      resources: () => ['*'],
      async handle(input) {
        if (input.LabelOptions?.Timezone !== undefined)
          throw invalidParameterValue('LabelOptions.Timezone is not implemented by Seawall.');
        return getMetricData(metrics, input, deps.now()) as unknown as QueryObject;
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'ListMetrics',
      input: {
        Namespace: q.string({ min: 1, max: 255 }),
        MetricName: q.string({ min: 1, max: 255 }),
        Dimensions: q.list(dimensionFilter, { max: 10 }),
        NextToken: q.string(),
        RecentlyActive: q.string({ values: ['PT3H'] }),
        IncludeLinkedAccounts: q.boolean(),
        OwningAccount: q.string(),
      },
      resources: () => ['*'],
      async handle(input) {
        if (input.IncludeLinkedAccounts === true || input.OwningAccount !== undefined)
          throw invalidParameterValue('Cross-account observability is not implemented by Seawall.');
        let after = 0;
        if (input.NextToken !== undefined) {
          const match = /^m-(\d{1,15})$/.exec(input.NextToken);
          if (!match) throw invalidNextToken();
          after = Number(match[1]);
        }
        const now = deps.now();
        const found = metrics.list(
          {
            ...(input.Namespace !== undefined ? { namespace: input.Namespace } : {}),
            ...(input.MetricName !== undefined ? { name: input.MetricName } : {}),
            ...(input.Dimensions ? { dimensions: input.Dimensions } : {}),
            // CloudWatch lists metrics with data in the last two weeks, or three hours when asked.
            activeSince: now - (input.RecentlyActive === 'PT3H' ? 3 * 3_600_000 : PAST_LIMIT_MS),
          },
          after,
          LIST_PAGE + 1,
        );
        const page = found.slice(0, LIST_PAGE);
        const last = page.at(-1);
        return {
          Metrics: page.map(metricOf),
          ...(found.length > LIST_PAGE && last ? { NextToken: `m-${last.id}` } : {}),
        };
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'PutDashboard',
      input: {
        DashboardName: q.string({ required: true }),
        DashboardBody: q.string({ required: true }),
      },
      resources: (input) => [dashboards.arn(input.DashboardName)],
      async handle(input) {
        return dashboards.put(input.DashboardName, input.DashboardBody);
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'GetDashboard',
      input: { DashboardName: q.string({ required: true }) },
      resources: (input) => [dashboards.arn(input.DashboardName)],
      async handle(input) {
        return dashboards.get(input.DashboardName);
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'ListDashboards',
      input: { DashboardNamePrefix: q.string(), NextToken: q.string() },
      resources: () => ['*'],
      async handle(input) {
        return dashboards.list(input.DashboardNamePrefix, input.NextToken) as unknown as QueryObject;
      },
    }),
    queryOperation(CLOUDWATCH_PROTOCOL, {
      name: 'DeleteDashboards',
      input: { DashboardNames: q.list(q.string(), { required: true, max: 100 }) },
      resources: (input) => input.DashboardNames.map((name) => dashboards.arn(name)),
      async handle(input) {
        dashboards.delete(input.DashboardNames);
        return undefined;
      },
    }),
  ];
}

export function createCloudWatchApi(deps: CloudWatchDeps): ServiceEndpoint {
  return queryEndpoint(
    CLOUDWATCH_PROTOCOL,
    registerOperations('monitoring', [...cloudWatchOperations(deps), ...(deps.more ?? [])]),
  );
}
