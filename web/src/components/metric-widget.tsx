import { useMemo } from 'react';
import type { JsonCall } from '../aws/aws-json.js';
import { TimeSeriesChart } from '../chart/time-series-chart.js';
import type { Widget } from '../dashboards/body.js';
import { loadMetricWidget, type ShownSeries, type UnitCache } from '../dashboards/metric-results.js';
import { type MetricWidgetSpec, readMetricWidget } from '../dashboards/metric-rows.js';
import type { TimeWindow } from '../dashboards/time-range.js';
import { formatValue, unitCaption } from '../dashboards/units.js';
import { useWindowLoad } from '../dashboards/use-window-load.js';
import { WidgetEmpty, WidgetError, WidgetFrame, type WidgetStatus } from './widget-frame.js';

/** The unit every series on an axis shares, if they share one. */
function sharedUnit(series: ShownSeries[]): string | undefined {
  const units = new Set(series.map((s) => s.unit));
  const [only] = units;
  return units.size === 1 ? only : undefined;
}

/** The latest value of each series, with its unit: CloudWatch's single value view. */
function SingleValues({ series }: { series: ShownSeries[] }) {
  return (
    <ul className="single-values">
      {series.map((s) => {
        const latest = s.values.at(-1);
        const at = s.timestamps.at(-1);
        return (
          <li key={s.key} data-testid="single-value" data-series={s.label}>
            <span className="single-value-label">
              <span className="chart-swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label}
            </span>
            <span
              className="single-value-number"
              data-testid="single-value-number"
              title={at === undefined ? undefined : new Date(at).toISOString()}
            >
              {latest === undefined ? '—' : formatValue(latest, s.unit)}
            </span>
            {latest === undefined && <span className="muted">No data for this range.</span>}
          </li>
        );
      })}
    </ul>
  );
}

/** What CloudWatch said about series it could not read whole, and rows the widget could not read. */
function Notes({ spec, series }: { spec: MetricWidgetSpec; series: ShownSeries[] }) {
  const notes = [
    ...spec.problems,
    ...series
      .filter((s) => s.status !== 'Complete' || s.messages.length > 0)
      .map((s) => `${s.label}: ${[s.status, ...s.messages].join(' — ')}`),
  ];
  if (notes.length === 0) return null;
  return (
    <ul className="widget-notes" data-testid="widget-notes">
      {notes.map((note) => (
        <li key={note}>{note}</li>
      ))}
    </ul>
  );
}

function MetricView(props: {
  spec: MetricWidgetSpec;
  title: string;
  series: ShownSeries[];
  window: TimeWindow;
}) {
  const { spec, series } = props;
  if (spec.view === 'singleValue') return <SingleValues series={series} />;
  const units = {
    left: sharedUnit(series.filter((s) => s.axis === 'left')),
    right: sharedUnit(series.filter((s) => s.axis === 'right')),
  };
  return (
    <>
      {spec.view !== 'timeSeries' && (
        <p className="fine-print">The {spec.view} view is drawn as a time series.</p>
      )}
      <TimeSeriesChart
        title={props.title}
        series={series}
        range={props.window}
        stacked={spec.stacked}
        axes={{
          left: {
            ...spec.axes.left,
            label: spec.axes.left.label ?? (spec.axes.left.showUnits ? unitCaption(units.left) : undefined),
          },
          right: {
            ...spec.axes.right,
            label:
              spec.axes.right.label ?? (spec.axes.right.showUnits ? unitCaption(units.right) : undefined),
          },
        }}
        legend={spec.legend}
        format={(s, value) => formatValue(value, s.unit)}
        formatTick={(axis, value) => formatValue(value, units[axis])}
      />
    </>
  );
}

/**
 * A metric widget: its rows read with GetMetricData over the dashboard's window, as a time series chart or
 * single values; its own error when CloudWatch refuses the queries.
 */
export function MetricWidget(props: {
  widget: Widget;
  title: string;
  cloudwatch: JsonCall;
  window: TimeWindow;
  periodOverride: 'auto' | 'inherit';
  units: UnitCache;
}) {
  const { widget, cloudwatch, periodOverride, units } = props;
  const spec = useMemo(() => readMetricWidget(widget.properties), [widget]);
  const key = useMemo(
    () => `${periodOverride} ${JSON.stringify(widget.properties)}`,
    [widget, periodOverride],
  );
  const load = useWindowLoad(key, props.window, (window, signal) =>
    loadMetricWidget(cloudwatch, spec, window, periodOverride, units, signal).then((series) => ({
      series,
      window,
    })),
  );
  const series = load.value?.series ?? [];
  const empty = series.every((s) => s.values.length === 0);
  const status: WidgetStatus =
    load.status === 'failed' ? 'failed' : load.status === 'loading' ? 'loading' : empty ? 'empty' : 'loaded';
  return (
    <WidgetFrame widget={widget} title={props.title} status={status} generation={load.generation}>
      {load.status === 'failed' && <WidgetError failure={load.failure} />}
      {load.status === 'loading' && load.value === undefined && <p className="muted">Loading…</p>}
      {load.value && empty && <WidgetEmpty />}
      {/* The window drawn is the one the answer is for: old data is never drawn on a new time axis. */}
      {load.value && !empty && (
        <MetricView spec={spec} title={props.title} series={series} window={load.value.window} />
      )}
      <Notes spec={spec} series={series} />
    </WidgetFrame>
  );
}
