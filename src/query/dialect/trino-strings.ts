/*
 * Trino's string, binary and URL functions on DuckDB. Where DuckDB's function of the same name answers
 * differently (concat skipping NULLs, substr at 0, split_part beyond the parts, trim of spaces only, url_encode's
 * alphabet), the template gives Trino's answer; where Trino fails, the template calls error().
 *
 * Lambda parameters in templates are named `__s_*`, so that a user's column of the same name inside an argument
 * is never captured by them.
 */
import { type JsonNode, QueryRejected } from '../sandbox-tree.js';
import {
  type Call,
  checkArity,
  constantOf,
  type Rule,
  type RuleTable,
  renamed,
  stringConstant,
  template,
  unexpectedType,
  wrongArguments,
} from './rules.js';
import { ARRAY_MAKERS } from './trino-collections.js';
import { FORMAT } from './trino-format.js';

/** Java's Character.isWhitespace, which Trino's trim functions strip (DuckDB's strip spaces only). */
const WHITESPACE = [
  ...'\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u1680\u2028\u2029\u205f\u3000',
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)).filter((c) => c !== '\u2007'),
].join('');

/** trim/ltrim/rtrim: of whitespace with one argument; of the given characters with two (TRIM(x FROM s)). */
function trimRule(duckdb: string): Rule {
  return (call) => {
    checkArity(call, [1, 2]);
    if (call.args.length === 2) return `${duckdb}($1, $2)`;
    return { sql: `${duckdb}($1, $2)`, extra: [stringConstant(WHITESPACE)] };
  };
}

export const TRIM: Rule = trimRule('trim');
export const LTRIM: Rule = trimRule('ltrim');
export const RTRIM: Rule = trimRule('rtrim');

/** The function whose call an argument is, lower-cased; empty for anything else. */
function madeBy(node: JsonNode | undefined): string {
  return node?.class === 'FUNCTION' ? String(node.function_name).toLowerCase() : '';
}

/**
 * concat_ws(separator, string...) skips NULLs; concat_ws(separator, array) joins the array's elements. An
 * array DuckDB would print as text is refused when its kind shows only at run time.
 */
const concatWs: Rule = (call) => {
  if (call.args.length < 2) throw wrongArguments(call);
  const second = call.args[1];
  const made = madeBy(second);
  if (
    call.args.length === 2 &&
    (ARRAY_MAKERS.has(made) || (second?.class === 'OPERATOR' && second.type === 'ARRAY_CONSTRUCTOR'))
  )
    return 'CASE WHEN $1 IS NULL THEN NULL ELSE array_to_string($2, $1) END';
  const args = call.args.map((_, i) => `$${i + 1}`);
  const arrays = args
    .slice(1)
    .map((a) => `typeof(${a}) LIKE '%[]'`)
    .join(' OR ');
  return `CASE WHEN ${arrays} THEN error('NOT_SUPPORTED: concat_ws of an array is supported when the array is written in the call (ARRAY[...], split(...), array_agg(...))') ELSE concat_ws(${args.join(', ')}) END`;
};

/** concat of strings or arrays: NULL when any argument is NULL, as `||` is (DuckDB's concat skips NULLs). */
const concat: Rule = (call) => {
  if (call.args.length < 2)
    throw new QueryRejected('There must be two or more concatenation arguments to concat.');
  return call.args.map((_, i) => `$${i + 1}`).join(' || ');
};

function padRule(duckdb: string): Rule {
  return (call) => {
    checkArity(call, 3);
    return `CASE WHEN $2 < 0 THEN error('INVALID_FUNCTION_ARGUMENT: Target length must be in the range [0..2147483647]') WHEN $3 = '' THEN error('INVALID_FUNCTION_ARGUMENT: Padding string must not be empty') ELSE ${duckdb}($1, CAST($2 AS INTEGER), $3) END`;
  };
}

/** replace: all instances; an empty search inserts the replacement before every character and at the end. */
const replace: Rule = (call) => {
  checkArity(call, [2, 3]);
  const by = call.args.length === 3 ? '$3' : "''";
  return `CASE WHEN $2 = '' THEN ${by} || array_to_string(list_transform(string_split($1, ''), __s_c -> CASE WHEN __s_c = '' THEN '' ELSE __s_c || ${by} END), '') ELSE replace($1, $2, ${by}) END`;
};

/**
 * An empty delimiter (split, split_part) is refused: when the delimiter is a literal, before the query runs;
 * otherwise by the row that has one. The answer is the CASE branch to put first ('' when none is needed).
 */
function emptyDelimiter(call: Call): string {
  const delimiter = constantOf(call.args[1]);
  if (delimiter?.value === '')
    throw new QueryRejected(`NOT_SUPPORTED: ${call.name} with an empty delimiter is not supported here.`);
  if (typeof delimiter?.value === 'string') return '';
  return `WHEN $2 = '' THEN error('NOT_SUPPORTED: ${call.name} with an empty delimiter is not supported here')`;
}

/** split: at most `limit` parts, the last keeping the rest of the string. */
const split: Rule = (call) => {
  checkArity(call, [2, 3]);
  const empty = emptyDelimiter(call);
  if (call.args.length === 2)
    return empty ? `CASE ${empty} ELSE string_split($1, $2) END` : 'string_split($1, $2)';
  return `CASE WHEN $3 <= 0 THEN error('INVALID_FUNCTION_ARGUMENT: Limit must be positive') ${empty} WHEN len(string_split($1, $2)) <= $3 THEN string_split($1, $2) ELSE list_concat(string_split($1, $2)[1:$3 - 1], [array_to_string(string_split($1, $2)[$3:], $2)]) END`;
};

/**
 * split_part: 1-based, NULL beyond the parts (DuckDB's answers ''), an error for an index below 1. The parts
 * are counted from the delimiters, so no list is built per row.
 */
const splitPart: Rule = (call) => {
  checkArity(call, 3);
  return `CASE WHEN $3 <= 0 THEN error('INVALID_FUNCTION_ARGUMENT: Index must be greater than zero') ${emptyDelimiter(call)} WHEN $3 > (length($1) - length(replace($1, $2, ''))) // length($2) + 1 THEN NULL ELSE split_part($1, $2, CAST($3 AS INTEGER)) END`;
};

/** strpos: the n-th instance (overlapping, as Java's indexOf from the last one + 1), from the end when negative. */
const strpos: Rule = (call) => {
  checkArity(call, [2, 3]);
  if (call.args.length === 2) return 'strpos($1, $2)';
  return `CASE WHEN $1 IS NULL OR $2 IS NULL OR $3 IS NULL THEN NULL WHEN $3 = 0 THEN error('INVALID_FUNCTION_ARGUMENT: ''instance'' must be a positive or negative number.') WHEN $2 = '' THEN 1 ELSE coalesce(list_filter(range(1, length($1) + 1), __s_i -> substring($1, __s_i, length($2)) = $2)[$3], 0) END`;
};

/** substr: empty from position 0, for a non-positive length, or when a negative start reaches before the string. */
const substr: Rule = (call) => {
  checkArity(call, [2, 3]);
  const length = call.args.length === 3 ? ' OR $3 <= 0' : '';
  const args = call.args.length === 3 ? '$1, $2, $3' : '$1, $2';
  return `CASE WHEN $2 = 0${length} OR $2 < -length($1) THEN '' ELSE substring(${args}) END`;
};

/** normalize(s) and normalize(s, NFC): DuckDB has NFC only. */
const normalize: Rule = (call) => {
  checkArity(call, [1, 2]);
  const form = call.args[1];
  if (form) {
    const names = form.class === 'COLUMN_REF' ? form.column_names : undefined;
    const name = Array.isArray(names) && names.length === 1 ? String(names[0]).toUpperCase() : '';
    if (name !== 'NFC')
      throw new QueryRejected(
        `NOT_SUPPORTED: normalize with the form ${name || 'given'} is not supported here (NFC only).`,
      );
  }
  return 'nfc_normalize($1)';
};

/** The parts of a URI (RFC 2396, as java.net.URI reads it): groups 2 scheme, 4 authority, 5 path, 7 query, 9 fragment. */
const URI = "'^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\\?([^#]*))?(#(.*))?$'";
/** What java.net.URI accepts: other characters (a space, a quote, `{`) make the URI invalid, and Trino answers NULL. */
const URI_VALID = `regexp_full_match($1, '([A-Za-z0-9\\-_.!~*''();/?:@&=+$,\\[\\]]|%[0-9A-Fa-f]{2}|[^\\x00-\\x7F])*(#([A-Za-z0-9\\-_.!~*''();/?:@&=+$,\\[\\]]|%[0-9A-Fa-f]{2}|[^\\x00-\\x7F])*)?')`;
/** An opaque URI (`mailto:a@b`) has no path or query in java.net.URI. */
const OPAQUE = "regexp_matches($1, '^[^:/?#]+:[^/]')";

/** A part of a URL: NULL for an invalid URI, '' for a part it does not have (as Trino answers). */
function urlPart(expression: string): Rule {
  return template(`CASE WHEN ${URI_VALID} THEN ${expression} END`, 1);
}

/** The authority without user information: host[:port]. */
const HOST_PORT = `regexp_extract(regexp_extract($1, ${URI}, 4), '^(?:[^@]*@)?(.*)$', 1)`;

const URL_FUNCTIONS: RuleTable = {
  url_extract_protocol: urlPart(`regexp_extract($1, ${URI}, 2)`),
  url_extract_host: urlPart(`regexp_extract(${HOST_PORT}, '^(\\[[^\\]]*\\]|[^:]*)', 1)`),
  url_extract_port: urlPart(
    `TRY_CAST(nullif(regexp_extract(${HOST_PORT}, '^(?:\\[[^\\]]*\\]|[^:]*):([0-9]+)$', 1), '') AS BIGINT)`,
  ),
  url_extract_path: urlPart(`CASE WHEN ${OPAQUE} THEN '' ELSE url_decode(regexp_extract($1, ${URI}, 5)) END`),
  url_extract_query: urlPart(
    `CASE WHEN ${OPAQUE} THEN '' ELSE url_decode(regexp_extract($1, ${URI}, 7)) END`,
  ),
  url_extract_fragment: urlPart(`url_decode(regexp_extract($1, ${URI}, 9))`),
  url_extract_parameter: template(
    `CASE WHEN ${URI_VALID} AND NOT ${OPAQUE} AND regexp_matches($1, '^[^#]*\\?') THEN url_decode(replace(list_filter(list_transform(string_split(regexp_extract($1, ${URI}, 7), '&'), __s_p -> [split_part(__s_p, '=', 1), CASE WHEN strpos(__s_p, '=') > 0 THEN substring(__s_p, strpos(__s_p, '=') + 1) ELSE '' END]), __s_kv -> __s_kv[1] = $2)[1][2], '+', ' ')) END`,
    2,
  ),
  // Java's form encoding: a space is '+', and '*' stays while '~' is escaped.
  url_encode: template("replace(replace(replace(url_encode($1), '%20', '+'), '%2A', '*'), '~', '%7E')", 1),
  url_decode: template("url_decode(replace($1, '+', ' '))", 1),
};

/** Text made of ASCII only, where DuckDB's byte-wise distances count characters. */
const ASCII = (a: string, b: string) => `regexp_full_match(${a} || ${b}, '[\\x00-\\x7F]*')`;

/**
 * Levenshtein distance in code points (DuckDB's counts bytes, so 'é' to 'e' would be 2): DuckDB's for ASCII,
 * else the dynamic programme, row by row, each row built cell by cell (lists of one-element lists, as
 * list_reduce keeps one type).
 */
const LEVENSHTEIN = `CASE WHEN ${ASCII('$1', '$2')} THEN levenshtein($1, $2) ELSE list_reduce(list_transform(range(1, length($1) + 1), __s_i -> [__s_i]), (__s_p, __s_x) -> list_reduce(list_transform(range(1, length($2) + 1), __s_j -> [__s_j]), (__s_r, __s_y) -> list_append(__s_r, least(__s_p[__s_y[1] + 1] + 1, __s_r[__s_y[1]] + 1, __s_p[__s_y[1]] + CASE WHEN substring($1, __s_x[1], 1) = substring($2, __s_y[1], 1) THEN 0 ELSE 1 END)), [__s_p[1] + 1]), range(0, length($2) + 1))[length($2) + 1] END`;

/** Hamming distance in code points; strings of different lengths fail, as in Trino. */
const HAMMING = `CASE WHEN length($1) <> length($2) THEN error('INVALID_FUNCTION_ARGUMENT: The input strings to hamming_distance function must have the same length') WHEN ${ASCII('$1', '$2')} THEN hamming($1, $2) ELSE CAST(len(list_filter(range(1, length($1) + 1), __s_i -> substring($1, __s_i, 1) <> substring($2, __s_i, 1))) AS BIGINT) END`;

/** The Luhn check of a string of digits (Trino refuses other characters). */
const LUHN = `CASE WHEN NOT regexp_full_match($1, '[0-9]+') THEN error('INVALID_FUNCTION_ARGUMENT: luhn_check needs a string of digits') ELSE list_sum(list_transform(range(length($1)), __s_i -> CASE WHEN __s_i % 2 = 0 THEN CAST(substring(reverse($1), __s_i + 1, 1) AS INTEGER) WHEN CAST(substring(reverse($1), __s_i + 1, 1) AS INTEGER) * 2 > 9 THEN CAST(substring(reverse($1), __s_i + 1, 1) AS INTEGER) * 2 - 9 ELSE CAST(substring(reverse($1), __s_i + 1, 1) AS INTEGER) * 2 END)) % 10 = 0 END`;

function refused(reason: string): Rule {
  return (call: Call) => {
    throw new QueryRejected(`NOT_SUPPORTED: ${call.name} is not supported here: ${reason}`);
  };
}

/**
 * split_to_map: entries split by the entry delimiter (one at the very end closes the last entry), each split
 * once by the key-value delimiter; an entry without it or with it twice fails, as in Trino, and so does a key
 * given twice (DuckDB's message).
 */
const SPLIT_ENTRIES =
  "CASE WHEN $1 = '' THEN CAST([] AS VARCHAR[]) WHEN suffix($1, $2) THEN string_split($1, $2)[1:-2] ELSE string_split($1, $2) END";
const splitToMap = template(
  `CASE WHEN $2 = '' OR $3 = '' THEN error('INVALID_FUNCTION_ARGUMENT: entryDelimiter and keyValueDelimiter must not be empty') WHEN $2 = $3 THEN error('INVALID_FUNCTION_ARGUMENT: entryDelimiter and keyValueDelimiter must not be the same') ELSE map_from_entries(list_transform(${SPLIT_ENTRIES}, __s_e -> CASE WHEN len(string_split(__s_e, $3)) <> 2 THEN error('INVALID_FUNCTION_ARGUMENT: Key-value delimiter must appear exactly once in each entry. Bad input: ''' || __s_e || '''') ELSE struct_pack(k := string_split(__s_e, $3)[1], v := string_split(__s_e, $3)[2]) END)) END`,
  3,
);

/** Trino functions whose result is a varbinary: an argument made by one of them is known to be one. */
const VARBINARY_MAKERS: ReadonlySet<string> = new Set(
  'to_utf8 from_hex from_base64 from_base64url md5 sha1 sha256 sha512 xxhash64 hmac_md5 hmac_sha1 hmac_sha256 hmac_sha512 to_big_endian_32 to_big_endian_64 to_ieee754_32 to_ieee754_64'.split(
    ' ',
  ),
);

/**
 * The type of the argument shows only when DuckDB binds the query: typeof folds to a constant there, and the
 * dead branches of a CASE over it drop out of the plan. Every branch must still bind whatever the type, so a
 * branch reads the argument through cast_to_type; a type Trino does not take fails with Trino's message.
 */
const AS_VARCHAR = "cast_to_type($1, '')";
const AS_BLOB = "cast_to_type($1, ''::BLOB)";

/** length: code points of a string, bytes of a varbinary; a bare NULL is a varchar's. */
const length: Rule = (call) => {
  checkArity(call, 1);
  if (constantOf(call.args[0])?.value === null) return 'CAST(NULL AS BIGINT)';
  return `CASE WHEN typeof($1) = 'BLOB' THEN octet_length(${AS_BLOB}) WHEN typeof($1) = 'VARCHAR' THEN length(${AS_VARCHAR}) ELSE ${unexpectedType('length')} END`;
};

/**
 * reverse: a string's code points or an array's elements (indexing and len read strings too, so the array
 * branch binds for one); a varbinary's bytes when a varbinary function made the argument. A varbinary column
 * fails to bind in the array branch: refused, never answered otherwise.
 */
const reverse: Rule = (call) => {
  checkArity(call, 1);
  if (constantOf(call.args[0])?.value === null) return 'CAST(NULL AS VARCHAR)';
  if (VARBINARY_MAKERS.has(madeBy(call.args[0])))
    return "unhex(array_to_string(list_reverse(regexp_extract_all(hex($1), '..')), ''))";
  return `CASE WHEN typeof($1) LIKE '%]' THEN cast_to_type(list_transform(range(len($1)), __r_i -> $1[len($1) - __r_i]), $1) WHEN typeof($1) = 'VARCHAR' THEN cast_to_type(reverse(${AS_VARCHAR}), $1) ELSE ${unexpectedType('reverse')} END`;
};

export const STRING_FUNCTIONS: RuleTable = {
  concat,
  concat_ws: concatWs,
  length,
  lower: renamed('lower', 1),
  // Java's simple case mapping keeps ß (DuckDB's upper makes it ẞ): the parts between are upper-cased.
  upper: template(
    "CASE WHEN contains($1, 'ß') THEN array_to_string(list_transform(string_split($1, 'ß'), __s_p -> upper(__s_p)), 'ß') ELSE upper($1) END",
    1,
  ),
  trim: TRIM,
  ltrim: LTRIM,
  rtrim: RTRIM,
  lpad: padRule('lpad'),
  rpad: padRule('rpad'),
  replace,
  reverse,
  split,
  split_part: splitPart,
  split_to_map: splitToMap,
  strpos,
  position: renamed('strpos', 2),
  starts_with: renamed('starts_with', 2),
  ends_with: renamed('suffix', 2),
  substr,
  substring: substr,
  chr: template(
    "CASE WHEN $1 < 0 OR $1 > 1114111 THEN error('INVALID_FUNCTION_ARGUMENT: Not a valid Unicode code point') ELSE chr(CAST($1 AS INTEGER)) END",
    1,
  ),
  codepoint: template(
    "CASE WHEN length($1) <> 1 THEN error('INVALID_FUNCTION_ARGUMENT: codepoint needs a string of one character') ELSE unicode($1) END",
    1,
  ),
  normalize,
  to_utf8: renamed('encode', 1),
  from_utf8: renamed('decode', 1),
  levenshtein_distance: template(LEVENSHTEIN, 2),
  hamming_distance: template(HAMMING, 2),
  translate: renamed('translate', 3),
  luhn_check: template(LUHN, 1),
  to_hex: template('hex($1)', 1),
  from_hex: template('unhex($1)', 1),
  md5: template('unhex(md5($1))', 1),
  sha1: template('unhex(sha1($1))', 1),
  sha256: template('unhex(sha256($1))', 1),
  to_base64: renamed('to_base64', 1),
  from_base64: renamed('from_base64', 1),
  word_stem: refused('no stemmer is available.'),
  soundex: refused('no soundex is available.'),
  format: FORMAT,
  ...URL_FUNCTIONS,
};
