import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { parseRecipe } from '../../src/etl/recipe.js';
import { type ColumnSchema, compileRecipe } from '../../src/etl/recipe-compiler.js';
import { fuzzParameters } from './fuzz-runs.js';
import { HOSTILE_TEXT, type RecipeCase, recipeCase, recipeJson } from './recipe-arbitraries.js';
import { collectTree, RECIPE_FUNCTIONS } from './sql-tree.js';

let instance: DuckDBInstance;
let db: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await db.run("SET TimeZone = 'UTC'");
});
afterAll(() => {
  db.closeSync();
  instance.closeSync();
});

/** Runs `work`; anything it throws must be an AppError ValidationException. */
function validOrRefused<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.code).toBe('ValidationException');
    return undefined;
  }
}

async function tree(sql: string) {
  const reader = await db.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS tree', [sql]);
  return JSON.parse(String(reader.getRowObjectsJson()[0]?.tree));
}

// Quoting written here rather than taken from src/lib/sql.ts, so that a broken quoteIdent or quoteLiteral
// fails the property instead of the table it runs on.
const ident = (name: string) => `"${name.split('"').join('""')}"`;
const text = (value: string) => `'${value.split("'").join("''")}'`;

/** A table with the source schema and a few rows (missing, empty, hostile and typical values). */
async function createSource(columns: readonly ColumnSchema[]): Promise<void> {
  const list = columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
  await db.run(`CREATE OR REPLACE TABLE src (${list})`);
  const sample: Record<string, string[]> = {
    VARCHAR: ["''", text(' Ann Lee\t'), text(HOSTILE_TEXT[0] ?? ''), "'2024-01-16T23:30:00-08:00'", "'42'"],
    BIGINT: ['0', '-7', '9007199254740993'],
    INTEGER: ['1', '-1'],
    DOUBLE: ['1.5', "'NaN'", '-0.0'],
    'DECIMAL(18,3)': ['12.345'],
    BOOLEAN: ['true', 'false'],
    DATE: ["DATE '2024-02-29'"],
    TIMESTAMP: ["TIMESTAMP '2024-01-01 12:34:56'"],
    'TIMESTAMP WITH TIME ZONE': ["TIMESTAMPTZ '2024-01-01 12:34:56+02'"],
  };
  for (let row = 0; row < 4; row++) {
    const values = columns.map((c) =>
      row === 0 ? 'NULL' : (sample[c.type]?.[row % (sample[c.type]?.length ?? 1)] ?? 'NULL'),
    );
    await db.run(`INSERT INTO src VALUES (${values.join(', ')})`);
  }
}

async function someInvalidPattern(patterns: readonly string[]): Promise<boolean> {
  for (const pattern of patterns) {
    try {
      await db.runAndReadAll('SELECT regexp_matches($1::VARCHAR, $2::VARCHAR)', ['', pattern]);
    } catch {
      return true;
    }
  }
  return false;
}

/** What a compiled recipe may contain besides the user's names and values. */
const INTERNAL_NAMES = new Set(['w', 'i', 'h', 'k']);

async function checkCompiled(
  c: RecipeCase,
  compiled: { sql: string; columns: readonly ColumnSchema[]; variables: readonly string[] },
) {
  const parsed = await tree(compiled.sql);
  expect(parsed.error, parsed.error_message).toBe(false);
  expect(parsed.statements).toHaveLength(1);
  expect(parsed.statements[0].node.type).toBe('SELECT_NODE');
  const found = collectTree(parsed.statements[0].node);
  const names = new Set([...c.source.map((s) => s.name), ...c.names, ...INTERNAL_NAMES]);
  for (const table of found.tables) expect(table, 'a table the recipe did not name').toMatch(/^(src|s\d+)$/);
  for (const fn of found.functions) expect(RECIPE_FUNCTIONS, `function ${fn}`).toContain(fn);
  for (const column of found.columns) expect(names, `column ${JSON.stringify(column)}`).toContain(column);
  for (const alias of found.aliases) expect(names, `alias ${JSON.stringify(alias)}`).toContain(alias);
  // Every value that the compiler passes through verbatim must reach DuckDB as exactly that literal.
  for (const literal of c.literals)
    expect(found.strings, `literal ${JSON.stringify(literal)}`).toContain(literal);
  for (const variable of compiled.variables)
    await db.run(`SET VARIABLE ${ident(variable)} = from_base64('c2VjcmV0')`);
  await createSource(c.source);
  let reader: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>;
  try {
    reader = await db.runAndReadAll(compiled.sql);
  } catch (error) {
    // A REPLACE_TEXT pattern is the user's RE2 expression; an invalid one fails the job when it runs.
    if (await someInvalidPattern(c.patterns)) return;
    // A value that looks like the column's type but is out of its range (1e15 for DECIMAL(18,3), 2023-02-29)
    // passes the compiler's shape checks and fails the job with DuckDB's own message naming it.
    const message = String(error);
    if (
      /Conversion Error/.test(message) &&
      c.literals.some((v) => message.includes(`"${v}"`) || message.includes(`'${v}'`))
    )
      return;
    throw error;
  }
  expect(reader.columnNames()).toEqual(compiled.columns.map((column) => column.name));
  expect(reader.columnTypes().map(String)).toEqual(compiled.columns.map((column) => column.type));
}

describe('DataBrew recipes under fuzzing', () => {
  it('any JSON is a recipe or a ValidationException', () => {
    fc.assert(
      fc.property(recipeJson, (json) => {
        validOrRefused(() => parseRecipe(json));
        validOrRefused(() => parseRecipe(JSON.stringify(json)));
      }),
      fuzzParameters(1000),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        validOrRefused(() => parseRecipe(text));
      }),
      fuzzParameters(500),
    );
  });

  it('random recipes with hostile names and values compile to one SELECT of exactly those names and values, or are refused', async () => {
    await fc.assert(
      fc.asyncProperty(recipeCase, async (c) => {
        const recipe = validOrRefused(() => parseRecipe(c.steps));
        if (!recipe) return;
        const compiled = validOrRefused(() =>
          compileRecipe(recipe, { relation: ident('src'), columns: c.source }),
        );
        if (!compiled) return;
        await checkCompiled(c, compiled);
      }),
      fuzzParameters(300, { caseTimeoutMs: 20_000 }),
    );
  });
});
