/**
 * Ten analyst questions over `parking_tickets`, each written in Athena's dialect (Trino, engine version 3)
 * and by hand in DuckDB's. Every query orders its rows completely, so results compare row by row.
 */
export interface QueryPair {
  name: string;
  athena: string;
  duckdb: string;
  /**
   * Relative tolerance per result column where the answer is an estimate (approx_distinct against DuckDB's
   * HyperLogLog, approx_percentile against its t-digest) or a rounded quotient. Every other value must be equal.
   */
  tolerance?: Record<string, number>;
}

export const QUERY_PAIRS: QueryPair[] = [
  {
    name: 'tickets per month',
    athena: `SELECT date_format(date_trunc('month', entry_date), '%Y-%m') AS month, count(*) AS tickets
FROM parking_tickets GROUP BY 1 ORDER BY 1`,
    duckdb: `SELECT strftime(date_trunc('month', entry_date), '%Y-%m') AS month, count(*) AS tickets
FROM parking_tickets GROUP BY 1 ORDER BY 1`,
  },
  {
    name: 'top streets, distinct blocks',
    athena: `SELECT street, count(*) AS tickets, approx_distinct(block) AS blocks, approx_distinct(bylaw) AS bylaws
FROM parking_tickets GROUP BY street ORDER BY tickets DESC, street LIMIT 20`,
    duckdb: `SELECT street, count(*) AS tickets, approx_count_distinct(block) AS blocks, approx_count_distinct(bylaw) AS bylaws
FROM parking_tickets GROUP BY street ORDER BY tickets DESC, street LIMIT 20`,
    tolerance: { blocks: 0.05, bylaws: 0.05 },
  },
  {
    name: 'share by status',
    athena: `SELECT status, count(*) AS tickets, count_if(infraction_text IS NULL) AS without_text,
  count_if(bylaw = 2952) AS meter_bylaw, round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS share_pct
FROM parking_tickets GROUP BY status ORDER BY tickets DESC, status`,
    // Trino divides decimals at the larger scale (100.0: one digit), rounded half up; DuckDB's double keeps all.
    duckdb: `SELECT status, count(*) AS tickets, count(*) FILTER (WHERE infraction_text IS NULL) AS without_text,
  count(*) FILTER (WHERE bylaw = 2952) AS meter_bylaw, round(round(100.0 * count(*) / sum(count(*)) OVER (), 1), 2) AS share_pct
FROM parking_tickets GROUP BY status ORDER BY tickets DESC, status`,
    tolerance: { share_pct: 0.001 },
  },
  {
    name: 'day of week',
    athena: `SELECT day_of_week(entry_date) AS dow, date_format(entry_date, '%W') AS day_name, count(*) AS tickets
FROM parking_tickets GROUP BY 1, 2 ORDER BY 1`,
    duckdb: `SELECT isodow(entry_date) AS dow, dayname(entry_date) AS day_name, count(*) AS tickets
FROM parking_tickets GROUP BY 1, 2 ORDER BY 1`,
  },
  {
    name: 'regexp_like filter',
    athena: `SELECT bylaw, section, count(*) AS tickets FROM parking_tickets
WHERE regexp_like(infraction_text, 'METER(ED)? ') AND regexp_like(street, '^(W|E) ')
GROUP BY bylaw, section ORDER BY tickets DESC, bylaw, section LIMIT 10`,
    duckdb: `SELECT bylaw, section, count(*) AS tickets FROM parking_tickets
WHERE regexp_matches(infraction_text, 'METER(ED)? ') AND regexp_matches(street, '^(W|E) ')
GROUP BY bylaw, section ORDER BY tickets DESC, bylaw, section LIMIT 10`,
  },
  {
    name: 'daily percentiles',
    athena: `SELECT status, approx_percentile(tickets, 0.5) AS p50, approx_percentile(tickets, 0.9) AS p90,
  approx_percentile(tickets, 0.99) AS p99, max(tickets) AS busiest
FROM (SELECT status, entry_date, count(*) AS tickets FROM parking_tickets GROUP BY status, entry_date) AS daily
GROUP BY status ORDER BY status`,
    duckdb: `SELECT status, approx_quantile(tickets, 0.5) AS p50, approx_quantile(tickets, 0.9) AS p90,
  approx_quantile(tickets, 0.99) AS p99, max(tickets) AS busiest
FROM (SELECT status, entry_date, count(*) AS tickets FROM parking_tickets GROUP BY status, entry_date) AS daily
GROUP BY status ORDER BY status`,
    tolerance: { p50: 0.05, p90: 0.05, p99: 0.05 },
  },
  {
    name: 'rank blocks per street',
    athena: `SELECT street, block, tickets, rnk FROM (
  SELECT street, block, count(*) AS tickets, rank() OVER (PARTITION BY street ORDER BY count(*) DESC) AS rnk
  FROM parking_tickets GROUP BY street, block) AS ranked
WHERE rnk <= 3 ORDER BY tickets DESC, street, block LIMIT 30`,
    duckdb: `SELECT street, block, tickets, rnk FROM (
  SELECT street, block, count(*) AS tickets, rank() OVER (PARTITION BY street ORDER BY count(*) DESC) AS rnk
  FROM parking_tickets GROUP BY street, block) AS ranked
WHERE rnk <= 3 ORDER BY tickets DESC, street, block LIMIT 30`,
  },
  {
    name: 'CTE join',
    athena: `WITH per_street AS (SELECT street, count(*) AS tickets FROM parking_tickets GROUP BY street),
per_bylaw AS (SELECT street, bylaw, count(*) AS tickets FROM parking_tickets GROUP BY street, bylaw)
SELECT b.street, b.bylaw, b.tickets, round(CAST(b.tickets AS double) / s.tickets, 4) AS share
FROM per_bylaw AS b JOIN per_street AS s ON b.street = s.street
WHERE s.tickets > 20000 ORDER BY b.tickets DESC, b.street, b.bylaw LIMIT 20`,
    duckdb: `WITH per_street AS (SELECT street, count(*) AS tickets FROM parking_tickets GROUP BY street),
per_bylaw AS (SELECT street, bylaw, count(*) AS tickets FROM parking_tickets GROUP BY street, bylaw)
SELECT b.street, b.bylaw, b.tickets, round(CAST(b.tickets AS double) / s.tickets, 4) AS share
FROM per_bylaw AS b JOIN per_street AS s ON b.street = s.street
WHERE s.tickets > 20000 ORDER BY b.tickets DESC, b.street, b.bylaw LIMIT 20`,
    tolerance: { share: 0.001 },
  },
  {
    name: 'date_diff and date_add',
    athena: `SELECT date_diff('week', DATE '2023-01-02', entry_date) AS week, min(date_add('day', 30, entry_date)) AS first_due,
  count(*) AS tickets, round(avg(date_diff('day', entry_date, DATE '2025-01-01')), 2) AS avg_age_days
FROM parking_tickets WHERE entry_date >= DATE '2023-01-02' GROUP BY 1 ORDER BY 1`,
    duckdb: `SELECT (entry_date - DATE '2023-01-02') // 7 AS week, min(entry_date + 30) AS first_due,
  count(*) AS tickets, round(avg(DATE '2025-01-01' - entry_date), 2) AS avg_age_days
FROM parking_tickets WHERE entry_date >= DATE '2023-01-02' GROUP BY 1 ORDER BY 1`,
    tolerance: { avg_age_days: 0.0001 },
  },
  {
    name: 'AT TIME ZONE hour of day',
    athena: `SELECT hour(CAST(entry_date AS timestamp) AT TIME ZONE 'America/Vancouver') AS local_hour,
  count(DISTINCT entry_date) AS days, count(*) AS tickets
FROM parking_tickets GROUP BY 1 ORDER BY 1`,
    duckdb: `SELECT hour(timezone('America/Vancouver', CAST(entry_date AS TIMESTAMPTZ))) AS local_hour,
  count(DISTINCT entry_date) AS days, count(*) AS tickets
FROM parking_tickets GROUP BY 1 ORDER BY 1`,
  },
];

export interface ResultTable {
  columns: string[];
  /** Each value as text (Athena's CSV, or DuckDB's JSON form), NULL as null. */
  rows: (string | null)[][];
}

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
/** Timestamps compare without their fractional zeros: `2024-01-02 03:04:05.000` is `2024-01-02 03:04:05`. */
const canonical = (value: string) => value.replace(/^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)\.0+\b/, '$1');

function sameValue(a: string | null, b: string | null, tolerance: number): boolean {
  if (a === null || b === null) return a === b;
  if (NUMBER.test(a) && NUMBER.test(b)) {
    const x = Number(a);
    const y = Number(b);
    return Math.abs(x - y) <= Math.max(tolerance * Math.max(Math.abs(x), Math.abs(y)), 1e-9);
  }
  return canonical(a) === canonical(b);
}

/** The differences between two results (column names, row count, then the first differing values), or []. */
export function compareResults(pair: QueryPair, seawall: ResultTable, duckdb: ResultTable): string[] {
  if (seawall.columns.join() !== duckdb.columns.join())
    return [`columns: seawall [${seawall.columns.join(', ')}] vs duckdb [${duckdb.columns.join(', ')}]`];
  const problems: string[] = [];
  if (seawall.rows.length !== duckdb.rows.length)
    problems.push(`rows: seawall ${seawall.rows.length} vs duckdb ${duckdb.rows.length}`);
  const count = Math.min(seawall.rows.length, duckdb.rows.length);
  for (let r = 0; r < count && problems.length < 5; r++) {
    seawall.columns.forEach((column, c) => {
      const a = seawall.rows[r]?.[c] ?? null;
      const b = duckdb.rows[r]?.[c] ?? null;
      if (!sameValue(a, b, pair.tolerance?.[column] ?? 0))
        problems.push(`row ${r + 1} ${column}: seawall ${JSON.stringify(a)} vs duckdb ${JSON.stringify(b)}`);
    });
  }
  return problems;
}
