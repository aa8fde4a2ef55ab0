/** Axes for the console's own SVG charts: round value ticks (1, 2, 5 × 10ⁿ) and time ticks on local clock steps. */

export interface Domain {
  min: number;
  max: number;
  ticks: number[];
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Digits a step needs, so 0.1 + 0.2 prints as 0.3. */
const round = (value: number, step: number) => {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(digits, 20)));
};

/**
 * A value domain covering `low`…`high` with about `count` round ticks. A fixed `min` or `max` (the widget's
 * yAxis) is kept as given; an empty or flat range is widened so it still has an axis.
 */
export function valueDomain(
  low: number,
  high: number,
  count: number,
  fixed: { min?: number | undefined; max?: number | undefined } = {},
): Domain {
  let min = fixed.min ?? low;
  let max = fixed.max ?? high;
  if (!Number.isFinite(min) || !Number.isFinite(max)) [min, max] = [0, 1];
  if (max <= min && min === 0 && fixed.max === undefined) max = 1;
  if (max <= min) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    if (fixed.min === undefined) min -= pad;
    if (fixed.max === undefined || max <= min) max = min + 2 * pad;
  }
  const step = niceStep((max - min) / Math.max(1, count));
  if (fixed.min === undefined) min = Math.floor(min / step) * step;
  if (fixed.max === undefined) max = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step) * step; tick <= max + step / 1e6; tick += step)
    ticks.push(round(tick, step));
  return { min, max, ticks };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/** Times between `start` and `end` on a round step of the browser's clock (every 15 minutes, every 6 hours…). */
export function timeTicks(start: number, end: number, maxCount: number): number[] {
  const span = end - start;
  const step = TIME_STEPS.find((s) => span / s <= maxCount) ?? Math.ceil(span / maxCount / DAY) * DAY;
  // Steps are counted on the local clock: minutes the zone is behind UTC, as getTimezoneOffset says.
  const offset = new Date(start).getTimezoneOffset() * MINUTE;
  const ticks: number[] = [];
  for (let local = Math.ceil((start - offset) / step) * step; local + offset <= end; local += step)
    ticks.push(local + offset);
  return ticks;
}

const CLOCK = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const DATE = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** A tick's label: the date at local midnight, the time of day otherwise. */
export function timeTickLabel(time: number): string {
  const date = new Date(time);
  return date.getHours() === 0 && date.getMinutes() === 0 ? DATE.format(date) : CLOCK.format(date);
}

/** A linear map from a domain onto pixels. */
export function linear(from: [number, number], to: [number, number]): (value: number) => number {
  const [d0, d1] = from;
  const [r0, r1] = to;
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}
