import { formatDateTime } from '../format.js';
import { type Domain, linear, valueDomain } from './scales.js';

/** The geometry of the console's SVG time series charts, apart from React: stacking, paths, the summary. */

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  axis: 'left' | 'right';
  /** Oldest first, in ms, one per value. */
  timestamps: number[];
  values: number[];
}

/** A datapoint as drawn: its top, and the top of the series stacked under it (0 when not stacked). */
export interface Point {
  time: number;
  value: number;
  base: number;
}

export interface Plotted<S extends ChartSeries = ChartSeries> {
  series: S;
  points: Point[];
}

/**
 * Series as drawn: each datapoint as it is or, stacked, on top of the series before it on the same axis; a
 * stacked series has a point at every time any series has one (0 where it has none).
 */
export function plotSeries<S extends ChartSeries>(series: S[], stacked: boolean): Plotted<S>[] {
  if (!stacked)
    return series.map((s) => ({
      series: s,
      points: s.timestamps.map((time, i) => ({ time, value: s.values[i] ?? 0, base: 0 })),
    }));
  const times = [...new Set(series.flatMap((s) => s.timestamps))].sort((a, b) => a - b);
  const totals = { left: new Map<number, number>(), right: new Map<number, number>() };
  return series.map((s) => {
    const own = new Map(s.timestamps.map((time, i) => [time, s.values[i] ?? 0]));
    const total = totals[s.axis];
    const points = times.map((time) => {
      const base = total.get(time) ?? 0;
      const value = base + (own.get(time) ?? 0);
      total.set(time, value);
      return { time, value, base };
    });
    return { series: s, points };
  });
}

/** The lowest and highest the plotted series reach, 0 included so a small change does not fill the height. */
export function extent(plotted: Plotted[]): [number, number] {
  let low = 0;
  let high = 0;
  for (const { points } of plotted)
    for (const point of points) {
      low = Math.min(low, point.value, point.base);
      high = Math.max(high, point.value);
    }
  return [low, high];
}

type Project = (point: Point) => [number, number];

/** One `M`/`L` command per datapoint. */
export function linePath(points: Point[], project: Project): string {
  return points
    .map((point, i) => {
      const [x, y] = project(point);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** The band between a stacked series' tops and its bases. */
export function areaPath(points: Point[], project: Project): string {
  if (points.length === 0) return '';
  const top = linePath(points, project);
  const bottom = [...points]
    .reverse()
    .map((point) => {
      const [x, y] = project({ ...point, value: point.base });
      return `L${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return `${top} ${bottom} Z`;
}

/** The datapoint time nearest `time` among sorted times. */
export function nearestTime(times: number[], time: number): number | undefined {
  let low = 0;
  let high = times.length - 1;
  if (high < 0) return undefined;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if ((times[middle] ?? 0) < time) low = middle;
    else high = middle;
  }
  const a = times[low] ?? 0;
  const b = times[high] ?? 0;
  return Math.abs(a - time) <= Math.abs(b - time) ? a : b;
}

/** What a chart shows, in words, for its aria-label: each series' count, latest, lowest and highest value. */
export function chartSummary<S extends ChartSeries>(
  title: string,
  series: S[],
  range: { start: number; end: number },
  format: (series: S, value: number) => string,
): string {
  const span = `from ${formatDateTime(new Date(range.start))} to ${formatDateTime(new Date(range.end))}`;
  if (series.every((s) => s.values.length === 0)) return `${title}: no data ${span}.`;
  const parts = series.map((s) => {
    if (s.values.length === 0) return `${s.label}: no data`;
    const latest = s.values.at(-1) ?? 0;
    const count = `${s.values.length} ${s.values.length === 1 ? 'datapoint' : 'datapoints'}`;
    return `${s.label}: ${count}, latest ${format(s, latest)}, lowest ${format(s, Math.min(...s.values))}, highest ${format(s, Math.max(...s.values))}`;
  });
  return `${title}: line chart of ${series.length} series ${span}. ${parts.join('; ')}.`;
}

export type Axis = 'left' | 'right';

/** Where a chart draws: its plot area inside the margins, and the maps from time and value to pixels. */
export interface ChartFrame {
  width: number;
  height: number;
  left: number;
  top: number;
  plotWidth: number;
  plotHeight: number;
  bottom: number;
  x: (time: number) => number;
  y: Record<Axis, (value: number) => number>;
  domains: Record<Axis, Domain>;
  /** Whether any series is drawn against the right axis. */
  right: boolean;
}

const MARGIN = { top: 18, bottom: 22, left: 56, right: 14 };
const RIGHT_AXIS_WIDTH = 56;
/** Pixels between value ticks, about. */
const TICK_SPACING = 40;

/** The frame for series plotted in a `width` × `height` box over a time range, with fixed axis bounds. */
export function chartFrame(
  size: { width: number; height: number },
  plotted: Plotted[],
  range: { start: number; end: number },
  fixed: Record<Axis, { min?: number | undefined; max?: number | undefined }>,
): ChartFrame {
  const right = plotted.some((p) => p.series.axis === 'right');
  const plotWidth = Math.max(10, size.width - MARGIN.left - (right ? RIGHT_AXIS_WIDTH : MARGIN.right));
  const plotHeight = Math.max(10, size.height - MARGIN.top - MARGIN.bottom);
  const bottom = MARGIN.top + plotHeight;
  const domainOf = (axis: Axis) => {
    const [low, high] = extent(plotted.filter((p) => p.series.axis === axis));
    return valueDomain(low, high, Math.max(2, Math.floor(plotHeight / TICK_SPACING)), fixed[axis]);
  };
  const domains = { left: domainOf('left'), right: domainOf('right') };
  return {
    ...size,
    left: MARGIN.left,
    top: MARGIN.top,
    plotWidth,
    plotHeight,
    bottom,
    x: linear([range.start, range.end], [MARGIN.left, MARGIN.left + plotWidth]),
    y: {
      left: linear([domains.left.min, domains.left.max], [bottom, MARGIN.top]),
      right: linear([domains.right.min, domains.right.max], [bottom, MARGIN.top]),
    },
    domains,
    right,
  };
}
