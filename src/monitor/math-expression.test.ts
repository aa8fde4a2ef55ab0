import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateMetricMath, type MathContext, type MathValue, type Series } from './math-expression.js';
import { MetricMathError, parseMetricMath, referencedIds } from './math-parse.js';

const MIN = 60_000;
const s = (label: string, points: [number, number][]): Series => ({
  label,
  timestamps: points.map(([t]) => t * MIN),
  values: points.map(([, v]) => v),
});

const context: MathContext = {
  period: 60,
  start: 0,
  end: 5 * MIN,
  series: new Map([
    [
      'm1',
      s('Requests', [
        [0, 10],
        [1, 20],
        [3, 40],
      ]),
    ],
    [
      'm2',
      s('Errors', [
        [0, 1],
        [1, 0],
        [2, 5],
        [3, 2],
      ]),
    ],
    ['errors_b', s('Errors B', [[0, 3]])],
  ]),
};

const run = (text: string): MathValue => evaluateMetricMath(parseMetricMath(text), context);
const points = (value: MathValue): [number, number][] => {
  if (value.kind !== 'series') throw new Error(`expected a series, got ${value.kind}`);
  return value.series.timestamps.map((t, i) => [t / MIN, value.series.values[i] as number]);
};

describe('metric math', () => {
  it('does arithmetic with CloudWatch precedence over every timestamp, a missing value counting as 0', () => {
    expect(run('1 + 2 * 3 ^ 2')).toEqual({ kind: 'scalar', value: 19 });
    expect(run('-2 ^ 2')).toEqual({ kind: 'scalar', value: -4 });
    expect(run('(1 + 2) * 3')).toEqual({ kind: 'scalar', value: 9 });
    expect(points(run('m1 + m2'))).toEqual([
      [0, 11],
      [1, 20],
      [2, 5],
      [3, 42],
    ]);
    // m1 has no point at minute 2: 500 / 0 is dropped, as CloudWatch drops a division by zero.
    expect(points(run('100 * m2 / m1'))).toEqual([
      [0, 10],
      [1, 0],
      [3, 5],
    ]);
  });

  it('compares and combines into 1 and 0', () => {
    expect(points(run('m2 > 1'))).toEqual([
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
    ]);
    expect(points(run('m2 >= 1 AND m1 > 15'))).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 1],
    ]);
    expect(points(run('m2 == 0 || m1 >= 40'))).toEqual([
      [0, 0],
      [1, 1],
      [2, 0],
      [3, 1],
    ]);
    expect(points(run('m2 > 1 && m1'))).toEqual(points(run('m2 > 1 AND m1')));
  });

  it("gives the CloudWatch user guide's answers", () => {
    const guide = (points1: (number | null)[], ...rest: (number | null)[][]): MathContext => {
      const make = (values: (number | null)[]) =>
        s(
          '',
          values.flatMap((v, t): [number, number][] => (v === null ? [] : [[t, v]])),
        );
      return {
        ...context,
        series: new Map([points1, ...rest].map((values, i) => [`metric${i + 1}`, make(values)])),
      };
    };
    const at = (ctx: MathContext, text: string) => points(evaluateMetricMath(parseMetricMath(text), ctx));
    const compare = guide([30, 20, 0, 0], [20, null, 20, null]);
    expect(at(compare, '(metric1 < metric2)').map(([, v]) => v)).toEqual([0, 0, 1, 0]);
    expect(at(compare, '(metric1 >= 30)').map(([, v]) => v)).toEqual([1, 0, 0, 0]);
    expect(at(compare, '(metric1 > 15 AND metric2 > 15)').map(([, v]) => v)).toEqual([1, 0, 0, 0]);
    const choose = guide([1, 1, 0, 0, null], [30, null, 0, 0, 30], [0, 0, 20, null, 20]);
    expect(at(choose, 'IF(metric1, metric2, metric3)')).toEqual([
      [0, 30],
      [1, 0],
      [2, 20],
    ]);
    expect(at(choose, 'IF(metric1, 5, metric3)')).toEqual([
      [0, 5],
      [1, 5],
      [2, 20],
    ]);
    expect(at(choose, 'IF(metric1, metric2, 5)')).toEqual([
      [0, 30],
      [1, 0],
      [2, 5],
      [3, 5],
    ]);
  });

  it('aggregates a series into a number and an array into a series', () => {
    expect(run('SUM(m1)')).toEqual({ kind: 'scalar', value: 70 });
    expect(run('AVG(m2)')).toEqual({ kind: 'scalar', value: 2 });
    expect(run('MAX(m1) - MIN(m1)')).toEqual({ kind: 'scalar', value: 30 });
    expect(points(run('SUM([m1, m2])'))).toEqual([
      [0, 11],
      [1, 20],
      [2, 5],
      [3, 42],
    ]);
    // AVG across an array counts a series' missing point as 0.
    expect(points(run('AVG([m1, m2])'))).toEqual([
      [0, 5.5],
      [1, 10],
      [2, 2.5],
      [3, 21],
    ]);
    expect(points(run('MAX(METRICS())'))).toEqual([
      [0, 10],
      [1, 20],
      [2, 5],
      [3, 40],
    ]);
  });

  it('filters METRICS() by id', () => {
    const value = run("METRICS('rror')");
    expect(value.kind).toBe('array');
    expect(value.kind === 'array' && value.series.map((x) => x.id)).toEqual(['errors_b']);
    expect(referencedIds(parseMetricMath('SUM(METRICS()) + m1'))).toEqual(
      expect.arrayContaining(['*', 'm1']),
    );
  });

  it('fills gaps with a value, the previous value or a line', () => {
    expect(points(run('FILL(m1, 0)'))).toEqual([
      [0, 10],
      [1, 20],
      [2, 0],
      [3, 40],
      [4, 0],
    ]);
    expect(points(run('FILL(m1, REPEAT)'))).toEqual([
      [0, 10],
      [1, 20],
      [2, 20],
      [3, 40],
      [4, 40],
    ]);
    expect(points(run('FILL(m1, LINEAR)'))).toEqual([
      [0, 10],
      [1, 20],
      [2, 30],
      [3, 40],
    ]);
  });

  it('computes rates and differences per second and per point', () => {
    expect(points(run('RATE(m1)'))).toEqual([
      [1, 10 / 60],
      [3, 20 / 120],
    ]);
    expect(points(run('DIFF(m1)'))).toEqual([
      [1, 10],
      [3, 20],
    ]);
    expect(points(run('RUNNING_SUM(m1)'))).toEqual([
      [0, 10],
      [1, 30],
      [3, 70],
    ]);
  });

  it('chooses per point with IF', () => {
    // True where m1 has no point gives 0.
    expect(points(run('IF(m2 > 1, m1, 0)'))).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 40],
    ]);
    expect(points(run('IF(m2 > 1, m2)'))).toEqual([
      [2, 5],
      [3, 2],
    ]);
  });

  it('knows its period and counts datapoints', () => {
    expect(run('PERIOD(m1)')).toEqual({ kind: 'scalar', value: 60 });
    expect(run('DATAPOINT_COUNT(m2)')).toEqual({ kind: 'scalar', value: 4 });
    expect(points(run('DATAPOINT_COUNT(METRICS())'))).toEqual([
      [0, 3],
      [1, 2],
      [2, 1],
      [3, 2],
    ]);
    expect(run('METRIC_COUNT(METRICS())')).toEqual({ kind: 'scalar', value: 3 });
    expect(points(run('TIME_SERIES(3)')).length).toBe(5);
  });

  it('sorts, slices and drops empty series', () => {
    const ids = (text: string) => {
      const value = run(text);
      if (value.kind !== 'array') throw new Error(`expected an array, got ${value.kind}`);
      return value.series.map((x) => x.id);
    };
    expect(ids('SORT(METRICS(), SUM, DESC)')).toEqual(['m1', 'm2', 'errors_b']);
    expect(ids('SORT(METRICS(), MAX, ASC, 2)')).toEqual(['errors_b', 'm2']);
    expect(ids('SLICE(SORT(METRICS(), AVG, DESC), 1)')).toEqual(['errors_b', 'm2']);
    expect(ids('SLICE(METRICS(), 0, 1)')).toEqual(['m1']);
    expect(ids('REMOVE_EMPTY([m1, IF(m1 > 100, m1)])')).toEqual(['m1']);
    expect(points(run('LAST(SORT(METRICS(), MIN, DESC))'))).toEqual(points(run('m2')));
  });

  it("keeps each series' label when a number is applied to an array", () => {
    const value = run('METRICS() * 2');
    if (value.kind !== 'array') throw new Error(`expected an array, got ${value.kind}`);
    expect(value.series.map((x) => x.label)).toEqual(['Requests', 'Errors', 'Errors B']);
    expect(value.series.map((x) => x.values)).toEqual([[20, 40, 80], [2, 0, 10, 4], [6]]);
    const negated = run('-METRICS()');
    if (negated.kind !== 'array') throw new Error(`expected an array, got ${negated.kind}`);
    expect(negated.series.map((x) => x.label)).toEqual(['Requests', 'Errors', 'Errors B']);
  });

  it("takes PERIOD and the date functions' grid from their argument's period", () => {
    const hourly: MathContext = {
      ...context,
      end: 3 * 60 * MIN,
      series: new Map([['h1', { ...s('Hourly', [[0, 1]]), period: 3600 }]]),
    };
    const evaluate = (text: string) => evaluateMetricMath(parseMetricMath(text), hourly);
    expect(evaluate('PERIOD(h1)')).toEqual({ kind: 'scalar', value: 3600 });
    const hours = evaluate('HOUR(h1)');
    expect(hours.kind === 'series' && [hours.series.timestamps, hours.series.values]).toEqual([
      [0, 60 * MIN, 120 * MIN],
      [0, 1, 2],
    ]);
    // TIME_SERIES has no argument to take one from: it is at the expression's own period.
    const flat = evaluate('TIME_SERIES(1)');
    expect(flat.kind === 'series' && flat.series.timestamps.length).toBe(180);
  });

  it('refuses an expression that would make more points than a request may', () => {
    // A request's budget is shared by all its expressions; each evaluation here has its own of 12 points.
    const evaluate = (text: string) =>
      evaluateMetricMath(parseMetricMath(text), { ...context, budget: { points: 12 } });
    // Each FILL of a series over five periods makes five points: two fit, three do not.
    expect(evaluate('FILL(m1, 0) + FILL(m2, 0)').kind).toBe('series');
    expect(() => evaluate('FILL(METRICS(), 0)')).toThrow(/more datapoints than a request may/);
  });

  it('gives the parts of each timestamp in UTC', () => {
    const monday = Date.UTC(2026, 10, 30, 23, 58); // Monday 30 November 2026, 23:58 UTC
    const day: MathContext = { ...context, start: monday, end: monday + 3 * MIN };
    const at = (text: string) => {
      const value = evaluateMetricMath(parseMetricMath(text), day);
      return value.kind === 'series' ? value.series.values : [];
    };
    expect(at('MINUTE(m1)')).toEqual([58, 59, 0]);
    expect(at('HOUR(m1)')).toEqual([23, 23, 0]);
    expect(at('DAY(m1)')).toEqual([1, 1, 2]);
    expect(at('DATE(m1)')).toEqual([30, 30, 1]);
    expect(at('MONTH(m1)')).toEqual([11, 11, 12]);
    expect(at('YEAR(m1)')).toEqual([2026, 2026, 2026]);
    expect(at('EPOCH(m1)')[0]).toBe(monday / 1000);
  });

  it('refuses what it cannot do, and unknown names', () => {
    for (const text of [
      "SEARCH('{AWS/EC2} CPU', 'Average')",
      'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2")',
      'ANOMALY_DETECTION_BAND(m1)',
      'NOPE(m1)',
      'm1 +',
      'Foo + 1',
      '(m1',
      '',
      'SUM(m1, m2)',
      '"x"',
      'NOT m1',
      'SQRT(m1)',
      'FILL(m1, ASC)',
      'SORT(m1, AVG, DESC)',
      'SORT(METRICS(), P99, DESC)',
      'TIME_SERIES(m1)',
      'IF(m1, METRICS(), 0)',
    ])
      expect(() => run(text), text).toThrow(MetricMathError);
    expect(() => run('m9 + 1')).toThrow(/Unknown query Id m9/);
  });

  it('refuses hostile nesting without overflowing the stack', () => {
    expect(() => parseMetricMath(`${'('.repeat(1000)}1${')'.repeat(1000)}`)).toThrow(MetricMathError);
    expect(() => parseMetricMath('-'.repeat(2000))).toThrow(MetricMathError);
    expect(() => parseMetricMath('1+'.repeat(1500))).toThrow(MetricMathError);
  });

  it('only ever throws its own error on any input', () => {
    const alphabet = fc.constantFrom(
      ...'m1m2 ()+-*/^<>=!,[]\'"SUMAVGFILLRATEIFMETRICSREPEAT0123456789.'.split(''),
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 80 }).map((chars) => chars.join('')),
        (text) => {
          try {
            const value = run(text);
            if (value.kind === 'series')
              expect(value.series.timestamps.length).toBe(value.series.values.length);
          } catch (error) {
            if (!(error instanceof MetricMathError)) throw error;
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});
