/*
 * GetPartitions' Expression: a filter on a table's partition keys in the SQL of a WHERE clause, as Glue reads
 * it (https://docs.aws.amazon.com/glue/latest/webapi/API_GetPartitions.html):
 *
 *   expression := or;  or := and (OR and)*;  and := not (AND not)*;  not := NOT not | '(' or ')' | predicate
 *   predicate  := key (= | <> | != | < | > | <= | >=) literal | key IS [NOT] NULL
 *               | key [NOT] BETWEEN literal AND literal | key [NOT] IN (literal, ...) | key [NOT] LIKE 'pattern'
 *
 * A key is a partition key's name (bare, or quoted as `key` or "key"); a literal is a 'string' ('' for a quote)
 * or a number. Keys of the types Glue lists compare as their type does: the integer types exactly as integers,
 * decimal as a number, string, date and timestamp as text (which orders ISO dates and timestamps as time does);
 * a key of another type is refused, as Glue refuses it. No comparison holds for a partition whose value is not a
 * number of its key's type (NOT of one does). A partition value is never NULL. The client chooses the text, so
 * the parser is linear, bounded in length and depth, and LIKE is matched by RE2.
 */
import { RE2JS } from 're2js';
import { badRequest } from '../errors.js';

/** Glue's limit on an Expression (GetPartitions', GetTables'). */
export const MAX_EXPRESSION = 2048;
/** How deeply parentheses and NOTs may nest: more is refused rather than recursed into. */
const MAX_DEPTH = 64;

/** A partition key as the table declares it (Glue's Column). */
export interface PartitionKey {
  Name: string;
  Type?: string;
}

/** Whether a partition's values (in the order of the table's keys) pass the expression. */
export type PartitionFilter = (values: readonly string[]) => boolean;

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'name'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'number'; text: string; at: number }
  | { kind: 'symbol'; text: string; at: number }
  | { kind: 'end'; text: ''; at: number };

function invalid(message: string) {
  return badRequest('InvalidInputException', message);
}

const SYMBOLS = ['<>', '!=', '<=', '>=', '=', '<', '>', '(', ')', ','];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw invalid(`Unterminated string at position ${at + 1} of the expression.`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: 'string', text: value, at });
    } else if (c === '`' || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw invalid(`Unterminated name at position ${at + 1} of the expression.`);
      tokens.push({ kind: 'name', text: text.slice(i + 1, end), at });
      i = end + 1;
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '.') && /[0-9.]/.test(text[i + 1] ?? ''))) {
      const match = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
      if (!match) throw invalid(`Unexpected '${c}' at position ${at + 1} of the expression.`);
      tokens.push({ kind: 'number', text: match[0], at });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i, i + 256)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: match[0], at });
      i += match[0].length;
    } else {
      const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
      if (!symbol) throw invalid(`Unexpected '${c}' at position ${at + 1} of the expression.`);
      tokens.push({ kind: 'symbol', text: symbol, at });
      i += symbol.length;
    }
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

/** How a key's values compare, by the key's type as Glue lists the types it filters on. */
type Comparison = 'integer' | 'decimal' | 'text';

const COMPARISONS: Readonly<Record<string, Comparison>> = {
  tinyint: 'integer',
  smallint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  long: 'integer',
  decimal: 'decimal',
  string: 'text',
  varchar: 'text',
  char: 'text',
  date: 'text',
  timestamp: 'text',
};

function comparisonOf(key: PartitionKey): Comparison {
  const base = (key.Type ?? 'string').toLowerCase().replace(/\(.*$/, '').trim();
  const comparison = COMPARISONS[base];
  if (!comparison)
    throw invalid(
      `The partition key '${key.Name}' is of type ${base.slice(0, 64)}, which an expression cannot filter on.`,
    );
  return comparison;
}

/** The value of `kind` a literal or a partition value stands for; undefined where it is no such number. */
type Value = bigint | number | string | undefined;

function keyValue(kind: Comparison, text: string): Value {
  if (kind === 'text') return text;
  const trimmed = text.trim();
  if (kind === 'integer') return /^[-+]?\d{1,40}$/.test(trimmed) ? BigInt(trimmed) : undefined;
  return /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : undefined;
}

function compare(a: Value, b: Value): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SQL LIKE (% any run, _ one character, no escape) as an RE2 pattern matched whole. */
function likePattern(pattern: string): RE2JS {
  let regex = '';
  for (const c of pattern) {
    if (c === '%') regex += '.*';
    else if (c === '_') regex += '.';
    else regex += RE2JS.quote(c);
  }
  return RE2JS.compile(regex, RE2JS.DOTALL);
}

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly keys: readonly PartitionKey[],
  ) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }

  private isSymbol(symbol: string): boolean {
    const token = this.peek();
    return token.kind === 'symbol' && token.text === symbol;
  }

  private unexpected(): never {
    const token = this.peek();
    throw invalid(
      token.kind === 'end'
        ? 'The expression ends too soon.'
        : `Unexpected '${token.text.slice(0, 64)}' at position ${token.at + 1} of the expression.`,
    );
  }

  parse(): PartitionFilter {
    const filter = this.or(0);
    if (this.peek().kind !== 'end') this.unexpected();
    return filter;
  }

  private or(depth: number): PartitionFilter {
    return this.joined(
      'OR',
      () => this.and(depth),
      (parts) => (v) => parts.some((p) => p(v)),
    );
  }

  private and(depth: number): PartitionFilter {
    return this.joined(
      'AND',
      () => this.not(depth),
      (parts) => (v) => parts.every((p) => p(v)),
    );
  }

  /** Operands joined by a word (OR, AND): one alone is itself, several are combined. */
  private joined(
    word: string,
    operand: () => PartitionFilter,
    combine: (parts: PartitionFilter[]) => PartitionFilter,
  ): PartitionFilter {
    const parts = [operand()];
    while (this.isWord(word)) {
      this.next();
      parts.push(operand());
    }
    return parts.length === 1 ? (parts[0] as PartitionFilter) : combine(parts);
  }

  private not(depth: number): PartitionFilter {
    if (depth >= MAX_DEPTH) throw invalid(`The expression nests deeper than ${MAX_DEPTH} levels.`);
    if (this.isWord('NOT')) {
      this.next();
      const inner = this.not(depth + 1);
      return (v) => !inner(v);
    }
    if (this.isSymbol('(')) {
      this.next();
      const inner = this.or(depth + 1);
      if (!this.isSymbol(')')) this.unexpected();
      this.next();
      return inner;
    }
    return this.predicate();
  }

  /** Consumes the next token if it is of one of the kinds, else fails at it. */
  private take(...kinds: Token['kind'][]): Token {
    if (!kinds.includes(this.peek().kind)) this.unexpected();
    return this.next();
  }

  private key(): { index: number; kind: Comparison } {
    const token = this.take('word', 'name');
    const index = this.keys.findIndex((k) => k.Name.toLowerCase() === token.text.toLowerCase());
    const key = this.keys[index];
    if (!key)
      throw invalid(`Unknown column '${token.text.slice(0, 255)}': it is not a partition key of the table.`);
    return { index, kind: comparisonOf(key) };
  }

  private literal(kind: Comparison): Value {
    return keyValue(kind, this.take('string', 'number').text);
  }

  private predicate(): PartitionFilter {
    const { index, kind } = this.key();
    const value = (v: readonly string[]) => keyValue(kind, v[index] ?? '');
    if (this.isWord('IS')) {
      this.next();
      const not = this.isWord('NOT');
      if (not) this.next();
      if (!this.isWord('NULL')) this.unexpected();
      this.next();
      // A partition's value is never NULL.
      return () => not;
    }
    const negated = this.isWord('NOT');
    if (negated) this.next();
    const apply = (test: PartitionFilter): PartitionFilter => (negated ? (v) => !test(v) : test);
    if (this.isWord('BETWEEN')) {
      this.next();
      const low = this.literal(kind);
      if (!this.isWord('AND')) this.unexpected();
      this.next();
      const high = this.literal(kind);
      return apply((v) => {
        const x = value(v);
        const above = compare(x, low);
        const below = compare(x, high);
        return above !== undefined && below !== undefined && above >= 0 && below <= 0;
      });
    }
    if (this.isWord('IN')) {
      this.next();
      if (!this.isSymbol('(')) this.unexpected();
      this.next();
      const list = [this.literal(kind)];
      while (this.isSymbol(',')) {
        this.next();
        list.push(this.literal(kind));
      }
      if (!this.isSymbol(')')) this.unexpected();
      this.next();
      return apply((v) => {
        const x = value(v);
        return list.some((item) => compare(x, item) === 0);
      });
    }
    if (this.isWord('LIKE')) {
      this.next();
      const pattern = likePattern(this.take('string').text);
      return apply((v) => pattern.matches(v[index] ?? ''));
    }
    if (negated) this.unexpected();
    const operator = this.peek();
    if (operator.kind !== 'symbol' || ['(', ')', ','].includes(operator.text)) this.unexpected();
    this.next();
    const right = this.literal(kind);
    const holds: Record<string, (order: number) => boolean> = {
      '=': (o) => o === 0,
      '<>': (o) => o !== 0,
      '!=': (o) => o !== 0,
      '<': (o) => o < 0,
      '>': (o) => o > 0,
      '<=': (o) => o <= 0,
      '>=': (o) => o >= 0,
    };
    const test = holds[operator.text] as (order: number) => boolean;
    return (v) => {
      const order = compare(value(v), right);
      return order !== undefined && test(order);
    };
  }
}

/**
 * Reads an Expression for a table with these partition keys; InvalidInputException, saying what and where,
 * for one Glue would not read.
 */
export function partitionFilter(expression: string, keys: readonly PartitionKey[]): PartitionFilter {
  if (expression.length > MAX_EXPRESSION)
    throw invalid(`Expression must be at most ${MAX_EXPRESSION} characters.`);
  return new Parser(tokenize(expression), keys).parse();
}
