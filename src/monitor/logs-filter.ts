import { RE2JS } from 're2js';

/**
 * CloudWatch Logs filter patterns, as FilterLogEvents takes them: terms (all must appear; `"a phrase"`; `?term`
 * any of these; `-term` none of these), regular expressions (`%ERROR [0-9]+%`), JSON patterns
 * (`{ $.level = "ERROR" && $.latency > 100 }`, a value may be `%regex%`), and space-delimited patterns
 * (`[ip, user, status = 5*, size > 1000]`, `...` for any number of fields, a value may be `%regex%`). Matching
 * is case-sensitive, as in CloudWatch; regular expressions are RE2 (linear time: no pattern can hang a scan).
 */

export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
}

export type Matcher = (message: string) => boolean;

/** `%regex%`: a regular expression found anywhere in the text. */
function regexOf(text: string): RE2JS {
  try {
    return RE2JS.compile(text.slice(1, -1));
  } catch {
    throw new FilterPatternError(`Invalid regular expression ${text.slice(0, 64)} in the filter pattern.`);
  }
}

const isRegex = (text: string) => text.length >= 2 && text.startsWith('%') && text.endsWith('%');

const MAX_PATTERN = 1024;
const MAX_DEPTH = 32;

/** `*` matches any run of characters; everything else literally. */
function wildcard(pattern: string): (value: string) => boolean {
  if (!pattern.includes('*')) return (value) => value === pattern;
  const parts = pattern.split('*');
  return (value) => {
    let at = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (i === 0) {
        if (!value.startsWith(part)) return false;
        at = part.length;
      } else if (i === parts.length - 1) {
        return value.length - part.length >= at && value.endsWith(part);
      } else {
        const found = value.indexOf(part, at);
        if (found < 0) return false;
        at = found + part.length;
      }
    }
    return true;
  };
}

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? '').trim();
  if (text.length > MAX_PATTERN)
    throw new FilterPatternError(`The filter pattern is longer than ${MAX_PATTERN} characters.`);
  if (text === '' || text === '""') return () => true;
  if (text.startsWith('{')) return jsonPattern(text);
  if (text.startsWith('[')) return delimitedPattern(text);
  if (text.startsWith('%')) {
    if (!isRegex(text) || text.length === 2)
      throw new FilterPatternError('A regular expression filter pattern is written %regex%.');
    const re = regexOf(text);
    return (message) => re.matcher(message).find();
  }
  return termPattern(text);
}

function termPattern(text: string): Matcher {
  const required: string[] = [];
  const optional: string[] = [];
  const excluded: string[] = [];
  const tokens = text.match(/[?-]?"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  for (const token of tokens) {
    const kind = token[0] === '?' ? optional : token[0] === '-' ? excluded : required;
    let term = kind === required ? token : token.slice(1);
    if (term.startsWith('"')) {
      if (!term.endsWith('"') || term.length < 2)
        throw new FilterPatternError('An unterminated quoted term in the filter pattern.');
      term = term.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (term === '') throw new FilterPatternError('An empty term in the filter pattern.');
    kind.push(term);
  }
  return (message) =>
    required.every((term) => message.includes(term)) &&
    (optional.length === 0 || optional.some((term) => message.includes(term))) &&
    !excluded.some((term) => message.includes(term));
}

type JsonNode =
  | { type: 'and' | 'or'; left: JsonNode; right: JsonNode }
  | {
      type: 'test';
      path: (string | number)[];
      op: string;
      value: string | number | boolean | null | 'EXISTS' | RE2JS;
    };

function jsonPattern(text: string): Matcher {
  if (!text.endsWith('}')) throw new FilterPatternError('A JSON filter pattern must end with }.');
  const body = text.slice(1, -1);
  let pos = 0;
  let depth = 0;
  const skip = () => {
    while (/\s/.test(body[pos] ?? '')) pos++;
  };
  const fail = (what: string): never => {
    throw new FilterPatternError(`Invalid JSON filter pattern at position ${pos + 2}: ${what}.`);
  };
  const selector = (): (string | number)[] => {
    skip();
    if (body[pos] !== '$') fail('expected a selector such as $.field');
    pos++;
    const path: (string | number)[] = [];
    for (;;) {
      if (body[pos] === '.') {
        pos++;
        const name = /^[A-Za-z0-9_@-]+/.exec(body.slice(pos))?.[0];
        if (!name) fail('expected a field name');
        path.push(name as string);
        pos += (name as string).length;
      } else if (body[pos] === '[') {
        const index = /^\[(\d{1,6})\]/.exec(body.slice(pos));
        if (!index) return fail('expected an array index');
        path.push(Number(index[1]));
        pos += index[0].length;
      } else return path;
    }
  };
  const test = (): JsonNode => {
    const path = selector();
    skip();
    const rest = body.slice(pos);
    const keyword = /^(IS\s+(TRUE|FALSE|NULL)|NOT\s+EXISTS|EXISTS)\b/i.exec(rest);
    if (keyword) {
      pos += keyword[0].length;
      const word = keyword[0].toUpperCase().replace(/\s+/g, ' ');
      if (word === 'EXISTS') return { type: 'test', path, op: 'exists', value: 'EXISTS' };
      if (word === 'NOT EXISTS') return { type: 'test', path, op: 'missing', value: 'EXISTS' };
      return {
        type: 'test',
        path,
        op: '=',
        value: word === 'IS TRUE' ? true : word === 'IS FALSE' ? false : null,
      };
    }
    const op = /^(=|!=|<=|>=|<|>)/.exec(rest)?.[0];
    if (!op) fail('expected =, !=, <, >, <= or >=');
    pos += (op as string).length;
    skip();
    const regex = /^%(?:[^%\\]|\\.)+%/.exec(body.slice(pos));
    if (regex) {
      if (op !== '=' && op !== '!=') fail('a regular expression is compared with = or !=');
      pos += regex[0].length;
      return { type: 'test', path, op: op as string, value: regexOf(regex[0]) };
    }
    const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(body.slice(pos));
    if (quoted) {
      pos += quoted[0].length;
      return { type: 'test', path, op: op as string, value: (quoted[1] as string).replace(/\\(.)/g, '$1') };
    }
    const numeric = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(body.slice(pos));
    if (numeric) {
      pos += numeric[0].length;
      return { type: 'test', path, op: op as string, value: Number(numeric[0]) };
    }
    const bare = /^[A-Za-z0-9_*.:/-]+/.exec(body.slice(pos));
    if (!bare) return fail('expected a value');
    pos += bare[0].length;
    return { type: 'test', path, op: op as string, value: bare[0] };
  };
  const primary = (): JsonNode => {
    skip();
    if (body[pos] === '(') {
      if (++depth > MAX_DEPTH) fail('nested too deeply');
      pos++;
      const inner = or();
      skip();
      if (body[pos] !== ')') fail("expected ')'");
      pos++;
      depth--;
      return inner;
    }
    return test();
  };
  const and = (): JsonNode => {
    let left = primary();
    for (;;) {
      skip();
      if (body.startsWith('&&', pos)) {
        pos += 2;
        left = { type: 'and', left, right: primary() };
      } else return left;
    }
  };
  const or = (): JsonNode => {
    let left = and();
    for (;;) {
      skip();
      if (body.startsWith('||', pos)) {
        pos += 2;
        left = { type: 'or', left, right: and() };
      } else return left;
    }
  };
  const tree = or();
  skip();
  if (pos < body.length) fail(`unexpected '${body.slice(pos, pos + 16)}'`);
  const evaluate = (node: JsonNode, doc: unknown): boolean => {
    if (node.type === 'and') return evaluate(node.left, doc) && evaluate(node.right, doc);
    if (node.type === 'or') return evaluate(node.left, doc) || evaluate(node.right, doc);
    if (node.type !== 'test') return false;
    let value: unknown = doc;
    for (const step of node.path) {
      if (value === null || typeof value !== 'object') {
        value = undefined;
        break;
      }
      // Own members only: `$.constructor` is no member of a message.
      value = Object.hasOwn(value, step) ? (value as Record<string | number, unknown>)[step] : undefined;
    }
    if (node.op === 'exists') return value !== undefined;
    if (node.op === 'missing') return value === undefined;
    return compare(value, node.op, node.value);
  };
  return (message) => {
    const trimmed = message.trimStart();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return false;
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      return false;
    }
    return evaluate(tree, doc);
  };
}

function compare(
  value: unknown,
  op: string,
  wanted: string | number | boolean | null | 'EXISTS' | RE2JS,
): boolean {
  if (wanted === null || typeof wanted === 'boolean') return op === '=' ? value === wanted : value !== wanted;
  if (typeof wanted === 'number') {
    if (typeof value !== 'number') return op === '!=';
    switch (op) {
      case '=':
        return value === wanted;
      case '!=':
        return value !== wanted;
      case '<':
        return value < wanted;
      case '>':
        return value > wanted;
      case '<=':
        return value <= wanted;
      default:
        return value >= wanted;
    }
  }
  if (op !== '=' && op !== '!=') return false;
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : undefined;
  const matches =
    text !== undefined && (wanted instanceof RE2JS ? wanted.matcher(text).find() : wildcard(wanted)(text));
  return op === '=' ? matches : !matches;
}

/** A space-delimited pattern's fields: split on commas outside quotes and %regex%. */
function splitFields(body: string): string[] {
  const fields: string[] = [];
  let current = '';
  let inside: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (inside !== undefined) {
      current += c;
      if (c === '\\' && i + 1 < body.length) current += body[++i];
      else if (c === inside) inside = undefined;
    } else if (c === '"' || (c === '%' && /[=<>]\s*$/.test(current))) {
      // A quote anywhere; a % only where a value begins (after its operator), as %regex%.
      inside = c;
      current += c;
    } else if (c === ',') {
      fields.push(current.trim());
      current = '';
    } else current += c;
  }
  if (inside !== undefined) throw new FilterPatternError(`An unterminated ${inside} in the filter pattern.`);
  fields.push(current.trim());
  return fields;
}

/** The most field tests the runs between `...`s may take for one event. */
const MAX_TESTS = 200_000;

/**
 * `[a, b=x, c>3]`: the message split on spaces (quoted and bracketed runs kept whole), tested by position;
 * `...` stands for any number of words. Work per message is linear in its words without `...`, and with it at
 * most MAX_TESTS tests (beyond, the pattern is refused).
 */
function delimitedPattern(text: string): Matcher {
  if (!text.endsWith(']')) throw new FilterPatternError('A space-delimited filter pattern must end with ].');
  const fields = splitFields(text.slice(1, -1));
  type Predicate = (word: string) => boolean;
  const tests: (Predicate | 'any')[] = fields.map((field, n) => {
    if (field === '...') return 'any';
    const match = /^([A-Za-z0-9_]+)\s*(?:(=|!=|<=|>=|<|>)\s*(.+))?$/s.exec(field);
    if (!match) throw new FilterPatternError(`Invalid field ${n + 1} in the space-delimited filter pattern.`);
    const [, , op, raw] = match;
    if (op === undefined || raw === undefined) return () => true;
    if (isRegex(raw)) {
      if (op !== '=' && op !== '!=')
        throw new FilterPatternError('A regular expression is compared with = or !=.');
      const re = regexOf(raw);
      return (word: string) => compare(word, op, re);
    }
    const value = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
    const number = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
    return (word: string) =>
      compare(
        number !== undefined && /^-?\d+(\.\d+)?$/.test(word) ? Number(word) : word,
        op,
        number ?? value,
      );
  });
  // The fields between `...`s: runs of tests each matching a run of as many words.
  const runs: Predicate[][] = [[]];
  for (const test of tests) {
    if (test === 'any') runs.push([]);
    else (runs.at(-1) as Predicate[]).push(test);
  }
  const words = (message: string) =>
    (message.match(/"[^"]*"|\[[^\]]*\]|\S+/g) ?? []).map((w) => w.replace(/^"(.*)"$/, '$1'));
  /** How many of a run's fields hold from word `at` on, up to the first that does not. */
  const heldAt = (run: Predicate[], list: string[], at: number) => {
    let k = 0;
    while (k < run.length && (run[k] as Predicate)(list[at + k] as string)) k++;
    return k;
  };
  const runAt = (run: Predicate[], list: string[], at: number) => heldAt(run, list, at) === run.length;
  if (runs.length === 1) {
    const only = runs[0] as Predicate[];
    return (message) => {
      const list = words(message);
      return list.length === only.length && runAt(only, list, 0);
    };
  }
  // With `...`: the first run is anchored at the start and the last at the end; each run between is taken
  // where it first matches, which leaves the most words for the runs after it (as a glob's `*` is matched).
  const first = runs[0] as Predicate[];
  const last = runs.at(-1) as Predicate[];
  const middle = runs.slice(1, -1);
  return (message) => {
    const list = words(message);
    const end = list.length - last.length;
    if (end < first.length || !runAt(first, list, 0) || !runAt(last, list, end)) return false;
    // The search for the runs between costs up to words × fields tests: past a bound the pattern is refused
    // rather than let one event hold the server (or be said not to match when it was not tried).
    let tests = 0;
    let at = first.length;
    for (const run of middle) {
      for (; at + run.length <= end; at++) {
        const k = heldAt(run, list, at);
        tests += Math.min(k + 1, run.length);
        if (k === run.length) break;
        if (tests > MAX_TESTS)
          throw new FilterPatternError(
            `The filter pattern needs more than ${MAX_TESTS} field tests for an event of ${list.length} words; use fewer fields between the ... or a narrower time range.`,
          );
      }
      if (at + run.length > end) return false;
      at += run.length;
    }
    return true;
  };
}
