import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addSamples,
  emptyAggregate,
  mergeAggregate,
  parseStatistic,
  type Statistic,
  statisticOf,
} from './metric-distribution.js';
import { type MetricStore, openMetricStore } from './metric-store.js';

const stat = (name: string) => parseStatistic(name) as Statistic;

describe('statistics', () => {
  it('are exact for small samples', () => {
    const agg = emptyAggregate();
    for (let v = 1; v <= 100; v++) addSamples(agg, v, 1);
    expect(statisticOf(agg, stat('p50'))).toBe(50);
    expect(statisticOf(agg, stat('p90'))).toBe(90);
    expect(statisticOf(agg, stat('p100'))).toBe(100);
    expect(statisticOf(agg, stat('p0'))).toBe(1);
    expect(statisticOf(agg, stat('Average'))).toBe(50.5);
    expect(statisticOf(agg, stat('TM(10%:90%)'))).toBe(50.5);
    expect(statisticOf(agg, stat('tc90'))).toBe(90);
    expect(statisticOf(agg, stat('ts10'))).toBe(55);
    expect(statisticOf(agg, stat('PR(:10)'))).toBe(10);
    expect(statisticOf(agg, stat('IQM'))).toBe(50.5);
    // 1..10 count as 10 and 90..100 as 90: (100 + 3950 + 990) / 100.
    expect(statisticOf(agg, stat('WM(10%:90%)'))).toBeCloseTo(50.4, 6);
  });

  it('stay within 2% once the values are many', () => {
    const agg = emptyAggregate();
    for (let v = 1; v <= 100_000; v++) addSamples(agg, v, 1);
    const p99 = statisticOf(agg, stat('p99')) as number;
    expect(Math.abs(p99 - 99_000) / 99_000).toBeLessThan(0.02);
    expect(statisticOf(agg, stat('Maximum'))).toBe(100_000);
  });

  it('merges exact and bucketed distributions', () => {
    const small = emptyAggregate();
    addSamples(small, 5, 3);
    const large = emptyAggregate();
    for (let v = 1; v <= 1000; v++) addSamples(large, v, 1);
    mergeAggregate(large, small);
    expect(large.count).toBe(1003);
    const p1 = statisticOf(large, stat('p1')) as number;
    expect(p1).toBeGreaterThan(4.5);
    expect(p1).toBeLessThan(11);
  });

  it('have no percentiles for negative values or statistic sets, as CloudWatch', () => {
    const agg = emptyAggregate();
    addSamples(agg, -1, 1);
    addSamples(agg, 3, 1);
    expect(statisticOf(agg, stat('p50'))).toBeUndefined();
    expect(statisticOf(agg, stat('Sum'))).toBe(2);
  });

  it('parse only CloudWatch statistic names', () => {
    for (const name of ['p101', 'p', 'TM(90%:10%)', 'Avg', 'PR(5:1)', 'p50.12345678901', 'tm(10%:20%)'])
      expect(parseStatistic(name), name).toBeUndefined();
    expect(parseStatistic('p99.9')).toEqual({ kind: 'p', p: 99.9 });
    expect(parseStatistic('TM(:95%)')).toEqual({ kind: 'tm', low: 0, high: 95 });
  });
});

describe('the metric store', () => {
  let dir: string;
  let store: MetricStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seawall-metrics-'));
    store = openMetricStore(join(dir, 'metrics.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const metric = {
    namespace: 'T',
    name: 'M',
    dimensions: [
      { Name: 'B', Value: '2' },
      { Name: 'A', Value: '1' },
    ],
  };

  it('rolls each datapoint up into every resolution it belongs to', () => {
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    store.put([
      { metric, unit: 'Count', time: t0 + 1500, resolution: 1, values: [[2, 1]] },
      { metric, unit: 'Count', time: t0 + 61_000, resolution: 60, values: [[3, 2]] },
    ]);
    const found = store.find({ ...metric, dimensions: [...metric.dimensions].reverse() });
    expect(found?.dimensions).toEqual([
      { Name: 'A', Value: '1' },
      { Name: 'B', Value: '2' },
    ]);
    const id = found?.id as number;
    expect(store.rows(id, 1, t0, t0 + 3_600_000).map((r) => [r.start - t0, r.agg.sum])).toEqual([[1000, 2]]);
    expect(store.rows(id, 60, t0, t0 + 3_600_000).map((r) => [r.start - t0, r.agg.sum])).toEqual([
      [0, 2],
      [60_000, 6],
    ]);
    expect(store.rows(id, 3600, t0, t0 + 3_600_000).map((r) => [r.agg.count, r.agg.sum])).toEqual([[3, 8]]);
  });

  it('drops each resolution after its retention', () => {
    const now = Date.UTC(2026, 5, 1);
    store.put([
      { metric, unit: 'None', time: now - 4 * 3_600_000, resolution: 1, values: [[1, 1]] },
      { metric, unit: 'None', time: now - 16 * 86_400_000, resolution: 60, values: [[1, 1]] },
    ]);
    const id = store.find(metric)?.id as number;
    store.prune(now);
    expect(store.rows(id, 1, 0, now)).toEqual([]);
    expect(store.rows(id, 60, 0, now).map((r) => r.start)).toEqual([
      Math.floor((now - 4 * 3_600_000) / 60_000) * 60_000,
    ]);
    expect(store.rows(id, 300, 0, now)).toHaveLength(2);
  });

  it('lists by dimension filter', () => {
    store.put([
      { metric, unit: 'None', time: 1000, resolution: 60, values: [[1, 1]] },
      {
        metric: { ...metric, dimensions: [{ Name: 'A', Value: 'x' }] },
        unit: 'None',
        time: 1000,
        resolution: 60,
        values: [[1, 1]],
      },
    ]);
    expect(store.list({ dimensions: [{ Name: 'B' }] }, 0, 10)).toHaveLength(1);
    expect(store.list({ dimensions: [{ Name: 'A', Value: 'x' }] }, 0, 10)).toHaveLength(1);
    expect(store.list({ namespace: 'T' }, 0, 10)).toHaveLength(2);
    expect(store.list({ namespace: 'T' }, 0, 1)).toHaveLength(1);
  });

  it('forgets the metric ids of a write that was rolled back', () => {
    store.db.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON metric_points BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    const sample = {
      metric,
      unit: 'None',
      time: 60_000,
      resolution: 60 as const,
      values: [[4, 1]] as [number, number][],
    };
    expect(() => store.put([sample])).toThrow(/disk full/);
    expect(store.find(metric)).toBeUndefined();
    store.db.exec('DROP TRIGGER refuse');
    store.put([sample]);
    const id = store.find(metric)?.id as number;
    expect(store.rows(id, 60, 0, 120_000).map((r) => r.agg.sum)).toEqual([4]);
  });
});
