import {
  asciiLower,
  isNode,
  type Json,
  type JsonNode,
  list,
  own,
  QueryRejected,
  text,
  unrecognised,
} from '../sandbox-tree.js';
import { checkTableReference, nameColumns, writtenName, zippedUnnest } from './query-shape.js';
import { type Call, KEEP, type Rule, type Translation } from './rules.js';
import { castRule, OPERATOR_RULES, PARSER_RULES, refuseSyntax } from './syntax-rules.js';
import type { Templates } from './templates.js';
import { templateAggregates } from './trino-aggregates.js';
import { TRINO_FUNCTIONS } from './trino-functions.js';
import { withinTry } from './trino-try.js';
import { TemplateBuilder } from './zones.js';

/** What the result's columns need after the query ran: Athena's names and types where DuckDB's differ. */
export interface ColumnNotes {
  /** Output columns whose name starts with this are unnamed: Athena calls them `_col<position>`. */
  readonly unnamedPrefix: string;
  /** Athena's type for columns by their output name (a timestamp with a zone printed as text here). */
  readonly types: ReadonlyMap<string, string>;
}

export const UNNAMED_PREFIX = '__seawall_unnamed_';

/** One translation: the original SQL (to tell calls written by the user from those the parser wrote). */
export interface TranslateContext {
  readonly sql: Buffer;
  readonly templates: Templates;
  /** The trees of the values for `?` placeholders, in order. */
  readonly parameters: readonly JsonNode[];
  /** Expressions whose value is a wall-clock time in a known zone (Trino's timestamp with time zone). */
  readonly zoned: Map<JsonNode, JsonNode>;
  readonly types: Map<string, string>;
  /** Which of the parameters the query used. */
  readonly used: Set<number>;
  /** The calls of FROM UNNEST(...), kept as they are. */
  readonly tableCalls: Set<JsonNode>;
}

/**
 * Rewrites DuckDB's syntax tree of a query written in Trino's SQL into the tree of the DuckDB query that gives
 * Trino's answer. Children first, then the node: a rule sees its arguments as written and gets them
 * translated. Every function call must be one of Athena's (a rule in TRINO_FUNCTIONS) or one the parser
 * itself wrote for a piece of syntax (PARSER_RULES); anything else is refused, never passed through.
 */
export async function translateStatement(
  statement: JsonNode,
  context: TranslateContext,
): Promise<{ tree: JsonNode; notes: ColumnNotes }> {
  const tree = (await visit(statement, context)) as JsonNode;
  return { tree, notes: { unnamedPrefix: UNNAMED_PREFIX, types: context.types } };
}

const COMPARISONS: Readonly<Record<string, string>> = {
  COMPARE_EQUAL: '=',
  COMPARE_NOTEQUAL: '<>',
  COMPARE_LESSTHAN: '<',
  COMPARE_GREATERTHAN: '>',
  COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHANOREQUALTO: '>=',
  COMPARE_DISTINCT_FROM: 'IS DISTINCT FROM',
  COMPARE_NOT_DISTINCT_FROM: 'IS NOT DISTINCT FROM',
};

/**
 * A comparison with a zoned time compares instants, as Trino compares timestamps with time zone (a plain
 * timestamp on the other side is read in the session zone, UTC).
 */
async function compareZoned(
  original: JsonNode,
  translated: JsonNode,
  context: TranslateContext,
): Promise<JsonNode> {
  const sides = [translated.left as JsonNode, translated.right as JsonNode];
  const zones = sides.map((side) => context.zoned.get(side));
  const operator = own(COMPARISONS, text(original.type, 'COMPARISON.type'));
  if (!operator || (!zones[0] && !zones[1])) return translated;
  const call: Call = {
    name: operator,
    args: [original.left as JsonNode, original.right as JsonNode],
    translated: sides,
    distinct: false,
    ordered: false,
    zoneOf: (index) => zones[index],
  };
  const b = new TemplateBuilder(call);
  const { sql, extra = [] } = b.done(`${b.instantOfArgument(0)} ${operator} ${b.instantOfArgument(1)}`) as {
    sql: string;
    extra?: JsonNode[];
  };
  const node = await context.templates.expand(sql, [...sides, ...extra]);
  node.alias = original.alias ?? '';
  return node;
}

/** One expression (a parameter's value), translated as it would be in a query. */
export async function translateExpression(
  expression: JsonNode,
  context: TranslateContext,
): Promise<JsonNode> {
  return (await visit(expression, context)) as JsonNode;
}

async function visit(value: Json, context: TranslateContext): Promise<Json> {
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const item of value) out.push(await visit(item, context));
    return out;
  }
  if (!isNode(value)) return value;
  checkTableReference(value, context);
  const out: JsonNode = {};
  for (const [key, item] of Object.entries(value)) out[key] = await visit(item, context);
  if (typeof value.class === 'string') return rewrite(value, out, context);
  if (value.type === 'TABLE_FUNCTION') return zippedUnnest(out, context);
  if (value.type === 'SELECT_NODE') {
    if (value.sample !== null && value.sample !== undefined)
      throw new QueryRejected(
        "USING SAMPLE is not part of Athena's SQL: write TABLESAMPLE BERNOULLI (p) after a table.",
      );
    if (value.qualify !== null && value.qualify !== undefined)
      throw new QueryRejected(
        "QUALIFY is not part of Athena's SQL: filter on the window function in an outer query.",
      );
    await nameColumns(out, context);
  }
  return out;
}

async function rewrite(
  original: JsonNode,
  translated: JsonNode,
  context: TranslateContext,
): Promise<JsonNode> {
  switch (original.class) {
    case 'FUNCTION':
      return rewriteFunction(original, translated, context);
    case 'WINDOW':
      return rewriteWindow(original, translated, context);
    case 'CAST':
      return apply(
        castRule(original, context.sql),
        original,
        translated,
        [translated.child as JsonNode],
        context,
        false,
      );
    case 'OPERATOR': {
      const rule = own(OPERATOR_RULES, text(original.type, 'OPERATOR.type'));
      if (!rule) throw unrecognised(`operator ${String(original.type)}`);
      return apply(
        rule,
        original,
        original.type === 'OPERATOR_TRY' ? (withinTry(translated) as JsonNode) : translated,
        list(translated.children, 'children') as JsonNode[],
        context,
        false,
      );
    }
    case 'PARAMETER': {
      const index = Number(original.identifier) - 1;
      const value = context.parameters[index];
      if (!value)
        throw new QueryRejected(
          context.parameters.length === 0
            ? 'The query has parameters (?) but no values were given for them: run it with EXECUTE ... USING or ExecutionParameters.'
            : `The query has more parameters than the ${context.parameters.length} values given.`,
        );
      context.used.add(index);
      if (!original.alias) return value;
      const named = { ...value, alias: original.alias };
      const zone = context.zoned.get(value);
      if (zone) context.zoned.set(named, zone);
      return named;
    }
    case 'COMPARISON':
      return compareZoned(original, translated, context);
    case 'CONSTANT': {
      // DuckDB writes a double constant back as `7.0`, which it would read as a decimal: the type is kept.
      const type = (original.value as JsonNode | null)?.type as JsonNode | undefined;
      if (type?.id !== 'DOUBLE' && type?.id !== 'FLOAT') return translated;
      const node = await context.templates.expand(`CAST($1 AS ${type.id})`, [{ ...translated, alias: '' }]);
      node.alias = original.alias ?? '';
      return node;
    }
    default:
      refuseSyntax(original, context.sql);
      return translated;
  }
}

/** The arguments of a node as written: a call's children, a cast's child, an operator's operands. */
function argumentsOf(original: JsonNode): JsonNode[] {
  if (original.class === 'CAST') return [original.child as JsonNode];
  return list(original.children, 'children') as JsonNode[];
}

function callOf(
  original: JsonNode,
  name: string,
  translatedArgs: readonly JsonNode[],
  context: TranslateContext,
): Call {
  const order = original.order_bys;
  return {
    zoneOf: (index) => {
      const arg = translatedArgs[index];
      return arg ? context.zoned.get(arg) : undefined;
    },
    name,
    args: argumentsOf(original),
    translated: translatedArgs,
    distinct: original.distinct === true,
    ordered:
      (isNode(order) && list(order.orders, 'orders').length > 0) ||
      (original.filter !== null && original.filter !== undefined),
  };
}

async function rewriteFunction(
  original: JsonNode,
  translated: JsonNode,
  context: TranslateContext,
): Promise<JsonNode> {
  const name = text(original.function_name, 'function_name');
  if (context.tableCalls.has(original)) return translated;
  const args = list(translated.children, 'children') as JsonNode[];
  return apply(functionRule(original, name, context), original, translated, args, context, true, name);
}

/** The rule of a call: an operator's, Athena's function's, or the one for what the parser wrote for syntax. */
function functionRule(original: JsonNode, name: string, context: TranslateContext): Rule {
  if (original.is_operator === true) {
    const rule = own(OPERATOR_RULES, name);
    if (!rule) throw new QueryRejected(`The operator ${name} is not part of Athena's SQL.`);
    return rule;
  }
  const lower = asciiLower(name);
  const byUser = writtenName(context.sql, original.query_location) === lower;
  const schema = text(original.schema, 'schema');
  // DuckDB's parser writes `main.` before the names of functions with their own syntax (TRIM, SUBSTRING,
  // POSITION) even when the user wrote no schema: the name written at the call's position tells them apart.
  const qualified =
    (schema !== '' && !(byUser && schema === 'main')) || text(original.catalog, 'catalog') !== '';
  let rule: Rule | undefined;
  if (byUser) rule = qualified ? undefined : own(TRINO_FUNCTIONS, lower);
  else if (schema === 'main' || !qualified) rule = own(PARSER_RULES, lower);
  if (rule) return rule;
  if (byUser || qualified) {
    const written = [text(original.catalog, 'catalog'), schema, name].filter((part) => part !== '');
    throw new QueryRejected(`FUNCTION_NOT_FOUND: Function '${written.join('.')}' not registered`);
  }
  throw unrecognised(`the parser's ${name}`);
}

/**
 * Window functions keep their frame; a rule may rename them (approx_distinct to its DuckDB name), or be a
 * template whose aggregates (TEMPLATE_AGGREGATES) each become a window call over the same window.
 */
async function rewriteWindow(
  original: JsonNode,
  translated: JsonNode,
  context: TranslateContext,
): Promise<JsonNode> {
  const name = text(original.function_name, 'function_name');
  const rule = own(TRINO_FUNCTIONS, asciiLower(name)) ?? own(WINDOW_ONLY, asciiLower(name));
  if (!rule) throw new QueryRejected(`FUNCTION_NOT_FOUND: Function '${name}' not registered`);
  const args = list(translated.children, 'children') as JsonNode[];
  const translation = rule(callOf(original, name, args, context));
  if (translation === KEEP) return translated;
  const sql = typeof translation === 'string' ? translation : translation.sql;
  const match = /^([a-z_]+)\((?:\$1(?:, \$2)?(?:, \$3)?)?\)$/.exec(sql);
  if (match && typeof translation === 'string') return { ...translated, function_name: match[1] as string };
  if (translated.type !== 'WINDOW_AGGREGATE' || typeof translation !== 'string')
    throw new QueryRejected(`${name} is not supported as a window function here.`);
  const node = await context.templates.expand(sql, args);
  const windows = templateAggregates(node, args);
  if (windows.length === 0) throw new QueryRejected(`${name} is not supported as a window function here.`);
  for (const call of windows) {
    const window = { ...translated, function_name: call.function_name ?? '', children: call.children ?? [] };
    for (const key of Object.keys(call)) delete call[key];
    Object.assign(call, window, { alias: '' });
  }
  node.alias = original.alias ?? '';
  return node;
}

const WINDOW_ONLY: Readonly<Record<string, Rule>> = Object.fromEntries(
  'row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value'
    .split(' ')
    .map((n) => [n, () => KEEP]),
);

/**
 * Applies a rule: KEEP leaves the translated node; a template replaces it, its `$k` bound to the translated
 * arguments then the rule's extras. The new node keeps the original's alias; an aggregate's DISTINCT, ORDER BY
 * and FILTER move onto the template's call.
 */
async function apply(
  rule: Rule,
  original: JsonNode,
  translated: JsonNode,
  args: readonly JsonNode[],
  context: TranslateContext,
  isCall: boolean,
  name = String(original.function_name ?? original.type ?? original.class),
): Promise<JsonNode> {
  const call = callOf(original, name, args, context);
  const translation: Translation = rule(call);
  if (translation === KEEP) return translated;
  const { sql, extra = [], zone } = typeof translation === 'string' ? { sql: translation } : translation;
  const bound = [...args, ...extra];
  const node = await context.templates.expand(sql, bound);
  if (isCall && (call.distinct || call.ordered)) {
    const inner = templateAggregates(node, bound);
    const targets =
      inner.length === 0 && node.class === 'FUNCTION' && node.is_operator !== true ? [node] : inner;
    if (targets.length === 0)
      throw new QueryRejected(`DISTINCT, ORDER BY or FILTER cannot be used with ${name} here.`);
    for (const target of targets) {
      target.distinct = translated.distinct ?? false;
      target.order_bys = translated.order_bys ?? null;
      target.filter = translated.filter ?? null;
    }
  }
  node.alias = original.alias ?? '';
  const zoneTree = zone === undefined ? undefined : bound[zone - 1];
  if (zoneTree) context.zoned.set(node, zoneTree);
  return node;
}
