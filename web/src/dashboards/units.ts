/**
 * Values as a dashboard shows them: CloudWatch's units (Milliseconds, Bytes/Second, Percent…) scaled to what a
 * person reads (1.2 s, 3.4 MB/s, 42.5%), and compact numbers on an axis.
 */

const PLAIN = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });
const COMPACT = new Intl.NumberFormat(undefined, { notation: 'compact', maximumSignificantDigits: 3 });

/** A number without a unit: four significant digits, compact from ten thousand (12.3K). */
export function formatNumber(value: number): string {
  return Math.abs(value) >= 10_000 ? COMPACT.format(value) : PLAIN.format(value);
}

type Scale = readonly (readonly [factor: number, suffix: string])[];

const TIME: Scale = [
  [0.001, ' µs'],
  [1, ' ms'],
  [1000, ' s'],
  [60_000, ' min'],
  [3_600_000, ' h'],
];
const BYTES: Scale = [
  [1, ' B'],
  [1024, ' KB'],
  [1024 ** 2, ' MB'],
  [1024 ** 3, ' GB'],
  [1024 ** 4, ' TB'],
  [1024 ** 5, ' PB'],
];
const BITS: Scale = [
  [1, ' bit'],
  [1e3, ' kbit'],
  [1e6, ' Mbit'],
  [1e9, ' Gbit'],
  [1e12, ' Tbit'],
];

/** Each unit as a quantity of its scale's base: milliseconds, bytes or bits. */
const BASE: Record<string, [Scale, number]> = {
  Microseconds: [TIME, 0.001],
  Milliseconds: [TIME, 1],
  Seconds: [TIME, 1000],
  Bytes: [BYTES, 1],
  Kilobytes: [BYTES, 1024],
  Megabytes: [BYTES, 1024 ** 2],
  Gigabytes: [BYTES, 1024 ** 3],
  Terabytes: [BYTES, 1024 ** 4],
  Bits: [BITS, 1],
  Kilobits: [BITS, 1e3],
  Megabits: [BITS, 1e6],
  Gigabits: [BITS, 1e9],
  Terabits: [BITS, 1e12],
};

function scaled(value: number, scale: Scale, base: number): string {
  const amount = value * base;
  const magnitude = Math.abs(amount);
  let chosen = scale[0] ?? [1, ''];
  for (const step of scale) if (magnitude >= step[0]) chosen = step;
  return `${PLAIN.format(amount / chosen[0])}${chosen[1]}`;
}

/** A value with its unit, as the single-value view and the tooltip show it. */
export function formatValue(value: number, unit: string | undefined): string {
  if (unit === undefined || unit === 'None' || unit === '') return formatNumber(value);
  const [quantity = '', per] = unit.split('/');
  const rate = per === 'Second' ? '/s' : '';
  if (quantity === 'Percent') return `${PLAIN.format(value)}%`;
  if (quantity === 'Count') return `${formatNumber(value)}${rate}`;
  const base = BASE[quantity];
  if (!base) return `${formatNumber(value)} ${unit}`;
  const text = scaled(value, base[0], base[1]);
  return rate ? `${text}/s` : text;
}

/** A unit's name for an axis label: none for None and Count. */
export function unitCaption(unit: string | undefined): string | undefined {
  return unit === undefined || unit === 'None' || unit === 'Count' ? undefined : unit;
}
