import { type RuleTable, renamed, SAME, template } from './rules.js';
import { DATETIME_FUNCTIONS } from './trino-datetime.js';

/** Functions DuckDB has under Trino's name, with Trino's arguments and answers. */
const SAME_IN_DUCKDB: RuleTable = Object.fromEntries(
  `abs acos asin atan atan2 avg cbrt ceil ceiling cos cosh count degrees exp floor greatest least ln lower
  ltrim max min nullif pi radians replace reverse rtrim sign sin sqrt stddev stddev_pop stddev_samp sum tan tanh
  trim upper var_pop var_samp variance`
    .split(/\s+/)
    .map((name) => [name, SAME]),
);

/** Every function of Athena's SQL that Seawall runs, by lower-cased name. */
export const TRINO_FUNCTIONS: RuleTable = {
  ...SAME_IN_DUCKDB,
  length: renamed('length', 1),
  substr: renamed('substring', [2, 3]),
  substring: renamed('substring', [2, 3]),
  round: SAME,
  approx_distinct: renamed('approx_count_distinct', [1, 2]),
  count_if: renamed('count_if', 1),
  sequence: renamed('generate_series', [2, 3]),
  lpad: SAME,
  rpad: SAME,
  regexp_like: template('regexp_matches($1, $2)', 2),
  ...DATETIME_FUNCTIONS,
};
