/*
 * Views as Athena keeps them in the Glue Data Catalog, and how a query that reads one runs. Athena stores a
 * view as a table of type VIRTUAL_VIEW whose ViewOriginalText is Trino's "Presto View" encoding: the base64
 * of a JSON document holding the view's SQL (as written, in Athena's dialect), its catalog and schema and
 * its columns with Trino types. Other engines reading the same catalog (Trino, EMR) read views from it.
 */
import { type CatalogService, type CatalogTable, parseDuckDbType, type TypeTree } from '../catalog/index.js';
import type { EngineView } from './engine-pool.js';
import type { PreparedSelect, PrepareOptions, prepareSelect, SqlParser } from './prepare.js';
import { QueryRejected, type TableReference } from './sandbox.js';

const VIEW_PREFIX = '/* Presto View: ';
const VIEW_SUFFIX = ' */';
/** What Athena (and Trino) keep as a view's ViewExpandedText: the SQL is in ViewOriginalText. */
export const VIEW_EXPANDED_TEXT = '/* Presto View */';
/** Views within views, at most: deeper nesting (or a cycle) is refused. */
export const MAX_VIEW_DEPTH = 10;

/** The JSON inside ViewOriginalText (Trino's ConnectorViewDefinition). */
export interface ViewDefinition {
  originalSql: string;
  catalog: string;
  schema: string;
  columns: { name: string; type: string }[];
  comment?: string;
  owner?: string;
  runAsInvoker: boolean;
}

export function isView(table: CatalogTable): boolean {
  return table.definition.TableType === 'VIRTUAL_VIEW';
}

export function encodeView(definition: ViewDefinition): string {
  return `${VIEW_PREFIX}${Buffer.from(JSON.stringify(definition), 'utf8').toString('base64')}${VIEW_SUFFIX}`;
}

/** The definition of a catalog view; a view of another engine (Hive, Spark) is refused, not guessed at. */
export function decodeView(table: CatalogTable): ViewDefinition {
  const text = table.definition.ViewOriginalText ?? '';
  const name = `awsdatacatalog.${table.database}.${table.definition.Name}`;
  const invalid = () =>
    new QueryRejected(
      `HIVE_INVALID_VIEW_DATA: View '${name}' is not an Athena (Presto) view; views of other engines are not supported.`,
    );
  if (!text.startsWith(VIEW_PREFIX) || !text.endsWith(VIEW_SUFFIX)) throw invalid();
  try {
    const json = Buffer.from(text.slice(VIEW_PREFIX.length, -VIEW_SUFFIX.length), 'base64').toString('utf8');
    const parsed = JSON.parse(json) as Partial<ViewDefinition>;
    if (typeof parsed.originalSql !== 'string' || !Array.isArray(parsed.columns)) throw invalid();
    return {
      originalSql: parsed.originalSql,
      catalog: String(parsed.catalog ?? 'awsdatacatalog'),
      schema: String(parsed.schema ?? table.database),
      columns: parsed.columns,
      runAsInvoker: parsed.runAsInvoker === true,
      ...(typeof parsed.comment === 'string' ? { comment: parsed.comment } : {}),
      ...(typeof parsed.owner === 'string' ? { owner: parsed.owner } : {}),
    };
  } catch (error) {
    if (error instanceof QueryRejected) throw error;
    throw invalid();
  }
}

/**
 * Prepared SQL as the body of an engine statement Seawall writes around it (a view, COPY, DESCRIBE): the
 * sandbox checked it as exactly one statement, so only a trailing `;` can stand between it and a closing
 * parenthesis (a trailing `--` comment is ended by the newline the caller puts after it).
 */
export function statementBody(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/** A SELECT ready to run, with the catalog views it reads expanded. */
export interface ExpandedSelect extends PreparedSelect {
  /** The tables (not views) the engine reads, directly or through views. */
  tables: TableReference[];
  /** The views the engine defines over them, each after the views it reads. */
  views: EngineView[];
  /** Every catalog table and view the query reads: what the caller must be allowed to read. */
  reads: TableReference[];
}

export interface ViewDeps {
  catalog: CatalogService;
  parser: SqlParser;
  prepareSelect: typeof prepareSelect;
  /** Throws unless the caller may look the table up (glue:GetTable): checked before its definition is read. */
  mayLookUp: (ref: TableReference) => Promise<void>;
}

/**
 * Prepares a SELECT (prepareSelect: translated and sandboxed) and expands the catalog views it reads: each
 * view's SQL is prepared in turn in the database it was created in, and the tables it reads join the
 * query's, so the caller's access to every table underneath is checked, as Athena checks the invoker's.
 * A view that reads itself, directly or not, or views nested more than MAX_VIEW_DEPTH deep, are refused.
 */
export async function prepareWithViews(
  deps: ViewDeps,
  sql: string,
  database: string | undefined,
  options: PrepareOptions = {},
): Promise<ExpandedSelect> {
  const prepared = await deps.prepareSelect(deps.parser, sql, database, options);
  const tables = new Map<string, TableReference>();
  const reads = new Map<string, TableReference>();
  const views: EngineView[] = [];
  const defined = new Set<string>();

  async function visit(refs: readonly TableReference[], path: readonly string[]): Promise<void> {
    for (const ref of refs) {
      const key = `${ref.database}.${ref.table}`;
      reads.set(key, ref);
      if (defined.has(key) || tables.has(key)) continue;
      if (path.includes(key))
        throw new QueryRejected(
          `View 'awsdatacatalog.${key}' refers to itself (through ${path.join(' → ')}).`,
        );
      await deps.mayLookUp(ref);
      // A table that does not exist is reported when the engine plans it, as for any query.
      const table = await deps.catalog.getTable(ref.database, ref.table).catch(() => undefined);
      if (!table || !isView(table)) {
        tables.set(key, ref);
        continue;
      }
      if (path.length >= MAX_VIEW_DEPTH)
        throw new QueryRejected(
          `View 'awsdatacatalog.${key}' is nested more than ${MAX_VIEW_DEPTH} views deep.`,
        );
      // The view's names resolve as when it was created: in the database it records (Trino's "schema").
      const definition = decodeView(table);
      const context = definition.schema.toLowerCase();
      const inner = await deps.prepareSelect(deps.parser, definition.originalSql, context);
      await visit(inner.tables, [...path, key]);
      defined.add(key);
      views.push({
        database: ref.database,
        name: ref.table,
        context,
        sql: statementBody(inner.sql),
        columns: definition.columns,
      });
    }
  }

  await visit(prepared.tables, []);
  return { ...prepared, tables: [...tables.values()], views, reads: [...reads.values()] };
}

/** A Trino type as compared: lower case, no spaces, varchar's length and timestamp's precision dropped. */
function comparable(type: string): string {
  const text = type
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/^varchar\(\d+\)$/, 'varchar')
    .replace(/^timestamp\(\d+\)/, 'timestamp');
  // Definitions written by other tools (Terraform, CDK) often carry Hive's names.
  return (
    ({ string: 'varchar', int: 'integer', float: 'real', binary: 'varbinary' } as Record<string, string>)[
      text
    ] ?? text
  );
}

/** Widening Trino applies implicitly: a narrower number fits a wider column. */
const WIDER: Record<string, string[]> = {
  tinyint: ['smallint', 'integer', 'bigint', 'real', 'double', 'decimal'],
  smallint: ['integer', 'bigint', 'real', 'double', 'decimal'],
  integer: ['bigint', 'real', 'double', 'decimal'],
  bigint: ['real', 'double', 'decimal'],
  real: ['double'],
  decimal: ['real', 'double', 'decimal'],
};

function coercible(from: string, to: string): boolean {
  if (from === to) return true;
  const base = (t: string) => t.replace(/\(.*$/, '');
  return (WIDER[base(from)] ?? []).includes(base(to));
}

/**
 * Trino's staleness rule: a view whose SQL now answers other columns than its definition records (a table
 * underneath changed) fails, instead of answering something its users did not define.
 */
export function checkViewColumns(view: EngineView, actual: readonly { name: string; type: string }[]): void {
  const stored = view.columns ?? [];
  const stale = (detail: string) =>
    new QueryRejected(
      `VIEW_IS_STALE: View 'awsdatacatalog.${view.database}.${view.name}' is stale or in invalid state: ${detail}`,
    );
  if (actual.length !== stored.length)
    throw stale(`stored view has ${stored.length} columns, but its query answers ${actual.length}`);
  actual.forEach((column, i) => {
    const want = stored[i] as { name: string; type: string };
    const got = trinoType(column);
    if (!coercible(comparable(got), comparable(want.type)))
      throw stale(
        `column [${column.name}] of type ${got} projected from query view at position ${i} cannot be coerced to column [${want.name}] of type ${want.type} stored in view definition`,
      );
  });
}

const TRINO_NAMES: Record<string, string> = {
  string: 'varchar',
  int: 'integer',
  float: 'real',
  binary: 'varbinary',
  timestamp: 'timestamp(3)',
};

function trino(tree: TypeTree): string {
  switch (tree.kind) {
    case 'primitive':
      return TRINO_NAMES[tree.name] ?? tree.name;
    case 'decimal':
      return `decimal(${tree.precision},${tree.scale})`;
    case 'array':
      return `array(${trino(tree.element)})`;
    case 'map':
      return `map(${trino(tree.key)}, ${trino(tree.value)})`;
    case 'struct':
      return `row(${tree.fields.map((f) => `${f.name} ${trino(f.type)}`).join(', ')})`;
  }
}

/** The Trino type of a view's column, as its definition records it (`varchar`, `row(a integer)`). */
export function trinoType(column: { name: string; type: string }): string {
  const type = column.type.toUpperCase();
  if (type === 'TIMESTAMP WITH TIME ZONE') return 'timestamp(3) with time zone';
  if (type === 'TIME') return 'time(3)';
  if (type === 'INTERVAL') return 'interval day to second';
  if (type === 'UUID') return 'uuid';
  try {
    return trino(parseDuckDbType(column.type));
  } catch {
    return 'varchar';
  }
}
