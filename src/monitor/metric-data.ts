import { createHash } from 'node:crypto';
import {
  invalidNextToken,
  invalidParameterCombination,
  invalidParameterValue,
  missingParameter,
} from './cloudwatch-errors.js';
import { evaluateMetricMath, type MathValue, type Series } from './math-expression.js';
import { MetricMathError, parseMetricMath, referencedIds } from './math-parse.js';
import {
  type Aggregate,
  emptyAggregate,
  isExtended,
  mergeAggregate,
  parseStatistic,
  type Statistic,
  statisticOf,
} from './metric-distribution.js';
import { type Dimension, type MetricKey, type MetricStore, TIERS } from './metric-store.js';

/**
 * Reading metrics as CloudWatch answers: GetMetricStatistics (one metric, several statistics, per period and
 * unit) and GetMetricData (MetricStat and metric math queries, paged by datapoints).
 */

export const UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

/** A period CloudWatch accepts: 1, 5, 10, 20 or 30 seconds (high resolution), or a multiple of 60. */
export function checkPeriod(period: number, where: string): void {
  if (period < 1 || !([1, 5, 10, 20, 30].includes(period) || period % 60 === 0))
    throw invalidParameterValue(`The parameter ${where} must be 1, 5, 10, 20, 30, or a multiple of 60.`);
}

/**
 * Where a query's periods begin: CloudWatch rounds the start time down to the minute for data under 15 days
 * old, to five minutes under 63 days, to the hour beyond (and to the period itself below a minute).
 */
export function alignedStart(start: number, period: number, now: number): number {
  const age = now - start;
  const unit =
    period < 60
      ? period * 1000
      : age <= 15 * 86_400_000
        ? 60_000
        : age <= 63 * 86_400_000
          ? 300_000
          : 3_600_000;
  return Math.floor(start / unit) * unit;
}

/** The coarsest stored resolution a period is a multiple of. */
function tierFor(period: number): number {
  let chosen = 1;
  for (const tier of TIERS) if (period % tier.seconds === 0) chosen = tier.seconds;
  return chosen;
}

/** A metric's values per period from `start` (aligned) to `end`, by unit (all units together if `unit` is null). */
function periods(
  store: MetricStore,
  key: MetricKey,
  start: number,
  end: number,
  period: number,
  unit: string | undefined,
  byUnit: boolean,
): Map<string, { start: number; unit: string; agg: Aggregate }> {
  const out = new Map<string, { start: number; unit: string; agg: Aggregate }>();
  const metric = store.find(key);
  if (!metric || end <= start) return out;
  const width = period * 1000;
  for (const row of store.rows(metric.id, tierFor(period), start, end)) {
    if (unit !== undefined && row.unit !== unit) continue;
    const bucket = start + Math.floor((row.start - start) / width) * width;
    const rowUnit = byUnit ? row.unit : (unit ?? row.unit);
    const key = byUnit ? `${bucket}|${row.unit}` : String(bucket);
    let entry = out.get(key);
    if (!entry) {
      entry = { start: bucket, unit: rowUnit, agg: emptyAggregate() };
      out.set(key, entry);
    }
    mergeAggregate(entry.agg, row.agg);
  }
  return out;
}

export function checkStatistic(name: string, where: string): Statistic {
  const stat = parseStatistic(name);
  if (!stat)
    throw invalidParameterValue(`The value ${name.slice(0, 64)} for parameter ${where} is not supported.`);
  return stat;
}

export interface GetMetricStatisticsInput {
  Namespace: string;
  MetricName: string;
  Dimensions?: Dimension[];
  StartTime: Date;
  EndTime: Date;
  Period: number;
  Statistics?: string[];
  ExtendedStatistics?: string[];
  Unit?: string;
}

export interface StatisticsDatapoint {
  Timestamp: Date;
  SampleCount?: number;
  Average?: number;
  Sum?: number;
  Minimum?: number;
  Maximum?: number;
  Unit: string;
  ExtendedStatistics?: Record<string, number>;
}

const MAX_STATISTICS_DATAPOINTS = 1440;

export function getMetricStatistics(
  store: MetricStore,
  input: GetMetricStatisticsInput,
  now: number,
): { Label: string; Datapoints: StatisticsDatapoint[] } {
  const statistics = input.Statistics ?? [];
  const extended = input.ExtendedStatistics ?? [];
  if (statistics.length === 0 && extended.length === 0)
    throw missingParameter('Must specify either Statistics or ExtendedStatistics.');
  if (statistics.length > 0 && extended.length > 0)
    throw invalidParameterCombination(
      'The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.',
    );
  const stats = statistics.map((name) => {
    const stat = parseStatistic(name);
    if (!stat || isExtended(stat))
      throw invalidParameterValue(
        `The parameter Statistics contains the invalid value ${name.slice(0, 64)}.`,
      );
    return [name, stat] as const;
  });
  const extendedStats = extended.map((name) => {
    const stat = parseStatistic(name);
    if (!stat || !isExtended(stat))
      throw invalidParameterValue(
        `The value ${name.slice(0, 64)} for parameter ExtendedStatistics is not supported.`,
      );
    return [name, stat] as const;
  });
  checkPeriod(input.Period, 'Period');
  const end = input.EndTime.getTime();
  const start = alignedStart(input.StartTime.getTime(), input.Period, now);
  if (end <= input.StartTime.getTime())
    throw invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  const count = Math.ceil((end - start) / (input.Period * 1000));
  if (count > MAX_STATISTICS_DATAPOINTS)
    throw invalidParameterCombination(
      `You have requested up to ${count.toLocaleString('en-US')} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS.toLocaleString('en-US')}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  const key = { namespace: input.Namespace, name: input.MetricName, dimensions: input.Dimensions ?? [] };
  const datapoints: StatisticsDatapoint[] = [];
  for (const entry of periods(store, key, start, end, input.Period, input.Unit, true).values()) {
    const point: StatisticsDatapoint = { Timestamp: new Date(entry.start), Unit: entry.unit };
    for (const [name, stat] of stats) {
      const value = statisticOf(entry.agg, stat);
      if (value !== undefined) point[name as 'Sum'] = value;
    }
    if (extendedStats.length > 0) {
      point.ExtendedStatistics = {};
      for (const [name, stat] of extendedStats) {
        const value = statisticOf(entry.agg, stat);
        if (value !== undefined) point.ExtendedStatistics[name] = value;
      }
    }
    datapoints.push(point);
  }
  datapoints.sort((a, b) => a.Timestamp.getTime() - b.Timestamp.getTime());
  return { Label: input.MetricName, Datapoints: datapoints };
}

export interface MetricStatInput {
  Metric: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };
  Period: number;
  Stat: string;
  Unit?: string;
}

export interface MetricDataQuery {
  Id: string;
  MetricStat?: MetricStatInput;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
  AccountId?: string;
}

export interface MetricDataResult {
  Id: string;
  Label: string;
  Timestamps: Date[];
  Values: number[];
  StatusCode: 'Complete' | 'PartialData' | 'InternalError' | 'Forbidden';
  Messages?: { Code: string; Value: string }[];
}

/** A result as evaluated: with the query its series came from (an array's member), which is not sent. */
export interface EvaluatedResult extends MetricDataResult {
  source?: string;
}

export interface GetMetricDataInput {
  MetricDataQueries: MetricDataQuery[];
  StartTime: Date;
  EndTime: Date;
  NextToken?: string;
  ScanBy?: string;
  MaxDatapoints?: number;
}

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;

/** Evaluates the queries and answers every result, whole (paging is the caller's). */
export function evaluateMetricData(
  store: MetricStore,
  queries: readonly MetricDataQuery[],
  startTime: Date,
  endTime: Date,
  now: number,
): EvaluatedResult[] {
  if (queries.length === 0) throw missingParameter('The parameter MetricDataQueries is required.');
  if (queries.length > MAX_QUERIES)
    throw invalidParameterValue(
      `The collection MetricDataQueries must not have more than ${MAX_QUERIES} members.`,
    );
  if (endTime.getTime() <= startTime.getTime())
    throw invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  const byId = new Map<string, MetricDataQuery>();
  for (const query of queries) {
    if (!QUERY_ID.test(query.Id))
      throw invalidParameterValue(
        `The value ${query.Id.slice(0, 64)} for parameter MetricDataQueries.member.Id is invalid. The Id must start with a lowercase letter and contain only letters, numbers and underscores.`,
      );
    if (byId.has(query.Id))
      throw invalidParameterValue(
        `The value ${query.Id} for parameter MetricDataQueries.member.Id is duplicated.`,
      );
    if ((query.MetricStat === undefined) === (query.Expression === undefined))
      throw invalidParameterCombination(
        `Exactly one of MetricStat and Expression must be specified for the query with Id ${query.Id}.`,
      );
    if (query.AccountId !== undefined)
      throw invalidParameterValue('Cross-account metric queries (AccountId) are not implemented by Seawall.');
    byId.set(query.Id, query);
  }
  if (!queries.some((query) => query.ReturnData !== false))
    throw invalidParameterValue('At least one MetricDataQuery must have ReturnData set to true.');

  const statPeriods = queries.flatMap((query) => (query.MetricStat ? [query.MetricStat.Period] : []));
  const defaultPeriod = statPeriods.length > 0 ? Math.min(...statPeriods) : 60;
  // No query may span more periods than a GetMetricData call can answer datapoints.
  for (const query of queries) {
    const period = query.MetricStat?.Period ?? query.Period ?? defaultPeriod;
    const spanned = (endTime.getTime() - startTime.getTime()) / (Math.max(1, period) * 1000);
    if (spanned > DEFAULT_MAX_DATAPOINTS)
      throw invalidParameterCombination(
        `The query ${query.Id} spans ${Math.ceil(spanned)} periods, more than the ${DEFAULT_MAX_DATAPOINTS} datapoints a request can return; increase its Period or shorten the time range.`,
      );
  }
  const end = endTime.getTime();
  const computed = new Map<string, Series[]>();
  /** The points the request's expressions may make (FILL, TIME_SERIES, date functions): ten requests' worth. */
  const budget = { points: 10 * DEFAULT_MAX_DATAPOINTS };
  const parsed = new Map<string, ReturnType<typeof parseMetricMath>>();
  for (const query of queries) {
    if (query.Expression === undefined) continue;
    try {
      parsed.set(query.Id, parseMetricMath(query.Expression));
    } catch (error) {
      if (error instanceof MetricMathError)
        throw invalidParameterValue(`Error in expression ${query.Id}: ${error.message}`);
      throw error;
    }
  }

  function metricStatSeries(query: MetricDataQuery & { MetricStat: MetricStatInput }): Series {
    const { Metric, Period, Stat, Unit } = query.MetricStat;
    if (Metric.Namespace === undefined || Metric.MetricName === undefined)
      throw missingParameter(`The query ${query.Id} must name its metric's Namespace and MetricName.`);
    checkPeriod(Period, `MetricDataQueries.member.MetricStat.Period`);
    const stat = checkStatistic(Stat, 'MetricStat.Stat');
    const start = alignedStart(startTime.getTime(), Period, now);
    const key = { namespace: Metric.Namespace, name: Metric.MetricName, dimensions: Metric.Dimensions ?? [] };
    const entries = [...periods(store, key, start, end, Period, Unit, false).values()].sort(
      (a, b) => a.start - b.start,
    );
    const timestamps: number[] = [];
    const values: number[] = [];
    for (const entry of entries) {
      const value = statisticOf(entry.agg, stat);
      if (value === undefined || !Number.isFinite(value)) continue;
      timestamps.push(entry.start);
      values.push(value);
    }
    return { id: query.Id, label: query.Label ?? Metric.MetricName, period: Period, timestamps, values };
  }

  // Expressions are evaluated once what they read is: in dependency order, refusing cycles.
  const visiting = new Set<string>();
  function evaluate(id: string): Series[] {
    const done = computed.get(id);
    if (done) return done;
    const query = byId.get(id);
    if (!query)
      throw invalidParameterValue(`The expression refers to an unknown query Id ${id.slice(0, 64)}.`);
    if (visiting.has(id))
      throw invalidParameterValue(`The expression ${id} refers to itself through a cycle.`);
    visiting.add(id);
    let result: Series[];
    if (query.MetricStat)
      result = [metricStatSeries(query as MetricDataQuery & { MetricStat: MetricStatInput })];
    else {
      const expression = parsed.get(id);
      if (!expression) throw new Error(`expression ${id} was not parsed`);
      const reads = referencedIds(expression);
      const names = reads.includes('*') ? [...byId.keys()].filter((other) => other !== id) : reads;
      const visible = new Map<string, Series>();
      for (const name of names) {
        if (reads.includes('*') && byId.get(name)?.MetricStat === undefined && !reads.includes(name))
          continue;
        const series = evaluate(name);
        if (series.length === 1 && series[0]) visible.set(name, { ...series[0], id: name });
      }
      const period = query.Period ?? defaultPeriod;
      checkPeriod(period, 'MetricDataQueries.member.Period');
      const start = alignedStart(startTime.getTime(), period, now);
      let value: MathValue;
      try {
        value = evaluateMetricMath(expression, {
          period,
          start,
          end,
          startFor: (other) => alignedStart(startTime.getTime(), other, now),
          series: visible,
          budget,
        });
      } catch (error) {
        if (error instanceof MetricMathError)
          throw invalidParameterValue(`Error in expression ${id}: ${error.message}`);
        throw error;
      }
      result = seriesOf(value, query).map((one) => (one.period === undefined ? { ...one, period } : one));
    }
    visiting.delete(id);
    computed.set(id, result);
    return result;
  }

  const results: EvaluatedResult[] = [];
  for (const query of queries) {
    const series = evaluate(query.Id);
    if (query.ReturnData === false) continue;
    for (const one of series) {
      const timestamps: Date[] = [];
      const values: number[] = [];
      one.timestamps.forEach((time, n) => {
        const value = one.values[n];
        if (value === undefined || !Number.isFinite(value)) return;
        timestamps.push(new Date(time));
        values.push(value);
      });
      results.push({
        Id: query.Id,
        ...(one.id !== undefined ? { source: one.id } : {}),
        Label: one.label,
        Timestamps: timestamps,
        Values: values,
        StatusCode: 'Complete',
      });
    }
  }
  return results;
}

/** An expression's value as results. A number is no result: CloudWatch wants a time series or an array of them. */
function seriesOf(value: MathValue, query: MetricDataQuery): Series[] {
  if (value.kind === 'series')
    return [{ ...value.series, label: query.Label ?? value.series.label ?? query.Id }];
  if (value.kind === 'array')
    return value.series.map((series) => ({ ...series, label: query.Label ?? series.label }));
  throw invalidParameterValue(
    `Error in expression ${query.Id}: the final result must be a time series or an array of time series, not a number.`,
  );
}

/**
 * Where a GetMetricData page ended: the query it ended in and, for each series of that query given so far, the
 * timestamp of its last datapoint given (null when given whole). Series are named by a digest of their label (and
 * which of that label they are), not by their place, so a SORT whose order changes between pages neither repeats
 * nor skips a datapoint.
 */
interface PagePosition {
  query: string;
  given: Map<string, number | null>;
}

const SERIES_KEY = /^[A-Za-z0-9_-]{11}$/;

/** A series' name in a token: its label and how many results of its query had that label before it. */
function seriesKey(label: string, occurrence: number): string {
  return createHash('sha256').update(`${occurrence}\0${label}`).digest('base64url').slice(0, 11);
}

function encodePosition(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.query, [...position.given]])).toString('base64url');
}

function decodePosition(token: string): PagePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const entry = (value: unknown): value is [string, number | null] =>
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    SERIES_KEY.test(value[0]) &&
    (value[1] === null || Number.isSafeInteger(value[1]));
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    !QUERY_ID.test(parsed[0]) ||
    !Array.isArray(parsed[1]) ||
    !parsed[1].every(entry)
  )
    throw invalidNextToken('The next token specified is invalid.');
  return { query: parsed[0], given: new Map(parsed[1] as [string, number | null][]) };
}

/**
 * GetMetricData: every result in the order asked (timestamps newest first unless ScanBy says otherwise), paged
 * at MaxDatapoints datapoints; a result cut by a page is PartialData and continues on the next. The token says
 * where the page ended by query, series and timestamp, so data arriving between pages neither repeats nor hides
 * any.
 */
export function getMetricData(
  store: MetricStore,
  input: GetMetricDataInput,
  now: number,
): { MetricDataResults: MetricDataResult[]; NextToken?: string; Messages: never[] } {
  const scanBy = input.ScanBy ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending')
    throw invalidParameterValue(`The value ${scanBy.slice(0, 64)} for parameter ScanBy is not valid.`);
  const max = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  if (max < 1) throw invalidParameterValue('The parameter MaxDatapoints must be greater than 0.');
  const from = input.NextToken === undefined ? undefined : decodePosition(input.NextToken);
  const descending = scanBy === 'TimestampDescending';
  const all = evaluateMetricData(store, input.MetricDataQueries, input.StartTime, input.EndTime, now);
  const queryOrder = new Map(input.MetricDataQueries.map((query, n) => [query.Id, n]));
  const fromQuery = from === undefined ? -1 : queryOrder.get(from.query);
  if (fromQuery === undefined) throw invalidNextToken('The next token specified is invalid.');
  let budget = max;
  /** Where this page is cut: at the first series it could not give whole. */
  let cut: PagePosition | undefined;
  /** What of the current query's series has been given, on this page or before it. */
  let given = new Map<string, number | null>();
  let current: string | undefined;
  const page: MetricDataResult[] = [];
  const seen = new Map<string, number>();
  for (const result of all) {
    if (result.Id !== current) {
      current = result.Id;
      if (cut === undefined) given = new Map(from?.query === result.Id ? from.given : []);
    }
    const order = result.Timestamps.map((_, n) => n);
    if (descending) order.reverse();
    const { source, ...wire } = result;
    // Known by the query it came from (a SORT keeps it) and its label, and which of those it is.
    const named = `${source ?? ''}\0${result.Label}`;
    const labelled = `${result.Id}\0${named}`;
    const occurrence = seen.get(labelled) ?? 0;
    seen.set(labelled, occurrence + 1);
    const key = seriesKey(named, occurrence);
    const position = queryOrder.get(result.Id) as number;
    // A query before the page's start was given already; in the one it ended in, what each series was given.
    const before = position < fromQuery ? null : position === fromQuery ? from?.given.get(key) : undefined;
    const remaining =
      before === undefined
        ? order
        : before === null
          ? []
          : order.filter((n) => {
              const time = (result.Timestamps[n] as Date).getTime();
              return descending ? time < before : time > before;
            });
    const taken = remaining.slice(0, budget);
    budget -= taken.length;
    if (cut === undefined) {
      const lastTaken = taken.at(-1);
      if (taken.length === remaining.length) given.set(key, null);
      else if (lastTaken !== undefined) given.set(key, (result.Timestamps[lastTaken] as Date).getTime());
      if (taken.length < remaining.length) cut = { query: result.Id, given };
    }
    page.push({
      ...wire,
      Timestamps: taken.map((n) => result.Timestamps[n] as Date),
      Values: taken.map((n) => result.Values[n] as number),
      StatusCode: taken.length < remaining.length ? 'PartialData' : 'Complete',
    });
  }
  const next = cut ? encodePosition(cut) : undefined;
  return { MetricDataResults: page, ...(next ? { NextToken: next } : {}), Messages: [] };
}
