import { toNumber } from './columns.js';

export interface ChartSeries {
  name: string;
  /** One value per category; null where the series has no row for it (a gap, not a zero). */
  values: (number | null)[];
}

export interface ChartData {
  categories: string[];
  series: ChartSeries[];
  /** Some (category, series) pair had several rows, whose values were added. */
  summed: boolean;
  /** Categories and series past the limits, left out (and said so on the page). */
  omittedCategories: number;
  omittedSeries: number;
}

const NULL_LABEL = 'NULL';

/**
 * Rows to chart data: x's distinct values are the categories and the split column's the series, both in the
 * order they first appear (the query's ORDER BY). Without a split there is one series, named after y.
 */
export function chartData(
  rows: readonly (string | null)[][],
  axes: { x: number; y: number; split: number | undefined; yName: string },
  limits: { categories: number; series: number },
): ChartData {
  const categories = new Map<string, number>();
  const series = new Map<string, Map<number, number | null>>();
  let summed = false;
  for (const row of rows) {
    const category = row[axes.x] ?? NULL_LABEL;
    const name = axes.split === undefined ? axes.yName : (row[axes.split] ?? NULL_LABEL);
    if (!categories.has(category)) categories.set(category, categories.size);
    const index = categories.get(category) ?? 0;
    let values = series.get(name);
    if (!values) {
      values = new Map();
      series.set(name, values);
    }
    const value = toNumber(row[axes.y] ?? null);
    const before = values.get(index);
    if (before !== undefined) summed = true;
    const drawn = Number.isNaN(value) ? null : value;
    values.set(
      index,
      before === undefined || before === null ? drawn : drawn === null ? before : before + drawn,
    );
  }
  const kept = [...categories.keys()].slice(0, limits.categories);
  const names = [...series.keys()];
  return {
    categories: kept,
    series: names.slice(0, limits.series).map((name) => {
      const values = series.get(name);
      return { name, values: kept.map((_, i) => values?.get(i) ?? null) };
    }),
    summed,
    omittedCategories: categories.size - kept.length,
    omittedSeries: Math.max(0, names.length - limits.series),
  };
}
