/*
 * Trino's aggregate functions on DuckDB. Most are DuckDB's under the same or another name; where a template
 * combines several aggregates (skewness, avg of decimals), the call's DISTINCT and FILTER go onto each of them
 * (TEMPLATE_AGGREGATES, read by the translator).
 */
import { isNode, type Json, type JsonNode, QueryRejected, text } from '../sandbox-tree.js';
import {
  type Call,
  checkArity,
  numberOf,
  type Rule,
  type RuleTable,
  renamed,
  SAME,
  template,
} from './rules.js';

/** DuckDB aggregates that templates write inside a larger expression. */
const TEMPLATE_AGGREGATES: ReadonlySet<string> = new Set([
  'avg',
  'sum',
  'any_value',
  'count',
  'skewness',
  'list',
  'histogram',
  'arg_max_null',
  'arg_min_null',
  'count_if',
]);

/**
 * The aggregate calls a template wrote (not those inside its arguments, which are the bound trees themselves):
 * an aggregate translated as an expression of several aggregates (skewness from skewness and count) gets the
 * call's DISTINCT, ORDER BY and FILTER on each of them.
 */
export function templateAggregates(node: Json, bound: readonly JsonNode[]): JsonNode[] {
  if (Array.isArray(node)) return node.flatMap((item) => templateAggregates(item, bound));
  if (!isNode(node) || bound.includes(node)) return [];
  const own =
    node.class === 'FUNCTION' && TEMPLATE_AGGREGATES.has(text(node.function_name, 'function_name'))
      ? [node]
      : [];
  return [...own, ...Object.values(node).flatMap((item) => templateAggregates(item, bound))];
}

function refused(reason: string): Rule {
  return (call: Call) => {
    throw new QueryRejected(`NOT_SUPPORTED: ${call.name} is not supported here: ${reason}`);
  };
}

/** approx_distinct(x[, e]): DuckDB's HyperLogLog; a maximum standard error outside Trino's bounds fails. */
const approxDistinct: Rule = (call) => {
  checkArity(call, [1, 2]);
  if (call.args.length === 2) {
    const error = numberOf(call.args[1]) ?? Number.NaN;
    if (!(error >= 0.0040625 && error <= 0.26))
      throw new QueryRejected(
        'INVALID_FUNCTION_ARGUMENT: Max standard error must be in [0.0040625, 0.26]: a literal here.',
      );
  }
  return 'approx_count_distinct($1)';
};

/** approx_percentile(x, p) and (x, ARRAY[p...]); the weighted and accuracy forms are refused. */
const approxPercentile: Rule = (call) => {
  if (call.args.length !== 2)
    throw new QueryRejected(
      'NOT_SUPPORTED: approx_percentile with a weight or an accuracy is not supported here (approx_percentile(x, percentage) is).',
    );
  return 'approx_quantile($1, $2)';
};

/**
 * max_by/min_by: the x of the row with the largest (smallest) y, even when that x is NULL (DuckDB's max_by skips
 * NULL x); with n, the x of the n rows in that order of y.
 */
function byRule(duckdb: string, order: 'ASC' | 'DESC'): Rule {
  return (call) => {
    checkArity(call, [2, 3]);
    if (call.args.length === 2) return `${duckdb}($1, $2)`;
    return `list_transform(list_sort(list_filter(list(row($2, $1)), __a_e -> __a_e[1] IS NOT NULL), '${order}'), __a_e -> __a_e[2])[1:$3]`;
  };
}

/** Trino's skewness is the population coefficient (DuckDB's is the sample-adjusted one). */
const SKEWNESS = 'skewness($1) * (count($1) - 2) / sqrt(CAST(count($1) AS DOUBLE) * (count($1) - 1))';

/*
 * Templates that give an aggregate Trino's result type where DuckDB's differs. A CASE over typeof() cannot
 * choose a type (its branches unite into one), so the type comes from cast_to_type's second argument: an
 * expression that only lends its type, which DuckDB binds but never computes (an aggregate there included).
 */

/**
 * avg: a double of integers and doubles, a real of reals, and of a decimal a decimal of the same type (DuckDB
 * answers a double of all but reals; its double is rounded half up to the decimal's scale, so a decimal of more
 * digits than a double holds is not exact). DuckDB's median has exactly those result types; its list form, of
 * a one-element list, lends them without a median computed (a windowed median would be, though it lends only
 * its type).
 */
const AVG = 'cast_to_type(avg($1), list_median([any_value($1)]))';

/**
 * sum: a bigint of integers, which fails past its range as Trino's does (DuckDB sums integers into a HUGEINT
 * that does not overflow), a decimal(38, s) of decimals, a double of doubles and a real of reals. The lent
 * type: an integer times bigints is a bigint, a decimal(p, s) times two bigints a decimal(38, s).
 */
const SUM = `CASE WHEN typeof(sum($1)) = 'HUGEINT' AND sum($1) IS NOT NULL AND TRY_CAST(sum($1) AS BIGINT) IS NULL THEN error('NUMERIC_VALUE_OUT_OF_RANGE: bigint addition overflow') ELSE cast_to_type(sum($1), any_value($1) * CAST(1 AS BIGINT) * CAST(1 AS BIGINT)) END`;

/** histogram counts are bigint (DuckDB's are unsigned). */
const HISTOGRAM =
  'map_from_entries(list_transform(map_entries(histogram($1)), __a_e -> row(__a_e.key, CAST(__a_e.value AS BIGINT))))';

/** map_agg: NULL keys are skipped; a key seen twice fails here (Trino keeps one of the values). */
const MAP_AGG = 'map_from_entries(list_filter(list(row($1, $2)), __a_e -> __a_e[1] IS NOT NULL))';

export const AGGREGATE_FUNCTIONS: RuleTable = {
  approx_distinct: approxDistinct,
  approx_percentile: approxPercentile,
  arbitrary: renamed('any_value', 1),
  any_value: renamed('any_value', 1),
  // DuckDB counts in a HUGEINT; Trino's count_if is a bigint.
  count_if: template('CAST(count_if($1) AS BIGINT)', 1),
  bool_and: renamed('bool_and', 1),
  bool_or: renamed('bool_or', 1),
  every: renamed('bool_and', 1),
  max_by: byRule('arg_max_null', 'DESC'),
  min_by: byRule('arg_min_null', 'ASC'),
  max: renamed('max', [1, 2]),
  min: renamed('min', [1, 2]),
  histogram: template(HISTOGRAM, 1),
  map_agg: template(MAP_AGG, 2),
  array_agg: renamed('array_agg', 1),
  geometric_mean: renamed('geometric_mean', 1),
  corr: renamed('corr', 2),
  covar_pop: renamed('covar_pop', 2),
  covar_samp: renamed('covar_samp', 2),
  regr_slope: renamed('regr_slope', 2),
  regr_intercept: renamed('regr_intercept', 2),
  stddev: renamed('stddev_samp', 1),
  stddev_samp: renamed('stddev_samp', 1),
  stddev_pop: renamed('stddev_pop', 1),
  variance: renamed('var_samp', 1),
  var_samp: renamed('var_samp', 1),
  var_pop: renamed('var_pop', 1),
  kurtosis: renamed('kurtosis', 1),
  skewness: template(SKEWNESS, 1),
  avg: template(AVG, 1),
  sum: template(SUM, 1),
  count: SAME,
  bitwise_and_agg: renamed('bit_and', 1),
  bitwise_or_agg: renamed('bit_or', 1),
  bitwise_xor_agg: renamed('bit_xor', 1),
  reduce_agg: template('list_reduce(list_filter(list($1), __a_x -> __a_x IS NOT NULL), $3, $2)', 4),
  checksum: refused('its hash (xxHash64 of each value, summed) is not available.'),
  multimap_agg: refused('no DuckDB aggregate builds a map of arrays.'),
  // listagg(x, s) WITHIN GROUP (ORDER BY y): pre-parse.ts moves the ORDER BY into the call.
  listagg: (call) => {
    checkArity(call, [1, 2]);
    return call.args.length === 2 ? 'string_agg($1, $2)' : "string_agg($1, '')";
  },
};
