import type { MetricDataQuery, MetricId } from '../aws/cloudwatch.js';
import { isObject, type Json } from './body.js';
import { effectivePeriod, type TimeWindow } from './time-range.js';

/**
 * A metric widget's properties read as CloudWatch reads them: `metrics` rows of
 * `[namespace, name, dimName, dimValue, …, {options}]`, with `"."` for the value at the same place in the row
 * before and `"..."` for the row before's values up to the ones that follow it, and `[{expression, label, id}]`
 * rows for metric math; then the GetMetricData queries for a time window.
 */

export interface SeriesSpec {
  id: string;
  metric: MetricId | undefined;
  expression: string | undefined;
  stat: string;
  period: number;
  /** The row's label; else CloudWatch's (the metric name), told apart from rows with the same name. */
  label: string | undefined;
  fallbackLabel: string;
  color: string | undefined;
  visible: boolean;
  yAxis: 'left' | 'right';
}

export interface AxisSpec {
  min: number | undefined;
  max: number | undefined;
  label: string | undefined;
  showUnits: boolean;
}

export interface MetricWidgetSpec {
  series: SeriesSpec[];
  view: string;
  stacked: boolean;
  axes: { left: AxisSpec; right: AxisSpec };
  legend: 'bottom' | 'right' | 'hidden';
  setPeriodToTimeRange: boolean;
  /** Rows that cannot be read, said per row; the others are still drawn. */
  problems: string[];
}

const DEFAULT_PERIOD = 300;
const DEFAULT_STAT = 'Average';
const COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const positive = (value: unknown): number | undefined => {
  const n = num(value);
  return n !== undefined && n > 0 ? n : undefined;
};

/** The row's values with `"."` and `"..."` resolved against the row before, and its options object. */
export function expandRow(
  row: unknown[],
  previous: unknown[] | undefined,
): { items: unknown[]; options: Json } {
  const last = row.at(-1);
  const options = isObject(last) ? last : {};
  let items = isObject(last) ? row.slice(0, -1) : [...row];
  const ellipsis = items.indexOf('...');
  if (ellipsis !== -1) {
    if (!previous) throw new Error('"..." has no row before it to repeat.');
    const after = items.slice(ellipsis + 1);
    items = [
      ...items.slice(0, ellipsis),
      ...previous.slice(ellipsis, previous.length - after.length),
      ...after,
    ];
  }
  items = items.map((item, i) => {
    if (item !== '.') return item;
    if (!previous || previous[i] === undefined)
      throw new Error(`"." at place ${i + 1} has no value above it.`);
    return previous[i];
  });
  return { items, options };
}

function metricOf(items: unknown[]): MetricId {
  if (!items.every((item): item is string => typeof item === 'string'))
    throw new Error('A metric row names its namespace, metric and dimensions as text.');
  const [namespace, name, ...rest] = items;
  if (!namespace || !name) throw new Error('A metric row starts with a namespace and a metric name.');
  if (rest.length % 2 === 1) throw new Error(`The dimension ${rest.at(-1)} has no value.`);
  const dimensions = [];
  for (let i = 0; i < rest.length; i += 2) dimensions.push({ Name: rest[i] ?? '', Value: rest[i + 1] ?? '' });
  return { Namespace: namespace, MetricName: name, Dimensions: dimensions };
}

function axisOf(value: unknown): AxisSpec {
  const axis = isObject(value) ? value : {};
  return {
    min: num(axis.min),
    max: num(axis.max),
    label: str(axis.label),
    showUnits: axis.showUnits !== false,
  };
}

/**
 * Each metric row's label when it has none: its metric name, followed by what tells it apart (its dimension
 * values, and its statistic when those differ) when another unlabelled row has the same name.
 */
function fallbackLabels(series: SeriesSpec[]): void {
  const unlabelled = series.filter((s) => s.metric && s.label === undefined);
  for (const s of unlabelled) {
    const name = s.metric?.MetricName ?? '';
    const same = unlabelled.filter((other) => other.metric?.MetricName === name);
    if (same.length === 1) {
      s.fallbackLabel = name;
      continue;
    }
    const stats = new Set(same.map((other) => other.stat));
    const detail = [...(s.metric?.Dimensions ?? []).map((d) => d.Value), ...(stats.size > 1 ? [s.stat] : [])];
    s.fallbackLabel = detail.length > 0 ? `${name} (${detail.join(', ')})` : name;
  }
}

/** The id of a row without one: m<n> for a metric, e<n> for an expression, n its place in the list. */
function uniqueId(wanted: string, taken: Set<string>): string {
  let id = wanted;
  for (let n = 2; taken.has(id); n += 1) id = `${wanted}_${n}`;
  taken.add(id);
  return id;
}

function readRows(rows: unknown[], props: Json, problems: string[]): SeriesSpec[] {
  const series: SeriesSpec[] = [];
  // Ids the rows give are kept; the others are made around them.
  const taken = new Set<string>();
  for (const row of rows) {
    const last: unknown = Array.isArray(row) ? row.at(-1) : undefined;
    const id = isObject(last) ? str(last.id) : undefined;
    if (id) taken.add(id);
  }
  let previous: unknown[] | undefined;
  rows.forEach((row, i) => {
    try {
      if (!Array.isArray(row) || row.length === 0) throw new Error('A row is a list.');
      const { items, options } = expandRow(row, previous);
      const expression = items.length === 0 ? str(options.expression) : undefined;
      if (items.length === 0 && expression === undefined)
        throw new Error('A row names a metric or an expression.');
      const metric = expression === undefined ? metricOf(items) : undefined;
      if (metric) previous = items;
      const id = str(options.id) ?? uniqueId(`${metric ? 'm' : 'e'}${i + 1}`, taken);
      series.push({
        id,
        metric,
        expression,
        stat: str(options.stat) ?? str(props.stat) ?? DEFAULT_STAT,
        period: positive(options.period) ?? positive(props.period) ?? DEFAULT_PERIOD,
        label: str(options.label),
        fallbackLabel: expression ? id : '',
        color: COLOR.test(str(options.color) ?? '') ? str(options.color) : undefined,
        visible: options.visible !== false,
        yAxis: options.yAxis === 'right' ? 'right' : 'left',
      });
    } catch (error) {
      problems.push(`Row ${i + 1}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  fallbackLabels(series);
  return series;
}

export function readMetricWidget(props: Json): MetricWidgetSpec {
  const problems: string[] = [];
  const rows = Array.isArray(props.metrics) ? props.metrics : [];
  if (!Array.isArray(props.metrics)) problems.push('The widget lists no metrics.');
  const yAxis = isObject(props.yAxis) ? props.yAxis : {};
  const legend = isObject(props.legend) ? str(props.legend.position) : undefined;
  return {
    series: readRows(rows, props, problems),
    view: str(props.view) ?? 'timeSeries',
    stacked: props.stacked === true,
    axes: { left: axisOf(yAxis.left), right: axisOf(yAxis.right) },
    legend: legend === 'right' || legend === 'hidden' ? legend : 'bottom',
    setPeriodToTimeRange: props.setPeriodToTimeRange === true,
    problems,
  };
}

/** The GetMetricData queries for a window: every row (hidden ones too, expressions may read them). */
export function metricQueries(
  spec: MetricWidgetSpec,
  window: TimeWindow,
  override: 'auto' | 'inherit',
): MetricDataQuery[] {
  // A whole-range period is a multiple of a minute, as CloudWatch requires.
  const whole = Math.max(60, Math.ceil((window.end - window.start) / 60_000) * 60);
  return spec.series.map((s) => {
    const label = s.label ? { Label: s.label } : {};
    if (s.expression !== undefined)
      return {
        Id: s.id,
        Expression: s.expression,
        ...label,
        ReturnData: s.visible,
        ...(spec.setPeriodToTimeRange ? { Period: whole } : {}),
      };
    const period = spec.setPeriodToTimeRange ? whole : effectivePeriod(s.period, window, override);
    return {
      Id: s.id,
      MetricStat: { Metric: s.metric as MetricId, Period: period, Stat: s.stat },
      ...label,
      ReturnData: s.visible,
    };
  });
}
