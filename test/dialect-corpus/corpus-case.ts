/**
 * One query of the Athena dialect corpus with the answer Athena gives, as GetQueryResults returns it: every
 * value a string (NULL as null), the header row of column names first.
 */
export interface DocumentedCase {
  sql: string;
  /**
   * Rows as Athena prints them: `2001-08-22 03:04:05.321`, `[1, 2]`, `{a=1}`, `{x=1, y=2}`, `true`. A NULL inside
   * an array, map or row prints as `null`, as in the results of Athena's CloudTrail examples (`invokedby=null`);
   * the Trino docs show `NULL` there because Trino's CLI prints it so.
   */
  expected?: (string | null)[][];
  /** The query must fail, with a reason that matches this (it names what is wrong or unsupported). */
  refused?: RegExp;
  /**
   * Trino answers this query (`expected` is its answer) but Seawall cannot give that answer: it must refuse
   * with a reason matching this, never answer otherwise (docs/athena-sql.md lists these).
   */
  seawallRefuses?: RegExp;
  /** Where the expected answer comes from: the Trino or Athena doc page and function, or the source class. */
  source: string;
  /** The query has no ORDER BY: rows are compared as a multiset. */
  unordered?: boolean;
}

/**
 * An analyst's question over the Vancouver tables, in Athena's SQL, with the DuckDB query that answers the
 * same question directly over the sample files (the oracle). Both answers must be the same rows.
 */
export interface OracleCase {
  question: string;
  sql: string;
  /** DuckDB SQL over the oracle's views parking_tickets, lost_animals, service_requests_311, business_licences. */
  oracle: string;
  unordered?: boolean;
}

/** Shorthand for a one-column, one-row answer under Athena's name for an unnamed column. */
export function col0(value: string | null): (string | null)[][] {
  return [['_col0'], [value]];
}
