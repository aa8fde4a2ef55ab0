/*
 * Trino's regular expression functions on DuckDB. Trino reads patterns as Java's (through Joni); DuckDB
 * reads them as RE2's. The common syntax means the same; what RE2 lacks (lookaround, backreferences,
 * possessive quantifiers, \Z) fails with DuckDB's error rather than matching differently; what RE2 would read
 * differently (class intersections, `$` before a final line break) is refused here.
 */
import { QueryRejected } from '../sandbox-tree.js';
import {
  type Call,
  checkArity,
  constantOf,
  constantString,
  type Rule,
  type RuleTable,
  renamed,
  stringConstant,
  type Translation,
  template,
} from './rules.js';

/** What a pattern's scan found: its capturing groups, and whether `$` anchors it outside a character class. */
interface PatternScan {
  groups: number;
  dollar: boolean;
}

/**
 * Scans a Java pattern: its parentheses must balance; escapes are skipped; `(?` opens a group that does not
 * capture unless it is named (`(?<name>`, `(?P<name>`). A character class nested in another or intersected
 * (`[a-z&&[^e]]`, Java's) is refused: RE2 would read its brackets as characters and match differently.
 */
export function scanPattern(pattern: string): PatternScan {
  let groups = 0;
  let depth = 0;
  let dollar = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') i++;
    else if (char === '[') i = classEnd(pattern, i);
    else if (char === '$') dollar = true;
    else if (char === ')') {
      if (--depth < 0) throw unbalanced(pattern);
    } else if (char === '(') {
      depth++;
      const next = pattern.slice(i + 1, i + 4);
      if (!next.startsWith('?') || /^\?P?<[A-Za-z]/.test(next)) groups++;
    }
  }
  if (depth !== 0) throw unbalanced(pattern);
  return { groups, dollar };
}

export function capturingGroups(pattern: string): number {
  return scanPattern(pattern).groups;
}

function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
    else if (pattern[i] === '[' || (pattern[i] === '&' && pattern[i + 1] === '&'))
      throw new QueryRejected(
        `NOT_SUPPORTED: nested or intersected character classes (Java's [a[b]] and [a&&b]) are not supported here: ${pattern}`,
      );
  }
  throw unbalanced(pattern);
}

function unbalanced(pattern: string): QueryRejected {
  return new QueryRejected(`INVALID_FUNCTION_ARGUMENT: invalid regular expression: ${pattern}`);
}

/** A group number given as a literal, checked against the pattern when that is a literal too. */
function groupOf(call: Call, index: number): number {
  const group = constantOf(call.args[index]);
  const value = Number(group?.value);
  if (!group || !Number.isInteger(value))
    throw new QueryRejected(`NOT_SUPPORTED: ${call.name}'s group must be an integer literal here.`);
  const pattern = constantOf(call.args[1]);
  if (typeof pattern?.value === 'string') {
    const count = capturingGroups(pattern.value);
    if (value < 0 || value > count)
      throw new QueryRejected(
        `INVALID_FUNCTION_ARGUMENT: Pattern has ${count} groups. Cannot access group ${value}`,
      );
  }
  return value;
}

/** regexp_extract: NULL when the pattern does not match (DuckDB answers ''). */
const regexpExtract: Rule = (call) => {
  checkArity(call, [2, 3]);
  const group = call.args.length === 3 ? groupOf(call, 2) : 0;
  return `CASE WHEN regexp_matches($1, $2) THEN regexp_extract($1, $2, ${group}) END`;
};

const regexpExtractAll: Rule = (call) => {
  checkArity(call, [2, 3]);
  const group = call.args.length === 3 ? groupOf(call, 2) : 0;
  return `regexp_extract_all($1, $2, ${group})`;
};

/**
 * A Java replacement (`$1` a group, `\$` a dollar, `\x` the character x) as RE2 writes it (`\1`, `\\` a
 * backslash). Named groups (`${name}`) are refused.
 */
export function javaReplacement(replacement: string): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const char = replacement[i] as string;
    if (char === '\\') {
      const next = replacement[++i];
      if (next === undefined)
        throw new QueryRejected('INVALID_FUNCTION_ARGUMENT: character to be escaped is missing');
      out += next === '\\' ? '\\\\' : next;
    } else if (char === '$') {
      const digit = replacement[i + 1];
      if (digit === '{')
        throw new QueryRejected(
          'NOT_SUPPORTED: named group references (a dollar and a name in braces) are not supported here.',
        );
      if (digit === undefined || !/[0-9]/.test(digit))
        throw new QueryRejected('INVALID_FUNCTION_ARGUMENT: Illegal group reference');
      if (/[0-9]/.test(replacement[i + 2] ?? ''))
        throw new QueryRejected('NOT_SUPPORTED: group references above $9 are not supported here.');
      out += `\\${digit}`;
      i++;
    } else out += char;
  }
  return out;
}

/**
 * regexp_replace(s, pattern, x -> …): each match replaced by the lambda's answer for the array of its groups
 * (a literal pattern, so their number is known); a NULL answer makes the whole result NULL, as in Trino. The
 * text between matches is what regexp_split_to_array leaves. A pattern that matches the empty string is
 * refused at the row that has such a match: Trino steps over those one code point at a time, which neither
 * of DuckDB's functions does. A group that took no part in a match is '' here (Trino: NULL).
 */
function replaceByLambda(call: Call): Translation {
  const groups = capturingGroups(constantString(call, 1, 'pattern'));
  const matches = 'regexp_extract_all($1, $2)';
  // Each group's matches are extracted once, then read per match (not extracted again per match).
  const perMatch =
    groups === 0
      ? `list_transform(${matches}, __r_m -> CAST([] AS VARCHAR[]))`
      : `list_transform([[${Array.from(
          { length: groups },
          (_, i) => `regexp_extract_all($1, $2, ${i + 1})`,
        ).join(', ')}]], __r_g -> list_transform(range(1, len(__r_g[1]) + 1), __r_k -> [${Array.from(
          { length: groups },
          (_, i) => `__r_g[${i + 1}][__r_k]`,
        ).join(', ')}]))[1]`;
  return `CASE WHEN list_bool_or(list_transform(${matches}, __r_m -> __r_m = '')) THEN error('NOT_SUPPORTED: regexp_replace with a lambda, of a pattern that matches the empty string, is not supported here') ELSE list_transform([{'p': regexp_split_to_array($1, $2), 'r': list_transform(${perMatch}, $3)}], __r_x -> CASE WHEN list_bool_or(list_transform(__r_x.r, __r_v -> __r_v IS NULL)) THEN NULL ELSE array_to_string(list_transform(range(1, len(__r_x.r) + 1), __r_i -> __r_x.p[__r_i] || __r_x.r[__r_i]), '') || __r_x.p[len(__r_x.p)] END)[1] END`;
}

/** regexp_replace: every match (DuckDB's replaces the first unless 'g'), Java's `$n` references. */
const regexpReplace: Rule = (call) => {
  checkArity(call, [2, 3]);
  if (call.args.length === 2) return "regexp_replace($1, $2, '', 'g')";
  if (call.args[2]?.class === 'LAMBDA') return replaceByLambda(call);
  const replacement = javaReplacement(constantString(call, 2, 'replacement'));
  const pattern = constantOf(call.args[1]);
  if (typeof pattern?.value === 'string') {
    const groups = capturingGroups(pattern.value);
    for (const match of replacement.matchAll(/\\([0-9])/g))
      if (Number(match[1]) > groups)
        throw new QueryRejected(`INVALID_FUNCTION_ARGUMENT: No group ${match[1]}`);
  }
  return { sql: "regexp_replace($1, $2, $4, 'g')", extra: [stringConstant(replacement)] };
};

/**
 * regexp_position(s, p[, start[, occurrence]]): the pattern is searched after `start - 1` characters, the one
 * before kept in view for `\b`; the position is the length of what precedes the n-th match. Start and
 * occurrence must be literals, the pattern too (it becomes part of a larger one, so it must balance).
 */
const regexpPosition: Rule = (call) => {
  checkArity(call, [2, 4]);
  const pattern = constantString(call, 1, 'pattern');
  capturingGroups(pattern);
  const literal = (index: number, what: string) => {
    if (call.args.length <= index) return 1;
    const value = Number(constantOf(call.args[index])?.value);
    if (!Number.isInteger(value))
      throw new QueryRejected(`NOT_SUPPORTED: regexp_position's ${what} must be an integer literal here.`);
    if (value < 1) throw new QueryRejected(`INVALID_FUNCTION_ARGUMENT: ${what} must be a positive integer`);
    return value;
  };
  const start = literal(2, 'start');
  const occurrence = literal(3, 'occurrence');
  if (occurrence > 1000)
    throw new QueryRejected('NOT_SUPPORTED: regexp_position beyond the 1000th occurrence.');
  const before = start === 1 ? '' : '.';
  const skip = occurrence === 1 ? '' : `(?:.*?(?:${pattern})){${occurrence - 1}}`;
  const search = `(?s)^${before}(${skip}.*?)(?:${pattern})`;
  const text = start === 1 ? '$1' : `substring($1, ${start - 1})`;
  return {
    sql: `CASE WHEN $1 IS NULL THEN NULL WHEN regexp_matches(${text}, $${call.args.length + 1}) THEN CAST(length(regexp_extract(${text}, $${call.args.length + 1}, 1)) + ${start} AS INTEGER) ELSE -1 END`,
    extra: [stringConstant(search)],
  };
};

/**
 * A regular expression rule with Java's `$`: without MULTILINE it also matches before a final line break, which
 * RE2's does not. A literal pattern using `$` on a string ending with a line break is refused at run time.
 */
function javaPattern(rule: Rule): Rule {
  return (call) => {
    const translation = rule(call);
    const pattern = constantOf(call.args[1]);
    if (typeof pattern?.value !== 'string') return translation;
    const { dollar } = scanPattern(pattern.value);
    if (!dollar || /\(\?[a-z]*m/.test(pattern.value)) return translation;
    const wrap = (sql: string) =>
      `CASE WHEN suffix($1, chr(10)) THEN error('NOT_SUPPORTED: a pattern anchored with $ on a string ending with a line break (Java and RE2 differ there)') ELSE ${sql} END`;
    return typeof translation === 'string'
      ? wrap(translation)
      : { ...translation, sql: wrap(translation.sql) };
  };
}

export const REGEX_FUNCTIONS: RuleTable = Object.fromEntries(
  Object.entries({
    regexp_like: renamed('regexp_matches', 2),
    regexp_extract: regexpExtract,
    regexp_extract_all: regexpExtractAll,
    regexp_replace: regexpReplace,
    regexp_count: template('CAST(len(regexp_extract_all($1, $2)) AS BIGINT)', 2),
    regexp_position: regexpPosition,
    regexp_split: renamed('regexp_split_to_array', 2),
  }).map(([name, rule]) => [name, javaPattern(rule)]),
);
