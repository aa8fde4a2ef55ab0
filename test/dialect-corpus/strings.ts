import { col0, type DocumentedCase } from './corpus-case.js';

const REGEXP = 'Trino docs functions/regexp';
const STRING = 'Trino docs functions/string';
const URL = 'Trino docs functions/url';
const URL_EXAMPLE = "'http://user@example.com:8080/a/b.html?x=1&y=two#frag'";

/** String functions, LIKE, regular expressions and URL functions. */
export const stringCases: DocumentedCase[] = [
  {
    sql: "SELECT split_to_map('a=1,b=2,c=3', ',', '='), split_to_map('', ',', '='), split_to_map('k:v;;x:', ';;', ':'), split_to_map('a=1,', ',', '=')",
    expected: [
      ['_col0', '_col1', '_col2', '_col3'],
      ['{a=1, b=2, c=3}', '{}', '{k=v, x=}', '{a=1}'],
    ],
    source: `${STRING}: split_to_map`,
  },
  {
    sql: "SELECT split_to_map('a=1,b', ',', '=')",
    refused: /Key-value delimiter must appear exactly once in each entry/,
    source: `${STRING}: split_to_map fails on an entry without its delimiter`,
  },
  {
    sql: "SELECT regexp_count('1a 2b 14m', '\\s*[a-z]+\\s*')",
    expected: col0('3'),
    source: `${REGEXP}: regexp_count`,
  },
  {
    sql: "SELECT regexp_extract_all('1a 2b 14m', '\\d+')",
    expected: col0('[1, 2, 14]'),
    source: `${REGEXP}: regexp_extract_all`,
  },
  {
    sql: "SELECT regexp_extract_all('1a 2b 14m', '(\\d+)([a-z]+)', 2)",
    expected: col0('[a, b, m]'),
    source: `${REGEXP}: regexp_extract_all with a group`,
  },
  {
    sql: "SELECT regexp_extract('1a 2b 14m', '\\d+')",
    expected: col0('1'),
    source: `${REGEXP}: regexp_extract`,
  },
  {
    sql: "SELECT regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)",
    expected: col0('a'),
    source: `${REGEXP}: regexp_extract with a group`,
  },
  {
    sql: "SELECT regexp_extract('abc', '[0-9]+')",
    expected: col0(null),
    source: 'Trino source JoniRegexpFunctions.regexpExtract: no match is NULL',
  },
  {
    sql: "SELECT regexp_like('1a 2b 14m', '\\d+b')",
    expected: col0('true'),
    source: `${REGEXP}: regexp_like`,
  },
  {
    sql: "SELECT regexp_like('abc', '^b')",
    expected: col0('false'),
    source: `${REGEXP}: regexp_like is a contains match; ^ anchors it`,
  },
  {
    sql: "SELECT regexp_position('I have 23 apples, 5 pears and 13 oranges', '\\b\\d+\\b', 12, 2)",
    expected: col0('31'),
    source: `${REGEXP}: regexp_position`,
  },
  {
    sql: "SELECT regexp_replace('1a 2b 14m', '\\d+[ab] ')",
    expected: col0('14m'),
    source: `${REGEXP}: regexp_replace without a replacement removes every match`,
  },
  {
    sql: "SELECT regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')",
    expected: col0('3ca 3cb 14m'),
    source: `${REGEXP}: regexp_replace with $g group references`,
  },
  {
    sql: "SELECT regexp_replace('aaa', 'a', 'b')",
    expected: col0('bbb'),
    source: `${REGEXP}: regexp_replace replaces every instance`,
  },
  {
    sql: "SELECT regexp_replace('new york', '(\\w)(\\w*)', x -> upper(x[1]) || lower(x[2]))",
    expected: col0('New York'),
    source: `${REGEXP}: regexp_replace with a lambda`,
  },
  {
    sql: "SELECT regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*')",
    expected: col0('[1, 2, 14, ]'),
    source: `${REGEXP}: regexp_split keeps trailing empty strings`,
  },
  { sql: "SELECT split('a,b,c', ',')", expected: col0('[a, b, c]'), source: `${STRING}: split` },
  {
    sql: "SELECT split('a,b,c', ',', 2)",
    expected: col0('[a, b,c]'),
    source: `${STRING}: split with a limit keeps the rest in the last element`,
  },
  {
    sql: "SELECT split_part('a,b,c', ',', 2)",
    expected: col0('b'),
    source: `${STRING}: split_part is 1-based`,
  },
  {
    sql: "SELECT split_part('a,b,c', ',', 4)",
    expected: col0(null),
    source: `${STRING}: split_part past the last field is NULL`,
  },
  { sql: "SELECT strpos('abcb', 'b')", expected: col0('2'), source: `${STRING}: strpos` },
  { sql: "SELECT strpos('abcb', 'b', 2)", expected: col0('4'), source: `${STRING}: strpos with an instance` },
  { sql: "SELECT strpos('abcb', 'z')", expected: col0('0'), source: `${STRING}: strpos, 0 when not found` },
  { sql: "SELECT position('b' IN 'abcb')", expected: col0('2'), source: `${STRING}: position` },
  { sql: "SELECT lpad('7', 3, '0')", expected: col0('007'), source: `${STRING}: lpad` },
  { sql: "SELECT rpad('ab', 5, 'xy')", expected: col0('abxyx'), source: `${STRING}: rpad` },
  { sql: "SELECT lpad('hello', 3, 'x')", expected: col0('hel'), source: `${STRING}: lpad truncates to size` },
  { sql: "SELECT translate('abcda', 'a', 'z')", expected: col0('zbcdz'), source: `${STRING}: translate` },
  { sql: "SELECT translate('abcd', 'ac', 'z')", expected: col0('zbd'), source: `${STRING}: translate` },
  { sql: "SELECT trim('!' FROM '!foo!')", expected: col0('foo'), source: `${STRING}: trim` },
  { sql: "SELECT trim(LEADING FROM '  abcd')", expected: col0('abcd'), source: `${STRING}: trim` },
  { sql: "SELECT trim(BOTH '$' FROM '$var$')", expected: col0('var'), source: `${STRING}: trim` },
  {
    sql: "SELECT trim(TRAILING 'ER' FROM upper('worker'))",
    expected: col0('WORK'),
    source: `${STRING}: trim`,
  },
  { sql: "SELECT luhn_check('79927398713')", expected: col0('true'), source: `${STRING}: luhn_check` },
  {
    sql: "SELECT concat('a', NULL, 'b'), 'a' || NULL",
    expected: [
      ['_col0', '_col1'],
      [null, null],
    ],
    source: `${STRING}: concat is the || operator; either with NULL is NULL`,
  },
  {
    sql: "SELECT 'This' || ' is' || ' a' || ' test.' AS Concatenated_String",
    expected: [['Concatenated_String'], ['This is a test.']],
    source: 'Athena docs: concatenating-strings-and-arrays',
  },
  {
    sql: "SELECT concat_ws(' ', 'This', 'is', NULL, 'a', 'test.')",
    expected: col0('This is a test.'),
    source: `${STRING}: concat_ws skips NULL arguments`,
  },
  {
    sql: "SELECT substr('hello', 2, 3), substr('hello', -3), substr('hello', 0)",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['ell', 'llo', ''],
    ],
    source: `${STRING}: substr is 1-based; negative starts count from the end; Trino source: start 0 gives ''`,
  },
  {
    sql: "SELECT length('héllo'), reverse('abc'), upper('abc'), lower('ABC')",
    expected: [
      ['_col0', '_col1', '_col2', '_col3'],
      ['5', 'cba', 'ABC', 'abc'],
    ],
    source: STRING,
  },
  {
    sql: "SELECT levenshtein_distance('kitten', 'sitting'), hamming_distance('abc', 'abd')",
    expected: [
      ['_col0', '_col1'],
      ['3', '1'],
    ],
    source: `${STRING}: levenshtein_distance, hamming_distance`,
  },
  {
    sql: "SELECT length(normalize('e' || chr(769))), length('e' || chr(769))",
    expected: [
      ['_col0', '_col1'],
      ['1', '2'],
    ],
    source: `${STRING}: normalize is NFC`,
  },
  {
    sql: "SELECT from_utf8(to_utf8('hello')), to_hex(to_utf8('abc')), length(to_utf8('é'))",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['hello', '616263', '2'],
    ],
    source: `${STRING}: to_utf8, from_utf8; Trino docs functions/binary: to_hex`,
  },
  {
    sql: "SELECT chr(65), codepoint('A')",
    expected: [
      ['_col0', '_col1'],
      ['A', '65'],
    ],
    source: STRING,
  },
  {
    sql: "SELECT starts_with('hello', 'he'), ends_with('hello', 'lo')",
    expected: [
      ['_col0', '_col1'],
      ['true', 'true'],
    ],
    source: STRING,
  },
  {
    sql: "SELECT url_extract_protocol('http://localhost:8080/req_path'), url_extract_protocol('ftp://path/file')",
    expected: [
      ['_col0', '_col1'],
      ['http', 'ftp'],
    ],
    source: `${URL}: url_extract_protocol`,
  },
  {
    sql: `SELECT url_extract_host(${URL_EXAMPLE}), url_extract_port(${URL_EXAMPLE}), url_extract_path(${URL_EXAMPLE})`,
    expected: [
      ['_col0', '_col1', '_col2'],
      ['example.com', '8080', '/a/b.html'],
    ],
    source: `${URL}: [protocol:][//host[:port]][path][?query][#fragment]`,
  },
  {
    sql: `SELECT url_extract_query(${URL_EXAMPLE}), url_extract_fragment(${URL_EXAMPLE}), url_extract_parameter(${URL_EXAMPLE}, 'y')`,
    expected: [
      ['_col0', '_col1', '_col2'],
      ['x=1&y=two', 'frag', 'two'],
    ],
    source: `${URL}: the query string and fragment; url_extract_parameter (RFC 1866)`,
  },
  {
    sql: "SELECT url_encode('a b/c'), url_decode('a+b%2Fc')",
    expected: [
      ['_col0', '_col1'],
      ['a+b%2Fc', 'a b/c'],
    ],
    source: `${URL}: url_encode encodes space as + and other bytes as %XX`,
  },
  {
    sql: "SELECT format('%s%%', 123), format('%03d', 8), format('%.5f', pi()), format('%-7s,%7s', 'hello', 'world')",
    expected: [
      ['_col0', '_col1', '_col2', '_col3'],
      ['123%', '008', '3.14159', 'hello  ,  world'],
    ],
    source: 'Trino docs functions/conversion: format',
  },
  {
    sql: "SELECT 'a_b' LIKE 'a\\_b' ESCAPE '\\', 'axb' LIKE 'a\\_b' ESCAPE '\\', 'abc' LIKE 'a%'",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['true', 'false', 'true'],
    ],
    source: 'Trino docs functions/comparison: LIKE with ESCAPE',
  },
];
