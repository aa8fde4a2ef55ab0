import { BlockList, isIP } from 'node:net';
import { RE2JS } from 're2js';
import { type Expr, InsightsQueryError, type Row } from './logs-insights-parse.js';

/**
 * Logs Insights' values and functions: how a field's value reads as text, a number or true, and each function
 * of the query syntax (strings, numbers, times, addresses) over one row.
 */

/** Insights' timestamp format: `2026-12-05 01:00:00.000`. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A time a function makes, as text; none when it is no date (beyond ±8.64e15 ms, or not a number). */
function timeText(ms: number): string | undefined {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? formatTime(ms) : undefined;
}

export function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A JSON message's fields, flattened with dots as Insights names them (`a.b`, `list.0`), depth-bounded. */
export function jsonFields(message: string, row: Row): void {
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

export function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

export function evaluate(expr: Expr, row: Row): unknown {
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

/** The longest string a function may make: an event's largest message. */
const MAX_STRING = 262_144;

/** A string a function makes, refused before it is made when it would be longer than any event. */
function bounded(length: number, make: () => string): string {
  if (length > MAX_STRING)
    throw new InsightsQueryError(`A function's result would be longer than ${MAX_STRING} characters.`);
  return make();
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
      return timeText(Math.floor(time / width) * width);
    }
    case 'datefloor':
    case 'dateceil': {
      const time = millisOf(arg);
      const width = numeric(second);
      if (!width || width <= 0) throw new InsightsQueryError(`${expr.name} takes a period such as 1h.`);
      if (time === undefined) return undefined;
      const round = expr.name === 'datefloor' ? Math.floor : Math.ceil;
      return timeText(round(time / width) * width);
    }
    case 'frommillis': {
      const ms = numeric(arg);
      return ms === undefined ? undefined : timeText(ms);
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
    case 'concat': {
      const parts = args.map((value) => text(value) ?? '');
      return bounded(
        parts.reduce((n, part) => n + part.length, 0),
        () => parts.join(''),
      );
    }
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
      const parts = value.split(search);
      const replacement = text(third) ?? '';
      return bounded(
        (parts.length - 1) * replacement.length + value.length - (parts.length - 1) * search.length,
        () => parts.join(replacement),
      );
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
