import type { AlarmState } from './alarm-rule.js';
import type { MetricDataQuery } from './metric-data.js';
import type { Dimension } from './metric-store.js';

/** What a CloudWatch alarm is: its inputs and stored row, its comparisons, and how CloudWatch writes times. */

export const COMPARISONS = {
  GreaterThanOrEqualToThreshold: {
    test: (v: number, t: number) => v >= t,
    words: 'greater than or equal to',
  },
  GreaterThanThreshold: { test: (v: number, t: number) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v: number, t: number) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v: number, t: number) => v <= t, words: 'less than or equal to' },
} as const;
export const ANOMALY_COMPARISONS = [
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
];
export type Comparison = keyof typeof COMPARISONS;
export const TREAT_MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'];
/** Alarm names: 1 to 255 characters, none of them a control character. */
export const NAME = /^\P{Cc}{1,255}$/u;
export const SNS_ARN = /^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
export const HISTORY_DAYS = 30;

/** What both kinds of alarm are given: a name, a description, actions and tags. */
interface AlarmInput {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  Tags?: { Key: string; Value: string }[];
}

/** The metric alarm's definition as PutMetricAlarm gave it. */
export interface MetricAlarmInput extends AlarmInput {
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: MetricDataQuery[];
  ThresholdMetricId?: string;
}

/** The composite alarm's definition as PutCompositeAlarm gave it. */
export interface CompositeAlarmInput extends AlarmInput {
  AlarmRule: string;
}

export type Definition =
  | ({ kind: 'MetricAlarm' } & Omit<MetricAlarmInput, 'Tags'>)
  | ({ kind: 'CompositeAlarm' } & Omit<CompositeAlarmInput, 'Tags'>);

export interface AlarmRow {
  name: string;
  kind: 'MetricAlarm' | 'CompositeAlarm';
  definition: string;
  tags: string;
  actions_enabled: number;
  state: AlarmState;
  state_reason: string;
  state_reason_data: string | null;
  state_updated: number;
  state_transitioned: number;
  config_updated: number;
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS alarms (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  definition TEXT NOT NULL,
  tags TEXT NOT NULL,
  actions_enabled INTEGER NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT NOT NULL,
  state_reason_data TEXT,
  state_updated INTEGER NOT NULL,
  state_transitioned INTEGER NOT NULL,
  config_updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS alarm_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alarm_name TEXT NOT NULL,
  alarm_kind TEXT NOT NULL,
  time INTEGER NOT NULL,
  item_type TEXT NOT NULL,
  summary TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alarm_history_by_time ON alarm_history (time);
`;

/** AWS's names for regions, as alarm notifications give them. */
export const REGION_NAMES: Readonly<Record<string, string>> = {
  'ca-west-1': 'Canada West (Calgary)',
  'ca-central-1': 'Canada (Central)',
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-central-1': 'EU (Frankfurt)',
};

/** CloudWatch's timestamps in reasons and notifications: `2026-12-05T01:00:00.000+0000`. */
export const awsTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
/** The datapoint times in a threshold reason: `05/12/26 01:00:00`. */
export function reasonTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}
export const number = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(v));
