import { BlockList, isIP } from 'node:net';
import { RE2JS } from 're2js';

/**
 * CloudWatch Logs Insights queries: commands joined by `|` — `fields`, `filter`, `parse`, `stats … by …`
 * (count, sum, avg, min, max, count_distinct, pct; `bin(5m)`), `sort`, `limit`, `display` — over each event's
 * fields: @timestamp, @message, @logStream, @log, @ingestionTime, and a JSON message's fields, discovered as
 * Insights discovers them. Regular expressions are RE2 (linear time: a user's pattern cannot hang the server).
 * What the language has and this does not is refused with the command's name.
 */

export class InsightsQueryError extends Error {
  override readonly name = 'InsightsQueryError';
}

export type Row = Map<string, unknown>;

type Expr =
  | { type: 'field'; name: string }
  | { type: 'literal'; value: string | number | boolean }
  | { type: 'regex'; re: RE2JS }
  | { type: 'list'; items: Expr[] }
  | { type: 'unary'; op: 'not' | '-'; arg: Expr }
  | { type: 'binary'; op: string; left: Expr; right: Expr }
  | { type: 'call'; name: string; args: Expr[] };

type Command =
  | { kind: 'fields' | 'display'; items: { expr: Expr; name: string }[] }
  | { kind: 'filter'; expr: Expr }
  | {
      kind: 'parse';
      source: Expr;
      glob?: { re: RE2JS; names: string[] };
      regex?: { re: RE2JS; names: string[] };
    }
  | { kind: 'stats'; aggs: { fn: string; args: Expr[]; name: string }[]; by: { expr: Expr; name: string }[] }
  | { kind: 'sort'; keys: { expr: Expr; desc: boolean }[] }
  | { kind: 'dedup'; fields: Expr[] }
  | { kind: 'limit'; n: number };

export interface InsightsQuery {
  readonly commands: readonly Command[];
}

const MAX_QUERY = 10_000;
const MAX_DEPTH = 32;
const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'count_distinct',
  'pct',
  'stddev',
  'earliest',
  'latest',
  'sortsfirst',
  'sortslast',
]);
/** The functions of the Insights query language, by name in lower case (names are case-insensitive). */
const FUNCTIONS = new Set([
  'bin',
  'datefloor',
  'dateceil',
  'frommillis',
  'tomillis',
  'ispresent',
  'coalesce',
  'isempty',
  'isblank',
  'concat',
  'ltrim',
  'rtrim',
  'trim',
  'strlen',
  'tolower',
  'toupper',
  'substr',
  'replace',
  'strcontains',
  'abs',
  'floor',
  'ceil',
  'greatest',
  'least',
  'log',
  'sqrt',
  'isvalidip',
  'isvalidipv4',
  'isvalidipv6',
  'isipinsubnet',
  'isipv4insubnet',
  'isipv6insubnet',
]);

type Token = { kind: 'name' | 'field' | 'num' | 'str' | 'regex' | 'op'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  /** A regular expression can follow like, =~, and parse's source field; elsewhere / divides. */
  const regexMayFollow = () => {
    const last = tokens.at(-1);
    return last?.text === 'like' || last?.text === '=~' || tokens.at(-2)?.text.toLowerCase() === 'parse';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const token = nextToken(rest, regexMayFollow());
    if (!token) throw new InsightsQueryError(`Unexpected character '${c}' in the query.`);
    tokens.push(token.token);
    i += token.length;
    if (tokens.length > 2000) throw new InsightsQueryError('The query is too long.');
  }
  return tokens;
}

function nextToken(rest: string, regexAllowed: boolean): { token: Token; length: number } | undefined {
  const name = /^@?[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
  if (name)
    return {
      token: { kind: name[0].startsWith('@') ? 'field' : 'name', text: name[0] },
      length: name[0].length,
    };
  const quotedField = /^`([^`]*)`/.exec(rest);
  if (quotedField)
    return { token: { kind: 'field', text: quotedField[1] as string }, length: quotedField[0].length };
  const number = /^\d+(\.\d+)?[smhd]?/.exec(rest);
  if (number) return { token: { kind: 'num', text: number[0] }, length: number[0].length };
  const string = /^"((?:[^"\\]|\\.)*)"|^'((?:[^'\\]|\\.)*)'/.exec(rest);
  if (string)
    return {
      token: { kind: 'str', text: (string[1] ?? string[2] ?? '').replace(/\\(.)/g, '$1') },
      length: string[0].length,
    };
  const regex = regexAllowed ? /^\/((?:[^/\\]|\\.)*)\/([a-z]*)/.exec(rest) : null;
  if (regex)
    return { token: { kind: 'regex', text: `${regex[2]}\u0000${regex[1]}` }, length: regex[0].length };
  const op = /^(<=|>=|!=|=~|==|[-+*/%^()=<>,|[\]])/.exec(rest);
  if (op) return { token: { kind: 'op', text: op[0] }, length: op[0].length };
  return undefined;
}

function compileRegex(token: string): RE2JS {
  const [flags, source] = token.split('\u0000') as [string, string];
  try {
    return RE2JS.compile(source, flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
  } catch {
    throw new InsightsQueryError(`Invalid regular expression /${source.slice(0, 64)}/.`);
  }
}

class Parser {
  pos = 0;
  depth = 0;
  constructor(readonly tokens: Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  isOp(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.text === text;
  }
  isWord(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'name' && t.text.toLowerCase() === word;
  }
  take(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw new InsightsQueryError('The query ends too early.');
    return t;
  }
  expect(text: string): void {
    if (!this.isOp(text))
      throw new InsightsQueryError(`Expected '${text}' near '${this.peek()?.text ?? 'the end'}'.`);
    this.pos++;
  }
  atEnd(): boolean {
    return this.pos >= this.tokens.length || this.isOp('|');
  }
  nest<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new InsightsQueryError('The query is nested too deeply.');
    try {
      return f();
    } finally {
      this.depth--;
    }
  }
  expr(): Expr {
    return this.or();
  }
  or(): Expr {
    let left = this.and();
    while (this.isWord('or')) {
      this.pos++;
      left = { type: 'binary', op: 'or', left, right: this.and() };
    }
    return left;
  }
  and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      this.pos++;
      left = { type: 'binary', op: 'and', left, right: this.not() };
    }
    return left;
  }
  not(): Expr {
    if (this.isWord('not')) {
      this.pos++;
      return this.nest(() => ({ type: 'unary', op: 'not', arg: this.not() }));
    }
    return this.comparison();
  }
  comparison(): Expr {
    const left = this.additive();
    const t = this.peek();
    if (t?.kind === 'op' && ['=', '==', '!=', '<', '>', '<=', '>=', '=~'].includes(t.text)) {
      this.pos++;
      const right = t.text === '=~' ? this.regexOrText() : this.additive();
      return { type: 'binary', op: t.text === '==' ? '=' : t.text === '=~' ? 'like' : t.text, left, right };
    }
    if (this.isWord('like')) {
      this.pos++;
      return { type: 'binary', op: 'like', left, right: this.regexOrText() };
    }
    if (this.isWord('not') && this.tokens[this.pos + 1]?.text.toLowerCase() === 'like') {
      this.pos += 2;
      return {
        type: 'unary',
        op: 'not',
        arg: { type: 'binary', op: 'like', left, right: this.regexOrText() },
      };
    }
    if (this.isWord('in')) {
      this.pos++;
      return { type: 'binary', op: 'in', left, right: this.list() };
    }
    return left;
  }
  regexOrText(): Expr {
    const t = this.take();
    if (t.kind === 'regex') return { type: 'regex', re: compileRegex(t.text) };
    if (t.kind === 'str') return { type: 'literal', value: t.text };
    throw new InsightsQueryError(
      `Expected a /regular expression/ or a "string" after like, near '${t.text}'.`,
    );
  }
  list(): Expr {
    this.expect('[');
    const items: Expr[] = [];
    if (!this.isOp(']'))
      for (;;) {
        items.push(this.additive());
        if (!this.isOp(',')) break;
        this.pos++;
      }
    this.expect(']');
    return { type: 'list', items };
  }
  additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.take().text;
      left = { type: 'binary', op, left, right: this.multiplicative() };
    }
    return left;
  }
  multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.take().text;
      left = { type: 'binary', op, left, right: this.unary() };
    }
    return left;
  }
  unary(): Expr {
    if (this.isOp('-')) {
      this.pos++;
      return this.nest(() => ({ type: 'unary', op: '-', arg: this.unary() }));
    }
    return this.power();
  }
  power(): Expr {
    const base = this.primary();
    if (!this.isOp('^')) return base;
    this.pos++;
    return { type: 'binary', op: '^', left: base, right: this.nest(() => this.unary()) };
  }
  primary(): Expr {
    const t = this.take();
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.nest(() => this.expr());
      this.expect(')');
      return inner;
    }
    if (t.kind === 'num') {
      if (/[smhd]$/.test(t.text)) return { type: 'literal', value: durationMs(t.text) };
      return { type: 'literal', value: Number(t.text) };
    }
    if (t.kind === 'str') return { type: 'literal', value: t.text };
    if (t.kind === 'regex') return { type: 'regex', re: compileRegex(t.text) };
    if (t.kind === 'name' && this.isOp('(')) {
      const name = t.text.toLowerCase();
      if (!FUNCTIONS.has(name) && !AGGREGATES.has(name))
        throw new InsightsQueryError(`The function ${t.text.slice(0, 64)} is not implemented by Seawall.`);
      this.pos++;
      const args: Expr[] = [];
      if (this.isOp('*')) {
        this.pos++;
        args.push({ type: 'literal', value: '*' });
      } else if (!this.isOp(')'))
        for (;;) {
          args.push(this.nest(() => this.expr()));
          if (!this.isOp(',')) break;
          this.pos++;
        }
      this.expect(')');
      return { type: 'call', name, args };
    }
    if (t.kind === 'name' && ['true', 'false'].includes(t.text.toLowerCase()))
      return { type: 'literal', value: t.text.toLowerCase() === 'true' };
    if (t.kind === 'name' || t.kind === 'field') return { type: 'field', name: t.text };
    throw new InsightsQueryError(`Unexpected '${t.text.slice(0, 32)}' in the query.`);
  }
  named(): { expr: Expr; name: string } {
    const start = this.pos;
    const expr = this.expr();
    if (this.isWord('as')) {
      this.pos++;
      const alias = this.take();
      if (alias.kind !== 'name' && alias.kind !== 'field')
        throw new InsightsQueryError('Expected a name after as.');
      return { expr, name: alias.text };
    }
    return {
      expr,
      name: this.tokens
        .slice(start, this.pos)
        .map((x) => x.text)
        .join(''),
    };
  }
  namedList(): { expr: Expr; name: string }[] {
    const items = [this.named()];
    while (this.isOp(',')) {
      this.pos++;
      items.push(this.named());
    }
    return items;
  }
}

function durationMs(text: string): number {
  const unit = text.at(-1) as string;
  const n = Number(text.slice(0, -1));
  return n * (({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[unit] ?? 1000);
}

export function parseInsightsQuery(text: string): InsightsQuery {
  if (text.length > MAX_QUERY)
    throw new InsightsQueryError(`The query is longer than ${MAX_QUERY} characters.`);
  const p = new Parser(tokenize(text));
  const commands: Command[] = [];
  while (p.pos < p.tokens.length) {
    const head = p.take();
    if (head.kind !== 'name')
      throw new InsightsQueryError(`Expected a command, not '${head.text.slice(0, 32)}'.`);
    const kind = head.text.toLowerCase();
    switch (kind) {
      case 'fields':
      case 'display':
        commands.push({ kind, items: p.namedList() });
        break;
      case 'filter':
        commands.push({ kind, expr: p.expr() });
        break;
      case 'parse': {
        const source = p.expr();
        const pattern = p.take();
        if (pattern.kind === 'regex') {
          const re = compileRegex(pattern.text);
          const names = Object.keys(re.namedGroups());
          if (names.length === 0)
            throw new InsightsQueryError('A parse regular expression needs named groups, as (?<name>…).');
          commands.push({ kind, source, regex: { re, names } });
        } else if (pattern.kind === 'str') {
          if (!p.isWord('as'))
            throw new InsightsQueryError('A parse pattern with * is followed by as and the field names.');
          p.pos++;
          const names: string[] = [p.take().text];
          while (p.isOp(',')) {
            p.pos++;
            names.push(p.take().text);
          }
          const stars = pattern.text.split('*').length - 1;
          if (stars !== names.length)
            throw new InsightsQueryError(`The parse pattern has ${stars} * but ${names.length} names.`);
          const regex = `${pattern.text
            .split('*')
            .map((part) => RE2JS.quote(part))
            .join('(.*?)')}`;
          commands.push({ kind, source, glob: { re: RE2JS.compile(regex), names } });
        } else throw new InsightsQueryError('parse takes a "pattern with *" or a /regular expression/.');
        break;
      }
      case 'stats': {
        const aggs: { fn: string; args: Expr[]; name: string }[] = [];
        for (;;) {
          const item = p.named();
          if (item.expr.type !== 'call' || !AGGREGATES.has(item.expr.name))
            throw new InsightsQueryError(`stats takes aggregate functions (${[...AGGREGATES].join(', ')}).`);
          aggs.push({ fn: item.expr.name, args: item.expr.args, name: item.name });
          if (!p.isOp(',')) break;
          p.pos++;
        }
        let by: { expr: Expr; name: string }[] = [];
        if (p.isWord('by')) {
          p.pos++;
          by = p.namedList();
        }
        commands.push({ kind, aggs, by });
        break;
      }
      case 'sort': {
        const keys: { expr: Expr; desc: boolean }[] = [];
        for (;;) {
          const expr = p.expr();
          let desc = true;
          if (p.isWord('asc')) {
            desc = false;
            p.pos++;
          } else if (p.isWord('desc')) p.pos++;
          keys.push({ expr, desc });
          if (!p.isOp(',')) break;
          p.pos++;
        }
        commands.push({ kind, keys });
        break;
      }
      case 'dedup': {
        const fields: Expr[] = [];
        for (;;) {
          const t = p.take();
          if (t.kind !== 'name' && t.kind !== 'field')
            throw new InsightsQueryError('dedup takes field names.');
          fields.push({ type: 'field', name: t.text });
          if (!p.isOp(',')) break;
          p.pos++;
        }
        commands.push({ kind, fields });
        break;
      }
      case 'limit': {
        const n = p.take();
        if (n.kind !== 'num' || !/^\d+$/.test(n.text) || Number(n.text) < 1 || Number(n.text) > 10_000)
          throw new InsightsQueryError('limit takes a number from 1 to 10000.');
        commands.push({ kind, n: Number(n.text) });
        break;
      }
      default:
        throw new InsightsQueryError(`The command ${head.text.slice(0, 32)} is not implemented by Seawall.`);
    }
    if (p.pos < p.tokens.length) {
      if (!p.isOp('|'))
        throw new InsightsQueryError(
          `Unexpected '${p.peek()?.text.slice(0, 32)}': commands are separated by |.`,
        );
      p.pos++;
    }
  }
  if (commands.length === 0) throw new InsightsQueryError('The query is empty.');
  return { commands };
}

/** One event as a query sees it. */
export interface QueryEvent {
  readonly time: number;
  readonly ingestion: number;
  readonly group: string;
  readonly stream: string;
  readonly message: string;
}

export interface QueryResult {
  readonly fields: string[];
  readonly rows: { field: string; value: string }[][];
  readonly matched: number;
}

const MAX_ROWS = 10_000;
const MAX_BUFFERED = 100_000;

/** Insights' timestamp format: `2026-12-05 01:00:00.000`. */
function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A JSON message's fields, flattened with dots as Insights names them (`a.b`, `list.0`), depth-bounded. */
function jsonFields(message: string, row: Row): void {
  if (!message.startsWith('{')) return;
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    return;
  }
  const walk = (value: unknown, prefix: string, depth: number) => {
    if (depth > 10 || row.size > 500) return;
    if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value as Record<string, unknown>))
        walk(child, prefix ? `${prefix}.${key}` : key, depth + 1);
    } else if (prefix) row.set(prefix, value);
  };
  walk(doc, '', 0);
}

function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

function evaluate(expr: Expr, row: Row): unknown {
  switch (expr.type) {
    case 'field':
      return row.get(expr.name);
    case 'literal':
      return expr.value;
    case 'regex':
      return expr.re;
    case 'list':
      return expr.items.map((item) => evaluate(item, row));
    case 'unary':
      if (expr.op === 'not') return !truthy(evaluate(expr.arg, row));
      return -(numeric(evaluate(expr.arg, row)) ?? Number.NaN);
    case 'call':
      return call(expr, row);
    case 'binary': {
      if (expr.op === 'and') return truthy(evaluate(expr.left, row)) && truthy(evaluate(expr.right, row));
      if (expr.op === 'or') return truthy(evaluate(expr.left, row)) || truthy(evaluate(expr.right, row));
      const left = evaluate(expr.left, row);
      const right = evaluate(expr.right, row);
      switch (expr.op) {
        case 'like': {
          if (left === undefined) return false;
          const text = display(left);
          return right instanceof RE2JS ? right.matcher(text).find() : text.includes(String(right));
        }
        case 'in':
          return (right as unknown[]).some((item) => equal(left, item));
        case '=':
          return equal(left, right);
        case '!=':
          return left !== undefined && !equal(left, right);
        case '<':
        case '>':
        case '<=':
        case '>=': {
          const a = numeric(left);
          const b = numeric(right);
          if (a === undefined || b === undefined) return false;
          return expr.op === '<' ? a < b : expr.op === '>' ? a > b : expr.op === '<=' ? a <= b : a >= b;
        }
        default: {
          const a = numeric(left);
          const b = numeric(right);
          if (a === undefined || b === undefined) return undefined;
          return expr.op === '+'
            ? a + b
            : expr.op === '-'
              ? a - b
              : expr.op === '*'
                ? a * b
                : expr.op === '/'
                  ? a / b
                  : expr.op === '^'
                    ? a ** b
                    : a % b;
        }
      }
    }
  }
}

function equal(a: unknown, b: unknown): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return x === y;
  return a !== undefined && display(a) === display(b);
}

/** A timestamp as a number of milliseconds: @timestamp is one; a formatted one (bin's, fromMillis') is read. */
function millisOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d/.test(value)) {
    const ms = Date.parse(`${value.replace(' ', 'T')}${value.endsWith('Z') ? '' : 'Z'}`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Removes the characters of `chars` (white space without) from the start, the end or both of `text`. */
function trimmed(text: string, chars: string | undefined, start: boolean, end: boolean): string {
  const drop = (c: string) => (chars === undefined ? /\s/.test(c) : chars.includes(c));
  let from = 0;
  let to = text.length;
  if (start) while (from < to && drop(text[from] as string)) from++;
  if (end) while (to > from && drop(text[to - 1] as string)) to--;
  return text.slice(from, to);
}

/** Whether an address is in a CIDR subnet, each of the family asked (4, 6, or either: 0). */
function inSubnet(address: string, subnet: string, family: 0 | 4 | 6): boolean {
  const kind = isIP(address);
  const [network = '', prefix = ''] = subnet.split('/');
  const netKind = isIP(network);
  if (kind === 0 || kind !== netKind || (family !== 0 && kind !== family) || !/^\d{1,3}$/.test(prefix))
    return false;
  const bits = Number(prefix);
  if (bits > (kind === 4 ? 32 : 128)) return false;
  const list = new BlockList();
  const type = kind === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(network, bits, type);
  return list.check(address, type);
}

function call(expr: Extract<Expr, { type: 'call' }>, row: Row): unknown {
  const args = expr.args.map((arg) => evaluate(arg, row));
  const [arg, second, third] = args;
  const text = (value: unknown) => (value === undefined || value === null ? undefined : display(value));
  switch (expr.name) {
    case 'bin': {
      const width = numeric(arg);
      const time = row.get('@timestamp') as number;
      if (!width || width <= 0) throw new InsightsQueryError('bin takes a period such as 5m.');
      return formatTime(Math.floor(time / width) * width);
    }
    case 'datefloor':
    case 'dateceil': {
      const time = millisOf(arg);
      const width = numeric(second);
      if (!width || width <= 0) throw new InsightsQueryError(`${expr.name} takes a period such as 1h.`);
      if (time === undefined) return undefined;
      const round = expr.name === 'datefloor' ? Math.floor : Math.ceil;
      return formatTime(round(time / width) * width);
    }
    case 'frommillis': {
      const ms = numeric(arg);
      return ms === undefined ? undefined : formatTime(ms);
    }
    case 'tomillis':
      return millisOf(arg);
    case 'ispresent':
      return arg !== undefined && arg !== null;
    case 'coalesce':
      return args.find((value) => value !== undefined && value !== null);
    case 'isempty':
      return arg === undefined || arg === null || display(arg) === '';
    case 'isblank':
      return arg === undefined || arg === null || display(arg).trim() === '';
    case 'concat':
      return args.map((value) => text(value) ?? '').join('');
    case 'ltrim':
    case 'rtrim':
    case 'trim': {
      const value = text(arg);
      if (value === undefined) return undefined;
      return trimmed(value, text(second), expr.name !== 'rtrim', expr.name !== 'ltrim');
    }
    case 'strlen':
      return arg === undefined ? undefined : [...display(arg)].length;
    case 'tolower':
      return arg === undefined ? undefined : display(arg).toLowerCase();
    case 'toupper':
      return arg === undefined ? undefined : display(arg).toUpperCase();
    case 'substr': {
      const value = text(arg);
      const from = numeric(second);
      if (value === undefined || from === undefined) return undefined;
      const points = [...value];
      const length = numeric(third);
      return points.slice(from, length === undefined ? undefined : from + Math.max(0, length)).join('');
    }
    case 'replace': {
      const value = text(arg);
      const search = text(second);
      if (value === undefined || search === undefined || search === '') return value;
      return value.split(search).join(text(third) ?? '');
    }
    case 'strcontains': {
      const value = text(arg);
      const search = text(second);
      return value !== undefined && search !== undefined && value.includes(search) ? 1 : 0;
    }
    case 'abs':
    case 'floor':
    case 'ceil':
    case 'log':
    case 'sqrt': {
      const n = numeric(arg);
      return n === undefined ? undefined : Math[expr.name](n);
    }
    case 'greatest':
    case 'least': {
      const numbers = args.map(numeric).filter((n): n is number => n !== undefined);
      if (numbers.length === 0) return undefined;
      return expr.name === 'greatest' ? Math.max(...numbers) : Math.min(...numbers);
    }
    case 'isvalidip':
      return isIP(text(arg) ?? '') !== 0;
    case 'isvalidipv4':
      return isIP(text(arg) ?? '') === 4;
    case 'isvalidipv6':
      return isIP(text(arg) ?? '') === 6;
    case 'isipinsubnet':
    case 'isipv4insubnet':
    case 'isipv6insubnet': {
      const family = expr.name === 'isipv4insubnet' ? 4 : expr.name === 'isipv6insubnet' ? 6 : 0;
      return inSubnet(text(arg) ?? '', text(second) ?? '', family);
    }
    default:
      throw new InsightsQueryError(`${expr.name} can only be used in stats.`);
  }
}

interface Group {
  keys: unknown[];
  states: {
    count: number;
    sum: number;
    squares: number;
    min: number | undefined;
    max: number | undefined;
    distinct: Set<string>;
    values: number[];
    /** earliest, latest, sortsFirst, sortsLast: the value chosen so far and what it was chosen by. */
    chosen?: { value: unknown; by: unknown };
  }[];
}

/** Insights' order of two values: numbers as numbers, anything else as its text. */
function compareValues(x: unknown, y: unknown): number {
  const nx = numeric(x);
  const ny = numeric(y);
  return nx !== undefined && ny !== undefined ? nx - ny : display(x).localeCompare(display(y));
}

/** For earliest, latest, sortsFirst and sortsLast: what a value is chosen by, and whether it beats the one held. */
const CHOOSERS: Readonly<
  Record<string, (value: unknown, row: Row) => { by: unknown; beats: (held: unknown) => boolean }>
> = {
  earliest: (_value, row) => {
    const time = row.get('@timestamp') as number;
    return { by: time, beats: (held) => time < (held as number) };
  },
  latest: (_value, row) => {
    const time = row.get('@timestamp') as number;
    return { by: time, beats: (held) => time > (held as number) };
  },
  sortsfirst: (value) => ({ by: value, beats: (held) => compareValues(value, held) < 0 }),
  sortslast: (value) => ({ by: value, beats: (held) => compareValues(value, held) > 0 }),
};

/** Runs a query over events fed one by one (newest first); answers whether it wants more. */
export function createQueryRun(query: InsightsQuery): {
  add(event: QueryEvent): boolean;
  finish(): QueryResult;
} {
  const statsAt = query.commands.findIndex((c) => c.kind === 'stats');
  const pre = statsAt < 0 ? query.commands : query.commands.slice(0, statsAt);
  const stats = statsAt < 0 ? undefined : (query.commands[statsAt] as Extract<Command, { kind: 'stats' }>);
  const post = statsAt < 0 ? [] : query.commands.slice(statsAt + 1);
  const streamingLimit =
    !stats && !pre.some((c) => c.kind === 'sort' || c.kind === 'dedup')
      ? pre.find((c) => c.kind === 'limit')
      : undefined;
  const rows: Row[] = [];
  const groups = new Map<string, Group>();
  let shown: string[] | undefined;
  let matched = 0;

  const rowOf = (event: QueryEvent): Row => {
    const row: Row = new Map<string, unknown>([
      ['@timestamp', event.time],
      ['@message', event.message],
      ['@logStream', event.stream],
      ['@log', event.group],
      ['@ingestionTime', event.ingestion],
    ]);
    jsonFields(event.message, row);
    return row;
  };

  /** Applies row commands; false when the row is filtered out. */
  const apply = (commands: readonly Command[], row: Row): boolean => {
    for (const command of commands) {
      if (command.kind === 'filter' && !truthy(evaluate(command.expr, row))) return false;
      if (command.kind === 'fields' || command.kind === 'display') {
        for (const item of command.items)
          if (item.expr.type !== 'field' || item.name !== item.expr.name)
            row.set(item.name, evaluate(item.expr, row));
      }
      if (command.kind === 'parse') {
        const text = display(evaluate(command.source, row));
        const spec = command.glob ?? command.regex;
        if (!spec) continue;
        const matcher = spec.re.matcher(text);
        if (!matcher.find()) continue;
        spec.names.forEach((name, i) => {
          row.set(name, command.glob ? matcher.group(i + 1) : matcher.group(name));
        });
      }
    }
    return true;
  };

  for (const command of query.commands) {
    if (command.kind === 'fields') shown = [...(shown ?? []), ...command.items.map((i) => i.name)];
    if (command.kind === 'display') shown = command.items.map((i) => i.name);
  }

  return {
    add(event) {
      const row = rowOf(event);
      if (!apply(pre, row)) return true;
      matched++;
      if (!stats) {
        if (rows.length >= MAX_BUFFERED)
          throw new InsightsQueryError(
            `The query matched more than ${MAX_BUFFERED} events before its sort; narrow it with filter or a shorter time range.`,
          );
        rows.push(row);
        return !(streamingLimit && rows.length >= (streamingLimit as { n: number }).n);
      }
      const keys = stats.by.map((b) => evaluate(b.expr, row));
      const key = JSON.stringify(keys);
      let group = groups.get(key);
      if (!group) {
        if (groups.size >= MAX_BUFFERED)
          throw new InsightsQueryError('The stats command has too many groups.');
        group = {
          keys,
          states: stats.aggs.map(() => ({
            count: 0,
            sum: 0,
            squares: 0,
            min: undefined,
            max: undefined,
            distinct: new Set(),
            values: [],
          })),
        };
        groups.set(key, group);
      }
      stats.aggs.forEach((agg, i) => {
        const state = group.states[i] as Group['states'][number];
        const first = agg.args[0];
        const star = first?.type === 'literal' && first.value === '*';
        const value = first && !star ? evaluate(first, row) : undefined;
        if (agg.fn === 'count') {
          if (star || first === undefined || (value !== undefined && value !== null)) state.count++;
          return;
        }
        if (agg.fn === 'count_distinct') {
          if (value !== undefined && state.distinct.size < 100_000) state.distinct.add(display(value));
          return;
        }
        const chooser = CHOOSERS[agg.fn];
        if (chooser) {
          if (value === undefined || value === null) return;
          const { by, beats } = chooser(value, row);
          if (!state.chosen || beats(state.chosen.by)) state.chosen = { value, by };
          return;
        }
        const n = numeric(value);
        if (n === undefined) return;
        state.count++;
        state.sum += n;
        state.squares += n * n;
        state.min = state.min === undefined ? n : Math.min(state.min, n);
        state.max = state.max === undefined ? n : Math.max(state.max, n);
        if (agg.fn === 'pct' && state.values.length < MAX_BUFFERED) state.values.push(n);
      });
      return true;
    },
    finish() {
      let out: Row[] = rows;
      let fields = shown ?? ['@timestamp', '@message'];
      if (stats) {
        out = [...groups.values()].map((group) => {
          const row: Row = new Map();
          stats.by.forEach((b, i) => {
            row.set(b.name, group.keys[i]);
          });
          stats.aggs.forEach((agg, i) => {
            const s = group.states[i] as Group['states'][number];
            const value =
              agg.fn === 'count'
                ? s.count
                : agg.fn === 'count_distinct'
                  ? s.distinct.size
                  : agg.fn === 'sum'
                    ? s.sum
                    : agg.fn === 'avg'
                      ? s.count > 0
                        ? s.sum / s.count
                        : undefined
                      : agg.fn === 'min'
                        ? s.min
                        : agg.fn === 'max'
                          ? s.max
                          : agg.fn === 'stddev'
                            ? standardDeviation(s)
                            : CHOOSERS[agg.fn]
                              ? s.chosen?.value
                              : percentileOf(
                                  s.values,
                                  numeric(agg.args[1] ? evaluate(agg.args[1], new Map()) : undefined),
                                );
            row.set(agg.name, value);
          });
          return row;
        });
        // Groups by a time bin come out in time order, as Insights gives them.
        out.sort((a, b) =>
          display(a.get(stats.by[0]?.name ?? '')).localeCompare(display(b.get(stats.by[0]?.name ?? ''))),
        );
        fields = post.some((c) => c.kind === 'display')
          ? (shown as string[])
          : [...stats.by.map((b) => b.name), ...stats.aggs.map((a) => a.name)];
        out = out.filter((row) =>
          apply(
            post.filter((c) => c.kind === 'filter'),
            row,
          ),
        );
      }
      for (const command of stats ? post : pre) {
        if (command.kind === 'sort')
          out = [...out].sort((a, b) => {
            for (const key of command.keys) {
              const c = compareValues(evaluate(key.expr, a), evaluate(key.expr, b));
              if (c !== 0) return key.desc ? -c : c;
            }
            return 0;
          });
        if (command.kind === 'dedup') out = deduplicated(out, command.fields);
        if (command.kind === 'limit') out = out.slice(0, command.n);
      }
      return {
        fields,
        matched,
        rows: out.slice(0, MAX_ROWS).map((row) =>
          fields.map((field) => {
            const value = row.get(field);
            return {
              field,
              value:
                (field === '@timestamp' || field === '@ingestionTime') && typeof value === 'number'
                  ? formatTime(value)
                  : display(value),
            };
          }),
        ),
      };
    },
  };
}

/** The sample standard deviation (0 for one value). */
function standardDeviation(s: { count: number; sum: number; squares: number }): number | undefined {
  if (s.count === 0) return undefined;
  if (s.count === 1) return 0;
  const mean = s.sum / s.count;
  return Math.sqrt(Math.max(0, (s.squares - s.count * mean * mean) / (s.count - 1)));
}

/** dedup: the first row of each combination of the fields' values; a row missing one of them is kept. */
function deduplicated(rows: Row[], fields: readonly Expr[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const values = fields.map((field) => evaluate(field, row));
    if (values.some((value) => value === undefined || value === null)) return true;
    const key = JSON.stringify(values.map(display));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function percentileOf(values: number[], p: number | undefined): number | undefined {
  if (values.length === 0 || p === undefined) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
