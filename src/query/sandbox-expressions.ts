import { ALLOWED_FUNCTIONS, PARSER_QUALIFIED_FUNCTIONS } from './sandbox-functions.js';
import {
  asciiLower,
  deeper,
  empty,
  type Json,
  type JsonNode,
  list,
  node,
  onlyKeys,
  own,
  QueryRejected,
  text,
  unrecognised,
  type Walk,
} from './sandbox-tree.js';

/**
 * Names DuckDB's binder turns into a call when no column matches (GetSQLValueFunctionName): the session's
 * catalog, schema, user and role. The five clock keywords (`current_date`, `localtime`...) are safe.
 */
const SESSION_KEYWORDS = new Set([
  'current_catalog',
  'current_role',
  'current_schema',
  'current_user',
  'session_user',
  'user',
]);

const OPERATORS = new Set([
  'ARRAY_CONSTRUCTOR',
  'ARRAY_EXTRACT',
  'ARRAY_SLICE',
  'COMPARE_IN',
  'COMPARE_NOT_IN',
  'GROUPING_FUNCTION',
  'OPERATOR_COALESCE',
  'OPERATOR_IS_NOT_NULL',
  'OPERATOR_IS_NULL',
  'OPERATOR_NOT',
  'OPERATOR_TRY',
  'OPERATOR_UNPACK',
  'STRUCT_EXTRACT',
]);

/** Types the parser leaves for the binder to look up that name a built-in type, not a catalog entry. */
const UNBOUND_TYPES = new Set(['enum', 'json']);
const TYPE_INFOS = new Set([
  'ARRAY_TYPE_INFO',
  'DECIMAL_TYPE_INFO',
  'GENERIC_TYPE_INFO',
  'LIST_TYPE_INFO',
  'STRUCT_TYPE_INFO',
  'UNBOUND_TYPE_INFO',
]);

type Check = (expression: JsonNode, walk: Walk) => void;

const refuse =
  (message: string): Check =>
  () => {
    throw new QueryRejected(message);
  };

/** Checks the expressions held in the named fields (single expressions or lists of them). */
const fields =
  (...keys: string[]): Check =>
  (expression, walk) => {
    for (const key of keys) {
      const value = expression[key];
      if (Array.isArray(value)) for (const item of value) checkExpression(item, walk);
      else checkExpression(value, walk);
    }
  };

/**
 * Each expression class: the fields it may carry besides class, type, alias and query_location (any other
 * field is refused), and its check.
 */
const EXPRESSIONS: Record<string, { keys: string; check: Check } | undefined> = {
  BETWEEN: { keys: 'input lower upper', check: fields('input', 'lower', 'upper') },
  CASE: { keys: 'case_checks else_expr', check: checkCase },
  CAST: { keys: 'child cast_type try_cast', check: checkCast },
  COLLATE: { keys: 'child collation', check: checkCollate },
  COLUMN_REF: { keys: 'column_names', check: checkColumn },
  COMPARISON: { keys: 'left right', check: fields('left', 'right') },
  CONJUNCTION: { keys: 'children', check: fields('children') },
  CONSTANT: { keys: 'value', check: () => undefined },
  DEFAULT: {
    keys: '',
    check: refuse('DEFAULT is not allowed in queries: it means something only in INSERT.'),
  },
  FUNCTION: {
    keys: 'function_name schema catalog children filter order_bys distinct is_operator export_state',
    check: checkFunction,
  },
  LAMBDA: { keys: 'lhs expr', check: fields('lhs', 'expr') },
  OPERATOR: { keys: 'children', check: checkOperator },
  PARAMETER: {
    keys: 'identifier',
    check: refuse('Query parameters ($1, ?, $name) are not supported: the query must carry its values.'),
  },
  POSITIONAL_REFERENCE: { keys: 'index', check: () => undefined },
  STAR: {
    keys: 'relation_name exclude_list replace_list columns expr qualified_exclude_list rename_list',
    check: checkStar,
  },
  SUBQUERY: { keys: 'subquery_type subquery child comparison_type', check: checkSubquery },
  WINDOW: {
    keys: `function_name schema catalog children partitions orders arg_orders filter_expr start end start_expr
      end_expr offset_expr default_expr exclude_clause ignore_nulls distinct`,
    check: checkWindow,
  },
};

const KEYS = new Map(
  Object.entries(EXPRESSIONS).map(([kind, spec]) => [
    kind,
    ['class', 'type', 'alias', 'query_location', ...(spec?.keys.split(/\s+/) ?? [])],
  ]),
);

/** Checks one expression and everything under it; throws QueryRejected at the first thing not allowed. */
export function checkExpression(value: Json | undefined, outer: Walk): void {
  if (value === null || value === undefined) return;
  const expression = node(value, 'expression');
  const walk = deeper(outer);
  const kind = text(expression.class, 'expression class');
  const spec = own(EXPRESSIONS, kind);
  if (!spec) throw unrecognised(`expression ${kind}`);
  onlyKeys(expression, kind, KEYS.get(kind) ?? []);
  spec.check(expression, walk);
}

function checkCase(expression: JsonNode, walk: Walk): void {
  for (const item of list(expression.case_checks, 'CASE.case_checks')) {
    const entry = node(item, 'CASE.case_checks');
    onlyKeys(entry, 'CASE.case_checks', ['when_expr', 'then_expr']);
    fields('when_expr', 'then_expr')(entry, walk);
  }
  checkExpression(expression.else_expr, walk);
}

function checkCast(expression: JsonNode, walk: Walk): void {
  checkType(expression.cast_type);
  checkExpression(expression.child, walk);
}

function checkSubquery(expression: JsonNode, walk: Walk): void {
  walk.analysis.statement(expression.subquery, walk);
  checkExpression(expression.child, walk);
}

function checkCollate(expression: JsonNode, walk: Walk): void {
  // A collation is a name looked up among the built-in ones (nocase, noaccent, an ICU locale).
  if (!/^[A-Za-z0-9_.-]+$/.test(text(expression.collation, 'COLLATE.collation')))
    throw new QueryRejected('A collation name is made of letters, digits, "_", "-" and ".".');
  checkExpression(expression.child, walk);
}

function checkOperator(expression: JsonNode, walk: Walk): void {
  const type = text(expression.type, 'OPERATOR.type');
  if (!OPERATORS.has(type)) throw unrecognised(`operator ${type}`);
  fields('children')(expression, walk);
}

/** A call is allowed only if its name is on the allow-list, and not qualified by a schema or catalog. */
export function checkCallName(expression: JsonNode, kind: string): string {
  const name = text(expression.function_name, `${kind}.function_name`);
  const schema = text(expression.schema, `${kind}.schema`);
  const catalog = text(expression.catalog, `${kind}.catalog`);
  const lower = asciiLower(name);
  if (!ALLOWED_FUNCTIONS.has(lower)) throw new QueryRejected(`Function ${name} is not allowed in queries.`);
  const parserWritten = schema === 'main' && catalog === '' && PARSER_QUALIFIED_FUNCTIONS.has(lower);
  if ((schema !== '' || catalog !== '') && !parserWritten) {
    const qualified = [catalog, schema, name].filter((part) => part !== '').join('.');
    throw new QueryRejected(
      `Function ${qualified} is not allowed in queries: call ${name} without a schema.`,
    );
  }
  return lower;
}

function checkFunction(expression: JsonNode, walk: Walk): void {
  checkCallName(expression, 'FUNCTION');
  if (expression.export_state === true)
    throw new QueryRejected('EXPORT_STATE is not allowed in queries: aggregate states are engine internals.');
  fields('children', 'filter')(expression, walk);
  if (expression.order_bys !== null && expression.order_bys !== undefined)
    checkOrderModifier(node(expression.order_bys, 'FUNCTION.order_bys'), walk);
}

function checkWindow(expression: JsonNode, walk: Walk): void {
  checkCallName(expression, 'WINDOW');
  fields(
    'children',
    'partitions',
    'start_expr',
    'end_expr',
    'offset_expr',
    'default_expr',
    'filter_expr',
  )(expression, walk);
  checkOrders(expression.orders, walk);
  checkOrders(expression.arg_orders, walk);
}

/** An ORDER BY list: `[{ type, null_order, expression }]`. */
export function checkOrders(value: Json | undefined, walk: Walk): void {
  for (const item of list(value, 'ORDER BY')) {
    const order = node(item, 'ORDER BY');
    onlyKeys(order, 'ORDER BY', ['type', 'null_order', 'expression']);
    checkExpression(order.expression, walk);
  }
}

export function checkOrderModifier(modifier: JsonNode, walk: Walk): void {
  if (modifier.type !== 'ORDER_MODIFIER') throw unrecognised(`modifier ${String(modifier.type)}`);
  onlyKeys(modifier, 'ORDER_MODIFIER', ['type', 'orders']);
  checkOrders(modifier.orders, walk);
}

function checkStar(star: JsonNode, walk: Walk): void {
  for (const item of list(star.replace_list, 'STAR.replace_list')) {
    const entry = node(item, 'STAR.replace_list');
    onlyKeys(entry, 'STAR.replace_list', ['key', 'value']);
    checkExpression(entry.value, walk);
  }
  // COLUMNS(expr) evaluates expr against the column names, SQL value keywords included.
  checkExpression(star.expr, { ...walk, keywordsAnywhere: true });
}

function checkColumn(expression: JsonNode, walk: Walk): void {
  const names = list(expression.column_names, 'COLUMN_REF.column_names').map((n) => text(n, 'column name'));
  const last = asciiLower(names.at(-1) ?? '');
  if (!SESSION_KEYWORDS.has(last)) return;
  // DuckDB tries the keyword for a one-part name, and for `alias.<keyword>` (the binder's potential alias).
  if (names.length === 1 || asciiLower(names[0] ?? '') === 'alias' || walk.keywordsAnywhere)
    throw new QueryRejected(
      `${last} is not allowed in queries: it reads the engine's session. A column of that name is read qualified by its table (t.${last}).`,
    );
}

/** A cast's target: built-in types only; a name left for the binder must be one of the built-in ones. */
export function checkType(value: Json | undefined): void {
  const type = node(value, 'type');
  onlyKeys(type, 'type', ['id', 'type_info']);
  const id = text(type.id, 'type.id');
  if (type.type_info === null || type.type_info === undefined) {
    if (id === 'UNBOUND' || id === 'USER') throw unrecognised(`type ${id}`);
    return;
  }
  const info = node(type.type_info, 'type_info');
  const kind = text(info.type, 'type_info.type');
  if (!TYPE_INFOS.has(kind)) throw unrecognised(`type ${kind}`);
  empty(info.extension_info, `${kind}.extension_info`);
  if (info.child_type !== undefined) checkType(info.child_type);
  for (const child of list(info.child_types, `${kind}.child_types`))
    checkType(node(child, `${kind}.child_types`).second);
  if (kind === 'UNBOUND_TYPE_INFO') {
    const name = text(info.name, 'type name');
    const qualified = text(info.schema, 'type schema') !== '' || text(info.catalog, 'type catalog') !== '';
    if (qualified || !UNBOUND_TYPES.has(asciiLower(name)))
      throw new QueryRejected(`Type ${name} is not supported in queries.`);
  }
}
