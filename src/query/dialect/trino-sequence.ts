/*
 * Trino's sequence(start, stop[, step]): integers, dates and timestamps, the n-th element `start + n * step`
 * (so monthly steps from January 31 give the last day of each month, where DuckDB's generate_series drifts),
 * at most 10000 entries, a step against the direction of stop an error.
 */
import { isNode, type JsonNode } from '../sandbox-tree.js';
import { checkArity, type Rule } from './rules.js';

const TOO_MANY =
  "error('INVALID_FUNCTION_ARGUMENT: result of sequence function must not have more than 10000 entries')";
const WRONG_WAY =
  "error('INVALID_FUNCTION_ARGUMENT: sequence stop value should be greater than or equal to start value if step is greater than zero otherwise stop should be less than or equal to start')";
const ZERO = "error('INVALID_FUNCTION_ARGUMENT: step must not be zero')";

/** The kind of interval a step written as an INTERVAL literal is (DuckDB's parser writes to_days(...) etc.). */
function intervalKind(node: JsonNode | undefined): 'days' | 'months' | undefined {
  if (node?.class !== 'FUNCTION') return undefined;
  const name = String(node.function_name);
  const children = Array.isArray(node.children) ? node.children : [];
  if (name === '-' && children.length === 1 && isNode(children[0])) return intervalKind(children[0]);
  if (['to_months', 'to_years'].includes(name)) return 'months';
  if (['to_days', 'to_hours', 'to_minutes', 'to_seconds', 'to_milliseconds', 'to_weeks'].includes(name))
    return 'days';
  return undefined;
}

/** Elements `start + i * step` for i below `count`, checked for their number. */
function elements(count: string, element: string): string {
  return `CASE WHEN ${count} > 10000 THEN ${TOO_MANY} ELSE list_transform(range(0, ${count}), __q_i -> ${element}) END`;
}

export const SEQUENCE: Rule = (call) => {
  checkArity(call, [2, 3]);
  if (call.args.length === 2)
    // Integers, or dates a day apart: DuckDB subtracts two dates into days, and adds days to a date.
    return elements('abs($2 - $1) + 1', '$1 + CAST(__q_i * sign($2 - $1) AS INTEGER)');
  const kind = intervalKind(call.args[2]);
  if (kind === undefined)
    return `CASE WHEN $3 = 0 THEN ${ZERO} WHEN $1 <> $2 AND sign($3) <> sign($2 - $1) THEN ${WRONG_WAY} ELSE ${elements('($2 - $1) // $3 + 1', '$1 + __q_i * $3')} END`;
  const wrongWay = `(epoch($3) > 0 AND $2 < $1) OR (epoch($3) < 0 AND $2 > $1)`;
  const element = 'cast_to_type($1 + __q_i * $3, $1)';
  if (kind === 'days')
    return `CASE WHEN epoch($3) = 0 THEN ${ZERO} WHEN ${wrongWay} THEN ${WRONG_WAY} WHEN typeof($1) = 'DATE' AND epoch($3) % 86400 <> 0 THEN error('INVALID_FUNCTION_ARGUMENT: sequence step must be a day interval if start and end values are dates') ELSE ${elements('CAST(floor(epoch(CAST($2 AS TIMESTAMP) - CAST($1 AS TIMESTAMP)) / epoch($3)) AS BIGINT) + 1', element)} END`;
  const months = "(date_part('year', $3) * 12 + date_part('month', $3))";
  const count = `CASE WHEN ${months} > 0 THEN date_sub('month', $1, $2) // ${months} ELSE date_sub('month', $2, $1) // -${months} END + 1`;
  return `CASE WHEN ${months} = 0 THEN ${ZERO} WHEN (${months} > 0 AND $2 < $1) OR (${months} < 0 AND $2 > $1) THEN ${WRONG_WAY} ELSE list_filter(${elements(count, element)}, __q_x -> CASE WHEN ${months} > 0 THEN __q_x <= $2 ELSE __q_x >= $2 END) END`;
};
