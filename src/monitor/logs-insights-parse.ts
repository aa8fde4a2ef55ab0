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

export type Expr =
  | { type: 'field'; name: string }
  | { type: 'literal'; value: string | number | boolean }
  | { type: 'regex'; re: RE2JS }
  | { type: 'list'; items: Expr[] }
  | { type: 'unary'; op: 'not' | '-'; arg: Expr }
  | { type: 'binary'; op: string; left: Expr; right: Expr }
  | { type: 'call'; name: string; args: Expr[] };

export type Command =
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
