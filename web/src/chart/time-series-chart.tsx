import { type MouseEvent, type RefObject, useEffect, useId, useMemo, useRef, useState } from 'react';
import { formatDateTime } from '../format.js';
import {
  type Axis,
  areaPath,
  type ChartFrame,
  type ChartSeries,
  chartFrame,
  chartSummary,
  linePath,
  nearestTime,
  type Plotted,
  plotSeries,
} from './plot.js';
import { timeTickLabel, timeTicks } from './scales.js';

export type { ChartSeries } from './plot.js';

export interface ChartAxis {
  min: number | undefined;
  max: number | undefined;
  label: string | undefined;
}

export interface TimeSeriesChartProps<S extends ChartSeries> {
  title: string;
  series: S[];
  range: { start: number; end: number };
  stacked: boolean;
  axes: Record<Axis, ChartAxis>;
  legend: 'bottom' | 'right' | 'hidden';
  /** A value with its series' unit, for the tooltip and the summary. */
  format: (series: S, value: number) => string;
  /** A tick of an axis, short. */
  formatTick: (axis: Axis, value: number) => string;
}

/** Pixels between time ticks, about. */
const TIME_TICK_SPACING = 90;

function useSize(ref: RefObject<HTMLDivElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const observer = new ResizeObserver(([entry]) => {
      if (entry)
        setSize({ width: Math.floor(entry.contentRect.width), height: Math.floor(entry.contentRect.height) });
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

function Legend({ series, position }: { series: ChartSeries[]; position: 'bottom' | 'right' }) {
  return (
    <ul className={`chart-legend chart-legend-${position}`} aria-label="Legend">
      {series.map((s) => (
        <li key={s.key} data-testid="chart-legend-item">
          {/* The colour is set through the CSSOM (React's style), which the console's policy allows. */}
          <span className="chart-swatch" style={{ background: s.color }} aria-hidden="true" />
          {s.label}
        </li>
      ))}
    </ul>
  );
}

function Tooltip<S extends ChartSeries>(props: {
  time: number;
  left: number;
  plotted: Plotted<S>[];
  format: (series: S, value: number) => string;
}) {
  return (
    <div className="chart-tooltip" role="status" style={{ left: props.left }} data-testid="chart-tooltip">
      <div className="chart-tooltip-time">{formatDateTime(new Date(props.time))}</div>
      {props.plotted.map(({ series }) => {
        const i = series.timestamps.indexOf(props.time);
        const value = i === -1 ? undefined : series.values[i];
        return (
          <div key={series.key} className="chart-tooltip-row">
            <span className="chart-swatch" style={{ background: series.color }} aria-hidden="true" />
            <span className="chart-tooltip-label">{series.label}</span>
            <span className="chart-tooltip-value">
              {value === undefined ? '—' : props.format(series, value)}
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** Grid lines, value ticks on the axes in use, their labels, and the time axis. */
function AxisMarks(props: {
  frame: ChartFrame;
  labels: Record<Axis, string | undefined>;
  range: { start: number; end: number };
  formatTick: (axis: Axis, value: number) => string;
}) {
  const { frame, labels } = props;
  const end = frame.left + frame.plotWidth;
  const ticks = (axis: Axis, at: number, anchor: 'end' | 'start') =>
    frame.domains[axis].ticks.map((tick) => (
      <text
        key={`${axis}-${tick}`}
        x={at}
        y={frame.y[axis](tick) + 4}
        textAnchor={anchor}
        className="chart-tick"
      >
        {props.formatTick(axis, tick)}
      </text>
    ));
  const times = timeTicks(
    props.range.start,
    props.range.end,
    Math.max(2, Math.floor(frame.plotWidth / TIME_TICK_SPACING)),
  );
  return (
    <g>
      {frame.domains.left.ticks.map((tick) => (
        <line
          key={tick}
          className="chart-grid"
          x1={frame.left}
          x2={end}
          y1={frame.y.left(tick)}
          y2={frame.y.left(tick)}
        />
      ))}
      {ticks('left', frame.left - 6, 'end')}
      {frame.right && ticks('right', end + 6, 'start')}
      {labels.left && (
        <text x={4} y={11} className="chart-axis-label">
          {labels.left}
        </text>
      )}
      {frame.right && labels.right && (
        <text x={frame.width - 4} y={11} textAnchor="end" className="chart-axis-label">
          {labels.right}
        </text>
      )}
      <line className="chart-axis" x1={frame.left} x2={end} y1={frame.bottom} y2={frame.bottom} />
      {times.map((tick) => (
        <text key={tick} x={frame.x(tick)} y={frame.bottom + 16} textAnchor="middle" className="chart-tick">
          {timeTickLabel(tick)}
        </text>
      ))}
    </g>
  );
}

/** Each series' line through its datapoints (a dot when it has one), over its band when stacked. */
function SeriesMarks({
  frame,
  plotted,
  stacked,
}: {
  frame: ChartFrame;
  plotted: Plotted[];
  stacked: boolean;
}) {
  return plotted.map(({ series: s, points }) => {
    const project = (point: { time: number; value: number }): [number, number] => [
      frame.x(point.time),
      frame.y[s.axis](point.value),
    ];
    const [only] = points.length === 1 ? points : [];
    return (
      <g key={s.key}>
        {stacked && <path d={areaPath(points, project)} fill={s.color} fillOpacity={0.25} stroke="none" />}
        <path
          d={linePath(points, project)}
          fill="none"
          stroke={s.color}
          strokeWidth={1.5}
          strokeLinejoin="round"
          data-testid="chart-line"
          data-series={s.label}
          data-points={points.length}
        />
        {only && <circle cx={frame.x(only.time)} cy={frame.y[s.axis](only.value)} r={3} fill={s.color} />}
      </g>
    );
  });
}

/** The guide at the time under the pointer, and each series' datapoint there. */
function HoverMarks({ frame, plotted, time }: { frame: ChartFrame; plotted: Plotted[]; time: number }) {
  return (
    <g className="chart-hover">
      <line className="chart-guide" x1={frame.x(time)} x2={frame.x(time)} y1={frame.top} y2={frame.bottom} />
      {plotted.map(({ series: s, points }) => {
        const point = points.find((p) => p.time === time);
        return point ? (
          <circle key={s.key} cx={frame.x(time)} cy={frame.y[s.axis](point.value)} r={3.5} fill={s.color} />
        ) : null;
      })}
    </g>
  );
}

/**
 * A time series chart drawn as SVG: a line per series (or stacked bands), value axes on the left and, for
 * series that ask for it, the right; time along the bottom on round local-clock steps; a legend; and the
 * values at the pointer in a tooltip. Its aria-label says what it shows in words.
 */
export function TimeSeriesChart<S extends ChartSeries>(props: TimeSeriesChartProps<S>) {
  const { series, range, axes } = props;
  const box = useRef<HTMLDivElement>(null);
  const size = useSize(box);
  const clipId = `chart-clip-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const [hover, setHover] = useState<number | undefined>(undefined);
  const plotted = useMemo(() => plotSeries(series, props.stacked), [series, props.stacked]);
  const times = useMemo(
    () => [...new Set(plotted.flatMap((p) => p.points.map((point) => point.time)))].sort((a, b) => a - b),
    [plotted],
  );
  const frame = chartFrame(size, plotted, range, axes);
  const summary = chartSummary(props.title, series, range, props.format);

  function onMove(event: MouseEvent<SVGSVGElement>) {
    const bounds = event.currentTarget.getBoundingClientRect();
    const share = (event.clientX - bounds.left - frame.left) / frame.plotWidth;
    setHover(nearestTime(times, range.start + share * (range.end - range.start)));
  }

  return (
    <figure
      className={`chart ${props.legend === 'right' ? 'chart-legend-side' : ''}`}
      data-testid="time-series-chart"
    >
      <div ref={box} className="chart-frame">
        {size.width > 0 && size.height > 0 && (
          <svg
            role="img"
            aria-label={summary}
            width={size.width}
            height={size.height}
            viewBox={`0 0 ${size.width} ${size.height}`}
            onMouseMove={onMove}
            onMouseLeave={() => setHover(undefined)}
          >
            <title>{props.title}</title>
            <desc>{summary}</desc>
            <defs>
              <clipPath id={clipId}>
                <rect x={frame.left} y={frame.top} width={frame.plotWidth} height={frame.plotHeight} />
              </clipPath>
            </defs>
            <AxisMarks
              frame={frame}
              labels={{ left: axes.left.label, right: axes.right.label }}
              range={range}
              formatTick={props.formatTick}
            />
            <g clipPath={`url(#${clipId})`}>
              <SeriesMarks frame={frame} plotted={plotted} stacked={props.stacked} />
            </g>
            {hover !== undefined && <HoverMarks frame={frame} plotted={plotted} time={hover} />}
          </svg>
        )}
        {hover !== undefined && (
          <Tooltip
            time={hover}
            left={frame.x(hover) > size.width / 2 ? Math.max(0, frame.x(hover) - 220) : frame.x(hover) + 12}
            plotted={plotted}
            format={props.format}
          />
        )}
      </div>
      {props.legend !== 'hidden' && <Legend series={series} position={props.legend} />}
    </figure>
  );
}
