import {
  type AlarmRow,
  awsTime,
  COMPARISONS,
  type Comparison,
  type Definition,
  number,
  REGION_NAMES,
  reasonTime,
} from './alarm-definition.js';
import type { AlarmState } from './alarm-rule.js';
import { evaluateMetricData, type MetricDataQuery } from './metric-data.js';
import type { MetricStore } from './metric-store.js';

/**
 * What an alarm concludes and says: a metric alarm's state and reason from its evaluation range, in CloudWatch's
 * words and StateReasonData, and the notification an action publishes.
 */

export function mathPeriod(queries: readonly MetricDataQuery[]): number | undefined {
  const returned = queries.find((query) => query.ReturnData !== false);
  const own = returned?.MetricStat?.Period ?? returned?.Period;
  if (own !== undefined) return own;
  const periods = queries.flatMap((query) => (query.MetricStat ? [query.MetricStat.Period] : []));
  return periods.length > 0 ? Math.min(...periods) : undefined;
}

/** A metric alarm's new state and reason from its evaluation range. */
export function judgeMetricAlarm(
  metrics: MetricStore,
  definition: Extract<Definition, { kind: 'MetricAlarm' }>,
  now: number,
) {
  const period = definition.Period ?? mathPeriod(definition.Metrics ?? []) ?? 60;
  const width = period * 1000;
  const end = Math.floor(now / width) * width;
  const n = definition.EvaluationPeriods;
  const start = end - n * width;
  const queries: MetricDataQuery[] = definition.Metrics ?? [
    {
      Id: 'm1',
      MetricStat: {
        Metric: {
          Namespace: definition.Namespace,
          MetricName: definition.MetricName,
          Dimensions: definition.Dimensions ?? [],
        },
        Period: period,
        Stat: (definition.Statistic ?? definition.ExtendedStatistic) as string,
        ...(definition.Unit ? { Unit: definition.Unit } : {}),
      },
    },
  ];
  const results = evaluateMetricData(metrics, queries, new Date(start), new Date(end), now);
  const result = results[0];
  const byTime = new Map<number, number>();
  result?.Timestamps.forEach((t, i) => {
    byTime.set(t.getTime(), result.Values[i] as number);
  });
  const slots: { time: number; value: number | undefined }[] = [];
  for (let t = start; t < end; t += width) slots.push({ time: t, value: byTime.get(t) });
  const comparison = COMPARISONS[definition.ComparisonOperator as Comparison];
  const threshold = definition.Threshold as number;
  const m = definition.DatapointsToAlarm ?? n;
  const treat = definition.TreatMissingData ?? 'missing';
  const present = slots.filter((s) => s.value !== undefined) as { time: number; value: number }[];
  const breaching =
    present.filter((s) => comparison.test(s.value, threshold)).length +
    (treat === 'breaching' ? slots.length - present.length : 0);
  const newestFirst = [...present].reverse();
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: awsTime(now),
    startDate: awsTime(start),
    ...(definition.Statistic ? { statistic: definition.Statistic } : {}),
    period,
    recentDatapoints: present.map((s) => s.value),
    threshold,
    evaluatedDatapoints: newestFirst.map((s) => ({ timestamp: awsTime(s.time), value: s.value })),
  });
  const shown = newestFirst.map((s) => `${number(s.value)} (${reasonTime(s.time)})`).join(', ');
  if (present.length === 0) {
    if (treat === 'ignore') return undefined;
    if (treat === 'missing')
      return {
        state: 'INSUFFICIENT_DATA' as const,
        reason: `Insufficient Data: ${n} datapoint${n === 1 ? ' was' : 's were'} unknown.`,
        reasonData,
      };
    const state = treat === 'breaching' ? ('ALARM' as const) : ('OK' as const);
    return {
      state,
      reason: `Threshold Crossed: no datapoints were received for ${n} period${n === 1 ? '' : 's'} and ${n} missing datapoint${n === 1 ? ' was' : 's were'} treated as [${treat === 'breaching' ? 'Breaching' : 'NonBreaching'}].`,
      reasonData,
    };
  }
  if (breaching >= m)
    return {
      state: 'ALARM' as const,
      reason: `Threshold Crossed: ${breaching} out of the last ${n} datapoints [${shown}] was ${comparison.words} the threshold (${number(threshold)}) (minimum ${m} datapoint${m === 1 ? '' : 's'} for OK -> ALARM transition).`,
      reasonData,
    };
  return {
    state: 'OK' as const,
    reason: `Threshold Crossed: ${present.length} datapoint${present.length === 1 ? '' : 's'} [${shown}] ${present.length === 1 ? 'was' : 'were'} not ${comparison.words} the threshold (${number(threshold)}).`,
    reasonData,
  };
}

export function alarmNotification(
  place: { region: string; accountId: string; arn: (name: string) => string },
  row: AlarmRow,
  definition: Definition,
  state: AlarmState,
  reason: string,
  reasonData: string | null,
  now: number,
) {
  const regionName = REGION_NAMES[place.region] ?? place.region;
  const body: Record<string, unknown> = {
    AlarmName: row.name,
    AlarmDescription: definition.AlarmDescription ?? null,
    AWSAccountId: place.accountId,
    AlarmConfigurationUpdatedTimestamp: awsTime(row.config_updated),
    NewStateValue: state,
    NewStateReason: reason,
    StateChangeTime: awsTime(now),
    Region: regionName,
    AlarmArn: place.arn(row.name),
    OldStateValue: row.state,
    OKActions: definition.OKActions ?? [],
    AlarmActions: definition.AlarmActions ?? [],
    InsufficientDataActions: definition.InsufficientDataActions ?? [],
  };
  if (definition.kind === 'MetricAlarm') {
    body.Trigger = {
      MetricName: definition.MetricName,
      Namespace: definition.Namespace,
      StatisticType: definition.ExtendedStatistic ? 'ExtendedStatistic' : 'Statistic',
      Statistic: definition.Statistic?.toUpperCase(),
      ExtendedStatistic: definition.ExtendedStatistic,
      Unit: definition.Unit ?? null,
      Dimensions: (definition.Dimensions ?? []).map((d) => ({ value: d.Value, name: d.Name })),
      Period: definition.Period,
      EvaluationPeriods: definition.EvaluationPeriods,
      DatapointsToAlarm: definition.DatapointsToAlarm ?? definition.EvaluationPeriods,
      ComparisonOperator: definition.ComparisonOperator,
      Threshold: definition.Threshold,
      TreatMissingData: definition.TreatMissingData ?? 'missing',
      EvaluateLowSampleCountPercentile: definition.EvaluateLowSampleCountPercentile ?? '',
      ...(definition.Metrics ? { Metrics: definition.Metrics } : {}),
    };
  } else body.AlarmRule = definition.AlarmRule;
  void reasonData;
  return {
    // SNS takes subjects of at most 100 characters.
    subject: `${state}: "${row.name.slice(0, 60)}" in ${regionName}`.slice(0, 100),
    message: JSON.stringify(body),
  };
}
