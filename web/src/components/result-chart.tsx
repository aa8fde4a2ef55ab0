import { useMemo, useRef, useState } from 'react';
import type { QueryResult } from '../aws/query.js';
import { BarLineChart, type ChartKind } from '../chart/bar-line-chart.js';
import { defaultAxes, isNumericType, toNumber } from '../results/columns.js';
import { useElementWidth } from '../use-element-width.js';

/** Beyond this many rows a category chart stops being readable; the table still has them all. */
const CHART_ROW_LIMIT = 200;
const CHART_HEIGHT = 340;

export function ResultChart({ result }: { result: QueryResult }) {
  const { columns, rows } = result;
  const defaults = useMemo(() => defaultAxes(columns), [columns]);
  const [kind, setKind] = useState<ChartKind>('bar');
  const [x, setX] = useState(defaults.x);
  const [y, setY] = useState(defaults.y);
  const frame = useRef<HTMLDivElement>(null);
  const width = useElementWidth(frame, 720);

  const numericColumns = columns
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => isNumericType(column.type));
  const shown = rows.slice(0, CHART_ROW_LIMIT);

  if (x === undefined || y === undefined) {
    return (
      <p className="muted" data-testid="chart-unavailable">
        No chart: the result has no numeric column to plot.
      </p>
    );
  }
  const labels = shown.map((row) => row[x] ?? 'NULL');
  const values = shown.map((row) => toNumber(row[y] ?? null));

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
        <label>
          X axis
          <select value={x} onChange={(e) => setX(Number(e.target.value))} data-testid="chart-x">
            {columns.map((column, index) => (
              <option key={column.name} value={index}>
                {column.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Y axis
          <select value={y} onChange={(e) => setY(Number(e.target.value))} data-testid="chart-y">
            {numericColumns.map(({ column, index }) => (
              <option key={column.name} value={index}>
                {column.name}
              </option>
            ))}
          </select>
        </label>
        {rows.length > CHART_ROW_LIMIT && (
          <span className="muted">
            Chart shows the first {CHART_ROW_LIMIT} of {rows.length.toLocaleString()} rows.
          </span>
        )}
      </div>
      <div className="chart-frame" ref={frame}>
        <BarLineChart
          kind={kind}
          labels={labels}
          values={values}
          xTitle={columns[x]?.name ?? ''}
          yTitle={columns[y]?.name ?? ''}
          width={width}
          height={CHART_HEIGHT}
        />
      </div>
    </div>
  );
}
