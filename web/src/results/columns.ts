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

export interface ChartAxes {
  /** Column index for categories (x), or undefined when the result has no columns. */
  x: number | undefined;
  /** Column index for the numeric values (y), or undefined when no column is numeric. */
  y: number | undefined;
}

/** x: the first non-numeric column (else the first column); y: the first numeric column other than x. */
export function defaultAxes(columns: readonly ResultColumn[]): ChartAxes {
  if (columns.length === 0) return { x: undefined, y: undefined };
  const numeric = columns.map((c) => isNumericType(c.type));
  const firstText = numeric.indexOf(false);
  const x = Math.max(firstText, 0);
  const y = numeric.findIndex((isNum, i) => isNum && i !== x);
  return { x, y: y >= 0 ? y : undefined };
}
