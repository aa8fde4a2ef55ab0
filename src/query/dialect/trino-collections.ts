/*
 * Trino's array, map and lambda functions on DuckDB lists and maps. Arrays are 1-based in both; where Trino
 * answers NULL for a NULL element (contains, array_max, arrays_overlap) or keeps order and NULLs
 * (array_distinct), the template says so. A two-parameter lambda over map entries or zipped arrays is
 * rewritten into a one-parameter lambda over DuckDB's struct (its parameters become the struct's fields).
 */
import { isNode, type JsonNode, QueryRejected } from '../sandbox-tree.js';
import {
  type Call,
  checkArity,
  type Rule,
  type RuleTable,
  renamed,
  template,
  wrongArguments,
} from './rules.js';
import { trinoText } from './trino-json.js';
import { SEQUENCE } from './trino-sequence.js';

const NULL_IN = (list: string) => `list_bool_or(list_transform(${list}, __l_x -> __l_x IS NULL))`;

/** Elements in first-seen order, each once, NULL included (DuckDB's list_distinct drops NULL and reorders). */
const distinct = (list: string) =>
  `list_filter(${list}, (__l_x, __l_i) -> list_position(${list}, __l_x) = __l_i)`;

/** A lambda over one struct parameter, from a Trino lambda whose parameters become the struct's fields. */
function lambdaOver(call: Call, index: number, fields: readonly string[]): JsonNode {
  const lambda = call.translated[index];
  if (lambda?.class !== 'LAMBDA' || !isNode(lambda.lhs) || !isNode(lambda.expr)) throw wrongArguments(call);
  const lhs = lambda.lhs;
  const params = (lhs.class === 'COLUMN_REF' ? [lhs] : Array.isArray(lhs.children) ? lhs.children : []).map(
    (param) =>
      isNode(param) && Array.isArray(param.column_names) && param.column_names.length === 1
        ? String(param.column_names[0])
        : '',
  );
  if (params.length !== fields.length || params.includes(''))
    throw new QueryRejected(`${call.name}'s lambda must take ${fields.length} parameters.`);
  const replacement = new Map(params.map((param, i) => [param.toLowerCase(), fields[i] as string]));
  // A struct lambda inside this one (already rewritten) has its own parameter, which must not capture this
  // one's: each level is named one deeper than the deepest inside it.
  const depth = structDepth(lambda.expr, new Set());
  const struct = `__l_w${depth || ''}`;
  return {
    ...lambda,
    lhs: columnRef([struct]),
    expr: replaceParams(lambda.expr, replacement, struct, new Map()),
  };
}

/**
 * One more than the deepest struct lambda parameter (`__l_w`, `__l_w1`, …) named in `node`, 0 for none. A
 * translated tree shares subtrees (a template's `$1` written twice is one node), so each is read once.
 */
function structDepth(node: JsonNode, seen: Set<JsonNode>): number {
  if (seen.has(node)) return 0;
  seen.add(node);
  let deepest = 0;
  if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names)) {
    const match = /^__l_w(\d*)$/.exec(String(node.column_names[0]));
    if (match) deepest = Number(match[1] || 0) + 1;
  }
  for (const value of Object.values(node))
    for (const item of Array.isArray(value) ? value : [value])
      if (isNode(item)) deepest = Math.max(deepest, structDepth(item, seen));
  return deepest;
}

function columnRef(names: string[]): JsonNode {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: names };
}

/**
 * A lambda's parameters replaced by fields of `struct`, except where a nested lambda binds the same name. A
 * subtree shared in the translated tree is rewritten once (`done`, for one set of names replaced), and stays
 * shared.
 */
function replaceParams(
  node: JsonNode,
  fields: ReadonlyMap<string, string>,
  struct: string,
  done: Map<JsonNode, JsonNode>,
): JsonNode {
  const known = done.get(node);
  if (known) return known;
  if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names) && node.column_names.length >= 1) {
    const field = fields.get(String(node.column_names[0]).toLowerCase());
    return field
      ? { ...columnRef([struct, field, ...node.column_names.slice(1).map(String)]), alias: node.alias ?? '' }
      : node;
  }
  let inner = fields;
  let innerDone = done;
  if (node.class === 'LAMBDA' && isNode(node.lhs)) {
    const bound = JSON.stringify(node.lhs).toLowerCase();
    inner = new Map([...fields].filter(([name]) => !bound.includes(`"${name}"`)));
    // Fewer names replaced inside: what was rewritten with all of them does not hold there.
    if (inner.size !== fields.size) innerDone = new Map();
  }
  const out: JsonNode = {};
  for (const [key, value] of Object.entries(node))
    out[key] = Array.isArray(value)
      ? value.map((item) => (isNode(item) ? replaceParams(item, inner, struct, innerDone) : item))
      : isNode(value)
        ? replaceParams(value, inner, struct, innerDone)
        : value;
  done.set(node, out);
  return out;
}

/** Rules whose template applies a rewritten lambda, given as the last placeholder. */
function withLambda(
  index: number,
  fields: readonly string[],
  sql: (lambda: string) => string,
  arity: number,
): Rule {
  return (call) => {
    checkArity(call, arity);
    return { sql: sql(`$${arity + 1}`), extra: [lambdaOver(call, index, fields)] };
  };
}

/**
 * reduce(a, initial, (s, x) -> …, s -> …): DuckDB's list_reduce wants the state of the elements' type, where
 * Trino's may be any (a row of sum and count, say). So state and element travel together in one struct type,
 * each element with a NULL state beside it (and the first element, of no use, beside the initial value); the
 * input function, a struct lambda (see lambdaOver), gives the new state, cast to the state's type.
 */
const REDUCE = (f: string) => {
  // The state's type as Trino makes it: what the initial value and the input function's answer unify to
  // (0 with doubles is a double). cast_to_type reads only the type of its second argument; nothing runs.
  // It is bound once, as the typed NULL __r_t, so the input function is written twice, not four times.
  const state = `[$2, list_transform([{'f1': $2, 'f2': $1[1]}], ${f})[1]][1]`;
  return `list_transform([if(false, ${state}, NULL)], __r_t -> list_reduce(list_transform($1, __r_e -> {'s': __r_t, 'x': __r_e}), (__r_a, __r_b) -> {'s': cast_to_type(list_transform([{'f1': __r_a.s, 'f2': __r_b.x}], ${f})[1], __r_t), 'x': __r_b.x}, {'s': cast_to_type($2, __r_t), 'x': $1[1]}).s)[1]`;
};

/** Functions whose result is an array: an argument made by one of them is known to be an array. */
export const ARRAY_MAKERS: ReadonlySet<string> = new Set(
  'array_agg split regexp_extract_all regexp_split map_keys map_values filter transform array_distinct array_sort sequence slice flatten array_union array_intersect array_except array_remove repeat zip zip_with trim_array shuffle ngrams'.split(
    ' ',
  ),
);

/** Functions whose result is a map, to pick cardinality's DuckDB function when the argument shows it. */
const MAP_MAKERS = new Set([
  'map',
  'map_agg',
  'histogram',
  'map_from_entries',
  'split_to_map',
  'map_concat',
  'map_filter',
  'transform_keys',
  'transform_values',
]);

const cardinality: Rule = (call) => {
  checkArity(call, 1);
  const arg = call.args[0];
  const made = arg?.class === 'FUNCTION' ? String(arg.function_name).toLowerCase() : '';
  if (MAP_MAKERS.has(made)) return 'cardinality($1)';
  if (ARRAY_MAKERS.has(made) || (arg?.class === 'OPERATOR' && arg.type === 'ARRAY_CONSTRUCTOR'))
    return 'len($1)';
  // Otherwise the kind is known only when DuckDB binds: JSON tells an array from an object for both.
  return "CASE WHEN json_type(to_json($1)) = 'ARRAY' THEN CAST(json_array_length(to_json($1)) AS BIGINT) ELSE CAST(len(json_keys(to_json($1))) AS BIGINT) END";
};

const ELEMENT_AT =
  "CASE WHEN typeof($1) NOT LIKE 'MAP(%' AND CAST($2 AS VARCHAR) = '0' THEN error('INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1') ELSE $1[$2] END";

const contains = template(
  `CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL WHEN list_contains($1, $2) THEN true WHEN ${NULL_IN('$1')} THEN NULL ELSE false END`,
  2,
);

/** array_join: elements as Trino writes them in text (doubles as 1.5E0), NULLs skipped or replaced. */
const arrayJoin: Rule = (call) => {
  checkArity(call, [2, 3]);
  const text = trinoText('__l_x');
  if (call.args.length === 2) return `array_to_string(list_transform($1, __l_x -> ${text}), $2)`;
  return `array_to_string(list_transform($1, __l_x -> coalesce(${text}, $3)), $2)`;
};

/**
 * array_sort(a, (x, y) -> …) as a stable sort: each element goes by how many others the comparator puts before
 * it, or ties with it and come earlier, then by its index (so a comparator that is no total order, as Trino's
 * documented nulls-first example is not, still loses no element). The comparator runs for every pair (n² calls,
 * where Trino makes n log n); an answer other than -1, 0 or 1 fails, as in Trino.
 */
const COMPARE = (j: string, i: string) => `list_transform([{'f1': __s_a[${j}], 'f2': __s_a[${i}]}], $3)[1]`;
const SORT_BY_COMPARATOR = `list_transform([$1], __s_a -> list_transform(list_sort(list_transform(range(1, len(__s_a) + 1), __s_i -> {'r': len(list_filter(range(1, len(__s_a) + 1), __s_j -> __s_j <> __s_i AND CASE ${COMPARE('__s_j', '__s_i')} WHEN -1 THEN true WHEN 0 THEN __s_j < __s_i WHEN 1 THEN false ELSE error('INVALID_FUNCTION_ARGUMENT: Lambda comparator must return either -1, 0, or 1') END)), 'i': __s_i})), __s_e -> __s_a[__s_e.i]))[1]`;

const arraySort: Rule = (call) => {
  checkArity(call, [1, 2]);
  if (call.args.length === 2) return { sql: SORT_BY_COMPARATOR, extra: [lambdaOver(call, 1, ['f1', 'f2'])] };
  return "list_sort($1, 'ASC', 'NULLS LAST')";
};

function extreme(duckdb: string): Rule {
  return template(`CASE WHEN ${NULL_IN('$1')} THEN NULL ELSE ${duckdb}($1) END`, 1);
}

const arrayPosition: Rule = (call) => {
  checkArity(call, [2, 3]);
  if (call.args.length === 2)
    return 'CASE WHEN $2 IS NULL THEN NULL ELSE coalesce(list_position($1, $2), 0) END';
  return "CASE WHEN $1 IS NULL OR $2 IS NULL OR $3 IS NULL THEN NULL WHEN $3 = 0 THEN error('INVALID_FUNCTION_ARGUMENT: array_position cannot take a 0-valued instance argument.') ELSE coalesce(list_filter(range(1, len($1) + 1), __l_i -> $1[__l_i] = $2)[$3], 0) END";
};

/** Some/all/none of the elements match: true or false, or NULL when the answer hangs on a NULL predicate. */
const ANY_TRUE = 'list_bool_or(list_transform($1, $2))';
const ANY_FALSE = 'list_bool_or(list_transform(list_transform($1, $2), __l_p -> NOT __l_p))';
const ANY_NULL = 'list_bool_or(list_transform(list_transform($1, $2), __l_p -> __l_p IS NULL))';

/** Whether a value is in a list, NULL found as NULL. */
const IN = (list: string, value: string) => `list_position(${list}, ${value}) IS NOT NULL`;

export const COLLECTION_FUNCTIONS: RuleTable = {
  cardinality,
  element_at: template(ELEMENT_AT, 2),
  contains,
  array_join: arrayJoin,
  array_distinct: template(distinct('$1'), 1),
  array_sort: arraySort,
  array_max: extreme('list_max'),
  array_min: extreme('list_min'),
  array_position: arrayPosition,
  array_remove: template(
    'CASE WHEN $2 IS NULL THEN NULL ELSE list_filter($1, __l_x -> __l_x IS DISTINCT FROM $2) END',
    2,
  ),
  array_intersect: template(distinct(`list_filter($1, __l_y -> ${IN('$2', '__l_y')})`), 2),
  array_union: template(distinct('list_concat($1, $2)'), 2),
  array_except: template(distinct(`list_filter($1, __l_y -> NOT ${IN('$2', '__l_y')})`), 2),
  arrays_overlap: template(
    `CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL WHEN len(list_filter($1, __l_y -> __l_y IS NOT NULL AND list_contains($2, __l_y))) > 0 THEN true WHEN ${NULL_IN('$1')} OR ${NULL_IN('$2')} THEN NULL ELSE false END`,
    2,
  ),
  transform: renamed('list_transform', 2),
  any_match: template(
    `CASE WHEN $1 IS NULL THEN NULL WHEN ${ANY_TRUE} THEN true WHEN ${ANY_NULL} THEN NULL ELSE false END`,
    2,
  ),
  all_match: template(
    `CASE WHEN $1 IS NULL THEN NULL WHEN ${ANY_FALSE} THEN false WHEN ${ANY_NULL} THEN NULL ELSE true END`,
    2,
  ),
  none_match: template(
    `CASE WHEN $1 IS NULL THEN NULL WHEN ${ANY_TRUE} THEN false WHEN ${ANY_NULL} THEN NULL ELSE true END`,
    2,
  ),
  trim_array: template(
    "CASE WHEN $2 < 0 OR $2 > len($1) THEN error('INVALID_FUNCTION_ARGUMENT: size must not be negative or larger than the array') ELSE list_slice($1, 1, len($1) - $2) END",
    2,
  ),
  // Each run of n consecutive elements; n at least the length gives the whole array as the one n-gram.
  ngrams: template(
    "CASE WHEN $2 <= 0 THEN error('INVALID_FUNCTION_ARGUMENT: N must be positive') WHEN len($1) <= $2 THEN [$1] ELSE list_transform(range(1, len($1) - $2 + 2), __l_i -> $1[__l_i:__l_i + $2 - 1]) END",
    2,
  ),
  contains_sequence: template(
    'CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL WHEN len($2) = 0 THEN true ELSE coalesce(list_bool_or(list_transform(range(1, len($1) - len($2) + 2), __l_i -> $1[__l_i:__l_i + len($2) - 1] = $2)), false) END',
    2,
  ),
  filter: renamed('list_filter', 2),
  reduce: withLambda(2, ['f1', 'f2'], (f) => `list_transform([${REDUCE(f)}], $4)[1]`, 4),
  zip: (call) => {
    if (call.args.length < 2 || call.args.length > 5) throw wrongArguments(call);
    return `list_zip(${call.args.map((_, i) => `$${i + 1}`).join(', ')})`;
  },
  zip_with: withLambda(
    2,
    ['f1', 'f2'],
    (f) =>
      `list_transform(list_transform(list_zip($1, $2), __l_z -> {'f1': __l_z[1], 'f2': __l_z[2]}), ${f})`,
    3,
  ),
  flatten: renamed('flatten', 1),
  sequence: SEQUENCE,
  slice: template(
    "CASE WHEN $2 = 0 THEN error('INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1') WHEN $3 < 0 THEN error('INVALID_FUNCTION_ARGUMENT: length must be greater than or equal to 0') WHEN $2 > 0 THEN list_slice($1, $2, $2 + $3 - 1) WHEN -$2 > len($1) THEN [] ELSE list_slice($1, len($1) + $2 + 1, least(len($1), len($1) + $2 + $3)) END",
    3,
  ),
  repeat: template(
    "CASE WHEN $2 < 0 THEN error('INVALID_FUNCTION_ARGUMENT: count argument of repeat function must be greater than or equal to 0') WHEN $2 > 10000 THEN error('INVALID_FUNCTION_ARGUMENT: count argument of repeat function must be less than or equal to 10000') ELSE list_transform(range($2), __l_i -> $1) END",
    2,
  ),
  shuffle: template(
    "list_transform(list_sort(list_transform($1, __l_x -> {'r': random(), 'v': __l_x})), __l_e -> __l_e.v)",
    1,
  ),
  map: renamed('map', [0, 2]),
  map_keys: renamed('map_keys', 1),
  map_values: renamed('map_values', 1),
  map_from_entries: renamed('map_from_entries', 1),
  map_entries: renamed('map_entries', 1),
  map_concat: (call) => {
    if (call.args.length < 2) throw wrongArguments(call);
    return `map_concat(${call.args.map((_, i) => `$${i + 1}`).join(', ')})`;
  },
  map_filter: withLambda(
    1,
    ['key', 'value'],
    (f) => `map_from_entries(list_filter(map_entries($1), ${f}))`,
    2,
  ),
  transform_keys: withLambda(
    1,
    ['key', 'value'],
    (f) => `map(list_transform(map_entries($1), ${f}), map_values($1))`,
    2,
  ),
  transform_values: withLambda(
    1,
    ['key', 'value'],
    (f) => `map(map_keys($1), list_transform(map_entries($1), ${f}))`,
    2,
  ),
};
