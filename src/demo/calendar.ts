/** Calendar days of the generated years, drawn by weight, and Vancouver's UTC offsets for timestamps. */
export interface Day {
  readonly iso: string;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 = Monday … 6 = Sunday, as the samples were counted. */
  readonly weekday: number;
  readonly epochDay: number;
}

const MS_PER_DAY = 86_400_000;

/** '00' … '99', so hot loops format two-digit fields without padStart. */
export const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

export function dayFromEpoch(epochDay: number): Day {
  const date = new Date(epochDay * MS_PER_DAY);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  const day = date.getUTCDate();
  return {
    iso: `${year}-${PAD2[month]}-${PAD2[day]}`,
    year,
    month,
    day,
    weekday: (date.getUTCDay() + 6) % 7,
    epochDay,
  };
}

export function epochDayOf(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

export function addDays(day: Day, n: number): Day {
  return dayFromEpoch(day.epochDay + n);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The days of some years, each with a weight, drawn by inverse CDF so a uniform draw maps to a day. */
export interface DayTable {
  readonly days: readonly Day[];
  /** The day at cumulative weight share `u` in [0, 1): equal draws give equal days, in calendar order. */
  at(u: number): Day;
}

export function createDayTable(years: readonly number[], weight: (day: Day) => number): DayTable {
  const days: Day[] = [];
  for (const year of [...years].sort((a, b) => a - b)) {
    const first = epochDayOf(year, 1, 1);
    const last = epochDayOf(year, 12, 31);
    for (let e = first; e <= last; e++) days.push(dayFromEpoch(e));
  }
  if (days.length === 0) throw new Error('at least one year is needed');
  const cumulative = new Float64Array(days.length);
  let total = 0;
  days.forEach((day, i) => {
    total += weight(day);
    cumulative[i] = total;
  });
  return {
    days,
    at(u) {
      const target = u * total;
      let lo = 0;
      let hi = days.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cumulative[mid] as number) <= target) lo = mid + 1;
        else hi = mid;
      }
      return days[lo] as Day;
    },
  };
}

const dstCache = new Map<number, { start: number; end: number }>();

/** Pacific daylight time runs from the second Sunday of March to the first Sunday of November (since 2007). */
function dstWindow(year: number): { start: number; end: number } {
  let window = dstCache.get(year);
  if (!window) {
    const march1 = dayFromEpoch(epochDayOf(year, 3, 1));
    const november1 = dayFromEpoch(epochDayOf(year, 11, 1));
    window = {
      start: march1.epochDay + ((6 - march1.weekday + 7) % 7) + 7,
      end: november1.epochDay + ((6 - november1.weekday + 7) % 7),
    };
    dstCache.set(year, window);
  }
  return window;
}

/**
 * A local Vancouver time as the portal prints it (`2024-03-10T03:15:00-07:00`). The hour that does not exist
 * when clocks spring forward is moved one hour on; in the repeated autumn hour the standard offset is used.
 */
export function vancouverTimestamp(day: Day, hour: number, minute: number, second: number): string {
  const { start, end } = dstWindow(day.year);
  let h = hour;
  if (day.epochDay === start && h === 2) h = 3;
  const dst =
    (day.epochDay > start && day.epochDay < end) ||
    (day.epochDay === start && h >= 3) ||
    (day.epochDay === end && h < 1);
  return `${day.iso}T${PAD2[h]}:${PAD2[minute]}:${PAD2[second]}${dst ? '-07:00' : '-08:00'}`;
}
