import { useMemo, useState } from 'react';
import type { QueryResult } from '../aws/query.js';
import { type ChartOption, EChart } from '../chart/echart.js';
import { chartData } from '../results/chart-series.js';
import { defaultAxes, isNumericType } from '../results/columns.js';

type ChartKind = 'bar' | 'line';

/** Beyond these a category chart stops being readable; the table and the CSV still have every row. */
const CATEGORY_LIMIT = 200;
const SERIES_LIMIT = 20;
/** Value labels on the bars only while they fit. */
const LABEL_LIMIT = 30;
const CHART_HEIGHT = 360;
const NONE = -1;

function chartOption(
  data: ReturnType<typeof chartData>,
  kind: ChartKind,
  titles: [string, string],
): ChartOption {
  const labels = data.series.length === 1 && data.categories.length <= LABEL_LIMIT;
  // Counts get whole-number ticks: no axis at 0.5 tickets.
  const whole = data.series.every((s) => s.values.every((v) => v === null || Number.isInteger(v)));
  return {
    animation: false,
    // containLabel leaves room for the tick labels, not the axis names: x's name needs the bottom margin.
    grid: { left: 16, right: 24, top: data.series.length > 1 ? 48 : 32, bottom: 32, containLabel: true },
    tooltip: { trigger: 'axis' },
    ...(data.series.length > 1 ? { legend: { type: 'scroll', top: 0 } } : {}),
    xAxis: {
      type: 'category',
      data: data.categories,
      name: titles[0],
      nameLocation: 'middle',
      nameGap: 28,
      axisLabel: { hideOverlap: true },
    },
    yAxis: { type: 'value', name: titles[1], scale: kind === 'line', ...(whole ? { minInterval: 1 } : {}) },
    series: data.series.map((s) =>
      kind === 'bar'
        ? { type: 'bar', name: s.name, data: s.values, label: { show: labels, position: 'top' } }
        : { type: 'line', name: s.name, data: s.values, label: { show: labels, position: 'top' } },
    ),
  };
}

function ColumnSelect(props: {
  label: string;
  value: number;
  options: { index: number; name: string }[];
  onChange: (index: number) => void;
  none?: string;
  testId: string;
}) {
  return (
    <label>
      {props.label}
      <select
        value={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
        data-testid={props.testId}
      >
        {props.none && <option value={NONE}>{props.none}</option>}
        {props.options.map(({ index, name }) => (
          <option key={index} value={index}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ResultChart({ result }: { result: QueryResult }) {
  const { columns, rows } = result;
  const defaults = useMemo(() => defaultAxes(columns, rows), [columns, rows]);
  const [kind, setKind] = useState<ChartKind>('bar');
  const [x, setX] = useState(defaults.x);
  const [y, setY] = useState(defaults.y);
  const [chosenSplit, setSplit] = useState(defaults.split ?? NONE);
  // A column chosen as x or y is no longer a split.
  const split = chosenSplit === x || chosenSplit === y ? NONE : chosenSplit;
  const all = columns.map((column, index) => ({ index, name: column.name }));
  const numeric = all.filter(({ index }) => isNumericType(columns[index]?.type ?? ''));

  const data = useMemo(
    () =>
      x === undefined || y === undefined
        ? undefined
        : chartData(
            rows,
            { x, y, split: split === NONE ? undefined : split, yName: columns[y]?.name ?? '' },
            { categories: CATEGORY_LIMIT, series: SERIES_LIMIT },
          ),
    [rows, columns, x, y, split],
  );
  const xName = columns[x ?? 0]?.name ?? '';
  const yName = columns[y ?? 0]?.name ?? '';
  const option = useMemo(
    () => (data ? chartOption(data, kind, [xName, yName]) : undefined),
    [data, kind, xName, yName],
  );

  if (x === undefined || y === undefined || !data || !option) {
    return (
      <p className="muted" data-testid="chart-unavailable">
        No chart: the result has no numeric column to plot.
      </p>
    );
  }
  const splitName = split === NONE ? undefined : columns[split]?.name;
  return (
    <div className="chart-panel">
      <div className="chart-controls">
        <fieldset className="segmented">
          <legend className="visually-hidden">Chart type</legend>
          {(['bar', 'line'] as const).map((option) => (
            <button
              key={option}
              type="button"
              aria-pressed={kind === option}
              onClick={() => setKind(option)}
              data-testid={`chart-kind-${option}`}
            >
              {option === 'bar' ? 'Bar' : 'Line'}
            </button>
          ))}
        </fieldset>
        <ColumnSelect label="X axis" value={x} options={all} onChange={setX} testId="chart-x" />
        <ColumnSelect label="Y axis" value={y} options={numeric} onChange={setY} testId="chart-y" />
        <ColumnSelect
          label="Split series by"
          value={split}
          options={all.filter(({ index }) => index !== x && index !== y)}
          onChange={setSplit}
          none="(none)"
          testId="chart-split"
        />
      </div>
      <ChartNotes data={data} />
      <EChart
        option={option}
        height={CHART_HEIGHT}
        label={`${kind === 'bar' ? 'Bar' : 'Line'} chart of ${yName} by ${xName}${splitName ? `, one series per ${splitName}` : ''}`}
        testId="result-chart"
      />
    </div>
  );
}

function ChartNotes({ data }: { data: ReturnType<typeof chartData> }) {
  const notes: string[] = [];
  if (data.summed) notes.push('Rows with the same x value (and series) are added together.');
  if (data.omittedCategories > 0)
    notes.push(
      `The chart shows the first ${CATEGORY_LIMIT} x values; ${data.omittedCategories.toLocaleString()} more are left out.`,
    );
  if (data.omittedSeries > 0)
    notes.push(
      `The chart shows the first ${SERIES_LIMIT} series; ${data.omittedSeries.toLocaleString()} more are left out.`,
    );
  if (notes.length === 0) return null;
  return (
    <ul className="chart-notes" data-testid="chart-notes">
      {notes.map((note) => (
        <li key={note}>{note}</li>
      ))}
    </ul>
  );
}
