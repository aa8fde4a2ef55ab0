import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../test/helpers/trino-sql.js';
import { engineMessage } from './engine-messages.js';

// DuckDB's own messages, made by running the translated queries, so a change in DuckDB's wording shows here.
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

async function said(sql: string) {
  const failed = await trino.rows(sql).then(
    () => undefined,
    (error: Error) => error,
  );
  if (!failed) throw new Error(`${sql} did not fail`);
  return engineMessage(failed.message);
}

const T = '(VALUES (1, 2)) t(a, b)';

describe("the engine's errors as Athena words them", () => {
  it('a column that is not there: COLUMN_NOT_FOUND, ErrorType 1006', async () => {
    const tail = 'cannot be resolved or requester is not authorized to access requested resources';
    expect(await said(`SELECT c FROM ${T}`)).toEqual({
      reason: `COLUMN_NOT_FOUND: Column 'c' ${tail}`,
      type: 1006,
    });
    expect((await said(`SELECT t.c FROM ${T}`)).reason).toBe(`COLUMN_NOT_FOUND: Column 't.c' ${tail}`);
    // With the query as written, where it names the column first, as Trino says it.
    const missing = 'Binder Error: Referenced column "c" not found in FROM clause!';
    expect(engineMessage(missing, 'SELECT a,\n  "C" + 1 FROM t').reason).toBe(
      `COLUMN_NOT_FOUND: line 2:3: Column 'c' ${tail}`,
    );
    expect(
      engineMessage('Binder Error: Table "t" does not have a column named "c"', 'SELECT x.c, t . c FROM t')
        .reason,
    ).toBe(`COLUMN_NOT_FOUND: line 1:13: Column 't.c' ${tail}`);
    expect(engineMessage(missing, "SELECT 'c' FROM t").reason).toBe(`COLUMN_NOT_FOUND: Column 'c' ${tail}`);
    // Not a function's name, an alias, a type or a table of that name.
    expect(engineMessage(missing, 'SELECT c(1), CAST(x AS c) AS c, c FROM c JOIN c ON true').reason).toBe(
      `COLUMN_NOT_FOUND: line 1:33: Column 'c' ${tail}`,
    );
    expect(engineMessage(missing, 'EXECUTE c USING 1').reason).toBe(`COLUMN_NOT_FOUND: Column 'c' ${tail}`);
    expect(engineMessage(missing, "SELECT 'unterminated").reason).toBe(
      `COLUMN_NOT_FOUND: Column 'c' ${tail}`,
    );
  });
  it("Seawall's own Trino errors lose DuckDB's class", async () => {
    expect(await said('SELECT 1 / 0')).toEqual({ reason: 'DIVISION_BY_ZERO: Division by zero' });
    expect((await said("SELECT CAST('x' AS integer)")).reason).toMatch(/^INVALID_CAST_ARGUMENT: /);
  });
  it('overflow: NUMERIC_VALUE_OUT_OF_RANGE with the operation and operands', async () => {
    expect((await said("SELECT BIGINT '9223372036854775807' + 1")).reason).toBe(
      'NUMERIC_VALUE_OUT_OF_RANGE: bigint addition overflow: 9223372036854775807 + 1',
    );
    expect(
      (await said("SELECT CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0)) + 1")).reason,
    ).toBe('NUMERIC_VALUE_OUT_OF_RANGE: Decimal overflow');
    expect((await said('SELECT 2147483647 * 2')).reason).toBe(
      'NUMERIC_VALUE_OUT_OF_RANGE: integer multiplication overflow: 2147483647 * 2',
    );
  });
  it('types that do not fit: TYPE_MISMATCH or FUNCTION_NOT_FOUND, in Trino type names', async () => {
    expect((await said('SELECT true * 2')).reason).toBe(
      'TYPE_MISMATCH: Cannot apply operator: boolean * integer',
    );
    expect((await said("SELECT abs(DATE '2024-01-01')")).reason).toBe(
      'FUNCTION_NOT_FOUND: Unexpected parameters (date) for function abs',
    );
  });
  it('a column neither grouped nor aggregated: EXPRESSION_NOT_AGGREGATE', async () => {
    expect((await said(`SELECT a, count(*) FROM ${T}`)).reason).toBe(
      "EXPRESSION_NOT_AGGREGATE: 'a' must be an aggregate expression or appear in GROUP BY clause",
    );
  });
  it("other messages keep DuckDB's words, its class and its LINE context gone", () => {
    expect(engineMessage('Conversion Error: something odd\nLINE 1: SELECT ...')).toEqual({
      reason: 'something odd',
    });
    expect(engineMessage('')).toEqual({ reason: '' });
    expect(
      engineMessage(
        "Binder Error: No function matches the given name and argument types 'f(DECIMAL(10,2), INTEGER[])'. You might need to add explicit type casts.",
      ).reason,
    ).toBe('FUNCTION_NOT_FOUND: Unexpected parameters (decimal(10,2), array(integer)) for function f');
  });
});
