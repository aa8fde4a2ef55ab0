import type BetterSqlite3 from 'better-sqlite3';
import { PRIVATE_FILE_MODE } from '../data-dir-modes.js';
import { openCheckedSqlite } from '../db/database.js';
import {
  type Aggregate,
  addSamples,
  addStatisticSet,
  decodeDistribution,
  emptyAggregate,
  encodeDistribution,
  mergeAggregate,
} from './metric-distribution.js';

/**
 * CloudWatch's metric store: its own SQLite database in the data directory (metrics.db, whatever the metadata
 * backend), which alarms and dashboards keep their tables in too. A datapoint is rolled up as it is written
 * into each resolution CloudWatch keeps, and each resolution is kept as long as CloudWatch keeps it: one
 * second for 3 hours (high-resolution metrics only), one minute for 15 days, five minutes for 63 days, one
 * hour for 455 days. A query reads the coarsest resolution its period is a multiple of.
 */

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** A metric: its namespace, name and dimensions (sorted by name; a metric is all three). */
export interface MetricKey {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: readonly Dimension[];
}

/** What one datum of PutMetricData adds: samples (value and count) or a statistic set, at a time and unit. */
export interface Sample {
  readonly metric: MetricKey;
  readonly unit: string;
  /** Epoch milliseconds. */
  readonly time: number;
  /** 1 for a high-resolution metric, 60 otherwise. */
  readonly resolution: 1 | 60;
  readonly values?: readonly (readonly [value: number, count: number])[];
  readonly set?: { readonly count: number; readonly sum: number; readonly min: number; readonly max: number };
}

/** The resolutions kept, in seconds, and how long each is kept, in milliseconds. */
export const TIERS: readonly { readonly seconds: number; readonly keepMs: number }[] = [
  { seconds: 1, keepMs: 3 * 3_600_000 },
  { seconds: 60, keepMs: 15 * 86_400_000 },
  { seconds: 300, keepMs: 63 * 86_400_000 },
  { seconds: 3600, keepMs: 455 * 86_400_000 },
];

export interface StoredMetric extends MetricKey {
  readonly id: number;
}

/** One period of one resolution: its start (epoch ms), its unit and its values. */
export interface StoredRow {
  readonly start: number;
  readonly unit: string;
  readonly agg: Aggregate;
}

export interface MetricFilter {
  readonly namespace?: string;
  readonly name?: string;
  /** Each must be a dimension of the metric; without a value, any value. */
  readonly dimensions?: readonly { readonly Name: string; readonly Value?: string }[];
  /** Only metrics with data since then (epoch ms). */
  readonly activeSince?: number;
}

export interface MetricStore {
  /** The database alarms and dashboards keep their tables in. */
  readonly db: BetterSqlite3.Database;
  /** Stores samples, in one transaction. */
  put(samples: readonly Sample[]): void;
  /** The stored metric with exactly these dimensions, if any. */
  find(key: MetricKey): StoredMetric | undefined;
  /** Metrics matching a filter, by id, after `after`, at most `limit`. */
  list(filter: MetricFilter, after: number, limit: number): StoredMetric[];
  /** The rows of a metric at a resolution with a start in [from, to), in time order. */
  rows(metricId: number, tier: number, from: number, to: number): StoredRow[];
  /** Drops what has outlived its resolution's retention; answers how many rows. */
  prune(now: number): number;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS metrics (
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  dimensions TEXT NOT NULL,
  last_time INTEGER NOT NULL,
  UNIQUE (namespace, name, dimensions)
);
CREATE INDEX IF NOT EXISTS metrics_by_name ON metrics (name, namespace);
CREATE TABLE IF NOT EXISTS metric_points (
  metric_id INTEGER NOT NULL,
  tier INTEGER NOT NULL,
  start INTEGER NOT NULL,
  unit TEXT NOT NULL,
  count REAL NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  dist TEXT,
  PRIMARY KEY (metric_id, tier, start, unit)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metric_points_by_age ON metric_points (tier, start);
`;

/** The dimensions as stored: sorted by name, as JSON pairs. */
function dimensionsText(dimensions: readonly Dimension[]): string {
  return JSON.stringify(
    [...dimensions]
      .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
      .map((d) => [d.Name, d.Value]),
  );
}

function dimensionsOf(text: string): Dimension[] {
  return (JSON.parse(text) as [string, string][]).map(([Name, Value]) => ({ Name, Value }));
}

interface MetricRow {
  id: number;
  namespace: string;
  name: string;
  dimensions: string;
}

function storedMetric(row: MetricRow): StoredMetric {
  return { id: row.id, namespace: row.namespace, name: row.name, dimensions: dimensionsOf(row.dimensions) };
}

/** Metric ids kept in memory, so a busy metric's writes skip the lookup. */
const ID_CACHE_LIMIT = 50_000;

export function openMetricStore(path: string): MetricStore {
  const db = openCheckedSqlite(path, { mode: PRIVATE_FILE_MODE });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const selectId = db.prepare<[string, string, string], { id: number }>(
    'SELECT id FROM metrics WHERE namespace = ? AND name = ? AND dimensions = ?',
  );
  const insertMetric = db.prepare(
    'INSERT INTO metrics (namespace, name, dimensions, last_time) VALUES (?, ?, ?, ?)',
  );
  const touchMetric = db.prepare('UPDATE metrics SET last_time = MAX(last_time, ?) WHERE id = ?');
  const selectPoint = db.prepare<[number, number, number, string], PointRow>(
    'SELECT start, unit, count, sum, min, max, dist FROM metric_points WHERE metric_id = ? AND tier = ? AND start = ? AND unit = ?',
  );
  const upsertPoint = db.prepare(
    `INSERT INTO metric_points (metric_id, tier, start, unit, count, sum, min, max, dist)
     VALUES (@metric_id, @tier, @start, @unit, @count, @sum, @min, @max, @dist)
     ON CONFLICT (metric_id, tier, start, unit) DO UPDATE SET
       count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, dist = excluded.dist`,
  );
  const selectRows = db.prepare<[number, number, number, number], PointRow>(
    'SELECT start, unit, count, sum, min, max, dist FROM metric_points WHERE metric_id = ? AND tier = ? AND start >= ? AND start < ? ORDER BY start',
  );
  const pruneTier = db.prepare('DELETE FROM metric_points WHERE tier = ? AND start < ?');
  const ids = new Map<string, number>();

  function idOf(key: MetricKey, time: number): number {
    const dims = dimensionsText(key.dimensions);
    const cacheKey = JSON.stringify([key.namespace, key.name, dims]);
    const cached = ids.get(cacheKey);
    if (cached !== undefined) return cached;
    const found = selectId.get(key.namespace, key.name, dims);
    const id = found
      ? found.id
      : Number(insertMetric.run(key.namespace, key.name, dims, time).lastInsertRowid);
    if (ids.size >= ID_CACHE_LIMIT) ids.clear();
    ids.set(cacheKey, id);
    return id;
  }

  const put = db.transaction((samples: readonly Sample[]) => {
    // Each period's values are gathered first, then merged into what is stored once per period.
    const pending = new Map<
      string,
      { id: number; tier: number; start: number; unit: string; agg: Aggregate }
    >();
    const latest = new Map<number, number>();
    for (const sample of samples) {
      const id = idOf(sample.metric, sample.time);
      latest.set(id, Math.max(latest.get(id) ?? 0, sample.time));
      for (const tier of TIERS) {
        if (tier.seconds < sample.resolution) continue;
        const width = tier.seconds * 1000;
        const start = Math.floor(sample.time / width) * width;
        const key = `${id}|${tier.seconds}|${start}|${sample.unit}`;
        let entry = pending.get(key);
        if (!entry) {
          entry = { id, tier: tier.seconds, start, unit: sample.unit, agg: emptyAggregate() };
          pending.set(key, entry);
        }
        if (sample.set) addStatisticSet(entry.agg, sample.set);
        for (const [value, count] of sample.values ?? []) addSamples(entry.agg, value, count);
      }
    }
    for (const entry of pending.values()) {
      const stored = selectPoint.get(entry.id, entry.tier, entry.start, entry.unit);
      const agg = stored ? aggregateOf(stored) : emptyAggregate();
      mergeAggregate(agg, entry.agg);
      upsertPoint.run({
        metric_id: entry.id,
        tier: entry.tier,
        start: entry.start,
        unit: entry.unit,
        count: agg.count,
        sum: agg.sum,
        min: agg.min,
        max: agg.max,
        dist: encodeDistribution(agg.dist),
      });
    }
    for (const [id, time] of latest) touchMetric.run(time, id);
  });

  return {
    db,
    put(samples) {
      if (samples.length === 0) return;
      try {
        put(samples);
      } catch (error) {
        // Ids the rolled-back transaction inserted are gone: none may be remembered.
        ids.clear();
        throw error;
      }
    },
    find(key) {
      const dims = dimensionsText(key.dimensions);
      const row = selectId.get(key.namespace, key.name, dims);
      return row ? { id: row.id, ...key, dimensions: dimensionsOf(dims) } : undefined;
    },
    list(filter, after, limit) {
      const where = ['id > ?'];
      const args: (string | number)[] = [after];
      if (filter.namespace !== undefined) {
        where.push('namespace = ?');
        args.push(filter.namespace);
      }
      if (filter.name !== undefined) {
        where.push('name = ?');
        args.push(filter.name);
      }
      if (filter.activeSince !== undefined) {
        where.push('last_time >= ?');
        args.push(filter.activeSince);
      }
      const wanted = filter.dimensions ?? [];
      const out: StoredMetric[] = [];
      // Dimension filters are applied as rows stream past, so a page is always `limit` matches long.
      const rows = db
        .prepare<(string | number)[], MetricRow>(
          `SELECT id, namespace, name, dimensions FROM metrics WHERE ${where.join(' AND ')} ORDER BY id`,
        )
        .iterate(...args);
      for (const row of rows) {
        const metric = storedMetric(row);
        const matches = wanted.every((want) =>
          metric.dimensions.some(
            (d) => d.Name === want.Name && (want.Value === undefined || d.Value === want.Value),
          ),
        );
        if (!matches) continue;
        out.push(metric);
        if (out.length >= limit) break;
      }
      return out;
    },
    rows(metricId, tier, from, to) {
      return selectRows.all(metricId, tier, from, to).map((row) => ({
        start: row.start,
        unit: row.unit,
        agg: aggregateOf(row),
      }));
    },
    prune(now) {
      let removed = 0;
      for (const tier of TIERS) removed += pruneTier.run(tier.seconds, now - tier.keepMs).changes;
      return removed;
    },
    close() {
      db.close();
    },
  };
}

interface PointRow {
  start: number;
  unit: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  dist: string | null;
}

function aggregateOf(row: PointRow): Aggregate {
  return { count: row.count, sum: row.sum, min: row.min, max: row.max, dist: decodeDistribution(row.dist) };
}
