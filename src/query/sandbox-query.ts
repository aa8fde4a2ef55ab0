import { checkCallName, checkExpression, checkOrderModifier, checkType } from './sandbox-expressions.js';
import { ALLOWED_TABLE_FUNCTIONS } from './sandbox-functions.js';
import {
  asciiLower,
  type CteScope,
  deeper,
  empty,
  inScope,
  type Json,
  type JsonNode,
  list,
  node,
  onlyKeys,
  own,
  QueryRejected,
  RESERVED_SCHEMAS,
  text,
  unrecognised,
  type Walk,
} from './sandbox-tree.js';

/** A SELECT statement (the top one, a subquery, a CTE's body): `{ node, named_param_map }`. */
export function checkStatement(value: Json | undefined, walk: Walk): void {
  const statement = node(value, 'statement');
  onlyKeys(statement, 'statement', ['node', 'named_param_map']);
  if (list(statement.named_param_map, 'named_param_map').length > 0)
    throw new QueryRejected(
      'Query parameters ($1, ?, $name) are not supported: the query must carry its values.',
    );
  checkQuery(statement.node, walk);
}

const QUERY_FIELDS: Record<string, readonly string[] | undefined> = {
  SELECT_NODE: [
    ...['select_list', 'from_table', 'where_clause', 'group_expressions', 'group_sets'],
    ...['aggregate_handling', 'having', 'sample', 'qualify'],
  ],
  SET_OPERATION_NODE: ['setop_type', 'setop_all', 'left', 'right'],
  RECURSIVE_CTE_NODE: ['cte_name', 'union_all', 'left', 'right', 'aliases', 'key_targets'],
};

function checkQuery(value: Json | undefined, outer: Walk): void {
  const query = node(value, 'query');
  const type = text(query.type, 'query type');
  const fields = own(QUERY_FIELDS, type);
  if (!fields) throw unrecognised(`query ${type}`);
  onlyKeys(query, type, ['type', 'modifiers', 'cte_map', ...fields]);
  // The query's own CTEs are visible in its body, its modifiers and every subquery under them, never outside.
  const walk = withCtes(query.cte_map, deeper(outer));
  for (const modifier of list(query.modifiers, 'modifiers')) checkModifier(node(modifier, 'modifier'), walk);
  if (type === 'SELECT_NODE') {
    checkSelect(query, walk);
  } else if (type === 'RECURSIVE_CTE_NODE') {
    refuseUsingKey(query.key_targets);
    // Only the recursive part reads the CTE being defined; its anchor resolves the name like any other.
    checkQuery(query.left, walk);
    const self: CteScope = {
      names: new Set([asciiLower(text(query.cte_name, 'cte_name'))]),
      parent: walk.scope,
    };
    checkQuery(query.right, { ...walk, scope: self });
  } else {
    checkQuery(query.left, walk);
    checkQuery(query.right, walk);
  }
}

/**
 * A WITH clause, as DuckDB binds it (checked against DuckDB 1.5.6): each CTE's body sees the CTEs before it,
 * never itself nor those after (even under WITH RECURSIVE; a recursive body is a RECURSIVE_CTE_NODE).
 */
function withCtes(value: Json | undefined, walk: Walk): Walk {
  if (value === null || value === undefined) return walk;
  const map = node(value, 'cte_map');
  onlyKeys(map, 'cte_map', ['map']);
  let scope = walk.scope;
  for (const item of list(map.map, 'cte_map.map')) {
    const entry = node(item, 'cte_map.map');
    onlyKeys(entry, 'cte_map.map', ['key', 'value']);
    const cte = node(entry.value, 'CTE');
    onlyKeys(cte, 'CTE', ['aliases', 'query', 'materialized', 'key_targets']);
    refuseUsingKey(cte.key_targets);
    checkStatement(cte.query, { ...walk, scope });
    scope = { names: new Set([asciiLower(text(entry.key, 'CTE name'))]), parent: scope };
  }
  return { ...walk, scope };
}

function refuseUsingKey(keys: Json | undefined): void {
  if (list(keys, 'key_targets').length > 0)
    throw new QueryRejected('WITH RECURSIVE ... USING KEY is not supported in Athena queries.');
}

function checkSelect(select: JsonNode, walk: Walk): void {
  for (const item of list(select.select_list, 'select_list')) checkExpression(item, walk);
  checkTable(select.from_table, walk);
  for (const key of ['where_clause', 'having', 'qualify']) checkExpression(select[key], walk);
  for (const item of list(select.group_expressions, 'group_expressions')) checkExpression(item, walk);
  for (const set of list(select.group_sets, 'group_sets'))
    for (const index of list(set, 'group_sets'))
      if (typeof index !== 'number') throw unrecognised('group_sets');
  text(select.aggregate_handling, 'aggregate_handling');
  checkSample(select.sample);
}

function checkModifier(modifier: JsonNode, walk: Walk): void {
  const type = text(modifier.type, 'modifier type');
  if (type === 'ORDER_MODIFIER') {
    checkOrderModifier(modifier, walk);
  } else if (type === 'DISTINCT_MODIFIER') {
    onlyKeys(modifier, type, ['type', 'distinct_on_targets']);
    for (const item of list(modifier.distinct_on_targets, type)) checkExpression(item, walk);
  } else if (type === 'LIMIT_MODIFIER' || type === 'LIMIT_PERCENT_MODIFIER') {
    onlyKeys(modifier, type, ['type', 'limit', 'offset']);
    checkExpression(modifier.limit, walk);
    checkExpression(modifier.offset, walk);
  } else {
    throw unrecognised(`modifier ${type}`);
  }
}

/** USING SAMPLE / TABLESAMPLE: a size, a method and a seed, all constants local to this query. */
function checkSample(value: Json | undefined): void {
  if (value === null || value === undefined) return;
  onlyKeys(node(value, 'sample'), 'sample', ['sample_size', 'is_percentage', 'method', 'seed']);
}

type TableCheck = (ref: JsonNode, walk: Walk) => void;

const refuse =
  (message: string): TableCheck =>
  () => {
    throw new QueryRejected(message);
  };

/** Each kind of FROM item: the fields it may carry (beyond type, alias, sample, location) and its check. */
const TABLES: Record<string, { keys: readonly string[]; check: TableCheck } | undefined> = {
  BASE_TABLE: {
    keys: ['schema_name', 'table_name', 'catalog_name', 'column_name_alias', 'at_clause'],
    check: checkBaseTable,
  },
  JOIN: {
    keys: [
      ...['left', 'right', 'condition', 'join_type', 'ref_type', 'using_columns'],
      ...['delim_flipped', 'duplicate_eliminated_columns'],
    ],
    check: (ref, walk) => {
      empty(ref.delim_flipped, 'JOIN.delim_flipped');
      empty(ref.duplicate_eliminated_columns, 'JOIN.duplicate_eliminated_columns');
      checkTable(ref.left, walk);
      checkTable(ref.right, walk);
      checkExpression(ref.condition, walk);
    },
  },
  SUBQUERY: {
    keys: ['subquery', 'column_name_alias'],
    check: (ref, walk) => checkStatement(ref.subquery, walk),
  },
  TABLE_FUNCTION: { keys: ['function', 'column_name_alias', 'with_ordinality'], check: checkTableFunction },
  EMPTY: { keys: [], check: () => undefined },
  EXPRESSION_LIST: {
    keys: ['expected_names', 'expected_types', 'values'],
    check: (ref, walk) => {
      for (const type of list(ref.expected_types, 'VALUES types')) checkType(type);
      for (const row of list(ref.values, 'VALUES'))
        for (const item of list(row, 'VALUES row')) checkExpression(item, walk);
    },
  },
  SHOW_REF: {
    keys: ['table_name', 'query', 'show_type', 'catalog_name', 'schema_name'],
    check: (ref) => {
      const show = text(ref.show_type, 'show_type');
      const statement = show === 'DESCRIBE' ? 'DESCRIBE' : show === 'SUMMARY' ? 'SUMMARIZE' : 'SHOW';
      throw new QueryRejected(
        `${statement} is not supported in queries: read databases, tables and columns from the Glue Data Catalog.`,
      );
    },
  },
  PIVOT: {
    keys: ['source', 'aggregates', 'unpivot_names', 'pivots', 'groups', 'column_name_alias', 'include_nulls'],
    check: refuse('PIVOT and UNPIVOT are not supported in Athena queries.'),
  },
};

function checkTable(value: Json | undefined, outer: Walk): void {
  if (value === null || value === undefined) return;
  const ref = node(value, 'table');
  const type = text(ref.type, 'table type');
  const spec = own(TABLES, type);
  if (!spec) throw unrecognised(`table ${type}`);
  onlyKeys(ref, type, ['type', 'alias', 'sample', 'query_location', ...spec.keys]);
  checkSample(ref.sample);
  spec.check(ref, deeper(outer));
}

function checkTableFunction(ref: JsonNode, walk: Walk): void {
  const call = node(ref.function, 'TABLE_FUNCTION.function');
  if (call.class !== 'FUNCTION') throw unrecognised('TABLE_FUNCTION.function');
  const name = text(call.function_name, 'TABLE_FUNCTION.function_name');
  if (!ALLOWED_TABLE_FUNCTIONS.has(asciiLower(name)))
    throw new QueryRejected(`Function ${name} is not allowed: queries read catalog tables only.`);
  checkCallName(call, 'TABLE_FUNCTION');
  checkExpression(call, { ...walk, keywordsAnywhere: true });
}

/**
 * A table read by name. A CTE in scope is the query's own; any other name must be a catalog table, since the
 * engine then views exactly that table under that name, in front of DuckDB's built-in views and files.
 */
function checkBaseTable(ref: JsonNode, walk: Walk): void {
  const table = text(ref.table_name, 'table_name');
  if (ref.at_clause !== null && ref.at_clause !== undefined)
    throw new QueryRejected(
      'AT (VERSION => ...) and AT (TIMESTAMP => ...) are not supported in Athena queries.',
    );
  if (isStringLiteral(ref.query_location, walk.analysis.sql))
    throw new QueryRejected(
      `A string is not a table: FROM '${table}' would read a file. Name a catalog table.`,
    );
  const catalog = text(ref.catalog_name, 'catalog_name');
  const schema = text(ref.schema_name, 'schema_name');
  if (catalog !== '' && asciiLower(catalog) !== 'awsdatacatalog')
    throw new QueryRejected(`Catalog ${catalog} does not exist.`);
  if (catalog === '' && schema === '' && inScope(walk.scope, asciiLower(table))) return;
  const database = schema || walk.analysis.database || '';
  if (database === '')
    throw new QueryRejected(
      `Table ${table} is not qualified with a database and the query has no database context.`,
    );
  if (RESERVED_SCHEMAS.has(asciiLower(database)) || RESERVED_SCHEMAS.has(database.toLowerCase()))
    throw new QueryRejected(`Table ${database}.${table} is not a catalog table.`);
  const reference = { database: database.toLowerCase(), table: table.toLowerCase() };
  walk.analysis.tables.set(JSON.stringify(reference), reference);
}

/**
 * The tree writes `FROM 'x.csv'` and `FROM "x.csv"` alike; only the SQL at the name's byte offset shows a
 * string ('...', E'...', $$...$$). A name with no offset in the SQL is not trusted either.
 */
function isStringLiteral(location: Json | undefined, sql: Buffer): boolean {
  if (typeof location !== 'number' || !Number.isInteger(location) || location < 0 || location >= sql.length)
    throw unrecognised('a table name without its position in the query');
  return /^(['$]|[eE]')/.test(sql.subarray(location, location + 2).toString('latin1'));
}
