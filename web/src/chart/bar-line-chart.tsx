import { type ChartGeometry, type ChartKind, chartGeometry, linePath } from './geometry.js';
import { formatTick, formatValue, truncateLabel } from './scale.js';

export type { ChartKind } from './geometry.js';

export interface ChartProps {
  kind: ChartKind;
  labels: readonly string[];
  /** NaN where the value is NULL or not a number. */
  values: readonly number[];
  xTitle: string;
  yTitle: string;
  width: number;
  height: number;
}

type Series = { labels: readonly string[]; values: readonly number[]; g: ChartGeometry };

const tooltip = (label: string | undefined, value: number | undefined) =>
  `${label ?? ''}: ${formatValue(value ?? 0)}`;

function Grid({ g }: { g: ChartGeometry }) {
  return (
    <g className="chart-grid">
      {g.y.ticks.map((t) => (
        <g key={t}>
          <line x1={g.plot.left} x2={g.plot.right} y1={g.y(t)} y2={g.y(t)} />
          <text x={g.plot.left - 8} y={g.y(t)} dy="0.32em" textAnchor="end" className="chart-tick">
            {formatTick(t)}
          </text>
        </g>
      ))}
    </g>
  );
}

function Bars({ labels, values, g }: Series) {
  return g.points.map((p, i) =>
    Number.isFinite(p.y) ? (
      <rect
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
        key={i}
        className="chart-bar"
        x={p.x - g.barWidth / 2}
        y={Math.min(p.y, g.baseline)}
        width={g.barWidth}
        height={Math.max(1, Math.abs(g.baseline - p.y))}
        data-testid="chart-bar"
      >
        <title>{tooltip(labels[i], values[i])}</title>
      </rect>
    ) : null,
  );
}

function Line({ labels, values, g }: Series) {
  return (
    <>
      <path className="chart-line" d={linePath(g.points)} data-testid="chart-line" />
      {g.points.map((p, i) =>
        Number.isFinite(p.y) ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
          <circle key={i} className="chart-point" cx={p.x} cy={p.y} r={3.5} data-testid="chart-point">
            <title>{tooltip(labels[i], values[i])}</title>
          </circle>
        ) : null,
      )}
    </>
  );
}

function Values({ values, g, kind }: Series & { kind: ChartKind }) {
  return g.points.map((p, i) => {
    const value = values[i] ?? Number.NaN;
    if (!Number.isFinite(p.y)) return null;
    const below = kind === 'bar' && value < 0;
    return (
      // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
      <text key={i} className="chart-value" x={p.x} y={below ? p.y + 14 : p.y - 7} textAnchor="middle">
        {formatValue(value)}
      </text>
    );
  });
}

function XLabels({ labels, g }: Series) {
  const { rotate, every, maxChars } = g.xLabels;
  return (
    <g className="chart-labels">
      {g.points.map((p, i) =>
        i % every === 0 ? (
          <text
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
            key={i}
            className="chart-tick"
            textAnchor={rotate ? 'end' : 'middle'}
            transform={
              rotate
                ? `translate(${p.x},${g.plot.bottom + 12}) rotate(-40)`
                : `translate(${p.x},${g.plot.bottom + 16})`
            }
          >
            <title>{labels[i]}</title>
            {truncateLabel(labels[i] ?? '', maxChars)}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** A bar or line chart over categories, drawn as plain SVG: axes, ticks, labels and values. */
export function BarLineChart(props: ChartProps) {
  const { kind, width, height } = props;
  const g = chartGeometry(props);
  const series: Series = { labels: props.labels, values: props.values, g };
  const { plot } = g;
  return (
    <svg
      className="chart"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${kind === 'bar' ? 'Bar' : 'Line'} chart of ${props.yTitle} by ${props.xTitle}`}
      data-testid="chart-svg"
      data-kind={kind}
    >
      <Grid g={g} />
      {kind === 'bar' ? <Bars {...series} /> : <Line {...series} />}
      {g.showValues && <Values {...series} kind={kind} />}
      <line className="chart-axis" x1={plot.left} x2={plot.right} y1={g.baseline} y2={g.baseline} />
      <line className="chart-axis" x1={plot.left} x2={plot.left} y1={plot.top} y2={plot.bottom} />
      <XLabels {...series} />
      <text className="chart-axis-title" x={(plot.left + plot.right) / 2} y={height - 6} textAnchor="middle">
        {props.xTitle}
      </text>
      <text
        className="chart-axis-title"
        transform={`translate(14,${(plot.top + plot.bottom) / 2}) rotate(-90)`}
        textAnchor="middle"
      >
        {props.yTitle}
      </text>
    </svg>
  );
}
