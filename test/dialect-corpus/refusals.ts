import type { DocumentedCase } from './corpus-case.js';

const NOT_ATHENA =
  "Not Athena's SQL (DuckDB's own syntax or function): Athena fails the query, so Seawall refuses it";

/** DuckDB's own syntax and functions, which Athena does not accept: refused with a reason naming them. */
export const refusalCases: DocumentedCase[] = [
  { sql: 'SELECT 1::INTEGER', refused: /::/, source: NOT_ATHENA },
  { sql: "SELECT strftime(DATE '2024-01-01', '%Y')", refused: /strftime/, source: NOT_ATHENA },
  { sql: 'SELECT list_value(1, 2)', refused: /list_value/, source: NOT_ATHENA },
  { sql: "SELECT epoch(TIMESTAMP '2024-01-01 00:00:00')", refused: /epoch/, source: NOT_ATHENA },
  { sql: "SELECT * FROM read_csv('/etc/passwd')", refused: /read_csv/, source: NOT_ATHENA },
  { sql: 'SELECT * EXCLUDE (x) FROM (VALUES (1, 2)) AS t(x, y)', refused: /EXCLUDE/, source: NOT_ATHENA },
  { sql: 'SELECT [1, 2, 3]', refused: /\[|syntax|mismatched|list/i, source: NOT_ATHENA },
  { sql: "SELECT {'a': 1}", refused: /\{|syntax|mismatched|struct/i, source: NOT_ATHENA },
  { sql: 'SELECT 7 // 2', refused: /\/\/|operator|syntax|mismatched/i, source: NOT_ATHENA },
  {
    sql: 'SELECT x FROM (VALUES (1), (2)) AS t(x) QUALIFY row_number() OVER (ORDER BY x) = 1',
    refused: /QUALIFY/i,
    source: NOT_ATHENA,
  },
  {
    sql: 'SELECT x FROM (VALUES (1), (2)) AS t(x) USING SAMPLE 50 PERCENT',
    refused: /SAMPLE|syntax|mismatched/i,
    source: NOT_ATHENA,
  },
  { sql: 'FROM (VALUES (1)) AS t(x) SELECT x', refused: /FROM|syntax|mismatched/i, source: NOT_ATHENA },
];
