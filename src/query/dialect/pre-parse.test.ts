import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueryRejected } from '../sandbox-tree.js';
import { preParse } from './pre-parse.js';

describe('a trailing comma, which Trino refuses and DuckDB would read', () => {
  it('is a SYNTAX_ERROR at the token after it; a comma in a string or before an item is not', () => {
    const refusal = (sql: string) => {
      try {
        preParse(sql);
      } catch (error) {
        if (error instanceof QueryRejected) return error.message;
        throw error;
      }
      return 'read';
    };
    expect(refusal('SELECT a, FROM t')).toBe("SYNTAX_ERROR: line 1:11: mismatched input 'FROM'");
    expect(refusal('SELECT f(a,) FROM t')).toBe("SYNTAX_ERROR: line 1:12: mismatched input ')'");
    expect(refusal('SELECT ARRAY[1,]')).toBe("SYNTAX_ERROR: line 1:16: mismatched input ']'");
    expect(refusal('SELECT a,')).toBe("SYNTAX_ERROR: line 1:10: mismatched input '<EOF>'");
    expect(refusal("SELECT 'a, FROM', b FROM t")).toBe('read');
    expect(refusal('SELECT a, b FROM t')).toBe('read');
  });
});

describe('Trino syntax rewritten before DuckDB parses it', () => {
  const cases: [string, string][] = [
    ['SELECT CAST(x AS ARRAY(INTEGER))', 'SELECT CAST(x AS INTEGER[])'],
    [
      'SELECT TRY_CAST(j AS MAP(VARCHAR, ARRAY(ROW(a ARRAY(bigint)))))',
      'SELECT TRY_CAST(j AS MAP(VARCHAR, ROW(a bigint[])[]))',
    ],
    ['VALUES 1, 2, 3', 'VALUES (1), (2), (3)'],
    [
      "SELECT * FROM (VALUES 1, (2), 'x' || 'y') AS t(v)",
      "SELECT * FROM (VALUES (1), (2), ('x' || 'y')) AS t(v)",
    ],
    ["VALUES (1, 'a'), (2, 'b') ORDER BY 1", "VALUES (1, 'a'), (2, 'b') ORDER BY 1"],
    ["SELECT if(a > 1, 'x'), if(b, 1, 2)", "SELECT if(a > 1, 'x', NULL), if(b, 1, 2)"],
    ['SELECT lag(x) IGNORE NULLS OVER (ORDER BY i)', 'SELECT lag(x IGNORE NULLS)  OVER (ORDER BY i)'],
    ['SELECT lag(x) RESPECT NULLS OVER (ORDER BY i)', 'SELECT lag(x)  OVER (ORDER BY i)'],
    [
      "SELECT listagg(v, ',') WITHIN GROUP (ORDER BY v DESC) FROM t",
      "SELECT listagg(v, ',' ORDER BY v DESC)  FROM t",
    ],
    ["SELECT X'0A0B', x '0a'", "SELECT from_hex('0A0B'), x '0a'"],
    // Rewrites within rewrites: an inner construct closes before an outer one at the same place, and an ORDER BY
    // moved into listagg takes its own rewrites along.
    ["SELECT IF(c, X'0A')", "SELECT IF(c, from_hex('0A'), NULL)"],
    ["VALUES X'0A', 2", "VALUES (from_hex('0A')), (2)"],
    [
      "SELECT if(a, listagg(v, ',') WITHIN GROUP (ORDER BY if(b, X'0A')))",
      "SELECT if(a, listagg(v, ',' ORDER BY if(b, from_hex('0A'), NULL)) , NULL)",
    ],
    // Inside strings, quoted names and comments nothing changes.
    [
      'SELECT \'CAST(x AS ARRAY(INTEGER))\', "values" FROM t -- VALUES 1, 2',
      'SELECT \'CAST(x AS ARRAY(INTEGER))\', "values" FROM t -- VALUES 1, 2',
    ],
  ];
  for (const [sql, expected] of cases) it(sql, () => expect(preParse(sql)).toBe(expected));

  it('refuses only with QueryRejected, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (sql) => {
        try {
          preParse(sql);
        } catch (error) {
          expect(error).toBeInstanceOf(QueryRejected);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });

  it('leaves SQL without these constructs as it is', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^SELECT [a-z]{1,8}( \+ [0-9]{1,3})? FROM [a-z]{1,8}$/), (sql) => {
        expect(preParse(sql)).toBe(sql);
      }),
    );
  });

  it('is linear in deep nesting', () => {
    const deep = `SELECT ${'CAST('.repeat(5000)}x${' AS ARRAY(INTEGER))'.repeat(5000)}`;
    expect(preParse(deep)).toContain('INTEGER[]');
  });
});

describe('hostile input to the pre-parse', () => {
  // Queries as long as Athena takes (262,144 characters). Each statement takes well under a second; a scan or a
  // splice per item is quadratic and takes minutes (20,000 IFs took 15 s when each edit copied the whole text).
  it('reads a query of many VALUES and nested IFs', { timeout: 20_000 }, () => {
    expect(preParse(`SELECT ${'values '.repeat(37000)}`)).toMatch(/^SELECT values/);
    const ifs = 37000;
    const query = `SELECT ${'if(a, '.repeat(ifs)}1${')'.repeat(ifs)}`;
    const rewritten = preParse(query);
    // Every IF has its NULL, and nothing else changed.
    expect(rewritten.length).toBe(query.length + ', NULL'.length * ifs);
    expect(rewritten).toContain('if(a, 1, NULL), NULL)');
    // ORDER BYs moved into listagg, each within the one before (each WITHIN GROUP leaves the space before it).
    let nested = 'v';
    let expected = 'v';
    for (let level = 0; level < 5000; level++) {
      nested = `listagg(v, ',') WITHIN GROUP (ORDER BY ${nested})`;
      expected = `listagg(v, ',' ORDER BY ${expected}) `;
    }
    expect(preParse(`SELECT ${nested}`)).toBe(`SELECT ${expected}`);
  });
});
