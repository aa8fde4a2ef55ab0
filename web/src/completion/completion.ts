import { type CatalogTable, quoteIdentifier } from '../aws/catalog.js';

export interface Suggestion {
  kind: 'column' | 'table' | 'database';
  /** What is inserted, quoted as Athena needs it. */
  insert: string;
  label: string;
  /** The column's type, the table's database. */
  detail: string;
}

/** The dotted name being typed before the caret: `vancouver.par` is ['vancouver', 'par'], from `start`. */
export interface TypedName {
  parts: string[];
  /** Where the last part begins: what a suggestion replaces runs from here to the caret. */
  start: number;
}

const NAME_CHAR = /[A-Za-z0-9_"]/;
const MAX_SUGGESTIONS = 50;

/** The words that may follow a table in FROM and are not its alias. */
const NOT_ALIAS = new Set(
  'where join on group order limit inner left right full cross union having using natural as offset window except intersect select from and or'.split(
    ' ',
  ),
);

export function typedName(sql: string, caret: number): TypedName {
  let begin = caret;
  while (begin > 0 && (NAME_CHAR.test(sql[begin - 1] ?? '') || sql[begin - 1] === '.')) begin -= 1;
  const text = sql.slice(begin, caret);
  const parts = text.split('.').map((p) => p.replaceAll('"', ''));
  return { parts, start: caret - (text.length - text.lastIndexOf('.') - 1) };
}

const unquote = (name: string) => name.replaceAll('"', '').toLowerCase();

/**
 * The tables the SQL names (`db.table` or, in the current database, `table`), each with the alias it is given,
 * read from the words of the text: a guide for completion, not a parse.
 */
export function tablesInSql(
  sql: string,
  tables: readonly CatalogTable[],
  database: string | undefined,
): { table: CatalogTable; alias: string | undefined }[] {
  const words = [
    ...sql.matchAll(
      /"(?:[^"]|"")*"(?:\."(?:[^"]|"")*"|\.[A-Za-z0-9_]+)*|[A-Za-z0-9_]+(?:\.(?:"(?:[^"]|"")*"|[A-Za-z0-9_]+))*/g,
    ),
  ].map((m) => m[0]);
  const found: { table: CatalogTable; alias: string | undefined }[] = [];
  words.forEach((word, i) => {
    const parts = word.split('.').map(unquote);
    const table = tables.find((t) =>
      parts.length === 2
        ? t.database.toLowerCase() === parts[0] && t.name.toLowerCase() === parts[1]
        : parts.length === 1 && t.database === database && t.name.toLowerCase() === parts[0],
    );
    if (!table) return;
    const next = words[i + 1]?.toLowerCase();
    const alias = next === 'as' ? words[i + 2] : next && !NOT_ALIAS.has(next) ? words[i + 1] : undefined;
    found.push({ table, alias: alias ? unquote(alias) : undefined });
  });
  return found;
}

const column = (table: CatalogTable) =>
  table.columns.map((c) => ({
    kind: 'column' as const,
    insert: quoteIdentifier(c.name),
    label: c.name,
    detail: c.type,
  }));
const tableSuggestion = (t: CatalogTable): Suggestion => ({
  kind: 'table',
  insert: quoteIdentifier(t.name),
  label: t.name,
  detail: t.database,
});

/**
 * What may complete the name being typed: after `db.` the database's tables; after `table.` or `alias.` (or
 * `db.table.`) the table's columns; otherwise the columns of the tables the SQL names, the current database's
 * tables and the databases. Matched by prefix, ignoring case.
 */
export function suggest(
  typed: TypedName,
  catalog: { databases: readonly string[]; tables: readonly CatalogTable[] },
  sql: string,
  database: string | undefined,
): Suggestion[] {
  const prefix = (typed.parts.at(-1) ?? '').toLowerCase();
  const qualifier = typed.parts.slice(0, -1).map((p) => p.toLowerCase());
  const named = tablesInSql(sql, catalog.tables, database);
  let candidates: Suggestion[];
  if (qualifier.length === 0) {
    const seen = new Set<string>();
    candidates = [
      ...named.flatMap(({ table }) => column(table)),
      ...catalog.tables.filter((t) => t.database === database).map(tableSuggestion),
      ...catalog.databases.map((name) => ({
        kind: 'database' as const,
        insert: quoteIdentifier(name),
        label: name,
        detail: 'database',
      })),
    ].filter((s) => !seen.has(`${s.kind} ${s.label}`) && seen.add(`${s.kind} ${s.label}`));
  } else if (qualifier.length === 1) {
    const [q = ''] = qualifier;
    const ofDatabase = catalog.tables.filter((t) => t.database.toLowerCase() === q).map(tableSuggestion);
    const ofTable = named
      .filter(({ table, alias }) => alias === q || table.name.toLowerCase() === q)
      .flatMap(({ table }) => column(table));
    candidates = [...ofDatabase, ...ofTable];
  } else {
    const [db = '', name = ''] = qualifier.slice(-2);
    const table = catalog.tables.find(
      (t) => t.database.toLowerCase() === db && t.name.toLowerCase() === name,
    );
    candidates = table ? column(table) : [];
  }
  return candidates.filter((s) => s.label.toLowerCase().startsWith(prefix)).slice(0, MAX_SUGGESTIONS);
}
