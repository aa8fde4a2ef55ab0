import { preParse } from './dialect/pre-parse.js';
import { parseTree, stringifyTree, Templates } from './dialect/templates.js';
import { type ColumnNotes, translateExpression, translateStatement } from './dialect/translate.js';
import { analyzeQuery, QueryRejected, type TableReference } from './sandbox.js';
import { isNode, type Json, type JsonNode, list, node, unrecognised } from './sandbox-tree.js';

/** DuckDB's parser, wherever it runs: SQL to its JSON syntax tree and back. */
export interface SqlParser {
  /** The JSON text of `json_serialize_sql` for the SQL. */
  serialize(sql: string): Promise<string>;
  /** The SQL text of `json_deserialize_sql` for a JSON syntax tree. */
  deserialize(json: string): Promise<string>;
  /** Both at once: the SQL DuckDB writes for a tree, and that SQL's own tree (one request instead of two). */
  rewrite?(json: string): Promise<{ sql: string; tree: string }>;
}

/** A SELECT written in Athena's SQL, ready to run on a sandboxed engine. */
export interface PreparedSelect {
  /** The DuckDB SQL that runs: what the sandbox checked. */
  sql: string;
  /** The catalog tables it reads. */
  tables: TableReference[];
  /** How the result's columns are named and typed as Athena's. */
  columns: ColumnNotes;
}

export interface PrepareOptions {
  /**
   * Values for the query's `?` placeholders, in order, each an SQL literal as written (`'a'`, `42`,
   * `DATE '2024-01-01'`): EXECUTE ... USING and StartQueryExecution's ExecutionParameters.
   */
  parameters?: string[];
}

/**
 * A translation shares the trees of arguments a template uses several times (`CASE WHEN $2 = 0 … $1 / $2`), so
 * nested calls make a small tree that would be written out exponentially large: it is measured first.
 */
const MAX_TRANSLATED_NODES = 200_000;

function expandedSize(root: Json): number {
  const sizes = new Map<object, number>();
  const size = (value: Json): number => {
    if (value === null || typeof value !== 'object') return 1;
    const known = sizes.get(value);
    if (known !== undefined) return known;
    let total = 1;
    for (const item of Array.isArray(value) ? value : Object.values(value)) {
      total += size(item);
      if (total > MAX_TRANSLATED_NODES) break;
    }
    sizes.set(value, total);
    return total;
  };
  return size(root);
}

/** Parsed templates, per parser (one per process in practice). */
const TEMPLATES = new WeakMap<SqlParser, Templates>();

/**
 * Prepared queries, per parser: the preparation depends on nothing but the text, the database and the
 * parameters (the catalog is read later), and dashboards send the same queries again and again.
 */
const PREPARED = new WeakMap<SqlParser, PreparedCache>();
const MAX_PREPARED = 512;
/** The cache's bound in bytes of text (a query may be 256 KB and its translation larger still). */
const MAX_PREPARED_BYTES = 32 * 2 ** 20;

interface PreparedCache {
  entries: Map<string, { prepared: PreparedSelect; bytes: number }>;
  bytes: number;
}

/** How many preparations the parser's cache holds, and their bytes of text (for tests). */
export function preparedCacheSize(parser: SqlParser): { entries: number; bytes: number } {
  const cache = PREPARED.get(parser);
  return { entries: cache?.entries.size ?? 0, bytes: cache?.bytes ?? 0 };
}

/** Keeps a preparation, dropping the oldest ones past either bound; one too large for it is not kept. */
function remember(cache: PreparedCache, key: string, prepared: PreparedSelect): void {
  const bytes = 2 * (key.length + prepared.sql.length);
  if (bytes > MAX_PREPARED_BYTES / 8) return;
  while (cache.entries.size >= MAX_PREPARED || cache.bytes + bytes > MAX_PREPARED_BYTES) {
    const [oldest, entry] = cache.entries.entries().next().value as [string, { bytes: number }];
    cache.entries.delete(oldest);
    cache.bytes -= entry.bytes;
  }
  cache.entries.set(key, { prepared, bytes });
  cache.bytes += bytes;
}

function templatesOf(parser: SqlParser): Templates {
  let templates = TEMPLATES.get(parser);
  if (!templates) {
    templates = new Templates((sql) => parser.serialize(sql));
    TEMPLATES.set(parser, templates);
  }
  return templates;
}

async function parse(parser: SqlParser, sql: string): Promise<JsonNode> {
  let root: Json;
  try {
    root = parseTree(await parser.serialize(sql));
  } catch {
    throw unrecognised('a serialised query that is not JSON');
  }
  return node(root, 'serialised query');
}

/**
 * Each parameter value must be one literal (or a simple expression of literals): no query, no column. It is
 * translated like the query itself (`1e0` is a double, `TIMESTAMP '… UTC'` a zoned time).
 */
async function parameterTrees(
  parser: SqlParser,
  values: readonly string[],
  zoned: Map<JsonNode, JsonNode>,
): Promise<JsonNode[]> {
  const trees: JsonNode[] = [];
  for (const value of values) {
    const text = preParse(`SELECT ${value}`);
    const root = await parse(parser, text);
    const statements = root.error === true ? [] : list(root.statements, 'statements');
    const statement = statements.length === 1 && isNode(statements[0]) ? statements[0] : undefined;
    const query = statement && isNode(statement.node) ? statement.node : undefined;
    const items = query ? list(query.select_list, 'select_list') : [];
    const only = items.length === 1 && isNode(items[0]) ? items[0] : undefined;
    const plain =
      query?.type === 'SELECT_NODE' &&
      (query.from_table as JsonNode | null)?.type === 'EMPTY' &&
      list(query.modifiers, 'modifiers').length === 0;
    if (!only || !plain || !isLiteral(only))
      throw new QueryRejected(`The parameter value ${value.slice(0, 100)} is not a literal value.`);
    trees.push(await translateExpression(only, freshContext(parser, text, [], zoned)));
  }
  return trees;
}

function freshContext(
  parser: SqlParser,
  sql: string,
  parameters: readonly JsonNode[],
  zoned = new Map<JsonNode, JsonNode>(),
) {
  return {
    sql: Buffer.from(sql, 'utf8'),
    templates: templatesOf(parser),
    parameters,
    zoned,
    types: new Map(),
    used: new Set<number>(),
    tableCalls: new Set<JsonNode>(),
  };
}

function isLiteral(expression: JsonNode): boolean {
  if (expression.class === 'CONSTANT') return true;
  if (expression.class === 'CAST') return isLiteral(node(expression.child, 'CAST.child'));
  if (expression.class === 'FUNCTION' && ['-', '+'].includes(String(expression.function_name)))
    return list(expression.children, 'children').every((child) => isNode(child) && isLiteral(child));
  return false;
}

/**
 * Turns one read-only query in Athena's (Trino's) SQL into the DuckDB SQL that gives Athena's answer, and
 * checks what will run with the sandbox: Trino syntax DuckDB's parser does not read is rewritten on tokens
 * (dialect/pre-parse.ts), the query is parsed by DuckDB's parser, its syntax tree translated
 * (dialect/translate.ts), written back as SQL by DuckDB, and that SQL is what the sandbox analyses and the
 * engine runs. Throws QueryRejected with the reason for anything refused.
 */
export async function prepareSelect(
  parser: SqlParser,
  written: string,
  database: string | undefined,
  options: PrepareOptions = {},
): Promise<PreparedSelect> {
  let cache = PREPARED.get(parser);
  if (!cache) {
    cache = { entries: new Map(), bytes: 0 };
    PREPARED.set(parser, cache);
  }
  const key = JSON.stringify([written, database ?? null, options.parameters ?? []]);
  const known = cache.entries.get(key);
  if (known) return known.prepared;
  const prepared = await prepareAfresh(parser, written, database, options);
  if (!cache.entries.has(key)) remember(cache, key, prepared);
  return prepared;
}

async function prepareAfresh(
  parser: SqlParser,
  written: string,
  database: string | undefined,
  options: PrepareOptions,
): Promise<PreparedSelect> {
  const sql = preParse(written);
  const root = await parse(parser, sql);
  // A parse error, or several statements: the sandbox gives the reason.
  if (root.error === true || list(root.statements, 'statements').length !== 1) {
    await analyzeQuery((text) => parser.serialize(text), sql, database);
    throw unrecognised('a query the sandbox did not refuse');
  }
  const zoned = new Map<JsonNode, JsonNode>();
  const parameters = await parameterTrees(parser, options.parameters ?? [], zoned);
  const [statement] = list(root.statements, 'statements');
  const context = freshContext(parser, sql, parameters, zoned);
  const { tree, notes } = await translateStatement(node(statement, 'statement'), context);
  if (context.used.size < parameters.length)
    throw new QueryRejected(
      `The query has ${context.used.size} parameters but ${parameters.length} values were given.`,
    );
  if (expandedSize(tree) > MAX_TRANSLATED_NODES)
    throw new QueryRejected(
      'The query is too large once written for the engine (its expressions nest too deeply): simplify it.',
    );
  const json = stringifyTree({ error: false, statements: [tree] });
  const emitted = parser.rewrite
    ? await parser.rewrite(json)
    : await parser
        .deserialize(json)
        .then(async (text) => ({ sql: text, tree: await parser.serialize(text) }));
  if (emitted.sql === '') throw unrecognised('a translated query DuckDB cannot write');
  // The sandbox analyses the tree of exactly the SQL that will run.
  const tables = await analyzeQuery(
    async (text) => (text === emitted.sql ? emitted.tree : parser.serialize(text)),
    emitted.sql,
    database,
  );
  return { sql: emitted.sql, tables, columns: notes };
}
