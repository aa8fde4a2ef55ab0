/** Why a query may not run: a user error Athena would report as FAILED. */
export class QueryRejected extends Error {
  override readonly name = 'QueryRejected';
}

export interface TableReference {
  database: string;
  table: string;
}

/** Schemas (and catalogs, which DuckDB also accepts as the first part of a name) that belong to the engine. */
export const RESERVED_SCHEMAS = new Set([
  'main',
  'information_schema',
  'pg_catalog',
  'temp',
  'system',
  'memory',
]);

/** The JSON of `json_serialize_sql`, as JSON.parse returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonNode = { [key: string]: Json };

/**
 * DuckDB compares identifiers after lower-casing ASCII letters only. Comparing with String#toLowerCase would
 * be wider than DuckDB (the Kelvin sign lower-cases to `k`), so a CTE named with it would hide a built-in.
 */
export function asciiLower(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** A part of the tree this sandbox does not know: refused, never skipped (a new DuckDB may mean a new read). */
export function unrecognised(what: string): QueryRejected {
  return new QueryRejected(`The query uses syntax the SQL sandbox does not support (${what}).`);
}

export function isNode(value: Json | undefined): value is JsonNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function node(value: Json | undefined, what: string): JsonNode {
  if (!isNode(value)) throw unrecognised(what);
  return value;
}

/** A list field; absent means empty (DuckDB omits nothing today, but an empty list is the safe reading). */
export function list(value: Json | undefined, what: string): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw unrecognised(what);
  return value;
}

export function text(value: Json | undefined, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw unrecognised(what);
  return value;
}

/** Every field of a node must be one this sandbox reads or knows to be harmless. */
export function onlyKeys(value: JsonNode, what: string, keys: readonly string[]): void {
  for (const key of Object.keys(value)) if (!keys.includes(key)) throw unrecognised(`${what}.${key}`);
}

/** A field that must hold nothing: null, false, '' or an empty list (or be absent). */
export function empty(value: Json | undefined, what: string): void {
  if (value === undefined || value === null || value === false || value === '') return;
  if (Array.isArray(value) && value.length === 0) return;
  throw unrecognised(what);
}

/** The CTE names visible at a point of the query, innermost WITH first. */
export interface CteScope {
  readonly names: ReadonlySet<string>;
  readonly parent: CteScope | undefined;
}

export function inScope(scope: CteScope | undefined, name: string): boolean {
  for (let s = scope; s; s = s.parent) if (s.names.has(name)) return true;
  return false;
}

/** Deeper than any real query; DuckDB's own parser stops at an expression depth of 1000. */
const MAX_DEPTH = 1000;

/** One analysis: the SQL (for the source of a table name), the context database, what the query reads. */
export interface Analysis {
  readonly sql: Buffer;
  readonly database: string | undefined;
  readonly tables: Map<string, TableReference>;
  /** Checks a nested SELECT statement (a subquery), given from the query-level checks to the expressions. */
  readonly statement: (value: Json | undefined, walk: Walk) => void;
}

/** Where a check is in the tree: the CTEs in scope, and how deep it is (a bound on hostile nesting). */
export interface Walk {
  readonly analysis: Analysis;
  readonly scope: CteScope | undefined;
  readonly depth: number;
  /**
   * Inside a table function's arguments and a COLUMNS(...) expression, DuckDB's binder tries the SQL value
   * keywords on qualified names too, so there every such name is refused.
   */
  readonly keywordsAnywhere: boolean;
}

export function deeper(walk: Walk, change: Partial<Walk> = {}): Walk {
  if (walk.depth >= MAX_DEPTH) throw new QueryRejected('The query is nested too deeply.');
  return { ...walk, ...change, depth: walk.depth + 1 };
}

/** A table's own entry for a key from the tree (never an inherited one such as `constructor`). */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
