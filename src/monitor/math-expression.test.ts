import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateMetricMath,
  type MathContext,
  type MathValue,
  MetricMathError,
  parseMetricMath,
  referencedIds,
  type Series,
} from './math-expression.js';

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
  it('does arithmetic with CloudWatch precedence, aligning series on their timestamps', () => {
    expect(run('1 + 2 * 3 ^ 2')).toEqual({ kind: 'scalar', value: 19 });
    expect(run('-2 ^ 2')).toEqual({ kind: 'scalar', value: -4 });
    expect(run('(1 + 2) * 3')).toEqual({ kind: 'scalar', value: 9 });
    expect(points(run('m1 + m2'))).toEqual([
      [0, 11],
      [1, 20],
      [3, 42],
    ]);
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
      [3, 1],
    ]);
    expect(points(run('NOT m2'))).toEqual([
      [0, 0],
      [1, 1],
      [2, 0],
      [3, 0],
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
    expect(points(run('MAX(METRICS())'))).toEqual([
      [0, 10],
      [1, 20],
      [2, 5],
      [3, 40],
    ]);
  });

  it('filters METRICS() by id or label', () => {
    const value = run("METRICS('rror')");
    expect(value.kind).toBe('array');
    expect(value.kind === 'array' && value.series.map((x) => x.id)).toEqual(['m2', 'errors_b']);
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
    expect(points(run('IF(m2 > 1, m1, 0)'))).toEqual([
      [0, 0],
      [1, 0],
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
    expect(points(run('TIME_SERIES(3)')).length).toBe(5);
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
