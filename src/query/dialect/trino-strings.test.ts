import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../../test/helpers/trino-sql.js';

// Expected values are Trino's documented examples (trino.io/docs/current/functions/string.html, url.html,
// binary.html) or follow from its documented rules.
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

const value = (sql: string) => trino.value(sql);
const refused = (sql: string, message: RegExp) => expect(trino.rows(sql)).rejects.toThrow(message);

describe('Trino string functions', () => {
  it('concat is NULL when any argument is NULL', async () => {
    expect(await value("SELECT concat('a', 'b', 'c')")).toBe('abc');
    expect(await value("SELECT concat('a', NULL, 'b')")).toBeNull();
  });
  it('concat_ws skips NULLs and joins an array written in the call', async () => {
    expect(
      await trino.rows(
        "SELECT concat_ws(',', 'a', NULL, 'b'), concat_ws(NULL, 'a'), concat_ws(',', ARRAY['a', NULL, 'b'])",
      ),
    ).toEqual([['a,b', null, 'a,b']]);
    expect(await value("SELECT concat_ws('-', split('a,b', ','))")).toBe('a-b');
    await refused("SELECT concat_ws(',', x) FROM (SELECT ARRAY['a'] x) t", /concat_ws of an array/);
  });
  it('length, lower, upper, reverse count code points', async () => {
    expect(await trino.rows("SELECT length('héllo'), lower('ABC'), upper('abc'), reverse('abc')")).toEqual([
      [5, 'abc', 'ABC', 'cba'],
    ]);
    // Java's Character.toUpperCase keeps ß.
    expect(await value("SELECT upper('straße')")).toBe('STRAßE');
  });
  it('length and reverse take a string, an array (reverse) or a varbinary, chosen by the bound type', async () => {
    expect(
      await trino.rows(
        "SELECT length(to_utf8('é')), length(x), reverse(x) FROM (VALUES ('héllo'), (NULL)) AS t(x) ORDER BY x",
      ),
    ).toEqual([
      [2, 5, 'olléh'],
      [2, null, null],
    ]);
    expect(
      await trino.rows(
        "SELECT reverse(ARRAY[1, NULL, 3]), reverse(a), to_hex(reverse(from_hex('0102ff'))), reverse(NULL), length(NULL) FROM (SELECT ARRAY[ARRAY['a'], ARRAY['b', 'c']] AS a)",
      ),
    ).toEqual([[[3, null, 1], [['b', 'c'], ['a']], 'FF0201', null, null]]);
    expect(await value('SELECT reverse(CAST(ARRAY[] AS ARRAY(INTEGER)))')).toEqual([]);
    await refused('SELECT length(123)', /Unexpected parameters \(integer\) for function length/);
    await refused("SELECT reverse(DATE '2024-01-01')", /len\(DATE\)/);
  });
  it('trim, ltrim and rtrim strip Java whitespace, and characters with FROM', async () => {
    expect(await value("SELECT trim(chr(9) || ' a ' || chr(10))")).toBe('a');
    expect(await value("SELECT ltrim('  a ')")).toBe('a ');
    expect(await value("SELECT rtrim(' a' || chr(13))")).toBe(' a');
    // U+2028 is whitespace to Java; U+2007, a non-breaking space, is not.
    expect(await value("SELECT trim(chr(8232) || chr(8199) || 'a')")).toBe('\u2007a');
    expect(await value("SELECT trim('!' FROM '!foo!')")).toBe('foo');
    expect(await value("SELECT trim(LEADING FROM '  abcd')")).toBe('abcd');
    expect(await value("SELECT trim(BOTH '$' FROM '$var$')")).toBe('var');
    expect(await value("SELECT trim(TRAILING 'ER' FROM upper('worker'))")).toBe('WORK');
  });
  it('lpad and rpad pad and truncate; a negative size or an empty pad fails', async () => {
    expect(await trino.rows("SELECT lpad('abc', 5, 'x'), rpad('abc', 6, 'xy'), lpad('abc', 2, 'x')")).toEqual(
      [['xxabc', 'abcxyx', 'ab']],
    );
    await refused("SELECT lpad('abc', -1, 'x')", /Target length/);
    await refused("SELECT rpad('abc', 5, '')", /Padding string/);
  });
  it('replace removes with two arguments and inserts around every character for an empty search', async () => {
    expect(await value("SELECT replace('abcb', 'b')")).toBe('ac');
    expect(await value("SELECT replace('abcb', 'b', 'x')")).toBe('axcx');
    expect(await value("SELECT replace('abc', '', 'x')")).toBe('xaxbxcx');
  });
  it('split, with a limit keeping the rest in the last part', async () => {
    expect(await value("SELECT split('a,b,c', ',')")).toEqual(['a', 'b', 'c']);
    expect(await value("SELECT split('a,b,c', ',', 2)")).toEqual(['a', 'b,c']);
    await refused("SELECT split('a,b', ',', 0)", /Limit must be positive/);
  });
  it('split_part is 1-based, NULL beyond the parts, an error at 0', async () => {
    expect(await value("SELECT split_part('a,b,c', ',', 2)")).toBe('b');
    expect(await value("SELECT split_part('a,b,c', ',', 4)")).toBeNull();
    await refused("SELECT split_part('a,b,c', ',', 0)", /Index must be greater than zero/);
  });
  it('strpos and position, with the n-th instance from either end', async () => {
    expect(
      await trino.rows("SELECT strpos('abcb', 'b'), strpos('abc', 'x'), position('c' IN 'abc')"),
    ).toEqual([[2, 0, 3]]);
    expect(
      await trino.rows("SELECT strpos('abcb', 'b', 2), strpos('abcb', 'b', -1), strpos('abcb', 'b', 3)"),
    ).toEqual([[4, 4, 0]]);
    await refused("SELECT strpos('abc', 'b', 0)", /instance/);
    expect(await trino.rows("SELECT strpos(NULL, 'a', 1), strpos('aba', 'a', NULL)")).toEqual([[null, null]]);
  });
  it('starts_with and ends_with', async () => {
    expect(
      await trino.rows("SELECT starts_with('abc', 'ab'), ends_with('abc', 'bc'), starts_with('abc', 'b')"),
    ).toEqual([[true, true, false]]);
  });
  it('substr and substring: negative starts from the end, 0 gives the empty string', async () => {
    expect(
      await trino.rows(
        "SELECT substr('hello', 2), substr('hello', -3), substr('hello', -3, 2), substring('hello', 0), substr('hello', -9), substr('hello', 2, 0)",
      ),
    ).toEqual([['ello', 'llo', 'll', '', '', '']]);
    expect(await value("SELECT substring('hello' FROM 2 FOR 3)")).toBe('ell');
  });
  it('chr and codepoint', async () => {
    expect(await trino.rows("SELECT chr(65), codepoint('A'), chr(128512)")).toEqual([['A', 65, '😀']]);
    await refused("SELECT codepoint('ab')", /one character/);
  });
  it('normalize to NFC; other forms are refused', async () => {
    expect(await value("SELECT normalize('e' || chr(769)) = chr(233)")).toBe(true);
    expect(await value("SELECT normalize('e' || chr(769), NFC) = chr(233)")).toBe(true);
    await refused("SELECT normalize('a', NFD)", /NFD is not supported/);
  });
  it('to_utf8 and from_utf8', async () => {
    expect(await value("SELECT to_hex(to_utf8('é'))")).toBe('C3A9');
    expect(await value("SELECT from_utf8(from_hex('C3A9'))")).toBe('é');
  });
  it('levenshtein_distance and hamming_distance', async () => {
    expect(
      await trino.rows("SELECT levenshtein_distance('kitten', 'sitting'), hamming_distance('abc', 'abd')"),
    ).toEqual([[3, 1]]);
    await refused("SELECT hamming_distance('ab', 'abc')", /same length/);
    // Code points, not bytes.
    expect(
      await trino.rows(
        "SELECT levenshtein_distance('é', 'e'), levenshtein_distance('aé', 'éa'), hamming_distance('éa', 'aé'), levenshtein_distance('', 'abc')",
      ),
    ).toEqual([[1, 2, 2, 3]]);
  });
  it('translate: the documented examples', async () => {
    expect(
      await trino.rows(
        "SELECT translate('abcd', '', ''), translate('abcd', 'a', 'z'), translate('abcda', 'a', 'z'), translate('Palhoça', 'ç', 'c'), translate('abcd', 'a', ''), translate('abcd', 'a', 'zy'), translate('abcd', 'ac', 'z'), translate('abcd', 'aac', 'zq')",
      ),
    ).toEqual([['abcd', 'zbcd', 'zbcdz', 'Palhoca', 'bcd', 'zbcd', 'zbd', 'zbd']]);
  });
  it('luhn_check: the documented examples', async () => {
    expect(await trino.rows("SELECT luhn_check('79927398713'), luhn_check('79927398714')")).toEqual([
      [true, false],
    ]);
  });
  it('to_hex, from_hex, md5, sha1, sha256, to_base64, from_base64 on varbinary', async () => {
    expect(await value("SELECT to_hex(md5(to_utf8('a')))")).toBe('0CC175B9C0F1B6A831C399E269772661');
    expect(await value("SELECT to_hex(sha1(to_utf8('a')))")).toBe('86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8');
    expect(await value("SELECT to_hex(sha256(to_utf8('a')))")).toBe(
      'CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB',
    );
    expect(await trino.rows("SELECT to_base64(to_utf8('a')), from_utf8(from_base64('YQ=='))")).toEqual([
      ['YQ==', 'a'],
    ]);
  });
  it('url_extract_*: the parts of a URL, NULL for an invalid one', async () => {
    const url = "'http://user@example.com:8080/a%20b?x=1&y=a+b#frag'";
    expect(
      await trino.rows(
        `SELECT url_extract_protocol(${url}), url_extract_host(${url}), url_extract_port(${url}), url_extract_path(${url}), url_extract_query(${url}), url_extract_fragment(${url}), url_extract_parameter(${url}, 'y'), url_extract_parameter(${url}, 'z')`,
      ),
    ).toEqual([['http', 'example.com', 8080, '/a b', 'x=1&y=a+b', 'frag', 'a b', null]]);
    expect(
      await trino.rows(
        "SELECT url_extract_protocol('http://localhost:8080/req_path'), url_extract_protocol('https://127.0.0.1:8080/req_path'), url_extract_protocol('ftp://path/file')",
      ),
    ).toEqual([['http', 'https', 'ftp']]);
    expect(
      await trino.rows("SELECT url_extract_port('http://e.com/p'), url_extract_query('http://e.com/p')"),
    ).toEqual([[null, '']]);
    expect(await value("SELECT url_extract_host('http://a b/')")).toBeNull();
  });
  it('url_encode and url_decode use the form encoding', async () => {
    expect(await value("SELECT url_encode('a b*~/é._-')")).toBe('a+b*%7E%2F%C3%A9._-');
    expect(await value("SELECT url_decode('a+b%2B%C3%A9')")).toBe('a b+é');
  });
  it('format with %s, %d, %f, %% and widths: the documented examples; other specifiers are refused', async () => {
    expect(
      await trino.rows(
        "SELECT format('%s%%', 123), format('%03d', 8), format('%-7s,%7s', 'hello', 'world'), format('%s and %s', NULL, 1.5e0)",
      ),
    ).toEqual([['123%', '008', 'hello  ,  world', 'null and 1.5']]);
    expect(await value("SELECT format('%.5f', pi())")).toBe('3.14159');
    // Java rounds half up on the double's shortest text (1.005, not 1.00499...), a decimal's exact digits, and
    // keeps the sign of a negative value that rounds to zero.
    expect(
      await trino.rows(
        "SELECT format('%.2f', 1.005e0), format('%.2f', 0.125e0), format('%.1f', -0.04e0), format('%f', 2.5e0), format('%.0f', 2.5e0), format('%.2f', DECIMAL '-1.005'), format('%.10f', REAL '0.1'), format('%.2f', REAL '2.675')",
      ),
    ).toEqual([['1.01', '0.13', '-0.0', '2.500000', '3', '-1.01', '0.1000000015', '2.67']]);
    expect(
      await trino.rows(
        "SELECT format('%08.2f', -3.14159e0), format('%-8.1f|', 2e0), format('%8.1f|', 2e0), format('%6.1f', nan()), format('%06.1f', -infinity()), format('%.1f', CAST(NULL AS DOUBLE)), format('%08.2f|', CAST(NULL AS DOUBLE))",
      ),
    ).toEqual([['-0003.14', '2.0     |', '     2.0|', '   NaN', '-Infinity', 'n', '      nu|']]);
    await refused("SELECT format('%.2f', 3)", /%f needs a double, real or decimal, not integer/);
    await refused("SELECT format('%-08.2f', 3e0)", /not supported/);
    await refused("SELECT format('%,.2f', 1234567.89)", /not supported/);
    await refused("SELECT format('%4$s %1$s', 'a', 'b', 'c', 'd')", /not supported/);
    await refused("SELECT format('%d', 1.5)", /%d needs an integer/);
  });
  it('word_stem and soundex are refused', async () => {
    await refused("SELECT word_stem('running')", /word_stem is not supported/);
    await refused("SELECT soundex('Robert')", /soundex is not supported/);
  });
});
