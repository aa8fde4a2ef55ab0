/**
 * CloudWatch metric math: the expressions GetMetricData and metric alarms evaluate over the other queries'
 * time series. Values are scalars, time series (timestamps ascending) or arrays of time series. Arithmetic
 * between two series keeps the timestamps both have (CloudWatch aligns series by timestamp); a scalar applies
 * to every point. Non-finite results (a division by zero) are dropped from what is returned, as CloudWatch
 * returns no datapoint for them.
 */

export interface Series {
  readonly id?: string;
  readonly label: string;
  /** Epoch milliseconds, ascending. */
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

export interface MathContext {
  /** The period in seconds and the [start, end) range in epoch ms: FILL and TIME_SERIES use its grid. */
  readonly period: number;
  readonly start: number;
  readonly end: number;
  /** The other queries' results, by Id. */
  readonly series: ReadonlyMap<string, Series>;
}

export type MathValue =
  | { kind: 'scalar'; value: number }
  | { kind: 'series'; series: Series }
  | { kind: 'array'; series: readonly Series[] };

export class MetricMathError extends Error {
  override readonly name = 'MetricMathError';
}

type Node =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'id'; name: string }
  | { type: 'keyword'; name: string }
  | { type: 'unary'; op: '-' | 'NOT'; arg: Node }
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
    const op = /^(<=|>=|==|!=|[-+*/^(),[\]<>])/.exec(rest);
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
    while (this.isWord('OR')) {
      this.pos++;
      left = { type: 'binary', op: 'OR', left, right: this.and() };
    }
    return left;
  }
  private and(): Node {
    let left = this.not();
    while (this.isWord('AND')) {
      this.pos++;
      left = { type: 'binary', op: 'AND', left, right: this.not() };
    }
    return left;
  }
  private not(): Node {
    if (this.isWord('NOT')) {
      this.pos++;
      return this.nest(() => ({ type: 'unary', op: 'NOT', arg: this.not() }));
    }
    return this.comparison();
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
  SQRT: [1, 1],
  FILL: [2, 2],
  RATE: [1, 1],
  DIFF: [1, 1],
  DIFF_TIME: [1, 1],
  RUNNING_SUM: [1, 1],
  IF: [2, 3],
  PERIOD: [1, 1],
  DATAPOINT_COUNT: [1, 1],
  TIME_SERIES: [1, 1],
  FIRST: [1, 1],
  LAST: [1, 1],
};

const REFUSED = new Set([
  'SEARCH',
  'SELECT',
  'ANOMALY_DETECTION_BAND',
  'LAMBDA',
  'INSIGHT_RULE_METRIC',
  'SERVICE_QUOTA',
  'SLICE',
  'SORT',
  'REMOVE_EMPTY',
  'CONCAT',
  'AVG_BY',
]);

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
    else if (n.type === 'keyword' && !['REPEAT', 'LINEAR'].includes(n.name))
      throw new MetricMathError(
        `Unknown name ${n.name.slice(0, 64)}: query Ids begin with a lowercase letter.`,
      );
  }
}

/** The ids an expression reads; `*` when it reads every metric (METRICS()). */
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

const scalar = (value: number): MathValue => ({ kind: 'scalar', value });
const series = (s: Series): MathValue => ({ kind: 'series', series: s });

/** Applies `f` to each point of a series (or each series of an array); a scalar directly. */
function mapValues(value: MathValue, f: (v: number) => number, label?: (s: Series) => string): MathValue {
  const one = (s: Series): Series => ({ ...s, label: label ? label(s) : s.label, values: s.values.map(f) });
  if (value.kind === 'scalar') return scalar(f(value.value));
  if (value.kind === 'series') return series(one(value.series));
  return { kind: 'array', series: value.series.map(one) };
}

function combine(a: Series, b: Series, f: (x: number, y: number) => number, label: string): Series {
  const other = new Map<number, number>();
  b.timestamps.forEach((t, i) => {
    other.set(t, b.values[i] as number);
  });
  const timestamps: number[] = [];
  const values: number[] = [];
  a.timestamps.forEach((t, i) => {
    const y = other.get(t);
    if (y === undefined) return;
    timestamps.push(t);
    values.push(f(a.values[i] as number, y));
  });
  return { label, timestamps, values };
}

function binary(op: string, left: MathValue, right: MathValue, text: string): MathValue {
  const f = OPERATORS[op];
  if (!f) throw new MetricMathError(`Unknown operator ${op}.`);
  if (left.kind === 'scalar' && right.kind === 'scalar') return scalar(f(left.value, right.value));
  if (left.kind === 'scalar')
    return mapValues(
      right,
      (v) => f(left.value, v),
      () => text,
    );
  if (right.kind === 'scalar')
    return mapValues(
      left,
      (v) => f(v, right.value),
      () => text,
    );
  if (left.kind === 'series' && right.kind === 'series')
    return series(combine(left.series, right.series, f, text));
  if (left.kind === 'array' && right.kind === 'series')
    return { kind: 'array', series: left.series.map((s) => combine(s, right.series, f, s.label)) };
  if (left.kind === 'series' && right.kind === 'array')
    return { kind: 'array', series: right.series.map((s) => combine(left.series, s, f, s.label)) };
  throw new MetricMathError('Arithmetic between two arrays of time series is not supported by CloudWatch.');
}

const truthy = (v: number) => v !== 0 && !Number.isNaN(v);
const OPERATORS: Readonly<Record<string, (x: number, y: number) => number>> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '^': (x, y) => x ** y,
  '<': (x, y) => Number(x < y),
  '<=': (x, y) => Number(x <= y),
  '>': (x, y) => Number(x > y),
  '>=': (x, y) => Number(x >= y),
  '==': (x, y) => Number(x === y),
  '!=': (x, y) => Number(x !== y),
  AND: (x, y) => Number(truthy(x) && truthy(y)),
  OR: (x, y) => Number(truthy(x) || truthy(y)),
};

function aggregate(values: readonly number[], fn: string): number {
  if (values.length === 0) return Number.NaN;
  switch (fn) {
    case 'SUM':
      return values.reduce((a, b) => a + b, 0);
    case 'AVG':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'MIN':
      return Math.min(...values);
    case 'MAX':
      return Math.max(...values);
    default: {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    }
  }
}

function grid(context: MathContext): number[] {
  const out: number[] = [];
  const step = context.period * 1000;
  for (let t = context.start; t < context.end && out.length < 100_800; t += step) out.push(t);
  return out;
}

function asSeriesList(value: MathValue, fn: string): readonly Series[] {
  if (value.kind === 'scalar') throw new MetricMathError(`${fn} needs a time series, not a number.`);
  return value.kind === 'series' ? [value.series] : value.series;
}

function perSeries(value: MathValue, fn: string, f: (s: Series) => Series): MathValue {
  const list = asSeriesList(value, fn).map(f);
  return value.kind === 'series' ? series(list[0] as Series) : { kind: 'array', series: list };
}

function differences(s: Series, f: (dv: number, dtSeconds: number) => number): Series {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < s.timestamps.length; i++) {
    timestamps.push(s.timestamps[i] as number);
    values.push(
      f(
        (s.values[i] as number) - (s.values[i - 1] as number),
        ((s.timestamps[i] as number) - (s.timestamps[i - 1] as number)) / 1000,
      ),
    );
  }
  return { ...s, timestamps, values };
}

function fill(s: Series, how: MathValue | 'REPEAT' | 'LINEAR', context: MathContext): Series {
  const known = new Map<number, number>();
  s.timestamps.forEach((t, i) => {
    known.set(t, s.values[i] as number);
  });
  const times = [...new Set([...grid(context), ...s.timestamps])].sort((a, b) => a - b);
  const values: number[] = [];
  const fillOf = (t: number): number | undefined => {
    if (how === 'REPEAT') {
      let last: number | undefined;
      for (let i = 0; i < s.timestamps.length && (s.timestamps[i] as number) < t; i++) last = s.values[i];
      return last;
    }
    if (how === 'LINEAR') {
      let before = -1;
      for (let i = 0; i < s.timestamps.length && (s.timestamps[i] as number) < t; i++) before = i;
      const after = before + 1;
      if (before < 0 || after >= s.timestamps.length) return undefined;
      const t0 = s.timestamps[before] as number;
      const t1 = s.timestamps[after] as number;
      const v0 = s.values[before] as number;
      const v1 = s.values[after] as number;
      return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
    }
    if (how.kind === 'scalar') return how.value;
    if (how.kind === 'series') {
      const i = how.series.timestamps.indexOf(t);
      return i < 0 ? undefined : how.series.values[i];
    }
    throw new MetricMathError('FILL takes a number, a time series, REPEAT or LINEAR.');
  };
  const out: number[] = [];
  for (const t of times) {
    const v = known.get(t) ?? fillOf(t);
    if (v !== undefined) {
      out.push(t);
      values.push(v);
    }
  }
  return { ...s, timestamps: out, values };
}

function valueAt(value: MathValue, t: number): number | undefined {
  if (value.kind === 'scalar') return value.value;
  if (value.kind === 'series') {
    const i = value.series.timestamps.indexOf(t);
    return i < 0 ? undefined : value.series.values[i];
  }
  throw new MetricMathError('IF takes a number or a time series for its values.');
}

export function evaluateMetricMath(expression: Expression, context: MathContext): MathValue {
  const evaluate = (node: Node): MathValue => {
    switch (node.type) {
      case 'number':
        return scalar(node.value);
      case 'string':
        throw new MetricMathError(`A string ('${node.value.slice(0, 32)}') can only be METRICS()' filter.`);
      case 'keyword':
        throw new MetricMathError(`${node.name} can only be FILL's second argument.`);
      case 'id': {
        const found = context.series.get(node.name);
        if (!found) throw new MetricMathError(`Unknown query Id ${node.name.slice(0, 64)}.`);
        return series({ ...found, id: node.name });
      }
      case 'unary': {
        const arg = evaluate(node.arg);
        return node.op === '-' ? mapValues(arg, (v) => -v) : mapValues(arg, (v) => Number(!truthy(v)));
      }
      case 'binary':
        return binary(node.op, evaluate(node.left), evaluate(node.right), expression.text);
      case 'array': {
        const list: Series[] = [];
        for (const item of node.items) list.push(...asSeriesList(evaluate(item), 'An array'));
        return { kind: 'array', series: list };
      }
      case 'call':
        return call(node);
    }
  };

  const call = (node: Extract<Node, { type: 'call' }>): MathValue => {
    const [first, second, third] = node.args;
    switch (node.name) {
      case 'METRICS': {
        let filter: string | undefined;
        if (first) {
          if (first.type !== 'string')
            throw new MetricMathError("METRICS takes a string filter, as METRICS('errors').");
          filter = first.value;
        }
        const list = [...context.series.entries()]
          .filter(([id, s]) => filter === undefined || id.includes(filter) || s.label.includes(filter))
          .map(([id, s]) => ({ ...s, id }));
        return { kind: 'array', series: list };
      }
      case 'SUM':
      case 'AVG':
      case 'MIN':
      case 'MAX':
      case 'STDDEV': {
        const value = evaluate(first as Node);
        if (value.kind === 'scalar') return value;
        if (value.kind === 'series') return scalar(aggregate(value.series.values, node.name));
        // Across an array: one series, a value at each timestamp any of them has.
        const byTime = new Map<number, number[]>();
        for (const s of value.series)
          s.timestamps.forEach((t, i) => {
            const list = byTime.get(t) ?? [];
            list.push(s.values[i] as number);
            byTime.set(t, list);
          });
        const timestamps = [...byTime.keys()].sort((a, b) => a - b);
        return series({
          label: expression.text,
          timestamps,
          values: timestamps.map((t) => aggregate(byTime.get(t) as number[], node.name)),
        });
      }
      case 'ABS':
        return mapValues(evaluate(first as Node), Math.abs);
      case 'CEIL':
        return mapValues(evaluate(first as Node), Math.ceil);
      case 'FLOOR':
        return mapValues(evaluate(first as Node), Math.floor);
      case 'LOG':
        return mapValues(evaluate(first as Node), Math.log);
      case 'LOG10':
        return mapValues(evaluate(first as Node), Math.log10);
      case 'SQRT':
        return mapValues(evaluate(first as Node), Math.sqrt);
      case 'RATE':
        return perSeries(evaluate(first as Node), 'RATE', (s) => differences(s, (dv, dt) => dv / dt));
      case 'DIFF':
        return perSeries(evaluate(first as Node), 'DIFF', (s) => differences(s, (dv) => dv));
      case 'DIFF_TIME':
        return perSeries(evaluate(first as Node), 'DIFF_TIME', (s) => differences(s, (_dv, dt) => dt));
      case 'RUNNING_SUM':
        return perSeries(evaluate(first as Node), 'RUNNING_SUM', (s) => {
          let sum = 0;
          return { ...s, values: s.values.map((v) => (sum += v)) };
        });
      case 'FILL': {
        const how =
          second?.type === 'keyword' && (second.name === 'REPEAT' || second.name === 'LINEAR')
            ? second.name
            : evaluate(second as Node);
        return perSeries(evaluate(first as Node), 'FILL', (s) => fill(s, how, context));
      }
      case 'IF': {
        const condition = evaluate(first as Node);
        const whenTrue = evaluate(second as Node);
        const whenFalse = third ? evaluate(third) : undefined;
        if (condition.kind === 'scalar')
          return truthy(condition.value)
            ? whenTrue
            : (whenFalse ?? {
                kind: 'series',
                series: { label: expression.text, timestamps: [], values: [] },
              });
        return perSeries(condition, 'IF', (s) => {
          const timestamps: number[] = [];
          const values: number[] = [];
          s.timestamps.forEach((t, i) => {
            const branch = truthy(s.values[i] as number) ? whenTrue : whenFalse;
            const v = branch ? valueAt(branch, t) : undefined;
            if (v === undefined) return;
            timestamps.push(t);
            values.push(v);
          });
          return { label: expression.text, timestamps, values };
        });
      }
      case 'PERIOD':
        return scalar(context.period);
      case 'DATAPOINT_COUNT': {
        const value = evaluate(first as Node);
        return scalar(asSeriesList(value, 'DATAPOINT_COUNT').reduce((n, s) => n + s.values.length, 0));
      }
      case 'FIRST':
      case 'LAST': {
        const list = asSeriesList(evaluate(first as Node), node.name);
        const one = node.name === 'FIRST' ? list[0] : list.at(-1);
        return one ? series(one) : { kind: 'array', series: [] };
      }
      case 'TIME_SERIES': {
        const value = evaluate(first as Node);
        if (value.kind !== 'scalar') return value;
        const times = grid(context);
        return series({ label: expression.text, timestamps: times, values: times.map(() => value.value) });
      }
      default:
        throw new MetricMathError(`Unknown function ${node.name.slice(0, 64)}.`);
    }
  };

  return evaluate(expression.root);
}
