/*
 * The lexical rules of Athena's two SQL front ends. Trino's (queries, views, CTAS, INSERT, UNLOAD, EXPLAIN,
 * PREPARE): "x" is an identifier and 'it''s' a string. Hive's (the DDL: CREATE EXTERNAL TABLE, ALTER TABLE,
 * SHOW, DESCRIBE...): `x` is an identifier, 'x' and "x" are strings with backslash escapes ('\t', '\001'), and
 * adjacent strings join. Both: -- and /* comments, numbers, words, punctuation. Linear in the input.
 */
import { QueryRejected } from '../sandbox-tree.js';

export type Dialect = 'trino' | 'hive';

export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'symbol' | 'end';
  /** A word as written, a quoted identifier or string decoded, a symbol's characters. */
  text: string;
  /** Where the token starts and ends in the source (end exclusive). */
  start: number;
  end: number;
}

const SYMBOLS = ['<=', '>=', '<>', '!=', '||', '->', '=>'];
const SINGLE = new Set('(),.;=<>:[]*+-/%{}?|^&~!@'.split(''));

/** "line L:C", Trino's 1-based line and column of `offset` in `source`. */
export function lineColumn(source: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}:${offset - lineStart + 1}`;
}

/** "line L:C: message", with Trino's 1-based line and column of `offset`. */
export function syntaxError(source: string, offset: number, message: string): QueryRejected {
  return new QueryRejected(`${lineColumn(source, offset)}: ${message}`);
}

/** A query's syntax error as Athena words it: "SYNTAX_ERROR: line L:C: message". */
export function trinoSyntaxError(source: string, offset: number, message: string): QueryRejected {
  return new QueryRejected(`SYNTAX_ERROR: ${syntaxError(source, offset, message).message}`);
}

function isWordStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) > 0x7f;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isWordPart(c: string): boolean {
  return isWordStart(c) || isDigit(c) || c === '$' || c === '@';
}

/** Hive's unescapeSQLString for one escape after a backslash at `i`; returns the text and the next index. */
function hiveEscape(source: string, i: number): [string, number] {
  const c = source[i] ?? '';
  const octal = source.slice(i, i + 3);
  if (octal.length === 3 && c <= '3' && [...octal].every((d) => d >= '0' && d <= '7'))
    return [String.fromCharCode(Number.parseInt(octal, 8)), i + 3];
  const hex = source.slice(i + 1, i + 5);
  if (c === 'u' && hex.length === 4 && [...hex].every((d) => '0123456789abcdefABCDEF'.includes(d)))
    return [String.fromCharCode(Number.parseInt(hex, 16)), i + 5];
  const simple: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a' };
  if (c in simple) return [simple[c] as string, i + 1];
  // Hive keeps \% and \_ as written (they are LIKE escapes).
  if (c === '%' || c === '_') return [`\\${c}`, i + 1];
  return [c, i + 1];
}

/** Reads a quoted run starting at `i` (the opening quote); returns its decoded text and the index after it. */
function quoted(source: string, i: number, dialect: Dialect, what: string): [string, number] {
  const quote = source[i] as string;
  const backslashes = dialect === 'hive' && quote !== '`';
  let text = '';
  let j = i + 1;
  for (;;) {
    if (j >= source.length) throw syntaxError(source, i, `${what} is not terminated`);
    const c = source[j] as string;
    if (backslashes && c === '\\') {
      const [piece, next] = hiveEscape(source, j + 1);
      text += piece;
      j = next;
    } else if (c === quote) {
      if (!backslashes && source[j + 1] === quote) {
        text += quote;
        j += 2;
      } else return [text, j + 1];
    } else {
      const stop = source.indexOf(quote, j);
      const slash = backslashes ? source.indexOf('\\', j) : -1;
      const until = stop < 0 ? source.length : slash >= 0 && slash < stop ? slash : stop;
      text += source.slice(j, until);
      j = until;
    }
  }
}

function skipBlank(source: string, i: number): number {
  for (;;) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') i++;
    else if (c === '-' && source[i + 1] === '-') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end + 1;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) throw syntaxError(source, i, 'comment is not terminated');
      i = end + 2;
    } else return i;
  }
}

function number(source: string, i: number): number {
  let j = i;
  while (isDigit(source[j])) j++;
  if (source[j] === '.' && isDigit(source[j + 1])) for (j++; isDigit(source[j]); ) j++;
  if (source[j] === 'e' || source[j] === 'E') {
    const sign = source[j + 1] === '+' || source[j + 1] === '-' ? 1 : 0;
    if (isDigit(source[j + 1 + sign])) for (j += 1 + sign; isDigit(source[j]); ) j++;
  }
  return j;
}

/** Reads one token at `i` (after blanks). */
function next(source: string, i: number, dialect: Dialect): Token {
  const c = source[i] as string;
  if (isWordStart(c)) {
    let j = i + 1;
    while (j < source.length && isWordPart(source[j] as string)) j++;
    return { kind: 'word', text: source.slice(i, j), start: i, end: j };
  }
  if (isDigit(c) || (c === '.' && isDigit(source[i + 1]))) {
    const end = number(source, i);
    return { kind: 'number', text: source.slice(i, end), start: i, end };
  }
  const identifierQuote = c === '`' || (c === '"' && dialect === 'trino');
  if (identifierQuote) {
    const [text, end] = quoted(source, i, dialect, 'quoted identifier');
    if (text.length === 0) throw syntaxError(source, i, 'Zero-length delimited identifier not allowed');
    return { kind: 'quoted', text, start: i, end };
  }
  if (c === "'" || c === '"') {
    let [text, end] = quoted(source, i, dialect, 'string literal');
    // Hive joins adjacent literals: 'a' "b" is 'ab'.
    for (
      let after = skipBlank(source, end);
      dialect === 'hive' && (source[after] === "'" || source[after] === '"');
    ) {
      const [more, moreEnd] = quoted(source, after, dialect, 'string literal');
      text += more;
      end = moreEnd;
      after = skipBlank(source, end);
    }
    return { kind: 'string', text, start: i, end };
  }
  const pair = source.slice(i, i + 2);
  if (SYMBOLS.includes(pair)) return { kind: 'symbol', text: pair, start: i, end: i + 2 };
  if (SINGLE.has(c)) return { kind: 'symbol', text: c, start: i, end: i + 1 };
  const shown = c.charCodeAt(0) < 0x20 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c;
  throw syntaxError(source, i, `token recognition error at: '${shown}'`);
}

/**
 * The tokens of `source` (or its first `limit`), ending with an 'end' token. Throws QueryRejected for what no
 * rule reads.
 */
export function tokenize(source: string, dialect: Dialect, limit = Number.POSITIVE_INFINITY): Token[] {
  const tokens: Token[] = [];
  for (let i = skipBlank(source, 0); i < source.length && tokens.length < limit; ) {
    const token = next(source, i, dialect);
    tokens.push(token);
    i = skipBlank(source, token.end);
  }
  tokens.push({ kind: 'end', text: '<EOF>', start: source.length, end: source.length });
  return tokens;
}
