import fc from 'fast-check';
import type { ColumnSchema } from '../../src/etl/recipe-compiler.js';

/** Text that would break out of SQL quoting if any of it reached the SQL unescaped. */
export const HOSTILE_TEXT = [
  `x'); SELECT getenv('HOME') --`,
  `a" FROM src; DROP TABLE src; --`,
  `'`,
  `"`,
  `''`,
  `""`,
  `\\`,
  `\\'`,
  '$$',
  '/*',
  '*/ 1',
  '--',
  '%s%n',
  '{}',
  '[1]',
  '\n\r\t',
  ' ',
  'Name',
  'NAME',
  'nul\u0000name',
];

/** DuckDB spellings, as DESCRIBE reports them, so the compiled schema can be compared with the result's. */
const TYPES = [
  'VARCHAR',
  'VARCHAR',
  'VARCHAR',
  'BIGINT',
  'INTEGER',
  'DOUBLE',
  'DECIMAL(18,3)',
  'BOOLEAN',
  'DATE',
  'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE',
];

/** Any characters, quotes and backslashes often: the ones SQL quoting has to get right. */
const anyText = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    fc.constantFrom("'", '"', '\\', ';', '-', '/', '*', ' '),
  ),
  minLength: 1,
  maxLength: 10,
});
const name = fc.oneof(
  { weight: 3, arbitrary: anyText },
  fc.constantFrom(...HOSTILE_TEXT.filter((t) => t.trim() !== '')),
);
/** Values of every kind the parsers tell apart: numbers, dates, JSON-looking text, hostile and plain text. */
const value = fc.oneof(
  { weight: 3, arbitrary: anyText },
  fc.constant(''),
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: true }).map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.stringMatching(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/),
  fc.constantFrom('true', 'FALSE', 'int', 'date', 'string', 'timestamp', 'boolean'),
);

export interface RecipeCase {
  source: ColumnSchema[];
  steps: unknown[];
  /** Every column name the steps mention. */
  names: string[];
  /** Values the compiler passes through verbatim: each must reach DuckDB as exactly this literal. */
  literals: string[];
  /** REPLACE_TEXT patterns: the user's RE2 expressions, checked only when the job runs. */
  patterns: string[];
}

interface Built {
  step: unknown;
  names: string[];
  literals: string[];
  pattern?: string;
}

const CONDITIONS = [
  'IS',
  'IS_NOT',
  'IS_BETWEEN',
  'CONTAINS',
  'NOT_CONTAINS',
  'STARTS_WITH',
  'NOT_STARTS_WITH',
  'ENDS_WITH',
  'NOT_ENDS_WITH',
  'LESS_THAN',
  'LESS_THAN_EQUAL',
  'GREATER_THAN',
  'GREATER_THAN_EQUAL',
  'IS_MISSING',
  'IS_INVALID',
];

function condition(column: fc.Arbitrary<string>) {
  return fc
    .record({
      kind: fc.constantFrom(...CONDITIONS),
      target: column,
      values: fc.array(value, { minLength: 1, maxLength: 3 }),
      list: fc.boolean(),
    })
    .map(({ kind, target, values, list }) => {
      const first = values[0] ?? '';
      let Value: string | undefined = first;
      let literals = [first];
      if (kind === 'IS' || kind === 'IS_NOT') {
        // A bare value starting with '[' would be read as a list; such values only go in lists.
        Value = list || first.trimStart().startsWith('[') ? JSON.stringify(values) : first;
        literals = list || first.trimStart().startsWith('[') ? values : [first];
      } else if (kind === 'IS_BETWEEN') {
        const pair = [first, values[1] ?? first];
        Value = JSON.stringify(list ? pair : { GREATER_THAN_EQUAL: pair[0], LESS_THAN_EQUAL: pair[1] });
        literals = pair;
      } else if (kind === 'IS_MISSING') {
        Value = undefined;
        literals = [];
      } else if (kind === 'IS_INVALID') literals = [];
      return {
        expression: { Condition: kind, TargetColumn: target, ...(Value === undefined ? {} : { Value }) },
        names: [target],
        literals,
      };
    });
}

type Conditions = { expression: unknown; names: string[]; literals: string[] }[];

/** A DataBrew step, with the column names it mentions and the values it passes through verbatim. */
function built(
  Operation: string,
  Parameters: Record<string, string>,
  conds: Conditions = [],
  literals: string[] = [],
): Built {
  const columns = Object.entries(Parameters)
    .filter(([k]) => /column/i.test(k))
    .flatMap(([k, v]) => (k.endsWith('Columns') ? (JSON.parse(v) as string[]) : [v]));
  return {
    step: {
      Action: { Operation, Parameters },
      ...(conds.length > 0 ? { ConditionExpressions: conds.map((c) => c.expression) } : {}),
    },
    names: [...columns, ...conds.flatMap((c) => c.names)],
    literals: [...literals, ...conds.flatMap((c) => c.literals)],
  };
}

const DATA_TYPES = 'byte short int integer long float double decimal string boolean date timestamp'.split(
  ' ',
);
const ONE_COLUMN_OPERATIONS =
  'UPPER_CASE LOWER_CASE CAPITAL_CASE FILL_WITH_NULL FILL_WITH_EMPTY REMOVE_MISSING REMOVE_VALUES'.split(' ');
const DATE_FORMAT_PARTS = ['yyyy', 'yy', 'mm', 'dd', 'month', 'HH', 'MM', 'SS', '-', '/', ' ', ':', '%', "'"];

function step(column: fc.Arbitrary<string>, target: fc.Arbitrary<string>): fc.Arbitrary<Built> {
  const conditions = fc.array(condition(column), { maxLength: 2 });
  const columns = (min: number) => fc.uniqueArray(column, { minLength: min, maxLength: 2 });
  return fc.oneof(
    fc
      .tuple(fc.constantFrom('RENAME', 'DUPLICATE'), column, target)
      .map(([op, s, t]) => built(op, { sourceColumn: s, targetColumn: t })),
    columns(1).map((cs) => built('DELETE', { sourceColumns: JSON.stringify(cs) })),
    fc
      .tuple(column, fc.constantFrom(...DATA_TYPES))
      .map(([s, t]) => built('CHANGE_DATA_TYPE', { sourceColumn: s, columnDataType: t })),
    fc
      .tuple(fc.constantFrom(...ONE_COLUMN_OPERATIONS), column, conditions)
      .map(([op, s, cs]) => built(op, { sourceColumn: s }, cs)),
    fc.tuple(column, value, value, conditions).map(([s, p, v, cs]) => ({
      ...built('REPLACE_TEXT', { sourceColumn: s, pattern: p, value: v }, cs, [
        p,
        v.replaceAll('\\', '\\\\'),
      ]),
      pattern: p,
    })),
    fc
      .tuple(column, value, conditions)
      .map(([s, v, cs]) => built('FILL_WITH_CUSTOM', { sourceColumn: s, value: v }, cs, [v])),
    fc.tuple(column, columns(0)).map(([s, g]) =>
      built('FILL_WITH_MOST_FREQUENT', {
        sourceColumn: s,
        ...(g.length > 0 ? { groupByColumns: JSON.stringify(g) } : {}),
      }),
    ),
    fc
      .tuple(fc.constantFrom('TRIM', 'YEAR'), fc.option(column, { nil: undefined }), value, target)
      .map(([op, s, v, t]) =>
        s === undefined
          ? built(op, { targetColumn: t, value: v }, [], [v])
          : built(op, { targetColumn: t, sourceColumn: s }),
      ),
    fc
      .tuple(column, fc.array(fc.constantFrom(...DATE_FORMAT_PARTS), { minLength: 1, maxLength: 6 }))
      .map(([s, parts]) => built('FORMAT_DATE', { sourceColumn: s, targetDateFormat: parts.join('') })),
    fc
      .tuple(columns(1), value)
      .map(([cs, secret]) =>
        built('CRYPTOGRAPHIC_HASH', { sourceColumns: JSON.stringify(cs), secretId: secret || 's' }),
      ),
    fc.constant(built('DELETE_DUPLICATE_ROWS', {})),
  );
}

/** A source schema and 1–6 steps that mostly name its columns (else few recipes would compile). */
export const recipeCase: fc.Arbitrary<RecipeCase> = fc
  .uniqueArray(fc.record({ name, type: fc.constantFrom(...TYPES) }), {
    minLength: 1,
    maxLength: 5,
    selector: (c) => c.name.toLowerCase(),
  })
  .chain((source) => {
    const known = fc.constantFrom(...source.map((c) => c.name));
    const column = fc.oneof({ weight: 6, arbitrary: known }, name);
    const target = fc.oneof(name, known);
    return fc.tuple(fc.constant(source), fc.array(step(column, target), { minLength: 1, maxLength: 6 }));
  })
  .map(([source, built]) => ({
    source,
    steps: built.map((b) => b.step),
    names: built.flatMap((b) => b.names),
    literals: built.flatMap((b) => b.literals),
    patterns: built.flatMap((b) => (b.pattern === undefined ? [] : [b.pattern])),
  }));

/** JSON that is not quite a recipe: wrong shapes at every level, unknown keys, prototype names. */
export const recipeJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.array(
    fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          Action: fc.oneof(
            fc.jsonValue(),
            fc.record(
              {
                Operation: fc.oneof(
                  fc.constantFrom('RENAME', 'TRIM', 'REPLACE_TEXT', '__proto__', 'constructor', 'toString'),
                  fc.jsonValue(),
                ),
                Parameters: fc.oneof(
                  fc.jsonValue(),
                  fc.dictionary(
                    fc.oneof(
                      fc.constantFrom(
                        'sourceColumn',
                        'targetColumn',
                        'value',
                        'pattern',
                        '__proto__',
                        'constructor',
                      ),
                      fc.string(),
                    ),
                    fc.jsonValue(),
                  ),
                ),
              },
              { requiredKeys: [] },
            ),
          ),
          ConditionExpressions: fc.oneof(
            fc.jsonValue(),
            fc.array(
              fc.dictionary(
                fc.constantFrom('Condition', 'Value', 'TargetColumn', '__proto__'),
                fc.jsonValue(),
              ),
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    { maxLength: 4 },
  ),
);
