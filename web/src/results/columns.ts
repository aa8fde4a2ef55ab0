import type { ResultColumn } from '../aws/query.js';

const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'double', 'float', 'real']);

/** Athena's numeric types; decimal comes with its precision, e.g. `decimal(10,2)`. */
export function isNumericType(type: string): boolean {
  const base = type.toLowerCase().trim();
  return NUMERIC_TYPES.has(base) || base === 'decimal' || base.startsWith('decimal(');
}

/** Athena sends every value as text; NaN marks what cannot be drawn (NULL, 'NaN', 'Infinity'). */
export function toNumber(value: string | null): number {
  if (value === null || value.trim() === '') return Number.NaN;
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

/**
 * How a time column's values are to be read. `timestamp with time zone` values carry their zone
 * (`2024-03-01 09:04:00.000 UTC`); a plain `timestamp` has none: Athena's session zone is UTC, but the value
 * is a wall-clock reading that does not say which zone it was taken in.
 */
export function timeHint(type: string): string | undefined {
  const base = type.toLowerCase().trim();
  if (base.startsWith('timestamp') && base.endsWith('with time zone'))
    return 'Each value shows its time zone.';
  if (base.startsWith('timestamp'))
    return 'No time zone: a wall-clock date and time, not tied to a zone (Athena computes in UTC).';
  if (base.startsWith('time'))
    return base.endsWith('with time zone') ? 'Each value shows its offset.' : 'No time zone.';
  return undefined;
}

export interface ChartAxes {
  /** Column index for categories (x), or undefined when the result has no columns. */
  x: number | undefined;
  /** Column index for the numeric values (y), or undefined when no column is numeric. */
  y: number | undefined;
  /** Column whose values make one series each, or undefined for a single series. */
  split: number | undefined;
}

/**
 * x: the first text or date column (else the first column); y: the first numeric column other than x.
 * A result in long form (month, status, tickets), where x repeats, is split by its next text column, so each
 * status gets its series.
 */
export function defaultAxes(columns: readonly ResultColumn[], rows: readonly (string | null)[][]): ChartAxes {
  if (columns.length === 0) return { x: undefined, y: undefined, split: undefined };
  const numeric = columns.map((c) => isNumericType(c.type));
  const x = Math.max(numeric.indexOf(false), 0);
  const y = numeric.findIndex((isNum, i) => isNum && i !== x);
  const xRepeats = new Set(rows.map((row) => row[x] ?? null)).size < rows.length;
  const other = numeric.findIndex((isNum, i) => !isNum && i !== x);
  return { x, y: y >= 0 ? y : undefined, split: xRepeats && other >= 0 ? other : undefined };
}
