import type { AlarmService, MetricAlarmInput } from './alarm-service.js';
import type { Dashboards } from './dashboards.js';

/**
 * What Seawall ships: the "Platform" and "Vancouver datasets" dashboards, made at start when missing (an
 * administrator's edits are kept; a deleted one comes back at the next start).
 */

const metricWidget = (
  x: number,
  y: number,
  title: string,
  metrics: unknown[][],
  options: Record<string, unknown> = {},
  width = 8,
) => ({
  type: 'metric',
  x,
  y,
  width,
  height: 6,
  properties: { title, metrics, period: 300, stat: 'Sum', view: 'timeSeries', ...options },
});

export function platformDashboard(region: string, alarmArns: readonly string[]): string {
  const p = (name: string) => ['Seawall/Platform', name];
  return JSON.stringify({
    start: '-PT3H',
    widgets: [
      {
        type: 'text',
        x: 0,
        y: 0,
        width: 24,
        height: 2,
        properties: {
          markdown:
            '# Platform\nRequests, errors and latency of every API, storage, queries and the estimated charges this month.',
        },
      },
      metricWidget(0, 2, 'Requests', [p('Requests')], { region }),
      metricWidget(8, 2, 'Errors', [p('4xxErrors'), p('5xxErrors')], { region }),
      metricWidget(
        16,
        2,
        'Latency (ms)',
        [
          [...p('Latency'), { stat: 'p99', label: 'p99' }],
          [...p('Latency'), { stat: 'p50', label: 'p50' }],
        ],
        {
          region,
          stat: 'Average',
        },
      ),
      metricWidget(0, 8, 'Storage (bytes)', [p('StorageBytes')], { region, stat: 'Maximum', period: 3600 }),
      metricWidget(8, 8, 'Objects', [p('NumberOfObjects')], {
        region,
        stat: 'Maximum',
        period: 3600,
        view: 'singleValue',
      }),
      metricWidget(
        16,
        8,
        'Estimated charges (USD, month to date)',
        [['AWS/Billing', 'EstimatedCharges', 'Currency', 'USD']],
        {
          region,
          stat: 'Maximum',
          period: 3600,
          view: 'singleValue',
        },
      ),
      metricWidget(0, 14, 'Queries', [p('Queries')], { region }),
      metricWidget(8, 14, 'Bytes scanned', [p('BytesScanned')], { region }),
      {
        type: 'alarm',
        x: 16,
        y: 14,
        width: 8,
        height: 6,
        properties: { title: 'Alarms', alarms: alarmArns },
      },
    ],
  });
}

/** The curated tables the demo's recipe jobs write, by name. */
export function datasetsDashboard(region: string, database: string, tables: readonly string[]): string {
  const rows = tables.map((table) => ['Seawall/Datasets', 'RowCount', 'Database', database, 'Table', table]);
  const age = tables.map((table) => [
    'Seawall/Datasets',
    'HoursSinceUpdate',
    'Database',
    database,
    'Table',
    table,
  ]);
  return JSON.stringify({
    start: '-P1D',
    widgets: [
      {
        type: 'text',
        x: 0,
        y: 0,
        width: 24,
        height: 2,
        properties: {
          markdown: `# Vancouver datasets\nRows and freshness of each curated table in \`${database}\`, and how the recipe jobs went.`,
        },
      },
      metricWidget(0, 2, 'Rows per curated table', rows, { region, stat: 'Maximum', period: 3600 }, 12),
      metricWidget(12, 2, 'Hours since last update', age, { region, stat: 'Maximum', period: 3600 }),
      metricWidget(
        0,
        8,
        'Recipe job outcomes',
        [
          ['Seawall/Jobs', 'JobRunsSucceeded', 'JobType', 'DataBrew'],
          ['Seawall/Jobs', 'JobRunsFailed', 'JobType', 'DataBrew'],
        ],
        { region, period: 3600 },
      ),
    ],
  });
}

export function ensureDefaultDashboards(
  dashboards: Dashboards,
  region: string,
  datasets: { database: string; tables: readonly string[] },
  alarmArns: readonly string[],
): void {
  if (!dashboards.exists('Platform')) dashboards.put('Platform', platformDashboard(region, alarmArns));
  if (!dashboards.exists('Vancouver-datasets'))
    dashboards.put('Vancouver-datasets', datasetsDashboard(region, datasets.database, datasets.tables));
}

/** The SNS topic the shipped alarms notify: subscribe an email address or a webhook to hear of them. */
export const ALARM_TOPIC = 'seawall-alarms';

/** The shipped alarms: spending, server errors, a failed recipe job, a filling disk. */
export function defaultAlarms(topicArn: string): MetricAlarmInput[] {
  const common = {
    ActionsEnabled: true,
    AlarmActions: [topicArn],
    OKActions: [topicArn],
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
  };
  return [
    {
      ...common,
      AlarmName: 'EstimatedCharges-over-50-USD',
      AlarmDescription: 'Estimated charges this month have reached 50 USD.',
      Namespace: 'AWS/Billing',
      MetricName: 'EstimatedCharges',
      Dimensions: [{ Name: 'Currency', Value: 'USD' }],
      Statistic: 'Maximum',
      Period: 21_600,
      Threshold: 50,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    },
    {
      ...common,
      AlarmName: 'Platform-5xx-errors',
      AlarmDescription: 'Seawall answered a request with a server error (5xx) in the last five minutes.',
      Namespace: 'Seawall/Platform',
      MetricName: '5xxErrors',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    },
    {
      ...common,
      AlarmName: 'Recipe-job-failed',
      AlarmDescription: 'A DataBrew recipe job run failed in the last five minutes.',
      Namespace: 'Seawall/Jobs',
      MetricName: 'JobRunsFailed',
      Dimensions: [{ Name: 'JobType', Value: 'DataBrew' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    },
    {
      ...common,
      AlarmName: 'Disk-free-below-10-percent',
      AlarmDescription: "Less than 10% of the data directory's file system is free.",
      Namespace: 'CWAgent',
      MetricName: 'disk_used_percent',
      Dimensions: [{ Name: 'path', Value: 'data' }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 90,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
    },
  ];
}

/** Makes the shipped alarms that are missing (an administrator's changes to one are kept). */
export function ensureDefaultAlarms(alarms: AlarmService, topicArn: string): void {
  const shipped = defaultAlarms(topicArn);
  const found = alarms.describeAlarms({ AlarmNames: shipped.map((alarm) => alarm.AlarmName) });
  const existing = new Set((found.MetricAlarms as { AlarmName: string }[]).map((alarm) => alarm.AlarmName));
  for (const alarm of shipped) if (!existing.has(alarm.AlarmName)) alarms.putMetricAlarm(alarm);
}
