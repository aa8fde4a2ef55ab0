/*
 * Trino's format(format, args...), which formats as Java's String.format, for the specifiers Java and DuckDB's
 * printf write alike: %s (a value's text; NULL as `null`), %d (an integer), %%, %n, with the flags - and 0,
 * a width and, for %s, a precision; and %f, which Seawall writes itself. Other specifiers (%x, %e, argument
 * indexes, `,` grouping) are refused.
 */
import { QueryRejected } from '../sandbox-tree.js';
import { constantString, type Rule, stringConstant } from './rules.js';

const SPECIFIER = /%(-?0?)(\d*)(\.\d+)?([a-zA-Z%])/g;

/** A %s argument: its text as Java's String.valueOf gives it, for the types where DuckDB's text is Java's. */
const asText = (x: string) =>
  `CASE WHEN ${x} IS NULL THEN 'null' WHEN typeof(${x}) IN ('DOUBLE', 'FLOAT') AND NOT (TRY_CAST(${x} AS DOUBLE) = 0 OR abs(TRY_CAST(${x} AS DOUBLE)) BETWEEN 0.001 AND 9999999.999999999) THEN error('NOT_SUPPORTED: format with %s of a double this large or small is not supported here') WHEN typeof(${x}) LIKE 'TIME%' OR typeof(${x}) LIKE '%[]' OR typeof(${x}) LIKE 'MAP(%' OR typeof(${x}) LIKE 'STRUCT(%' OR typeof(${x}) IN ('BLOB', 'INTERVAL') THEN error('NOT_SUPPORTED: format with %s of this type is not supported here') ELSE CAST(${x} AS VARCHAR) END`;

/** A %d argument: an integer, not NULL (Java would write `null` in a width DuckDB cannot). */
const asInteger = (x: string) =>
  `CASE WHEN typeof(${x}) NOT IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT') THEN error('INVALID_FUNCTION_ARGUMENT: %d needs an integer') WHEN ${x} IS NULL THEN error('NOT_SUPPORTED: format with %d of NULL is not supported here') ELSE ${x} END`;

/**
 * A %f argument as Java's Formatter writes it: the sign of the value (-0.0 included), then the digits of its
 * size rounded half up to `precision` decimals: a double's from its shortest decimal text (as Java's
 * FormattedFloatingDecimal rounds; a real is widened to a double first, as Java does), a decimal's exactly;
 * NaN and Infinity as words, NULL as `null` cut to the precision. Padded with zeros after the sign to
 * `zeroWidth` when the 0 flag asks (the words with spaces).
 */
function asFixed(x: string, precision: number, zeroWidth?: number): string {
  const size = `CASE WHEN typeof(${x}) LIKE 'DECIMAL%' THEN CAST(abs(${x}) AS DECIMAL(38, ${precision})) ELSE CAST(CAST(abs(CAST(${x} AS DOUBLE)) AS VARCHAR) AS DECIMAL(38, ${precision})) END`;
  const negative = `(${x} < 0 OR CAST(${x} AS VARCHAR) LIKE '-%')`;
  // Java pads NaN and Infinity with spaces even with the 0 flag.
  const word = (text: string) =>
    zeroWidth === undefined
      ? text
      : `lpad(${text}, CAST(greatest(${zeroWidth}, length(${text})) AS INTEGER), ' ')`;
  const digits =
    zeroWidth === undefined
      ? `CAST(${size} AS VARCHAR)`
      : `lpad(CAST(${size} AS VARCHAR), CAST(greatest(${zeroWidth} - CASE WHEN ${negative} THEN 1 ELSE 0 END, length(CAST(${size} AS VARCHAR))) AS INTEGER), '0')`;
  return `CASE WHEN NOT (typeof(${x}) IN ('DOUBLE', 'FLOAT') OR typeof(${x}) LIKE 'DECIMAL%') THEN error('INVALID_FUNCTION_ARGUMENT: %f needs a double, real or decimal, not ' || lower(typeof(${x})))
    WHEN ${x} IS NULL THEN ${word(`substr('null', 1, ${precision})`)}
    WHEN typeof(${x}) IN ('DOUBLE', 'FLOAT') AND isnan(CAST(${x} AS DOUBLE)) THEN ${word("'NaN'")}
    WHEN typeof(${x}) IN ('DOUBLE', 'FLOAT') AND isinf(CAST(${x} AS DOUBLE)) THEN ${word(`CASE WHEN ${x} < 0 THEN '-Infinity' ELSE 'Infinity' END`)}
    WHEN abs(CAST(${x} AS DOUBLE)) >= 1e${38 - precision} THEN error('NOT_SUPPORTED: format with %f of a number this large is not supported here')
    ELSE CASE WHEN ${negative} THEN '-' ELSE '' END || ${digits} END`;
}

function unsupported(specifier: string): QueryRejected {
  return new QueryRejected(
    `NOT_SUPPORTED: format's ${specifier} is not supported here (%s, %d, %f, %%, %n are).`,
  );
}

export const FORMAT: Rule = (call) => {
  if (call.args.length < 1) throw new QueryRejected('format needs a format string.');
  const format = constantString(call, 0, 'format');
  const args: string[] = [];
  let used = 0;
  let printf = '';
  let last = 0;
  for (const match of format.matchAll(SPECIFIER)) {
    const [whole, flags = '', width = '', precision = '', conversion] = match;
    const text = format.slice(last, match.index);
    if (text.includes('%')) throw unsupported(text);
    printf += text;
    last = (match.index ?? 0) + whole.length;
    if (conversion === '%' && !flags && !width && !precision) printf += '%%';
    else if (conversion === 'n' && !flags && !width && !precision) printf += '\n';
    else if (conversion === 's' && !flags.includes('0')) {
      args.push(asText(`$${++used + 1}`));
      printf += `%${flags}${width}${precision}s`;
    } else if (
      conversion === 'f' &&
      flags !== '-0' &&
      !(flags === '0' && !width) &&
      Number(precision.slice(1) || 6) <= 30
    ) {
      // Zeros go between the sign and the digits; spaces, as for %s, around the whole.
      const zeros = flags.includes('0') && width ? Number(width) : undefined;
      args.push(asFixed(`$${++used + 1}`, Number(precision.slice(1) || 6), zeros));
      printf += zeros === undefined ? `%${flags}${width}s` : '%s';
    } else if (conversion === 'd' && !precision) {
      args.push(asInteger(`$${++used + 1}`));
      printf += `%${flags}${width}d`;
    } else throw unsupported(whole);
  }
  const rest = format.slice(last);
  if (rest.includes('%')) throw unsupported(rest);
  printf += rest;
  if (used !== call.args.length - 1)
    throw new QueryRejected(
      `INVALID_FUNCTION_ARGUMENT: format has ${used} specifiers for ${call.args.length - 1} arguments.`,
    );
  const extra = call.args.length + 1;
  return { sql: `printf(${[`$${extra}`, ...args].join(', ')})`, extra: [stringConstant(printf)] };
};
