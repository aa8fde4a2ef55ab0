import { formatTick, type LinearScale, linearScale } from './scale.js';

export type ChartKind = 'bar' | 'line';

export interface ChartInput {
  kind: ChartKind;
  labels: readonly string[];
  /** NaN where the value is NULL or not a number: no bar, and a gap in the line. */
  values: readonly number[];
  width: number;
  height: number;
}

export interface Point {
  x: number;
  /** NaN for a value that is not drawn. */
  y: number;
}

/** Where everything goes, computed once so the SVG pieces only draw. */
export interface ChartGeometry {
  plot: { left: number; right: number; top: number; bottom: number };
  y: LinearScale;
  /** Pixel y of the value axis' origin: zero for bars, the bottom of the domain for a line. */
  baseline: number;
  step: number;
  barWidth: number;
  points: Point[];
  xLabels: { rotate: boolean; every: number; maxChars: number };
  showValues: boolean;
}

/** Average glyph width of the 12px UI font, to decide rotation and truncation without measuring text. */
const CHAR_PX = 6.8;
const TICK_COUNT = 5;

export function chartGeometry(input: ChartInput): ChartGeometry {
  const { kind, labels, values, width, height } = input;
  const options = { includeZero: kind === 'bar', count: TICK_COUNT };
  // The y tick labels decide the left margin, which the pixel range depends on: measure with a unit range.
  const widestTick = Math.max(...linearScale(values, [0, 1], options).ticks.map((t) => formatTick(t).length));
  const left = 28 + widestTick * CHAR_PX + 10;
  const right = width - 16;
  const step = Math.max(40, right - left) / Math.max(1, labels.length);
  const longest = Math.max(...labels.map((l) => l.length), 1);
  const rotate = longest * CHAR_PX > step - 6;
  const labelDepth = rotate ? Math.min(18, longest) * CHAR_PX * 0.72 + 16 : 20;
  const plot = { left, right, top: 24, bottom: height - labelDepth - 30 };
  const y = linearScale(values, [plot.bottom, plot.top], options);
  const points = values.map((v, i) => ({
    x: left + step * (i + 0.5),
    y: Number.isFinite(v) ? y(v) : Number.NaN,
  }));
  return {
    plot,
    y,
    baseline: kind === 'bar' ? y(0) : plot.bottom,
    step,
    barWidth: Math.max(1, Math.min(64, step * 0.7)),
    points,
    xLabels: {
      rotate,
      // Labels slanted at 40° stand step·sin(40°) apart, which must exceed a line of text (~14px).
      every: rotate ? Math.max(1, Math.ceil(22 / step)) : 1,
      maxChars: rotate ? 18 : Math.max(1, Math.floor((step - 6) / CHAR_PX)),
    },
    showValues: step >= 26 && labels.length <= 60,
  };
}

/** An SVG path through the drawn points, lifting the pen over gaps. */
export function linePath(points: readonly Point[]): string {
  let path = '';
  let pen = false;
  for (const p of points) {
    if (!Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    path += `${pen ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
    pen = true;
  }
  return path;
}
