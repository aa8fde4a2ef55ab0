/*
 * Athena's statements beyond SELECT, read by recursive descent over tokens. A query (SELECT, WITH, VALUES,
 * TABLE, a parenthesised query) is not a statement here: it goes to the SELECT path, as does any other first
 * word, which the sandbox refuses with its reason. The Hive DDL is read with Hive's lexical rules, the rest
 * with Trino's, as Athena's two front ends do.
 */
import { QueryRejected } from '../sandbox-tree.js';
import type { Statement } from './ast.js';
import { Cursor } from './cursor.js';
import {
  alterTable,
  createDatabase,
  createExternalTable,
  partitionSpec,
  tableProperties,
} from './grammar-ddl.js';
import { type Dialect, type Token, tokenize } from './tokens.js';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

const QUERY_STARTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);
const HIVE_HEADS = new Set(['ALTER', 'MSCK', 'DESCRIBE', 'DESC', 'SHOW']);

/** The front end whose lexical rules read a statement starting with these words. */
function dialectOf(first: string, second: string): Dialect {
  if (HIVE_HEADS.has(first)) return 'hive';
  if (first === 'CREATE') return ['EXTERNAL', 'DATABASE', 'SCHEMA'].includes(second) ? 'hive' : 'trino';
  if (first === 'DROP') return second === 'VIEW' ? 'trino' : 'hive';
  return 'trino';
}

/** SHOW TABLES / SHOW VIEWS: `[IN|FROM db] [[LIKE] 'pattern']`. */
function listing<K extends 'ShowTables' | 'ShowViews'>(cursor: Cursor, kind: K) {
  const database = cursor.accept('IN') || cursor.accept('FROM') ? cursor.identifier() : undefined;
  const like = cursor.accept('LIKE') || cursor.peek().kind === 'string' ? cursor.string() : undefined;
  return { kind, ...(database !== undefined ? { database } : {}), ...(like !== undefined ? { like } : {}) };
}

function show(cursor: Cursor): Statement {
  const what = cursor.oneOf(
    'DATABASES',
    'SCHEMAS',
    'TABLES',
    'VIEWS',
    'COLUMNS',
    'PARTITIONS',
    'CREATE',
    'TBLPROPERTIES',
  );
  switch (what) {
    case 'DATABASES':
    case 'SCHEMAS': {
      const like = cursor.accept('LIKE') ? cursor.string() : undefined;
      return { kind: 'ShowDatabases', ...(like !== undefined ? { like } : {}) };
    }
    case 'TABLES':
      return listing(cursor, 'ShowTables');
    case 'VIEWS':
      return listing(cursor, 'ShowViews');
    case 'COLUMNS': {
      cursor.oneOf('FROM', 'IN');
      const table = cursor.qualifiedName();
      if (cursor.accept('FROM') || cursor.accept('IN')) {
        if (table.database !== undefined) throw cursor.mismatched('<EOF>');
        table.database = cursor.identifier();
      }
      return { kind: 'ShowColumns', table };
    }
    case 'PARTITIONS':
      return { kind: 'ShowPartitions', table: cursor.qualifiedName() };
    case 'CREATE':
      return cursor.oneOf('TABLE', 'VIEW') === 'TABLE'
        ? { kind: 'ShowCreateTable', table: cursor.qualifiedName() }
        : { kind: 'ShowCreateView', view: cursor.qualifiedName() };
    default: {
      const table = cursor.qualifiedName();
      if (!cursor.acceptSymbol('(')) return { kind: 'ShowTblProperties', table };
      const property = cursor.string();
      cursor.expectSymbol(')');
      return { kind: 'ShowTblProperties', table, property };
    }
  }
}

function describe(cursor: Cursor): Of<'Describe'> {
  const formatted = cursor.accept('FORMATTED');
  const extended = !formatted && cursor.accept('EXTENDED');
  const table = cursor.qualifiedName();
  const partition = cursor.accept('PARTITION') ? partitionSpec(cursor) : undefined;
  const column = cursor.peek();
  if (column.kind === 'word' || column.kind === 'quoted')
    throw new QueryRejected('DESCRIBE of a single column is not supported.');
  return {
    kind: 'Describe',
    table,
    extended,
    ...(formatted ? { formatted } : {}),
    ...(partition ? { partition } : {}),
  };
}

function explain(cursor: Cursor): Of<'Explain'> {
  const analyze = cursor.accept('ANALYZE');
  cursor.accept('VERBOSE');
  const statement: Of<'Explain'> = { kind: 'Explain', analyze, query: '' };
  // EXPLAIN (FORMAT ...) is an option list; EXPLAIN (SELECT ...) is a query.
  if (
    cursor.isSymbol('(') &&
    cursor.peek(1).kind === 'word' &&
    ['FORMAT', 'TYPE'].includes(cursor.peek(1).text.toUpperCase())
  ) {
    cursor.expectSymbol('(');
    do {
      if (cursor.accept('FORMAT'))
        statement.format = cursor.oneOf('TEXT', 'JSON', 'GRAPHVIZ') as 'TEXT' | 'JSON' | 'GRAPHVIZ';
      else {
        cursor.expect('TYPE');
        statement.type = cursor.oneOf('LOGICAL', 'DISTRIBUTED', 'VALIDATE', 'IO');
      }
    } while (cursor.acceptSymbol(','));
    cursor.expectSymbol(')');
  }
  statement.query = cursor.rest().text;
  return statement;
}

function create(cursor: Cursor): Statement {
  const what = cursor.oneOf('EXTERNAL', 'DATABASE', 'SCHEMA', 'OR', 'VIEW', 'TABLE');
  if (what === 'EXTERNAL') {
    cursor.expect('TABLE');
    return createExternalTable(cursor);
  }
  if (what === 'DATABASE' || what === 'SCHEMA') return createDatabase(cursor);
  if (what === 'OR' || what === 'VIEW') {
    const orReplace = what === 'OR';
    if (orReplace) cursor.expect('REPLACE', 'VIEW');
    const view = cursor.qualifiedName();
    const comment = cursor.accept('COMMENT') ? cursor.string() : undefined;
    cursor.expect('AS');
    const query = cursor.rest().text;
    return { kind: 'CreateView', view, orReplace, ...(comment !== undefined ? { comment } : {}), query };
  }
  const ifNotExists = cursor.accept('IF', 'NOT', 'EXISTS');
  const table = cursor.qualifiedName();
  if (cursor.isSymbol('('))
    throw new QueryRejected(
      'Only external table creation is supported: use CREATE EXTERNAL TABLE, or CREATE TABLE AS.',
    );
  const properties = cursor.accept('WITH') ? tableProperties(cursor) : {};
  cursor.expect('AS');
  const { text, stop } = cursor.rest(['WITH', 'NO', 'DATA'], ['WITH', 'DATA']);
  return { kind: 'CreateTableAs', table, ifNotExists, properties, query: text, withData: stop?.[1] !== 'NO' };
}

function drop(cursor: Cursor): Statement {
  const what = cursor.oneOf('TABLE', 'VIEW', 'DATABASE', 'SCHEMA');
  const ifExists = cursor.accept('IF', 'EXISTS');
  if (what === 'TABLE') return { kind: 'DropTable', table: cursor.qualifiedName(), ifExists };
  if (what === 'VIEW') return { kind: 'DropView', view: cursor.qualifiedName(), ifExists };
  const name = cursor.identifier();
  const cascade = cursor.accept('CASCADE');
  if (!cascade) cursor.accept('RESTRICT');
  return { kind: 'DropDatabase', name, ifExists, cascade };
}

function insert(cursor: Cursor): Of<'InsertInto'> {
  cursor.expect('INTO');
  const table = cursor.qualifiedName();
  const next = cursor.peek(1);
  const query = next.kind === 'word' && QUERY_STARTS.has(next.text.toUpperCase());
  let columns: string[] | undefined;
  if (cursor.isSymbol('(') && !query && !cursor.isSymbol('(', 1)) {
    cursor.expectSymbol('(');
    columns = [];
    do columns.push(cursor.identifier());
    while (cursor.acceptSymbol(','));
    cursor.expectSymbol(')');
  }
  return { kind: 'InsertInto', table, ...(columns ? { columns } : {}), query: cursor.rest().text };
}

function unload(cursor: Cursor): Of<'Unload'> {
  const query = cursor.parenthesised().trim();
  cursor.expect('TO');
  const location = cursor.string();
  cursor.expect('WITH');
  return { kind: 'Unload', query, location, properties: tableProperties(cursor) };
}

function execute(cursor: Cursor): Of<'Execute'> {
  const name = cursor.identifier();
  const parameters: string[] = [];
  if (cursor.accept('USING'))
    do {
      const first = cursor.peek();
      let last: Token | undefined;
      for (let depth = 0; ; ) {
        const token = cursor.peek();
        if (token.kind === 'end' || (depth === 0 && (cursor.isSymbol(',') || cursor.isSymbol(';')))) break;
        if (token.kind === 'symbol' && (token.text === '(' || token.text === '[')) depth++;
        if (token.kind === 'symbol' && (token.text === ')' || token.text === ']')) depth--;
        last = cursor.advance();
      }
      if (last === undefined) throw cursor.mismatched('<expression>');
      parameters.push(cursor.source.slice(first.start, last.end));
    } while (cursor.acceptSymbol(','));
  return { kind: 'Execute', name, parameters };
}

/** Reads the statement after its first word; the cursor is just past that word. */
function statement(cursor: Cursor, first: string): Statement {
  switch (first) {
    case 'SHOW':
      return show(cursor);
    case 'DESCRIBE':
    case 'DESC':
      return describe(cursor);
    case 'EXPLAIN':
      return explain(cursor);
    case 'CREATE':
      return create(cursor);
    case 'DROP':
      return drop(cursor);
    case 'ALTER':
      cursor.expect('TABLE');
      return alterTable(cursor);
    case 'MSCK':
      cursor.expect('REPAIR', 'TABLE');
      return { kind: 'MsckRepairTable', table: cursor.qualifiedName() };
    case 'INSERT':
      return insert(cursor);
    case 'UNLOAD':
      return unload(cursor);
    case 'PREPARE': {
      const name = cursor.identifier();
      cursor.expect('FROM');
      return { kind: 'Prepare', name, statement: cursor.rest().text };
    }
    case 'EXECUTE':
      return execute(cursor);
    default:
      cursor.expect('PREPARE');
      return { kind: 'Deallocate', name: cursor.identifier() };
  }
}

const STATEMENT_STARTS = new Set([
  ...HIVE_HEADS,
  'EXPLAIN',
  'CREATE',
  'DROP',
  'INSERT',
  'UNLOAD',
  'PREPARE',
  'EXECUTE',
  'DEALLOCATE',
]);

/**
 * The statement `sql` is, or undefined when it is a query (or starts with a word no statement starts with) and
 * belongs to the SELECT path. Throws QueryRejected, with the line and column, for a statement it cannot read.
 */
export function parseStatement(sql: string): Statement | undefined {
  const head = tokenize(sql, 'trino', 2);
  const [first, second] = head.map((t) => (t.kind === 'word' ? t.text.toUpperCase() : ''));
  if (first === undefined || !STATEMENT_STARTS.has(first)) return undefined;
  const cursor = new Cursor(sql, tokenize(sql, dialectOf(first, second ?? '')));
  cursor.advance();
  const result = statement(cursor, first);
  cursor.end();
  return result;
}
