/**
 * CloudWatch metric math's syntax: an expression read into a tree, its functions checked by name and number of
 * arguments, and the query Ids it reads. Bounded in length, tokens and nesting, so hostile text is refused
 * rather than exhausting the stack.
 */

export class MetricMathError extends Error {
  override readonly name = 'MetricMathError';
}

export type Node =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'id'; name: string }
  | { type: 'keyword'; name: string }
  | { type: 'unary'; op: '-'; arg: Node }
  | { type: 'binary'; op: string; left: Node; right: Node }
  | { type: 'call'; name: string; args: Node[] }
  | { type: 'array'; items: Node[] };

export interface Expression {
  readonly root: Node;
  readonly text: string;
}

const MAX_LENGTH = 2048;
const MAX_DEPTH = 64;
const MAX_TOKENS = 1024;

type Token = { kind: 'num' | 'name' | 'str' | 'op'; text: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (tokens.length >= MAX_TOKENS) throw new MetricMathError('The expression is too long.');
    const rest = text.slice(i);
    const number = /^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'num', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new MetricMathError(`Unterminated string at position ${i + 1}.`);
      tokens.push({ kind: 'str', text: text.slice(i + 1, close), at: i });
      i = close + 1;
      continue;
    }
    const op = /^(<=|>=|==|!=|&&|\|\||[-+*/^(),[\]<>])/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', text: op[0], at: i });
      i += op[0].length;
      continue;
    }
    throw new MetricMathError(`Unexpected character '${c}' at position ${i + 1}.`);
  }
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.text === text;
  }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'name' && t.text.toUpperCase() === word;
  }
  private expect(text: string): void {
    if (!this.isOp(text)) {
      const t = this.peek();
      throw new MetricMathError(
        t
          ? `Expected '${text}' at position ${t.at + 1}.`
          : `Expected '${text}' at the end of the expression.`,
      );
    }
    this.pos++;
  }
  private nest<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new MetricMathError('The expression is nested too deeply.');
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  parse(): Node {
    const node = this.or();
    const t = this.peek();
    if (t) throw new MetricMathError(`Unexpected '${t.text.slice(0, 32)}' at position ${t.at + 1}.`);
    return node;
  }
  private or(): Node {
    let left = this.and();
    while (this.isWord('OR') || this.isOp('||')) {
      this.pos++;
      left = { type: 'binary', op: 'OR', left, right: this.and() };
    }
    return left;
  }
  private and(): Node {
    let left = this.comparison();
    while (this.isWord('AND') || this.isOp('&&')) {
      this.pos++;
      left = { type: 'binary', op: 'AND', left, right: this.comparison() };
    }
    return left;
  }
  private comparison(): Node {
    let left = this.additive();
    for (;;) {
      const t = this.peek();
      if (t?.kind !== 'op' || !['<', '<=', '>', '>=', '==', '!='].includes(t.text)) return left;
      this.pos++;
      left = { type: 'binary', op: t.text, left, right: this.additive() };
    }
  }
  private additive(): Node {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t?.kind !== 'op' || (t.text !== '+' && t.text !== '-')) return left;
      this.pos++;
      left = { type: 'binary', op: t.text, left, right: this.multiplicative() };
    }
  }
  private multiplicative(): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t?.kind !== 'op' || (t.text !== '*' && t.text !== '/')) return left;
      this.pos++;
      left = { type: 'binary', op: t.text, left, right: this.unary() };
    }
  }
  private unary(): Node {
    if (this.isOp('-')) {
      this.pos++;
      return this.nest(() => ({ type: 'unary', op: '-', arg: this.unary() }));
    }
    if (this.isOp('+')) {
      this.pos++;
      return this.nest(() => this.unary());
    }
    return this.power();
  }
  private power(): Node {
    const base = this.primary();
    if (this.isOp('^')) {
      this.pos++;
      return { type: 'binary', op: '^', left: base, right: this.nest(() => this.unary()) };
    }
    return base;
  }
  private primary(): Node {
    const t = this.peek();
    if (!t) throw new MetricMathError('The expression ends too early.');
    if (t.kind === 'num') {
      this.pos++;
      return { type: 'number', value: Number(t.text) };
    }
    if (t.kind === 'str') {
      this.pos++;
      return { type: 'string', value: t.text };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.pos++;
      const inner = this.nest(() => this.or());
      this.expect(')');
      return inner;
    }
    if (t.kind === 'op' && t.text === '[') {
      this.pos++;
      const items: Node[] = [];
      if (!this.isOp(']'))
        for (;;) {
          items.push(this.nest(() => this.or()));
          if (!this.isOp(',')) break;
          this.pos++;
        }
      this.expect(']');
      return { type: 'array', items };
    }
    if (t.kind === 'name') {
      this.pos++;
      if (this.isOp('(')) {
        this.pos++;
        const args: Node[] = [];
        if (!this.isOp(')'))
          for (;;) {
            args.push(this.nest(() => this.or()));
            if (!this.isOp(',')) break;
            this.pos++;
          }
        this.expect(')');
        return { type: 'call', name: t.text.toUpperCase(), args };
      }
      if (/^[a-z]/.test(t.text)) return { type: 'id', name: t.text };
      return { type: 'keyword', name: t.text.toUpperCase() };
    }
    throw new MetricMathError(`Unexpected '${t.text}' at position ${t.at + 1}.`);
  }
}

export function parseMetricMath(text: string): Expression {
  if (text.length > MAX_LENGTH)
    throw new MetricMathError(`The expression is longer than ${MAX_LENGTH} characters.`);
  if (/^\s*(SELECT|SEARCH)\b/i.test(text))
    throw new MetricMathError(
      'Metrics Insights queries and SEARCH expressions are not implemented by Seawall.',
    );
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new MetricMathError('The expression is empty.');
  const root = new Parser(tokens).parse();
  checkFunctions(root);
  return { root, text };
}

const FUNCTIONS: Readonly<Record<string, readonly [min: number, max: number]>> = {
  METRICS: [0, 1],
  SUM: [1, 1],
  AVG: [1, 1],
  MIN: [1, 1],
  MAX: [1, 1],
  STDDEV: [1, 1],
  ABS: [1, 1],
  CEIL: [1, 1],
  FLOOR: [1, 1],
  LOG: [1, 1],
  LOG10: [1, 1],
  FILL: [2, 2],
  RATE: [1, 1],
  DIFF: [1, 1],
  DIFF_TIME: [1, 1],
  RUNNING_SUM: [1, 1],
  IF: [2, 3],
  PERIOD: [1, 1],
  DATAPOINT_COUNT: [1, 1],
  METRIC_COUNT: [1, 1],
  TIME_SERIES: [1, 1],
  FIRST: [1, 1],
  LAST: [1, 1],
  REMOVE_EMPTY: [1, 1],
  SORT: [3, 4],
  SLICE: [2, 3],
  MINUTE: [1, 1],
  HOUR: [1, 1],
  DAY: [1, 1],
  DATE: [1, 1],
  MONTH: [1, 1],
  YEAR: [1, 1],
  EPOCH: [1, 1],
};

/** CloudWatch functions Seawall does not compute: refused by name rather than called unknown. */
const REFUSED = new Set([
  'SEARCH',
  'SELECT',
  'ANOMALY_DETECTION_BAND',
  'LAMBDA',
  'INSIGHT_RULE_METRIC',
  'SERVICE_QUOTA',
]);

/** The bare words functions take: FILL's REPEAT and LINEAR, SORT's statistic and order. */
const KEYWORDS = new Set(['REPEAT', 'LINEAR', 'AVG', 'MIN', 'MAX', 'SUM', 'ASC', 'DESC']);

function checkFunctions(node: Node): void {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    if (n.type === 'call') {
      if (REFUSED.has(n.name))
        throw new MetricMathError(`The function ${n.name} is not implemented by Seawall.`);
      const arity = FUNCTIONS[n.name];
      if (!arity) throw new MetricMathError(`Unknown function ${n.name.slice(0, 64)}.`);
      if (n.args.length < arity[0] || n.args.length > arity[1])
        throw new MetricMathError(
          `The function ${n.name} takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} arguments.`,
        );
      stack.push(...n.args);
    } else if (n.type === 'binary') stack.push(n.left, n.right);
    else if (n.type === 'unary') stack.push(n.arg);
    else if (n.type === 'array') stack.push(...n.items);
    else if (n.type === 'keyword' && !KEYWORDS.has(n.name))
      throw new MetricMathError(
        `Unknown name ${n.name.slice(0, 64)}: query Ids begin with a lowercase letter.`,
      );
  }
}

export function referencedIds(expression: Expression): string[] {
  const ids = new Set<string>();
  const stack: Node[] = [expression.root];
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    if (n.type === 'id') ids.add(n.name);
    else if (n.type === 'call') {
      if (n.name === 'METRICS') ids.add('*');
      stack.push(...n.args);
    } else if (n.type === 'binary') stack.push(n.left, n.right);
    else if (n.type === 'unary') stack.push(n.arg);
    else if (n.type === 'array') stack.push(...n.items);
  }
  return [...ids];
}
