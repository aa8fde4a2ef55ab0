/**
 * A dashboard's time range: the picker's choices (1h … 1w, and the body's own `start`/`end` when it names
 * another), the window each refresh reads, and the period a graph is read with over it.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type RangeChoice =
  | { key: string; label: string; kind: 'relative'; durationMs: number; endOffsetMs: number }
  | { key: string; label: string; kind: 'absolute'; start: number; end: number };

const relative = (key: string, durationMs: number): RangeChoice => ({
  key,
  label: key,
  kind: 'relative',
  durationMs,
  endOffsetMs: 0,
});

export const PRESETS: readonly RangeChoice[] = [
  relative('1h', HOUR),
  relative('3h', 3 * HOUR),
  relative('12h', 12 * HOUR),
  relative('1d', DAY),
  relative('1w', 7 * DAY),
];

/** CloudWatch's default when a body names no start. */
const DEFAULT_KEY = '3h';

const DURATION =
  /^-?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO 8601 duration as CloudWatch writes a relative time (`-PT3H`, `-P7D`), in ms; its sign is ignored. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match || /^-?PT?$/.test(text.trim())) return undefined;
  const [, years, months, weeks, days, hours, minutes, secs] = match.map((part) => Number(part ?? 0));
  return (
    (years ?? 0) * 365 * DAY +
    (months ?? 0) * 30 * DAY +
    (weeks ?? 0) * 7 * DAY +
    (days ?? 0) * DAY +
    (hours ?? 0) * HOUR +
    (minutes ?? 0) * MINUTE +
    (secs ?? 0) * 1000
  );
}

/** A duration as the picker says it: 15m, 6h, 2d, 1w. */
export function durationLabel(ms: number): string {
  if (ms % (7 * DAY) === 0) return `${ms / (7 * DAY)}w`;
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  return `${Math.round(ms / MINUTE)}m`;
}

const SHORT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The body's own range as a choice, when it names one the presets do not. */
function bodyChoice(start: string, end: string | undefined): RangeChoice | undefined {
  const back = parseDuration(start);
  const endBack = end === undefined ? 0 : parseDuration(end);
  if (back !== undefined && endBack !== undefined && back > endBack) {
    const label =
      endBack === 0 ? durationLabel(back) : `${durationLabel(back)} to ${durationLabel(endBack)} ago`;
    return { key: 'dashboard', label, kind: 'relative', durationMs: back - endBack, endOffsetMs: endBack };
  }
  const from = Date.parse(start);
  const to = end === undefined ? Number.NaN : Date.parse(end);
  if (Number.isNaN(from) || Number.isNaN(to) || to <= from) return undefined;
  const label = `${SHORT.format(from)} – ${SHORT.format(to)}`;
  return { key: 'dashboard', label, kind: 'absolute', start: from, end: to };
}

/** The picker's choices for a body, and which is chosen first: the body's `start`, else 3h. */
export function rangeChoices(body: { start: string | undefined; end: string | undefined }): {
  choices: RangeChoice[];
  initial: string;
} {
  const own = body.start === undefined ? undefined : bodyChoice(body.start, body.end);
  if (!own) return { choices: [...PRESETS], initial: DEFAULT_KEY };
  const preset = PRESETS.find(
    (p) =>
      own.kind === 'relative' &&
      p.kind === 'relative' &&
      own.endOffsetMs === 0 &&
      p.durationMs === own.durationMs,
  );
  if (preset) return { choices: [...PRESETS], initial: preset.key };
  return { choices: [...PRESETS, own], initial: own.key };
}

/** What one refresh reads: its start and end (ms) and which refresh it is. */
export interface TimeWindow {
  start: number;
  end: number;
  /** Counts the windows a page has read, so an answer (or a test) can be matched to its request. */
  generation: number;
  key: string;
}

export function windowOf(choice: RangeChoice, now: number, generation: number): TimeWindow {
  if (choice.kind === 'absolute')
    return { start: choice.start, end: choice.end, generation, key: choice.key };
  const end = now - choice.endOffsetMs;
  return { start: end - choice.durationMs, end, generation, key: choice.key };
}

/** A graph draws at most this many periods before `auto` lengthens its period. */
export const MAX_POINTS = 1440;
const PERIODS = [60, 300, 900, 3600, 6 * 3600, 86_400];

/** The period a graph is read with: its own, lengthened (unless `inherit`) when the range holds too many. */
export function effectivePeriod(period: number, window: TimeWindow, override: 'auto' | 'inherit'): number {
  const span = (window.end - window.start) / 1000;
  if (override === 'inherit' || span / period <= MAX_POINTS) return period;
  const fitting = PERIODS.find((p) => p >= period && span / p <= MAX_POINTS);
  return fitting ?? Math.ceil(span / MAX_POINTS / 86_400) * 86_400;
}
