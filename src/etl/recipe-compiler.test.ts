import { createHmac } from 'node:crypto';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseRecipe } from './recipe.js';
import {
  type CompiledRecipe,
  compileRecipe,
  type RecipeSource,
  secretVariableName,
} from './recipe-compiler.js';

let instance: DuckDBInstance;
let db: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
});
afterAll(() => {
  db.closeSync();
  instance.closeSync();
});

type Row = Record<string, unknown>;
const step = (
  Operation: string,
  Parameters: Record<string, string> = {},
  ConditionExpressions?: unknown[],
) => ({
  Action: { Operation, Parameters },
  ...(ConditionExpressions === undefined ? {} : { ConditionExpressions }),
});
const when = (Condition: string, TargetColumn: string, Value?: string) => ({
  Condition,
  TargetColumn,
  Value,
});

/** Compiles, runs the SQL as compiled (sorted for stable comparison), and checks the declared schema. */
async function run(source: RecipeSource, steps: unknown[]): Promise<CompiledRecipe & { rows: Row[] }> {
  const compiled = compileRecipe(parseRecipe(steps), source);
  const reader = await db.runAndReadAll(`SELECT * FROM (${compiled.sql}) ORDER BY ALL`);
  expect(reader.columnNames()).toEqual(compiled.columns.map((column) => column.name));
  expect(reader.columnTypes().map(String)).toEqual(compiled.columns.map((column) => column.type));
  return { ...compiled, rows: reader.getRowObjectsJson() as Row[] };
}

function compileError(source: RecipeSource, steps: unknown[]): AppError {
  try {
    compileRecipe(parseRecipe(steps), source);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('compileRecipe accepted the recipe');
}

const people: RecipeSource = {
  relation: `(VALUES (1, 'ann LEE', ' x\t', 30), (2, 'BOB', '', NULL), (3, NULL, 'y', 45), (4, 'BOB', '', NULL))
    AS t(id, name, note, age)`,
  columns: [
    { name: 'id', type: 'INTEGER' },
    { name: 'name', type: 'VARCHAR' },
    { name: 'note', type: 'VARCHAR' },
    { name: 'age', type: 'INTEGER' },
  ],
};
const column = (rows: Row[], name: string) => rows.map((row) => row[name]);

describe('compileRecipe: structure', () => {
  it('chains one CTE per step over the relation', async () => {
    const { sql, rows, columns, variables } = await run(people, [
      step('RENAME', { sourceColumn: 'name', targetColumn: 'full_name' }),
      step('DELETE', { sourceColumns: '["note","age"]' }),
    ]);
    expect(sql).toBe(
      `WITH s0 AS (SELECT * FROM ${people.relation}),\n` +
        `s1 AS (SELECT "id", "name" AS "full_name", "note", "age" FROM s0),\n` +
        `s2 AS (SELECT "id", "full_name" FROM s1)\nSELECT * FROM s2`,
    );
    expect(columns).toEqual([
      { name: 'id', type: 'INTEGER' },
      { name: 'full_name', type: 'VARCHAR' },
    ]);
    expect(variables).toEqual([]);
    expect(rows).toEqual([
      { id: 1, full_name: 'ann LEE' },
      { id: 2, full_name: 'BOB' },
      { id: 3, full_name: null },
      { id: 4, full_name: 'BOB' },
    ]);
  });

  it('names the step when a column does not exist at that point', () => {
    const error = compileError(people, [
      step('DELETE', { sourceColumn: 'age' }),
      step('UPPER_CASE', { sourceColumn: 'name' }),
      step('FILL_WITH_NULL', { sourceColumn: 'age' }),
    ]);
    expect(error.code).toBe('ValidationException');
    expect(error.status).toBe(400);
    expect(error.message).toBe('Step 3 (FILL_WITH_NULL): column "age" does not exist at this step');
    expect(compileError(people, [step('UPPER_CASE', { sourceColumn: 'NAME' })]).message).toMatch(
      /^Step 1 \(UPPER_CASE\): column "NAME" does not exist at this step \(column names are case-sensitive; there is "name"\)/,
    );
    const condition = [when('IS_MISSING', 'nope')];
    expect(compileError(people, [step('UPPER_CASE', { sourceColumn: 'name' }, condition)]).message).toBe(
      'Step 1 (UPPER_CASE): column "nope" does not exist at this step',
    );
  });

  it('refuses a NUL that a JSON escape brings into a condition value, as it refuses one written plainly', () => {
    for (const [Condition, Value] of [
      ['IS_BETWEEN', '{"GREATER_THAN_EQUAL":"a\\u0000","LESS_THAN_EQUAL":"b"}'],
      ['IS_BETWEEN', '["a","b\\u0000"]'],
      ['IS', '["x\\u0000y"]'],
      ['IS_NOT', '["ok","\\u0000"]'],
    ] as const) {
      const error = compileError(people, [
        step('UPPER_CASE', { sourceColumn: 'name' }, [when(Condition, 'name', Value)]),
      ]);
      expect([error.code, error.status], Value).toEqual(['ValidationException', 400]);
      expect(error.message, Value).toMatch(/contains a NUL character/);
    }
  });

  it('refuses clashing names, deleting everything, and text operations on numbers', () => {
    expect(
      compileError(people, [step('DUPLICATE', { sourceColumn: 'id', targetColumn: 'NAME' })]).message,
    ).toBe('Step 1 (DUPLICATE): column "name" already exists');
    expect(
      compileError(people, [step('DELETE', { sourceColumns: '["id","name","note","age"]' })]).message,
    ).toMatch(/cannot delete every column/);
    expect(compileError(people, [step('LOWER_CASE', { sourceColumn: 'age' })]).message).toBe(
      'Step 1 (LOWER_CASE): column "age" is INTEGER; this needs text',
    );
    expect(
      compileError(people, [step('FILL_WITH_CUSTOM', { sourceColumn: 'age', value: 'old' })]).message,
    ).toMatch(/value "old" does not fit the INTEGER column/);
  });

  it('quotes hostile names and values so they stay data', async () => {
    await db.run('CREATE TABLE victim AS SELECT 1 AS x');
    const name = 'a"; DROP TABLE victim; --';
    const value = "O'Brien'); DROP TABLE victim; --";
    const source: RecipeSource = { relation: 'victim', columns: [{ name: 'x', type: 'INTEGER' }] };
    const { sql, rows } = await run(source, [
      step('DUPLICATE', { sourceColumn: 'x', targetColumn: name }),
      step('CHANGE_DATA_TYPE', { sourceColumn: name, columnDataType: 'string' }),
      step('FILL_WITH_CUSTOM', { sourceColumn: name, value }, [when('IS', name, '["1"]')]),
      step('REPLACE_TEXT', { sourceColumn: name, pattern: "'", value: "'' --" }),
    ]);
    expect(sql).toContain('"a""; DROP TABLE victim; --"');
    expect(sql).toContain(`'O''Brien''); DROP TABLE victim; --'`);
    expect(rows).toEqual([{ x: 1, [name]: "O'' --Brien'' --); DROP TABLE victim; --" }]);
    expect((await db.runAndReadAll('SELECT count(*) AS n FROM victim')).getRowObjectsJson()).toEqual([
      { n: '1' },
    ]);
  });
});

describe('compileRecipe: column operations', () => {
  it('DUPLICATE copies a column and keeps both', async () => {
    const { sql, rows } = await run(people, [
      step('DUPLICATE', { sourceColumn: 'age', targetColumn: 'age2' }),
    ]);
    expect(sql).toContain('SELECT "id", "name", "note", "age", "age" AS "age2" FROM s0');
    expect(column(rows, 'age2')).toEqual([30, null, 45, null]);
  });

  it('UPPER_CASE, LOWER_CASE and CAPITAL_CASE (each word), leaving NULL alone', async () => {
    const text: RecipeSource = {
      relation: `(VALUES (1, 'black and white'), (2, 'Black And White'), (3, 'bLACK  aND wHITE'), (4, NULL)) AS t(id, c)`,
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'c', type: 'VARCHAR' },
      ],
    };
    const capital = await run(text, [step('CAPITAL_CASE', { sourceColumn: 'c' })]);
    expect(capital.sql).toContain(`string_split("c", ' '), lambda w: upper(w[1]) || lower(w[2:])`);
    expect(column(capital.rows, 'c')).toEqual([
      'Black And White',
      'Black And White',
      'Black  And White',
      null,
    ]);
    const upper = await run(text, [step('UPPER_CASE', { sourceColumn: 'c' })]);
    expect(upper.sql).toContain('upper("c") AS "c"');
    expect(column(upper.rows, 'c')).toEqual(['BLACK AND WHITE', 'BLACK AND WHITE', 'BLACK  AND WHITE', null]);
    const lower = await run(text, [
      step('LOWER_CASE', { sourceColumn: 'c' }, [when('STARTS_WITH', 'c', 'B')]),
    ]);
    expect(lower.sql).toContain(
      `CASE WHEN coalesce(starts_with("c", 'B'), false) THEN lower("c") ELSE "c" END AS "c"`,
    );
    expect(column(lower.rows, 'c')).toEqual(['black and white', 'black and white', 'bLACK  aND wHITE', null]);
  });

  it('TRIM writes a new column (or in place) without any whitespace at either end', async () => {
    const copy = await run(people, [step('TRIM', { sourceColumn: 'note', targetColumn: 'clean' })]);
    expect(copy.sql).toContain(`regexp_replace("note", '^\\s+|\\s+$', '', 'g') AS "clean"`);
    expect(column(copy.rows, 'clean')).toEqual(['x', '', 'y', '']);
    expect(column(copy.rows, 'note')).toEqual([' x\t', '', 'y', '']);
    const inPlace = await run(people, [step('TRIM', { sourceColumn: 'note', targetColumn: 'note' })]);
    expect(inPlace.columns.map((c) => c.name)).toEqual(['id', 'name', 'note', 'age']);
    expect(column(inPlace.rows, 'note')).toEqual(['x', '', 'y', '']);
    const constant = await run(people, [step('TRIM', { value: "  it's  ", targetColumn: 'k' })]);
    expect(column(constant.rows, 'k')).toEqual(["it's", "it's", "it's", "it's"]);
  });

  it('REPLACE_TEXT replaces every regex match with literal text', async () => {
    const { sql, rows } = await run(people, [
      step('REPLACE_TEXT', { sourceColumn: 'name', pattern: '[A-Z]', value: '\\1$' }),
    ]);
    expect(sql).toContain(`regexp_replace("name", '[A-Z]', '\\\\1$', 'g') AS "name"`);
    expect(column(rows, 'name')).toEqual(['ann \\1$\\1$\\1$', '\\1$\\1$\\1$', null, '\\1$\\1$\\1$']);
  });
});

describe('compileRecipe: CHANGE_DATA_TYPE', () => {
  const raw: RecipeSource = {
    relation: `(VALUES (1, '43.0', '2023-12-11T01:04:00-08:00', 'yes', '2024-12-31'),
      (2, ' 43.9 ', '2024-04-02T10:15:00-07:00', 'false', '2024-01-16T14:37:35-08:00'),
      (3, 'n/a', '2024-01-02 03:04:05', 'maybe', 'soon'), (4, '', '2024-01-02', '', ''))
      AS t(id, n, ts, b, d)`,
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 'n', type: 'VARCHAR' },
      { name: 'ts', type: 'VARCHAR' },
      { name: 'b', type: 'VARCHAR' },
      { name: 'd', type: 'VARCHAR' },
    ],
  };
  const change = (sourceColumn: string, columnDataType: string) =>
    step('CHANGE_DATA_TYPE', { sourceColumn, columnDataType });

  it('converts text, truncating numbers like Spark and turning what does not convert into NULL', async () => {
    const { sql, rows, columns } = await run(raw, [
      change('n', 'int'),
      change('b', 'boolean'),
      change('d', 'date'),
      step('DUPLICATE', { sourceColumn: 'n', targetColumn: 'x' }),
      change('x', 'decimal'),
    ]);
    expect(sql).toContain(
      `TRY_CAST(trunc(TRY_CAST(regexp_replace("n", '^\\s+|\\s+$', '', 'g') AS DECIMAL(38,9))) AS INTEGER)`,
    );
    expect(columns.map((c) => c.type)).toEqual([
      'INTEGER',
      'INTEGER',
      'VARCHAR',
      'BOOLEAN',
      'DATE',
      'DECIMAL(38,18)',
    ]);
    expect(column(rows, 'n')).toEqual([43, 43, null, null]);
    expect(column(rows, 'b')).toEqual([true, false, null, null]);
    expect(column(rows, 'd')).toEqual(['2024-12-31', '2024-01-16', null, null]);
    expect(column(rows, 'x')).toEqual(['43.000000000000000000', '43.000000000000000000', null, null]);
  });

  it('reads a timestamp with an offset as that instant in UTC', async () => {
    const { sql, rows } = await run(raw, [change('ts', 'timestamp')]);
    expect(sql).toContain(
      `THEN timezone('UTC', TRY_CAST(regexp_replace("ts", '^\\s+|\\s+$', '', 'g') AS TIMESTAMPTZ))`,
    );
    expect(column(rows, 'ts')).toEqual([
      '2023-12-11 09:04:00',
      '2024-04-02 17:15:00',
      '2024-01-02 03:04:05',
      '2024-01-02 00:00:00',
    ]);
  });

  it('converts numbers back to text and doubles, and refuses impossible conversions', async () => {
    const { rows } = await run(people, [change('age', 'string'), change('id', 'double')]);
    expect(column(rows, 'age')).toEqual(['30', null, '45', null]);
    expect(column(rows, 'id')).toEqual([1, 2, 3, 4]);
    const dated: RecipeSource = {
      relation: `(SELECT DATE '2024-01-02' AS d)`,
      columns: [{ name: 'd', type: 'DATE' }],
    };
    expect(compileError(dated, [change('d', 'long')]).message).toBe(
      'Step 1 (CHANGE_DATA_TYPE): a DATE column cannot become long',
    );
  });
});

describe('compileRecipe: FILL_*', () => {
  it('FILL_WITH_CUSTOM, FILL_WITH_NULL and FILL_WITH_EMPTY fill missing values (NULL or empty text)', async () => {
    const custom = await run(people, [
      step('FILL_WITH_CUSTOM', { sourceColumn: 'note', value: 'n/a', columnDataType: 'string' }),
      step('FILL_WITH_CUSTOM', { sourceColumn: 'age', value: '0', columnDataType: 'number' }),
    ]);
    expect(custom.sql).toContain(
      `CASE WHEN ("note" IS NULL OR "note" = '') THEN 'n/a' ELSE "note" END AS "note"`,
    );
    expect(custom.sql).toContain(
      `CASE WHEN ("age" IS NULL) THEN CAST('0' AS INTEGER) ELSE "age" END AS "age"`,
    );
    expect(column(custom.rows, 'note')).toEqual([' x\t', 'n/a', 'y', 'n/a']);
    expect(column(custom.rows, 'age')).toEqual([30, 0, 45, 0]);
    const nulls = await run(people, [step('FILL_WITH_NULL', { sourceColumn: 'note' })]);
    expect(column(nulls.rows, 'note')).toEqual([' x\t', null, 'y', null]);
    const empty = await run(people, [step('FILL_WITH_EMPTY', { sourceColumn: 'name' })]);
    expect(column(empty.rows, 'name')).toEqual(['ann LEE', 'BOB', '', 'BOB']);
  });

  it('with conditions, fills the rows they choose instead of the missing ones', async () => {
    const { sql, rows } = await run(people, [
      step('FILL_WITH_NULL', { sourceColumn: 'name' }, [
        when('IS', 'name', '["BOB"]'),
        when('GREATER_THAN', 'id', '3'),
      ]),
    ]);
    expect(sql).toContain(
      `CASE WHEN coalesce("name" IN ('BOB'), false) AND coalesce("id" > CAST('3' AS DOUBLE), false) THEN NULL ELSE "name" END`,
    );
    expect(column(rows, 'name')).toEqual(['ann LEE', 'BOB', null, null]);
  });

  it('FILL_WITH_MOST_FREQUENT fills with the column’s mode, or (Seawall extension) its group’s mode', async () => {
    const tickets: RecipeSource = {
      relation: `(VALUES (1, 'A', 'x'), (2, 'A', 'x'), (3, 'A', NULL), (4, 'B', 'y'), (5, 'B', ''), (6, 'C', NULL))
        AS t(id, grp, text)`,
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'grp', type: 'VARCHAR' },
        { name: 'text', type: 'VARCHAR' },
      ],
    };
    const whole = await run(tickets, [step('FILL_WITH_MOST_FREQUENT', { sourceColumn: 'text' })]);
    expect(whole.sql).toContain(
      `mode(CASE WHEN NOT ("text" IS NULL OR "text" = '') THEN "text" END) OVER ()`,
    );
    expect(column(whole.rows, 'text')).toEqual(['x', 'x', 'x', 'y', 'x', 'x']);
    const grouped = await run(tickets, [
      step('FILL_WITH_MOST_FREQUENT', { sourceColumn: 'text', groupByColumns: '["grp"]' }),
    ]);
    expect(grouped.sql).toContain('OVER (PARTITION BY "grp")');
    expect(column(grouped.rows, 'text')).toEqual(['x', 'x', 'x', 'y', 'y', null]);
  });
});

describe('compileRecipe: row operations', () => {
  it('REMOVE_MISSING keeps rows whose column has a value', async () => {
    const { sql, rows } = await run(people, [step('REMOVE_MISSING', { sourceColumn: 'note' })]);
    expect(sql).toContain(`FROM s0 WHERE NOT (("note" IS NULL OR "note" = ''))`);
    expect(column(rows, 'id')).toEqual([1, 3]);
  });

  it('REMOVE_VALUES removes the rows matching every condition', async () => {
    const { sql, rows } = await run(people, [
      step('REMOVE_VALUES', { sourceColumn: 'name' }, [
        when('IS', 'name', '["BOB"]'),
        when('IS_MISSING', 'age'),
      ]),
    ]);
    expect(sql).toContain(
      `WHERE NOT (coalesce("name" IN ('BOB'), false) AND coalesce(("age" IS NULL), false))`,
    );
    expect(column(rows, 'id')).toEqual([1, 3]);
  });

  it('DELETE_DUPLICATE_ROWS keeps one of each identical row', async () => {
    const { sql, rows } = await run(people, [
      step('DELETE', { sourceColumn: 'id' }),
      step('DELETE_DUPLICATE_ROWS'),
    ]);
    expect(sql).toContain('s2 AS (SELECT DISTINCT "name", "note", "age" FROM s1)');
    expect(rows).toHaveLength(3);
  });
});

describe('compileRecipe: conditions', () => {
  const sample: RecipeSource = {
    relation: `(VALUES (1, 'apple', 5, '12', DATE '2024-01-01'), (2, 'banana', 15, 'x', DATE '2024-02-01'),
      (3, 'cherry pie', 25, '3.5', NULL), (4, '', NULL, '', DATE '2024-03-01'), (5, NULL, 100, NULL, NULL))
      AS t(id, s, n, t, d)`,
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 's', type: 'VARCHAR' },
      { name: 'n', type: 'INTEGER' },
      { name: 't', type: 'VARCHAR' },
      { name: 'd', type: 'DATE' },
    ],
  };
  const cases: Array<[string, string, string | undefined, number[], string?]> = [
    ['IS', 's', '["apple","cherry pie"]', [1, 3], `coalesce("s" IN ('apple', 'cherry pie'), false)`],
    ['IS', 'n', '["5","100"]', [1, 5], `"n" IN (CAST('5' AS DOUBLE), CAST('100' AS DOUBLE))`],
    ['IS_NOT', 's', 'apple', [2, 3, 4, 5], `NOT coalesce("s" IN ('apple'), false)`],
    ['CONTAINS', 's', 'an', [2], `contains("s", 'an')`],
    ['NOT_CONTAINS', 's', 'an', [1, 3, 4, 5]],
    ['STARTS_WITH', 's', 'ch', [3]],
    ['NOT_STARTS_WITH', 's', 'ch', [1, 2, 4, 5]],
    ['ENDS_WITH', 's', 'e', [1, 3], `ends_with("s", 'e')`],
    ['NOT_ENDS_WITH', 's', 'e', [2, 4, 5]],
    ['LESS_THAN', 'n', '15', [1], `"n" < CAST('15' AS DOUBLE)`],
    ['LESS_THAN_EQUAL', 'n', '15', [1, 2]],
    ['GREATER_THAN', 'n', '15', [3, 5]],
    ['GREATER_THAN_EQUAL', 'n', '25', [3, 5]],
    ['LESS_THAN', 't', '5', [3], `TRY_CAST("t" AS DOUBLE) < CAST('5' AS DOUBLE)`],
    ['GREATER_THAN', 's', 'b', [2, 3], `"s" > 'b'`],
    ['LESS_THAN', 'd', '2024-02-01', [1], `"d" < CAST('2024-02-01' AS DATE)`],
    ['IS_BETWEEN', 'n', '{"GREATER_THAN_EQUAL":"10","LESS_THAN_EQUAL":"30"}', [2, 3]],
    ['IS_MISSING', 's', undefined, [4, 5]],
    ['IS_MISSING', 'n', undefined, [4], `("n" IS NULL)`],
    ['IS_INVALID', 't', 'int', [2]],
  ];
  it.each(cases)('%s on %s %s selects %j', async (condition, target, value, matched, fragment) => {
    const { sql, rows } = await run(sample, [
      step('REMOVE_VALUES', { sourceColumn: target }, [when(condition, target, value)]),
    ]);
    if (fragment !== undefined) expect(sql).toContain(fragment);
    expect(column(rows, 'id')).toEqual([1, 2, 3, 4, 5].filter((id) => !matched.includes(id)));
  });

  it('rejects values that cannot be compared with the column', () => {
    const remove = (Condition: string, target: string, value: string) =>
      compileError(sample, [
        step('REMOVE_VALUES', { sourceColumn: target }, [when(Condition, target, value)]),
      ]).message;
    expect(remove('LESS_THAN', 'n', 'ten')).toBe(
      'Step 1 (REMOVE_VALUES): condition: "ten" is not a number, and column "n" is INTEGER',
    );
    expect(remove('GREATER_THAN', 'd', 'yesterday')).toMatch(/"yesterday" is not an ISO date/);
  });
});

describe('compileRecipe: dates', () => {
  const dates: RecipeSource = {
    relation: `(VALUES (1, '2024-03-05T14:07:09-08:00', DATE '2024-12-31'), (2, 'never', NULL)) AS t(id, s, d)`,
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 's', type: 'VARCHAR' },
      { name: 'd', type: 'DATE' },
    ],
  };

  it('FORMAT_DATE maps DataBrew tokens to strftime', async () => {
    const { sql, rows, columns } = await run(dates, [
      step('FORMAT_DATE', { sourceColumn: 's', targetDateFormat: 'dd month yyyy HH:MM:SS' }),
      step('FORMAT_DATE', { sourceColumn: 'd', targetDateFormat: 'mm/dd/yy 100%' }),
    ]);
    expect(sql).toContain(
      `strftime(TRY_CAST(regexp_replace("s", '^\\s+|\\s+$', '', 'g') AS TIMESTAMP), '%d %B %Y %H:%M:%S')`,
    );
    expect(sql).toContain(`strftime("d", '%m/%d/%y 100%%') AS "d"`);
    expect(columns.map((c) => c.type)).toEqual(['INTEGER', 'VARCHAR', 'VARCHAR']);
    expect(rows).toEqual([
      { id: 1, s: '05 March 2024 14:07:09', d: '12/31/24 100%' },
      { id: 2, s: null, d: null },
    ]);
  });

  it('YEAR derives an integer year from text, dates and constants', async () => {
    const { sql, rows } = await run(dates, [
      step('YEAR', { sourceColumn: 's', targetColumn: 'ys' }),
      step('YEAR', { sourceColumn: 'd', targetColumn: 'yd' }),
      step('YEAR', { value: '2019-06-12', targetColumn: 'yv' }),
    ]);
    expect(sql).toContain(`CAST(year("d") AS INTEGER) AS "yd"`);
    expect(rows).toEqual([
      { id: 1, s: '2024-03-05T14:07:09-08:00', d: '2024-12-31', ys: 2024, yd: 2024, yv: 2019 },
      { id: 2, s: 'never', d: null, ys: null, yd: null, yv: 2019 },
    ]);
  });
});

describe('compileRecipe: CRYPTOGRAPHIC_HASH', () => {
  const hash = step('CRYPTOGRAPHIC_HASH', {
    sourceColumns: '["name","age"]',
    secretId: 'arn:aws:secretsmanager:ca:1:secret:k',
  });
  const key = Buffer.from('a key that is never in the SQL');
  const variable = secretVariableName('arn:aws:secretsmanager:ca:1:secret:k', undefined);
  const hmac = (text: string, secret: Buffer = key) =>
    createHmac('sha256', secret).update(text, 'utf8').digest('base64');

  it('is HMAC-SHA256 (base64) with the key read from a DuckDB variable', async () => {
    await db.run(`SET VARIABLE ${variable} = from_base64('${key.toString('base64')}')`);
    const { sql, rows, variables, columns } = await run(people, [hash]);
    expect(variables).toEqual([variable]);
    expect(sql).toContain(`getvariable('${variable}')`);
    expect(sql).not.toContain(key.toString('base64'));
    expect(sql).not.toContain('a key that');
    expect(columns.map((c) => c.type)).toEqual(['INTEGER', 'VARCHAR', 'VARCHAR', 'VARCHAR']);
    const expected = [
      { id: 1, name: hmac('ann LEE'), age: hmac('30') },
      { id: 2, name: hmac('BOB'), age: null },
      { id: 3, name: null, age: hmac('45') },
      { id: 4, name: hmac('BOB'), age: null },
    ];
    expect(rows.map(({ id, name, age }) => ({ id, name, age }))).toEqual(expected);
  });

  it('hashes keys longer than the block first (RFC 2104) and fails when the key is not set', async () => {
    const long = Buffer.alloc(100, 7);
    await db.run(`SET VARIABLE ${variable} = from_base64('${long.toString('base64')}')`);
    const { rows } = await run(people, [hash]);
    expect(rows[1]?.name).toBe(hmac('BOB', long));
    await db.run(`RESET VARIABLE ${variable}`);
    const compiled = compileRecipe(parseRecipe([hash]), people);
    await expect(db.runAndReadAll(compiled.sql)).rejects.toThrow(/the secret key\) is not set/);
  });
});
