import { QueryRejected } from '../sandbox-tree.js';

/**
 * MySQL's format specifiers (date_format, date_parse) as DuckDB's strftime/strptime write them. Trino
 * documents %D, %U, %u, %V, %w and %X as unsupported: they are refused, as Trino refuses them.
 */
const MYSQL: Readonly<Record<string, string>> = {
  a: '%a',
  b: '%b',
  c: '%-m',
  d: '%d',
  e: '%-d',
  f: '%f',
  H: '%H',
  h: '%I',
  I: '%I',
  i: '%M',
  j: '%j',
  k: '%-H',
  l: '%-I',
  M: '%B',
  m: '%m',
  p: '%p',
  r: '%I:%M:%S %p',
  S: '%S',
  s: '%S',
  T: '%H:%M:%S',
  W: '%A',
  Y: '%Y',
  y: '%y',
  '%': '%%',
};

export function mysqlToStrftime(format: string): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const char = format[i] as string;
    if (char !== '%') {
      out += char;
      continue;
    }
    const spec = format[++i];
    if (spec === undefined) break;
    const mapped = MYSQL[spec];
    if (!mapped)
      throw new QueryRejected(`INVALID_FUNCTION_ARGUMENT: %${spec} not supported in date format string`);
    out += mapped;
  }
  return out;
}

/**
 * Joda-Time patterns (format_datetime, parse_datetime) as strftime writes them: a letter repeated is one
 * field, text between single quotes is literal ('' is a quote), other characters are themselves.
 */
const JODA: Readonly<Record<string, (count: number) => string | undefined>> = {
  y: (n) => (n === 2 ? '%y' : '%Y'),
  Y: (n) => (n === 2 ? '%y' : '%Y'),
  x: (n) => (n === 2 ? '%y' : '%G'),
  M: (n) => (n >= 4 ? '%B' : n === 3 ? '%b' : n === 2 ? '%m' : '%-m'),
  d: (n) => (n >= 2 ? '%d' : '%-d'),
  D: (n) => (n >= 3 ? '%j' : undefined),
  H: (n) => (n >= 2 ? '%H' : '%-H'),
  h: (n) => (n >= 2 ? '%I' : '%-I'),
  m: (n) => (n >= 2 ? '%M' : '%-M'),
  s: (n) => (n >= 2 ? '%S' : '%-S'),
  S: (n) => (n === 3 ? '%g' : n === 6 ? '%f' : n === 9 ? '%n' : undefined),
  a: () => '%p',
  E: (n) => (n >= 4 ? '%A' : '%a'),
  e: () => '%u',
  w: (n) => (n >= 2 ? '%V' : undefined),
  Z: (n) => (n === 1 ? '%z' : undefined),
  z: () => '%Z',
};

export function jodaToStrftime(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i] as string;
    if (char === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        out += "'";
        i += 2;
        continue;
      }
      if (end < 0) throw new QueryRejected(`INVALID_FUNCTION_ARGUMENT: Invalid format: "${pattern}"`);
      out += pattern.slice(i + 1, end).replace(/%/g, '%%');
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(char)) {
      let count = 1;
      while (pattern[i + count] === char) count++;
      const mapped = JODA[char]?.(count);
      if (mapped === undefined)
        throw new QueryRejected(
          `NOT_SUPPORTED: the pattern letter ${char.repeat(count)} of format_datetime/parse_datetime is not supported.`,
        );
      out += mapped;
      i += count;
      continue;
    }
    out += char === '%' ? '%%' : char;
    i++;
  }
  return out;
}
