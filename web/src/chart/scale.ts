/** A linear scale from a data domain to pixels, with round-numbered ticks. */
export interface LinearScale {
  (value: number): number;
  ticks: number[];
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * The domain is widened to whole ticks so the end ticks are labelled. Bars need zero in it (a bar's length is
 * its value); a line does not, so a series of years or temperatures is not flattened against zero.
 */
export function linearScale(
  values: readonly number[],
  range: [number, number],
  options: { includeZero: boolean; count?: number },
): LinearScale {
  const count = options.count ?? 5;
  const finite = values.filter(Number.isFinite);
  const anchor = options.includeZero || finite.length === 0 ? [0] : [];
  let min = Math.min(...anchor, ...finite);
  let max = Math.max(...anchor, ...finite);
  if (min === max) {
    min -= min === 0 ? 0 : Math.abs(min) / 2;
    max += max === 0 ? 1 : Math.abs(max) / 2;
  } else if (!options.includeZero) {
    // A little room, so a line's lowest and highest points do not sit on the frame.
    const room = (max - min) * 0.05;
    min -= room;
    max += room;
  }
  const step = niceStep(max - min, count);
  min = Math.floor(min / step) * step;
  max = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  // Rounding each tick to the step's precision keeps 0.30000000000000004 out of the labels.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Number(t.toFixed(digits)));
  const [r0, r1] = range;
  const scale = ((value: number) => r0 + ((value - min) / (max - min)) * (r1 - r0)) as LinearScale;
  scale.ticks = ticks;
  return scale;
}

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const full = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** Axis labels stay short (12K); value labels show the number as it is, up to two decimals. */
export function formatTick(value: number): string {
  return Math.abs(value) >= 10_000 ? compact.format(value) : full.format(value);
}

export function formatValue(value: number): string {
  return full.format(value);
}

/** Cuts a label to fit under a bar; the full text stays in the element's title. */
export function truncateLabel(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return maxChars <= 1 ? '…' : `${text.slice(0, maxChars - 1)}…`;
}
