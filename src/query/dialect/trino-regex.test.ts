import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../../test/helpers/trino-sql.js';
import { capturingGroups, javaReplacement } from './trino-regex.js';

// Expected values are the examples of trino.io/docs/current/functions/regexp.html.
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

const value = (sql: string) => trino.value(sql);
const refused = (sql: string, message: RegExp) => expect(trino.rows(sql)).rejects.toThrow(message);

describe('Trino regular expression functions', () => {
  it('regexp_like is a contains match', async () => {
    expect(await value("SELECT regexp_like('1a 2b 14m', '\\d+b')")).toBe(true);
    expect(await value("SELECT regexp_like('1a 2b 14m', '^\\d+b')")).toBe(false);
  });
  it('regexp_extract, NULL when nothing matches; a missing group fails', async () => {
    expect(await value("SELECT regexp_extract('1a 2b 14m', '\\d+')")).toBe('1');
    expect(await value("SELECT regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)")).toBe('a');
    expect(await value("SELECT regexp_extract('abc', '[0-9]+')")).toBeNull();
    await refused("SELECT regexp_extract('abc', '(a)', 2)", /Pattern has 1 groups/);
  });
  it('regexp_extract_all', async () => {
    expect(await value("SELECT regexp_extract_all('1a 2b 14m', '\\d+')")).toEqual(['1', '2', '14']);
    expect(await value("SELECT regexp_extract_all('1a 2b 14m', '(\\d+)([a-z]+)', 2)")).toEqual([
      'a',
      'b',
      'm',
    ]);
  });
  it('regexp_replace replaces every match, with $n groups', async () => {
    expect(await value("SELECT regexp_replace('1a 2b 14m', '\\d+[ab] ')")).toBe('14m');
    expect(await value("SELECT regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')")).toBe('3ca 3cb 14m');
    expect(await value("SELECT regexp_replace('aaa', 'a', 'b')")).toBe('bbb');
    expect(await value("SELECT regexp_replace('a.b', '\\.', '\\$\\\\')")).toBe('a$\\b');
    await refused("SELECT regexp_replace('ab', '(?<x>a)', '$" + "{x}')", /named group/);
    await refused("SELECT regexp_replace('ab', '(a)', '$2')", /No group 2/);
  });
  it('regexp_replace with a lambda replaces each match by its answer for the groups', async () => {
    expect(
      await value("SELECT regexp_replace('new york', '(\\w)(\\w*)', x -> upper(x[1]) || lower(x[2]))"),
    ).toBe('New York');
    expect(
      await trino.rows(
        "SELECT regexp_replace('1a2', '(\\d)', x -> '<' || x[1] || '>'), regexp_replace('a1b22', '\\d+', x -> '#'), regexp_replace('abc', '\\d', x -> '#'), regexp_replace('a1', '\\d', x -> NULL), regexp_replace(CAST(NULL AS VARCHAR), '\\d', x -> '#')",
      ),
    ).toEqual([['<1>a<2>', 'a#b#', 'abc', null, null]]);
    await refused("SELECT regexp_replace('abc', 'x*', x -> '-')", /matches the empty string/);
    await refused(
      "SELECT regexp_replace('abc', p, x -> '-') FROM (SELECT 'b' AS p)",
      /pattern must be a string literal/,
    );
  });
  it('regexp_count', async () => {
    expect(await value("SELECT regexp_count('1a 2b 14m', '\\s*[a-z]+\\s*')")).toBe(3);
  });
  it('regexp_position, from a start and for the n-th occurrence', async () => {
    const s = "'I have 23 apples, 5 pears and 13 oranges'";
    expect(
      await trino.rows(
        `SELECT regexp_position(${s}, '\\b\\d+\\b'), regexp_position(${s}, '\\b\\d+\\b', 5), regexp_position(${s}, '\\b\\d+\\b', 12), regexp_position(${s}, '\\b\\d+\\b', 12, 1), regexp_position(${s}, '\\b\\d+\\b', 12, 2), regexp_position(${s}, '\\b\\d+\\b', 12, 3)`,
      ),
    ).toEqual([[8, 8, 19, 19, 31, -1]]);
  });
  it('regexp_split keeps trailing empty strings', async () => {
    expect(await value("SELECT regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*')")).toEqual(['1', '2', '14', '']);
  });
  it("Java's class intersections are refused; $ before a final line break is refused", async () => {
    await refused("SELECT regexp_like('ab', '[a-z&&[^b]]')", /intersected character classes/);
    expect(await value("SELECT regexp_like('abc', 'c$')")).toBe(true);
    await refused("SELECT regexp_like('abc' || chr(10), 'c$')", /line break/);
    expect(await value("SELECT regexp_like('ab' || chr(10) || 'c', '(?m)b$')")).toBe(true);
  });
  it('counts capturing groups and converts Java replacements', () => {
    expect(capturingGroups('(a)(?:b)[(](?<n>c)\\(')).toBe(2);
    expect(() => capturingGroups('a)|(b')).toThrow(/invalid regular expression/);
    expect(javaReplacement('x$1\\$\\\\')).toBe('x\\1$\\\\');
  });
});
