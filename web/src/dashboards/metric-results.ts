import type { JsonCall } from '../aws/aws-json.js';
import { getMetricData, type MetricId, type MetricSeries, metricUnit } from '../aws/cloudwatch.js';
import type { ChartSeries } from '../chart/plot.js';
import { type MetricWidgetSpec, metricQueries } from './metric-rows.js';
import type { TimeWindow } from './time-range.js';

/** A series as a widget shows it: drawn, with its unit (when CloudWatch knows it) and CloudWatch's notes. */
export interface ShownSeries extends ChartSeries {
  unit: string | undefined;
  status: string;
  messages: string[];
}

/** CloudWatch's own colours, in its order, for series that name none. */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** Units already learnt, by metric, for the page's life: a metric's unit does not change between refreshes. */
export type UnitCache = Map<string, string>;

const metricKey = (metric: MetricId) => JSON.stringify(metric);

/** The series GetMetricData answered, matched to the rows that asked (by Id), labelled and coloured. */
export function shownSeries(
  spec: MetricWidgetSpec,
  results: MetricSeries[],
  units: UnitCache,
): ShownSeries[] {
  return results.map((result, i) => {
    const row = spec.series.find((s) => s.id === result.id);
    const label = row?.label ?? (row?.metric ? row.fallbackLabel : result.label);
    return {
      key: `${result.id}-${i}`,
      label: label || result.id,
      color: row?.color ?? PALETTE[i % PALETTE.length] ?? '#1f77b4',
      axis: row?.yAxis ?? 'left',
      timestamps: result.timestamps,
      values: result.values,
      unit: row?.metric ? units.get(metricKey(row.metric)) : undefined,
      status: result.status,
      messages: result.messages,
    };
  });
}

/** Looks up the units of the shown metrics not yet known; a unit that cannot be learnt is simply not shown. */
async function learnUnits(
  call: JsonCall,
  spec: MetricWidgetSpec,
  window: TimeWindow,
  units: UnitCache,
  signal: AbortSignal,
): Promise<void> {
  const unknown = spec.series.filter((s) => s.visible && s.metric && !units.has(metricKey(s.metric)));
  await Promise.all(
    unknown.map(async ({ metric }) => {
      if (!metric) return;
      const unit = await metricUnit(call, metric, window, signal).catch(() => undefined);
      if (unit) units.set(metricKey(metric), unit);
    }),
  );
}

/** One refresh of a metric widget: its queries for the window, their answer, and the units. */
export async function loadMetricWidget(
  call: JsonCall,
  spec: MetricWidgetSpec,
  window: TimeWindow,
  override: 'auto' | 'inherit',
  units: UnitCache,
  signal: AbortSignal,
): Promise<ShownSeries[]> {
  const queries = metricQueries(spec, window, override);
  if (queries.length === 0) return [];
  const [results] = await Promise.all([
    getMetricData(call, queries, window, signal),
    learnUnits(call, spec, window, units, signal),
  ]);
  return shownSeries(spec, results, units);
}
