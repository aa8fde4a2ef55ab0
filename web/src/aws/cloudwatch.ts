import type { JsonCall, JsonService } from './aws-json.js';

/** CloudWatch as the SDKs speak it: awsJson1_0, timestamps in epoch seconds. */
export const CLOUDWATCH: JsonService = {
  signingName: 'monitoring',
  targetPrefix: 'GraniteServiceVersion20100801',
  jsonVersion: '1.0',
};

export interface DashboardEntry {
  name: string;
  modified: Date | undefined;
  size: number | undefined;
}

export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricId {
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
}

/** A query of GetMetricData, as sent. */
export interface MetricDataQuery {
  Id: string;
  MetricStat?: { Metric: MetricId; Period: number; Stat: string };
  Expression?: string;
  Label?: string;
  ReturnData: boolean;
  Period?: number;
}

/** One series GetMetricData answered, oldest first; times in milliseconds. */
export interface MetricSeries {
  id: string;
  label: string;
  timestamps: number[];
  values: number[];
  /** Complete, unless CloudWatch said otherwise (Forbidden, InternalError). */
  status: string;
  messages: string[];
}

export interface AlarmState {
  name: string;
  kind: 'metric' | 'composite';
  state: string;
  reason: string;
  updated: Date | undefined;
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const dateOf = (value: unknown) => (typeof value === 'number' ? new Date(value * 1000) : undefined);
const MAX_PAGES = 20;

export async function listDashboards(call: JsonCall, signal?: AbortSignal): Promise<DashboardEntry[]> {
  type Page = {
    DashboardEntries?: { DashboardName?: string; LastModified?: number; Size?: number }[];
    NextToken?: string;
  };
  const entries: DashboardEntry[] = [];
  let token: string | undefined;
  for (let n = 0; n < MAX_PAGES; n += 1) {
    const page = await call<Page>('ListDashboards', token ? { NextToken: token } : {}, signal);
    for (const entry of page.DashboardEntries ?? [])
      entries.push({
        name: entry.DashboardName ?? '',
        modified: dateOf(entry.LastModified),
        size: entry.Size,
      });
    token = page.NextToken;
    if (!token) break;
  }
  return entries;
}

export async function getDashboardBody(call: JsonCall, name: string, signal?: AbortSignal): Promise<string> {
  const answer = await call<{ DashboardBody?: string }>('GetDashboard', { DashboardName: name }, signal);
  return answer.DashboardBody ?? '';
}

type MetricDataPage = {
  MetricDataResults?: {
    Id?: string;
    Label?: string;
    Timestamps?: number[];
    Values?: number[];
    StatusCode?: string;
    Messages?: { Code?: string; Value?: string }[];
  }[];
  NextToken?: string;
};

/**
 * Every series the queries return between `start` and `end` (ms), oldest first. A long answer comes in pages
 * that each list every result again, with the next part of its datapoints: joined here by query and label.
 */
export async function getMetricData(
  call: JsonCall,
  queries: MetricDataQuery[],
  range: { start: number; end: number },
  signal?: AbortSignal,
): Promise<MetricSeries[]> {
  const series: MetricSeries[] = [];
  const byKey = new Map<string, MetricSeries>();
  let token: string | undefined;
  for (let n = 0; n < MAX_PAGES; n += 1) {
    const page = await call<MetricDataPage>(
      'GetMetricData',
      {
        MetricDataQueries: queries,
        StartTime: seconds(range.start),
        EndTime: seconds(range.end),
        ScanBy: 'TimestampAscending',
        ...(token ? { NextToken: token } : {}),
      },
      signal,
    );
    const seen = new Map<string, number>();
    for (const result of page.MetricDataResults ?? []) {
      // A series is known by its query, label and which of that label it is: a SORT may reorder them.
      const labelled = `${result.Id ?? ''}\u0000${result.Label ?? ''}`;
      const occurrence = seen.get(labelled) ?? 0;
      seen.set(labelled, occurrence + 1);
      const key = `${labelled}\u0000${occurrence}`;
      let into = byKey.get(key);
      if (!into) {
        into = {
          id: result.Id ?? '',
          label: result.Label ?? result.Id ?? '',
          timestamps: [],
          values: [],
          status: 'Complete',
          messages: [],
        };
        byKey.set(key, into);
        series.push(into);
      }
      into.timestamps.push(...(result.Timestamps ?? []).map((t) => t * 1000));
      into.values.push(...(result.Values ?? []));
      if (result.StatusCode && result.StatusCode !== 'PartialData') into.status = result.StatusCode;
      for (const message of result.Messages ?? []) into.messages.push(message.Value ?? message.Code ?? '');
    }
    token = page.NextToken;
    if (!token) break;
  }
  return series;
}

/** An alarm as the alarms page lists it: its state and, said plainly, what it watches. */
export interface AlarmSummary extends AlarmState {
  description: string;
  /** "Load > 90 for 2 of 3 periods of 1 minute", or a composite alarm's rule. */
  condition: string;
  actionsEnabled: boolean;
  actions: number;
}

type DescribedAlarm = {
  AlarmName?: string;
  AlarmDescription?: string;
  StateValue?: string;
  StateReason?: string;
  StateUpdatedTimestamp?: number;
  ActionsEnabled?: boolean;
  AlarmActions?: string[];
  OKActions?: string[];
  InsufficientDataActions?: string[];
  MetricName?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Period?: number;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  Metrics?: {
    Id?: string;
    Expression?: string;
    Label?: string;
    ReturnData?: boolean;
    MetricStat?: { Period?: number; Metric?: { MetricName?: string } };
  }[];
  AlarmRule?: string;
};

const COMPARISON: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

function periodText(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? '1 day' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

/** What a metric alarm compares, as the CloudWatch console says it. */
export function conditionOf(alarm: DescribedAlarm): string {
  if (alarm.AlarmRule !== undefined) return alarm.AlarmRule;
  const returned = alarm.Metrics?.find((m) => m.ReturnData !== false) ?? alarm.Metrics?.[0];
  const watched =
    alarm.MetricName ??
    returned?.Label ??
    returned?.Expression ??
    returned?.MetricStat?.Metric?.MetricName ??
    '?';
  const period = alarm.Period ?? returned?.MetricStat?.Period;
  const evaluation = alarm.EvaluationPeriods ?? 1;
  const operator = COMPARISON[alarm.ComparisonOperator ?? ''] ?? alarm.ComparisonOperator ?? '?';
  const datapoints = alarm.DatapointsToAlarm ?? evaluation;
  const periods = evaluation === 1 ? 'period' : 'periods';
  return `${watched} ${operator} ${alarm.Threshold ?? '?'} for ${datapoints} of ${evaluation} ${periods}${period ? ` of ${periodText(period)}` : ''}`;
}

/** What DescribeAlarms says of an alarm's state. */
function stateOf(kind: AlarmState['kind'], alarm: DescribedAlarm): AlarmState {
  return {
    name: alarm.AlarmName ?? '',
    kind,
    state: alarm.StateValue ?? '',
    reason: alarm.StateReason ?? '',
    updated: dateOf(alarm.StateUpdatedTimestamp),
  };
}

function summaryOf(kind: AlarmState['kind'], alarm: DescribedAlarm): AlarmSummary {
  return {
    ...stateOf(kind, alarm),
    description: alarm.AlarmDescription ?? '',
    condition: conditionOf(alarm),
    actionsEnabled: alarm.ActionsEnabled !== false,
    actions:
      (alarm.AlarmActions?.length ?? 0) +
      (alarm.OKActions?.length ?? 0) +
      (alarm.InsufficientDataActions?.length ?? 0),
  };
}

/** The alarms a listing found; `complete` false when it stopped at MAX_PAGES with alarms left to read. */
export interface AlarmList {
  alarms: AlarmSummary[];
  complete: boolean;
}

/** The most alarms a listing reads: MAX_PAGES pages of 100. */
export const MAX_LISTED_ALARMS = MAX_PAGES * 100;

/** Every alarm (both kinds), or those in one state, a page of 100 at a time, up to MAX_LISTED_ALARMS. */
export async function listAlarms(
  call: JsonCall,
  options: { state?: string },
  signal?: AbortSignal,
): Promise<AlarmList> {
  type Page = { MetricAlarms?: DescribedAlarm[]; CompositeAlarms?: DescribedAlarm[]; NextToken?: string };
  const found: AlarmSummary[] = [];
  let token: string | undefined;
  for (let n = 0; n < MAX_PAGES; n += 1) {
    const page = await call<Page>(
      'DescribeAlarms',
      {
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        MaxRecords: 100,
        ...(options.state ? { StateValue: options.state } : {}),
        ...(token ? { NextToken: token } : {}),
      },
      signal,
    );
    for (const alarm of page.MetricAlarms ?? []) found.push(summaryOf('metric', alarm));
    for (const alarm of page.CompositeAlarms ?? []) found.push(summaryOf('composite', alarm));
    token = page.NextToken;
    if (!token) break;
  }
  return { alarms: found.sort((a, b) => a.name.localeCompare(b.name)), complete: !token };
}

export interface AlarmHistoryItem {
  time: Date | undefined;
  type: string;
  summary: string;
}

/** An alarm's history, newest first: state changes, configuration updates and actions. */
export async function alarmHistory(
  call: JsonCall,
  name: string,
  signal?: AbortSignal,
): Promise<AlarmHistoryItem[]> {
  type Page = {
    AlarmHistoryItems?: { Timestamp?: number; HistoryItemType?: string; HistorySummary?: string }[];
  };
  const page = await call<Page>(
    'DescribeAlarmHistory',
    {
      AlarmName: name,
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 50,
      ScanBy: 'TimestampDescending',
    },
    signal,
  );
  return (page.AlarmHistoryItems ?? []).map((item) => ({
    time: dateOf(item.Timestamp),
    type: item.HistoryItemType ?? '',
    summary: item.HistorySummary ?? '',
  }));
}

/** The alarms named (both kinds), in DescribeAlarms' order; names it does not know are left out. */
export async function describeAlarms(
  call: JsonCall,
  names: string[],
  signal?: AbortSignal,
): Promise<AlarmState[]> {
  const found: AlarmState[] = [];
  // DescribeAlarms takes at most 100 names.
  for (let from = 0; from < names.length; from += 100) {
    const page = await call<{ MetricAlarms?: DescribedAlarm[]; CompositeAlarms?: DescribedAlarm[] }>(
      'DescribeAlarms',
      { AlarmNames: names.slice(from, from + 100), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
      signal,
    );
    for (const alarm of page.MetricAlarms ?? []) found.push(stateOf('metric', alarm));
    for (const alarm of page.CompositeAlarms ?? []) found.push(stateOf('composite', alarm));
  }
  return found;
}

/**
 * The unit a metric's data was put with in a range (GetMetricData does not say), from one GetMetricStatistics
 * period spanning the range; undefined when it has no data there.
 */
export async function metricUnit(
  call: JsonCall,
  metric: MetricId,
  range: { start: number; end: number },
  signal?: AbortSignal,
): Promise<string | undefined> {
  const period = Math.max(60, Math.ceil((range.end - range.start) / 60_000) * 60);
  const answer = await call<{ Datapoints?: { Unit?: string }[] }>(
    'GetMetricStatistics',
    {
      ...metric,
      StartTime: seconds(range.start),
      EndTime: seconds(range.end),
      Period: period,
      Statistics: ['SampleCount'],
    },
    signal,
  );
  return answer.Datapoints?.find((point) => point.Unit !== undefined)?.Unit;
}
