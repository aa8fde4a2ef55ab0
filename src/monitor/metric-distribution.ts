/**
 * The values of one metric over one period, as far as statistics need them: count, sum, minimum, maximum, and
 * their distribution for percentiles and trimmed statistics. A distribution of few distinct values is kept
 * exactly (so percentiles of small samples are exact); past that it becomes logarithmic buckets 2% wide, as
 * CloudWatch's own percentiles are approximations. Data published as a statistic set has no distribution, and
 * neither has one that held a negative value: CloudWatch gives no percentiles for either.
 */
export interface Aggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** undefined: no percentiles for this period. */
  dist: Distribution | undefined;
}

/** Exact values (value → count) up to EXACT_LIMIT distinct ones, then buckets (index → count). */
export interface Distribution {
  exact?: Map<number, number>;
  buckets?: Map<number, number>;
  /** Count of zeros in bucket form. */
  zero?: number;
}

const EXACT_LIMIT = 128;
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);

function bucketOf(value: number): number {
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

/** A bucket's representative value: the middle of (γ^(k-1), γ^k] in relative terms. */
function bucketValue(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

function toBuckets(dist: Distribution): void {
  if (!dist.exact) return;
  dist.buckets ??= new Map();
  for (const [value, count] of dist.exact) addBucket(dist, value, count);
  dist.exact = undefined;
}

function addBucket(dist: Distribution, value: number, count: number): void {
  if (value === 0) {
    dist.zero = (dist.zero ?? 0) + count;
    return;
  }
  const buckets = dist.buckets ?? new Map<number, number>();
  dist.buckets = buckets;
  const index = bucketOf(value);
  buckets.set(index, (buckets.get(index) ?? 0) + count);
}

function addValue(dist: Distribution, value: number, count: number): void {
  if (dist.exact) {
    dist.exact.set(value, (dist.exact.get(value) ?? 0) + count);
    if (dist.exact.size > EXACT_LIMIT) toBuckets(dist);
    return;
  }
  addBucket(dist, value, count);
}

export function emptyAggregate(): Aggregate {
  return {
    count: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    dist: { exact: new Map() },
  };
}

/** Adds `count` samples of `value`. */
export function addSamples(into: Aggregate, value: number, count: number): void {
  into.count += count;
  into.sum += value * count;
  if (value < into.min) into.min = value;
  if (value > into.max) into.max = value;
  if (value < 0) into.dist = undefined;
  else if (into.dist) addValue(into.dist, value, count);
}

/** Adds a statistic set: counted, summed and bounded, but without a distribution. */
export function addStatisticSet(
  into: Aggregate,
  set: { count: number; sum: number; min: number; max: number },
): void {
  into.count += set.count;
  into.sum += set.sum;
  into.min = Math.min(into.min, set.min);
  into.max = Math.max(into.max, set.max);
  into.dist = undefined;
}

/** Merges `from` into `into`. */
export function mergeAggregate(into: Aggregate, from: Aggregate): void {
  into.count += from.count;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  if (!into.dist || !from.dist) {
    into.dist = undefined;
    return;
  }
  if (into.dist.exact && from.dist.exact) {
    for (const [value, count] of from.dist.exact) addValue(into.dist, value, count);
    return;
  }
  toBuckets(into.dist);
  if (from.dist.exact) for (const [value, count] of from.dist.exact) addBucket(into.dist, value, count);
  const buckets = into.dist.buckets ?? new Map<number, number>();
  into.dist.buckets = buckets;
  for (const [index, count] of from.dist.buckets ?? []) buckets.set(index, (buckets.get(index) ?? 0) + count);
  if (from.dist.zero) into.dist.zero = (into.dist.zero ?? 0) + from.dist.zero;
}

/** The distribution as stored: compact JSON. */
export function encodeDistribution(dist: Distribution | undefined): string | null {
  if (!dist) return null;
  if (dist.exact) return JSON.stringify({ e: [...dist.exact] });
  return JSON.stringify({ b: [...(dist.buckets ?? [])], z: dist.zero ?? 0 });
}

export function decodeDistribution(text: string | null): Distribution | undefined {
  if (text === null) return undefined;
  const parsed = JSON.parse(text) as { e?: [number, number][]; b?: [number, number][]; z?: number };
  if (parsed.e) return { exact: new Map(parsed.e) };
  return { buckets: new Map(parsed.b ?? []), zero: parsed.z ?? 0 };
}

/** The distribution's values with their counts, ascending. */
function sortedValues(dist: Distribution): [number, number][] {
  if (dist.exact) return [...dist.exact].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = dist.zero ? [[0, dist.zero]] : [];
  const buckets = [...(dist.buckets ?? [])].sort((a, b) => a[0] - b[0]);
  for (const [index, count] of buckets) out.push([bucketValue(index), count]);
  return out;
}

/** The value at rank `p` percent (nearest rank), clamped to the observed minimum and maximum. */
function percentile(values: [number, number][], total: number, p: number, agg: Aggregate): number {
  if (p <= 0) return agg.min;
  if (p >= 100) return agg.max;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [value, count] of values) {
    seen += count;
    if (seen >= rank) return Math.min(agg.max, Math.max(agg.min, value));
  }
  return agg.max;
}

/**
 * CloudWatch's statistic names: SampleCount, Sum, Average, Minimum, Maximum, and the extended ones: pNN,
 * tmNN/TM(a%:b%), wmNN/WM(…), tcNN/TC(…), tsNN/TS(…), IQM, PR(n:m). Returns the parsed form, or undefined for
 * a name that is none of these.
 */
export type Statistic =
  | { kind: 'SampleCount' | 'Sum' | 'Average' | 'Minimum' | 'Maximum' }
  | { kind: 'p'; p: number }
  | { kind: 'tm' | 'wm' | 'tc' | 'ts'; low: number; high: number }
  | { kind: 'pr'; low: number; high: number };

const NUMBER = String.raw`(\d{1,3}(?:\.\d{1,10})?)`;
const SHORT = new RegExp(`^(p|tm|wm|tc|ts)${NUMBER}$`);
const RANGE_PERCENT = new RegExp(`^(TM|WM|TC|TS)\\(${NUMBER}?%?:${NUMBER}?%?\\)$`);
const RANGE_VALUE = /^PR\((-?\d{1,15}(?:\.\d{1,10})?)?:(-?\d{1,15}(?:\.\d{1,10})?)?\)$/;

export function parseStatistic(name: string): Statistic | undefined {
  if (['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'].includes(name))
    return { kind: name as 'SampleCount' };
  if (name === 'IQM') return { kind: 'tm', low: 25, high: 75 };
  const short = SHORT.exec(name);
  if (short) {
    const value = Number(short[2]);
    if (value > 100) return undefined;
    if (short[1] === 'p') return { kind: 'p', p: value };
    return { kind: short[1] as 'tm', low: 0, high: value };
  }
  const range = RANGE_PERCENT.exec(name);
  if (range && /%/.test(name)) {
    const low = range[2] === undefined ? 0 : Number(range[2]);
    const high = range[3] === undefined ? 100 : Number(range[3]);
    if (low > 100 || high > 100 || low >= high) return undefined;
    return { kind: range[1]?.toLowerCase() as 'tm', low, high };
  }
  const pr = RANGE_VALUE.exec(name);
  if (pr && (pr[1] !== undefined || pr[2] !== undefined)) {
    const low = pr[1] === undefined ? Number.NEGATIVE_INFINITY : Number(pr[1]);
    const high = pr[2] === undefined ? Number.POSITIVE_INFINITY : Number(pr[2]);
    if (low > high) return undefined;
    return { kind: 'pr', low, high };
  }
  return undefined;
}

/** Whether a statistic is CloudWatch's extended kind (ExtendedStatistics rather than Statistics). */
export function isExtended(stat: Statistic): boolean {
  return !['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'].includes(stat.kind);
}

/** A statistic of an aggregate; undefined where CloudWatch has no value (percentiles without a distribution). */
export function statisticOf(agg: Aggregate, stat: Statistic): number | undefined {
  if (agg.count <= 0) return undefined;
  switch (stat.kind) {
    case 'SampleCount':
      return agg.count;
    case 'Sum':
      return agg.sum;
    case 'Average':
      return agg.sum / agg.count;
    case 'Minimum':
      return agg.min;
    case 'Maximum':
      return agg.max;
  }
  if (!agg.dist) return undefined;
  const values = sortedValues(agg.dist);
  const total = values.reduce((n, [, count]) => n + count, 0);
  if (stat.kind === 'p') return percentile(values, total, stat.p, agg);
  if (stat.kind === 'pr') {
    let inside = 0;
    for (const [value, count] of values) if (value >= stat.low && value <= stat.high) inside += count;
    return (inside / total) * 100;
  }
  // Trimmed and winsorized statistics over the values between the two percentile ranks.
  const lowRank = (stat.low / 100) * total;
  const highRank = (stat.high / 100) * total;
  const lowValue = percentile(values, total, stat.low, agg);
  const highValue = percentile(values, total, stat.high, agg);
  let count = 0;
  let sum = 0;
  let winsorSum = 0;
  let seen = 0;
  for (const [value, n] of values) {
    const from = Math.max(seen, lowRank);
    const to = Math.min(seen + n, highRank);
    if (to > from) {
      count += to - from;
      sum += value * (to - from);
    }
    winsorSum += Math.min(highValue, Math.max(lowValue, value)) * n;
    seen += n;
  }
  switch (stat.kind) {
    case 'tm':
      return count > 0 ? sum / count : undefined;
    case 'tc':
      return count;
    case 'ts':
      return sum;
    case 'wm':
      return winsorSum / total;
  }
}
