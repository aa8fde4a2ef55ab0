/**
 * CloudWatch metric math: the expressions GetMetricData and metric alarms evaluate over the other queries'
 * time series. Values are scalars, time series (timestamps ascending) or arrays of time series. As the
 * CloudWatch user guide defines it: arithmetic and comparison between two series take every timestamp either
 * has, a missing value counting as 0; a scalar applies to every point; a point whose value cannot be computed
 * (a division by zero) is dropped. Functions and keywords are written in capitals; query Ids begin with a
 * lowercase letter.
 */

import { type Expression, MetricMathError, type Node } from './math-parse.js';

export interface Series {
  readonly id?: string;
  readonly label: string;
  /** The period in seconds its points are at, where known (a metric's); the expression's otherwise. */
  readonly period?: number;
  /** Epoch milliseconds, ascending. */
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

export interface MathContext {
  /** The expression's period in seconds and the [start, end) range in epoch ms. */
  readonly period: number;
  readonly start: number;
  readonly end: number;
  /** Where the range starts at another period (a metric's own); `start` unless given. */
  readonly startFor?: (period: number) => number;
  /** The other queries' results, by Id. */
  readonly series: ReadonlyMap<string, Series>;
  /**
   * The points FILL, TIME_SERIES and the date functions may still make, shared by every expression of a
   * request; an expression that would make more is refused.
   */
  readonly budget?: { points: number };
}

export type MathValue =
  | { kind: 'scalar'; value: number }
  | { kind: 'series'; series: Series }
  | { kind: 'array'; series: readonly Series[] };

const scalar = (value: number): MathValue => ({ kind: 'scalar', value });
const series = (s: Series): MathValue => ({ kind: 'series', series: s });
const EMPTY: readonly number[] = [];

/** Collects a series' points, leaving out those whose value could not be computed (NaN, ±Infinity). */
class Points {
  readonly timestamps: number[] = [];
  readonly values: number[] = [];
  add(time: number, value: number | undefined): void {
    if (value === undefined || !Number.isFinite(value)) return;
    this.timestamps.push(time);
    this.values.push(value);
  }
  series(from: Omit<Series, 'timestamps' | 'values'>): Series {
    return { ...from, timestamps: this.timestamps, values: this.values };
  }
}

function valuesByTime(s: Series): Map<number, number> {
  const map = new Map<number, number>();
  s.timestamps.forEach((t, i) => {
    map.set(t, s.values[i] as number);
  });
  return map;
}

/** Every timestamp any of the series has, ascending. */
function unionOfTimes(list: readonly Series[]): number[] {
  const times = new Set<number>();
  for (const s of list) for (const t of s.timestamps) times.add(t);
  return [...times].sort((a, b) => a - b);
}

/** Applies `f` to each point of a series (or each series of an array); a scalar directly. */
function mapValues(value: MathValue, f: (v: number) => number, label?: string): MathValue {
  const one = (s: Series): Series => {
    const out = new Points();
    s.timestamps.forEach((t, i) => {
      out.add(t, f(s.values[i] as number));
    });
    return out.series({ ...s, label: label ?? s.label });
  };
  if (value.kind === 'scalar') return scalar(f(value.value));
  if (value.kind === 'series') return series(one(value.series));
  return { kind: 'array', series: value.series.map(one) };
}

/** Two series point by point over every timestamp either has, a missing value counting as 0. */
function combine(a: Series, b: Series, f: (x: number, y: number) => number, label: string): Series {
  const left = valuesByTime(a);
  const right = valuesByTime(b);
  const out = new Points();
  for (const t of unionOfTimes([a, b])) out.add(t, f(left.get(t) ?? 0, right.get(t) ?? 0));
  return out.series({ label });
}

function binary(op: string, left: MathValue, right: MathValue, text: string): MathValue {
  const f = OPERATORS[op];
  if (!f) throw new MetricMathError(`Unknown operator ${op}.`);
  if (left.kind === 'scalar' && right.kind === 'scalar') return scalar(f(left.value, right.value));
  // A series made from one gets the expression's label; each series of an array keeps its own.
  if (left.kind === 'scalar')
    return mapValues(right, (v) => f(left.value, v), right.kind === 'array' ? undefined : text);
  if (right.kind === 'scalar')
    return mapValues(left, (v) => f(v, right.value), left.kind === 'array' ? undefined : text);
  if (left.kind === 'series' && right.kind === 'series')
    return series(combine(left.series, right.series, f, text));
  if (left.kind === 'array' && right.kind === 'series')
    return { kind: 'array', series: left.series.map((s) => combine(s, right.series, f, s.label)) };
  if (left.kind === 'series' && right.kind === 'array')
    return { kind: 'array', series: right.series.map((s) => combine(left.series, s, f, s.label)) };
  throw new MetricMathError('Arithmetic between two arrays of time series is not supported by CloudWatch.');
}

const truthy = (v: number) => v !== 0 && !Number.isNaN(v);
const OPERATORS: Readonly<Record<string, (x: number, y: number) => number>> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '^': (x, y) => x ** y,
  '<': (x, y) => Number(x < y),
  '<=': (x, y) => Number(x <= y),
  '>': (x, y) => Number(x > y),
  '>=': (x, y) => Number(x >= y),
  '==': (x, y) => Number(x === y),
  '!=': (x, y) => Number(x !== y),
  AND: (x, y) => Number(truthy(x) && truthy(y)),
  OR: (x, y) => Number(truthy(x) || truthy(y)),
};

type Statistic = 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'STDDEV';

function aggregate(values: readonly number[], fn: Statistic): number {
  if (values.length === 0) return Number.NaN;
  switch (fn) {
    case 'SUM':
      return values.reduce((a, b) => a + b, 0);
    case 'AVG':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'MIN':
      return values.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    case 'MAX':
      return values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
    case 'STDDEV': {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    }
  }
}

/** One series from an array: at each timestamp any has, `f` of the values there (AVG counts a gap as 0). */
function acrossArray(list: readonly Series[], label: string, f: (values: number[]) => number): Series {
  const maps = list.map(valuesByTime);
  const out = new Points();
  for (const t of unionOfTimes(list)) {
    const present: number[] = [];
    for (const map of maps) {
      const v = map.get(t);
      if (v !== undefined) present.push(v);
    }
    out.add(t, f(present));
  }
  return out.series({ label });
}

/** The most points one grid has: a request's datapoints. */
const MAX_GRID = 100_800;

/**
 * The timestamps of the request's range at a period (the expression's unless another is given): where FILL,
 * TIME_SERIES and the date functions give values. Charged to the request's budget.
 */
function grid(context: MathContext, period = context.period): number[] {
  const step = period * 1000;
  const start = period === context.period ? context.start : (context.startFor?.(period) ?? context.start);
  const count = Math.max(0, Math.min(MAX_GRID, Math.ceil((context.end - start) / step)));
  if (context.budget) {
    if (count > context.budget.points)
      throw new MetricMathError(
        'The expressions would make more datapoints than a request may; shorten the time range or use a longer period.',
      );
    context.budget.points -= count;
  }
  const out: number[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = start + i * step;
  return out;
}

/** The period of a series (or of an array's first series), the expression's where it has none. */
function periodOf(list: readonly Series[], context: MathContext): number {
  return list[0]?.period ?? context.period;
}

function asSeriesList(value: MathValue, fn: string): readonly Series[] {
  if (value.kind === 'scalar') throw new MetricMathError(`${fn} needs a time series, not a number.`);
  return value.kind === 'series' ? [value.series] : value.series;
}

function asArray(value: MathValue, fn: string): readonly Series[] {
  if (value.kind !== 'array') throw new MetricMathError(`${fn} needs an array of time series.`);
  return value.series;
}

function asNumber(value: MathValue, fn: string): number {
  if (value.kind !== 'scalar') throw new MetricMathError(`${fn} needs a number there, not a time series.`);
  return value.value;
}

function perSeries(value: MathValue, fn: string, f: (s: Series) => Series): MathValue {
  const list = asSeriesList(value, fn).map(f);
  return value.kind === 'series' ? series(list[0] as Series) : { kind: 'array', series: list };
}

function differences(s: Series, f: (dv: number, dtSeconds: number) => number): Series {
  const out = new Points();
  for (let i = 1; i < s.timestamps.length; i++)
    out.add(
      s.timestamps[i] as number,
      f(
        (s.values[i] as number) - (s.values[i - 1] as number),
        ((s.timestamps[i] as number) - (s.timestamps[i - 1] as number)) / 1000,
      ),
    );
  return out.series(s);
}

type Filler = MathValue | 'REPEAT' | 'LINEAR';

/** FILL: a value at every period of the range, the series' own where it has one. One pass over both. */
function fill(s: Series, how: Filler, context: MathContext): Series {
  if (how !== 'REPEAT' && how !== 'LINEAR' && how.kind === 'array')
    throw new MetricMathError('FILL takes a number, a time series, REPEAT or LINEAR.');
  const other = typeof how === 'object' && how.kind === 'series' ? valuesByTime(how.series) : undefined;
  const times = unionOfTimes([s, { label: '', timestamps: grid(context, s.period), values: EMPTY }]);
  const out = new Points();
  let next = 0; // index of the first of s's points at or after the current time
  for (const t of times) {
    while (next < s.timestamps.length && (s.timestamps[next] as number) < t) next++;
    if (s.timestamps[next] === t) {
      out.add(t, s.values[next]);
      continue;
    }
    const before = next - 1;
    if (how === 'REPEAT') out.add(t, before >= 0 ? s.values[before] : undefined);
    else if (how === 'LINEAR') {
      if (before < 0 || next >= s.timestamps.length) continue;
      const t0 = s.timestamps[before] as number;
      const t1 = s.timestamps[next] as number;
      const v0 = s.values[before] as number;
      const v1 = s.values[next] as number;
      out.add(t, v0 + ((v1 - v0) * (t - t0)) / (t1 - t0));
    } else if (other) out.add(t, other.get(t));
    else if (how.kind === 'scalar') out.add(t, how.value);
  }
  return out.series(s);
}

/** IF's value for a timestamp from one branch: a missing point of a true branch is 0, of a false one dropped. */
function branchValue(
  branch: MathValue | undefined,
  lookup: Map<number, number> | undefined,
  t: number,
  isTrue: boolean,
): number | undefined {
  if (!branch) return undefined;
  if (branch.kind === 'scalar') return branch.value;
  const v = lookup?.get(t);
  return v === undefined && isTrue ? 0 : v;
}

const DATE_PARTS: Readonly<Record<string, (d: Date) => number>> = {
  MINUTE: (d) => d.getUTCMinutes(),
  HOUR: (d) => d.getUTCHours(),
  DAY: (d) => ((d.getUTCDay() + 6) % 7) + 1, // 1 is Monday, 7 Sunday
  DATE: (d) => d.getUTCDate(),
  MONTH: (d) => d.getUTCMonth() + 1,
  YEAR: (d) => d.getUTCFullYear(),
  EPOCH: (d) => Math.floor(d.getTime() / 1000),
};

export function evaluateMetricMath(expression: Expression, context: MathContext): MathValue {
  const evaluate = (node: Node): MathValue => {
    switch (node.type) {
      case 'number':
        return scalar(node.value);
      case 'string':
        throw new MetricMathError(`A string ('${node.value.slice(0, 32)}') can only be METRICS()' filter.`);
      case 'keyword':
        throw new MetricMathError(`${node.name} can only be an argument of FILL or SORT.`);
      case 'id': {
        const found = context.series.get(node.name);
        if (!found) throw new MetricMathError(`Unknown query Id ${node.name.slice(0, 64)}.`);
        return series({ ...found, id: node.name });
      }
      case 'unary':
        return mapValues(evaluate(node.arg), (v) => -v);
      case 'binary':
        return binary(node.op, evaluate(node.left), evaluate(node.right), expression.text);
      case 'array': {
        const list: Series[] = [];
        for (const item of node.items) list.push(...asSeriesList(evaluate(item), 'An array'));
        return { kind: 'array', series: list };
      }
      case 'call':
        return call(node);
    }
  };

  const keyword = (node: Node | undefined, allowed: readonly string[], fn: string): string => {
    if (node?.type !== 'keyword' || !allowed.includes(node.name))
      throw new MetricMathError(`${fn} takes one of ${allowed.join(', ')} there.`);
    return node.name;
  };

  const call = (node: Extract<Node, { type: 'call' }>): MathValue => {
    const [first, second, third, fourth] = node.args;
    const arg = () => evaluate(first as Node);
    switch (node.name) {
      case 'METRICS': {
        let filter: string | undefined;
        if (first) {
          if (first.type !== 'string')
            throw new MetricMathError("METRICS takes a string filter, as METRICS('errors').");
          filter = first.value;
        }
        const list = [...context.series.entries()]
          .filter(([id]) => filter === undefined || id.includes(filter))
          .map(([id, s]) => ({ ...s, id }));
        return { kind: 'array', series: list };
      }
      case 'SUM':
      case 'AVG':
      case 'MIN':
      case 'MAX':
      case 'STDDEV': {
        const fn = node.name;
        const value = arg();
        if (value.kind === 'scalar') return value;
        if (value.kind === 'series') return scalar(aggregate(value.series.values, fn));
        const count = value.series.length;
        return series(
          acrossArray(value.series, expression.text, (present) =>
            fn === 'AVG' ? aggregate(present, 'SUM') / count : aggregate(present, fn),
          ),
        );
      }
      case 'ABS':
        return mapValues(arg(), Math.abs);
      case 'CEIL':
        return mapValues(arg(), Math.ceil);
      case 'FLOOR':
        return mapValues(arg(), Math.floor);
      case 'LOG':
        return mapValues(arg(), Math.log);
      case 'LOG10':
        return mapValues(arg(), Math.log10);
      case 'RATE':
        return perSeries(arg(), 'RATE', (s) => differences(s, (dv, dt) => dv / dt));
      case 'DIFF':
        return perSeries(arg(), 'DIFF', (s) => differences(s, (dv) => dv));
      case 'DIFF_TIME':
        return perSeries(arg(), 'DIFF_TIME', (s) => differences(s, (_dv, dt) => dt));
      case 'RUNNING_SUM':
        return perSeries(arg(), 'RUNNING_SUM', (s) => {
          let sum = 0;
          return { ...s, values: s.values.map((v) => (sum += v)) };
        });
      case 'FILL': {
        const how: Filler =
          second?.type === 'keyword'
            ? (keyword(second, ['REPEAT', 'LINEAR'], 'FILL') as Filler)
            : evaluate(second as Node);
        return perSeries(arg(), 'FILL', (s) => fill(s, how, context));
      }
      case 'IF': {
        const condition = arg();
        const whenTrue = evaluate(second as Node);
        const whenFalse = third ? evaluate(third) : undefined;
        if (whenTrue.kind === 'array' || whenFalse?.kind === 'array')
          throw new MetricMathError('IF takes a number or a time series for its values.');
        if (condition.kind === 'scalar')
          return truthy(condition.value)
            ? whenTrue
            : (whenFalse ?? series({ label: expression.text, timestamps: [], values: [] }));
        const trueValues = whenTrue.kind === 'series' ? valuesByTime(whenTrue.series) : undefined;
        const falseValues = whenFalse?.kind === 'series' ? valuesByTime(whenFalse.series) : undefined;
        return perSeries(condition, 'IF', (s) => {
          const out = new Points();
          s.timestamps.forEach((t, i) => {
            const isTrue = truthy(s.values[i] as number);
            out.add(
              t,
              isTrue
                ? branchValue(whenTrue, trueValues, t, true)
                : branchValue(whenFalse, falseValues, t, false),
            );
          });
          return out.series({ label: expression.text });
        });
      }
      case 'PERIOD':
        return scalar(periodOf(asSeriesList(arg(), 'PERIOD'), context));
      case 'DATAPOINT_COUNT': {
        const value = arg();
        if (value.kind === 'series') return scalar(value.series.values.length);
        return series(acrossArray(asSeriesList(value, 'DATAPOINT_COUNT'), expression.text, (p) => p.length));
      }
      case 'METRIC_COUNT':
        return scalar(asSeriesList(arg(), 'METRIC_COUNT').length);
      case 'FIRST':
      case 'LAST': {
        const list = asSeriesList(arg(), node.name);
        const one = node.name === 'FIRST' ? list[0] : list.at(-1);
        return one ? series(one) : { kind: 'array', series: [] };
      }
      case 'REMOVE_EMPTY':
        return { kind: 'array', series: asArray(arg(), 'REMOVE_EMPTY').filter((s) => s.values.length > 0) };
      case 'SORT': {
        const list = asArray(arg(), 'SORT');
        const by = keyword(second, ['AVG', 'MIN', 'MAX', 'SUM'], 'SORT') as Statistic;
        const descending = keyword(third, ['ASC', 'DESC'], 'SORT') === 'DESC';
        const limit = fourth ? asNumber(evaluate(fourth), 'SORT') : list.length;
        const keyed = list.map((s) => ({ s, key: aggregate(s.values, by) }));
        // Series without datapoints sort last either way.
        keyed.sort((a, b) =>
          Number.isNaN(a.key) || Number.isNaN(b.key)
            ? Number(Number.isNaN(a.key)) - Number(Number.isNaN(b.key))
            : descending
              ? b.key - a.key
              : a.key - b.key,
        );
        return { kind: 'array', series: keyed.slice(0, Math.max(0, limit)).map(({ s }) => s) };
      }
      case 'SLICE': {
        const list = asArray(arg(), 'SLICE');
        const from = asNumber(evaluate(second as Node), 'SLICE');
        const to = third ? asNumber(evaluate(third), 'SLICE') : list.length;
        return { kind: 'array', series: list.slice(Math.max(0, from), Math.max(0, to)) };
      }
      case 'TIME_SERIES': {
        const value = asNumber(arg(), 'TIME_SERIES');
        const times = grid(context);
        return series({ label: expression.text, timestamps: times, values: times.map(() => value) });
      }
      default: {
        const part = DATE_PARTS[node.name];
        if (!part) throw new MetricMathError(`Unknown function ${node.name.slice(0, 64)}.`);
        const times = grid(context, periodOf(asSeriesList(arg(), node.name), context));
        return series({
          label: expression.text,
          timestamps: times,
          values: times.map((t) => part(new Date(t))),
        });
      }
    }
  };

  return evaluate(expression.root);
}
