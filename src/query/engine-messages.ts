/*
 * What DuckDB says when a query fails, said as Athena says it: Trino's error name first (COLUMN_NOT_FOUND,
 * NUMERIC_VALUE_OUT_OF_RANGE, TYPE_MISMATCH...), then Trino's wording, so that what clients and analysts match
 * on (the name at the head of StateChangeReason) is Athena's. Only DuckDB's first line is read (its "LINE 1:"
 * context points into the translated SQL, not the query as written). A message of a kind not listed keeps
 * DuckDB's wording without DuckDB's class ("Binder Error: "), since it names no Trino error.
 */

import { lineColumn, type Token, tokenize } from './statements/tokens.js';

export interface EngineMessage {
  /** StateChangeReason and AthenaError's ErrorMessage. */
  reason: string;
  /** AthenaError's ErrorType where Athena gives that kind its own (COLUMN_NOT_FOUND: 1006). */
  type?: number;
}

/** How much of DuckDB's message is read (a StateChangeReason keeps 4,096 characters). */
const MAX_MESSAGE = 4096;

/** Athena's ErrorType for a column that cannot be resolved. */
const COLUMN_NOT_FOUND = 1006;

/** DuckDB's class of an error, at the head of its message: "Binder Error: ", "Out of Range Error: "... */
const DUCKDB_CLASS = /^(?:[A-Z][a-z]*)(?: [A-Za-z]+)* Error: /;

/** Trino's names of the DuckDB types an error may name (INT64 as DuckDB's physical type names it too). */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  TINYINT: 'tinyint',
  INT8: 'tinyint',
  SMALLINT: 'smallint',
  INT16: 'smallint',
  INTEGER: 'integer',
  INT32: 'integer',
  BIGINT: 'bigint',
  INT64: 'bigint',
  HUGEINT: 'decimal(38,0)',
  INT128: 'decimal(38,0)',
  FLOAT: 'real',
  DOUBLE: 'double',
  VARCHAR: 'varchar',
  BOOLEAN: 'boolean',
  BLOB: 'varbinary',
  DATE: 'date',
  TIME: 'time(3)',
  TIMESTAMP: 'timestamp(3)',
  'TIMESTAMP WITH TIME ZONE': 'timestamp(3) with time zone',
  INTERVAL: 'interval day to second',
  UUID: 'uuid',
  '"NULL"': 'unknown',
  NULL: 'unknown',
};

/** A DuckDB type as Trino names it: DECIMAL(10,2) is decimal(10,2), INTEGER[] is array(integer). */
function trinoType(duckdb: string): string {
  // A literal's type as DuckDB binds it before choosing one: INTEGER_LITERAL is an integer.
  const type = duckdb.trim().replace(/_LITERAL$/, '');
  if (type.endsWith('[]')) return `array(${trinoType(type.slice(0, -2))})`;
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  return TYPE_NAMES[type] ?? type.toLowerCase();
}

/** DuckDB's argument list, "VARCHAR, DECIMAL(10,2)", split at the commas outside parentheses. */
function typeList(list: string): string[] {
  const types: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      types.push(list.slice(start, i));
      start = i + 1;
    }
  }
  if (list.trim() !== '') types.push(list.slice(start));
  return types.map(trinoType);
}

const OPERATORS = new Set(['+', '-', '*', '/', '%', '=', '<>', '!=', '<', '>', '<=', '>=', '||']);

const RULES: readonly ((message: string) => EngineMessage | undefined)[] = [
  // A Trino error that Seawall's own SQL raised (error('DIVISION_BY_ZERO: ...')), under DuckDB's class.
  (message) => {
    const own = /^[A-Z][A-Z_]+[A-Z]: /.test(message) ? message : undefined;
    return own === undefined ? undefined : { reason: own };
  },
  (message) => {
    const column =
      /^Referenced column "(.+)" not found in FROM clause!/.exec(message)?.[1] ??
      /^(?:Table|Values list) "(.+)" does not have a column named "(.+)"/.exec(message)?.slice(1).join('.');
    if (column === undefined) return undefined;
    return {
      reason: `COLUMN_NOT_FOUND: Column '${column}' cannot be resolved or requester is not authorized to access requested resources`,
      type: COLUMN_NOT_FOUND,
    };
  },
  // Trino names no operands for a decimal's overflow.
  (message) =>
    /^Overflow in (addition|subtraction|multiplication) of DECIMAL\(\d+\) /.test(message)
      ? { reason: 'NUMERIC_VALUE_OUT_OF_RANGE: Decimal overflow' }
      : undefined,
  (message) => {
    const overflow = /^Overflow in (addition|subtraction|multiplication) of (INT\d+|[A-Z]+) \((.+)\)!?$/.exec(
      message,
    );
    if (!overflow) return undefined;
    const [, operation = '', type = '', operands = ''] = overflow;
    return { reason: `NUMERIC_VALUE_OUT_OF_RANGE: ${trinoType(type)} ${operation} overflow: ${operands}` };
  },
  (message) => {
    const call = /^No function matches the given name and argument types '([^(]+)\((.*)\)'/.exec(message);
    if (!call) return undefined;
    const [, name = '', args = ''] = call;
    const types = typeList(args);
    if (OPERATORS.has(name) && types.length === 2)
      return { reason: `TYPE_MISMATCH: Cannot apply operator: ${types[0]} ${name} ${types[1]}` };
    if (OPERATORS.has(name) && types.length === 1)
      return { reason: `TYPE_MISMATCH: Cannot apply operator: ${name}${types[0]}` };
    return { reason: `FUNCTION_NOT_FOUND: Unexpected parameters (${types.join(', ')}) for function ${name}` };
  },
  (message) => {
    const compared = /^Cannot compare values of type (.+) and type (.+?) - an explicit cast is required/.exec(
      message,
    );
    if (!compared) return undefined;
    return {
      reason: `TYPE_MISMATCH: Cannot compare ${trinoType(compared[1] ?? '')} and ${trinoType(compared[2] ?? '')}`,
    };
  },
  (message) => {
    const grouped =
      /^column "(.+)" must appear in the GROUP BY clause or must be part of an aggregate function/.exec(
        message,
      );
    if (!grouped) return undefined;
    return {
      reason: `EXPRESSION_NOT_AGGREGATE: '${grouped[1]}' must be an aggregate expression or appear in GROUP BY clause`,
    };
  },
];

/**
 * Where a column a query names first appears in it as a column reference, as Trino's "line L:C: " (`t.c` where
 * `t.c` is written): DuckDB names the column but says where only in the SQL it ran, which is the query
 * translated. A best guess from the tokens (a name used as a column before, in a view or a subquery, can be the
 * one found); empty if none fits.
 */
function columnPosition(query: string, column: string): string {
  let tokens: Token[];
  try {
    tokens = tokenize(query, 'trino');
  } catch {
    return '';
  }
  // An EXECUTE's statement is not in its text: no place to name.
  if (/^execute$/i.test(tokens[0]?.text ?? '')) return '';
  const parts = column.toLowerCase().split('.');
  const named = (token: Token | undefined, part: string | undefined) =>
    (token?.kind === 'word' || token?.kind === 'quoted') && token.text.toLowerCase() === part;
  // Not a function's name, an alias or type after AS, a table after FROM or JOIN, nor a field after a dot.
  const referenceAt = (i: number) => {
    const before = tokens[i - 1];
    const after = tokens[i + 2 * (parts.length - 1) + 1];
    if (after?.kind === 'symbol' && after.text === '(') return false;
    if (before?.kind === 'symbol' && before.text === '.') return false;
    return !(before?.kind === 'word' && /^(as|from|join)$/i.test(before.text));
  };
  const at = tokens.findIndex(
    (_, i) =>
      parts.every(
        (part, k) => named(tokens[i + 2 * k], part) && (k === 0 || tokens[i + 2 * k - 1]?.text === '.'),
      ) && referenceAt(i),
  );
  const token = tokens[at];
  return token ? `${lineColumn(query, token.start)}: ` : '';
}

/**
 * Athena's StateChangeReason (and ErrorType, where Athena has its own) for a DuckDB error message; `query` is
 * the query as written, to say where in it a column that is not there is named.
 */
export function engineMessage(duckdb: string, query?: string): EngineMessage {
  // The first line, and no more of it than a StateChangeReason holds: the rules' patterns are matched on text
  // that names the query's own identifiers, so their backtracking is bounded by this length.
  const first = (duckdb.split('\n', 1)[0] ?? '').slice(0, MAX_MESSAGE);
  const message = first.replace(DUCKDB_CLASS, '');
  for (const rule of RULES) {
    const said = rule(message);
    if (!said) continue;
    const column =
      said.type === COLUMN_NOT_FOUND
        ? /^COLUMN_NOT_FOUND: Column '(.+?)' cannot/.exec(said.reason)?.[1]
        : undefined;
    const position = column !== undefined && query !== undefined ? columnPosition(query, column) : '';
    return position
      ? { ...said, reason: said.reason.replace('COLUMN_NOT_FOUND: ', `COLUMN_NOT_FOUND: ${position}`) }
      : said;
  }
  return { reason: message };
}
