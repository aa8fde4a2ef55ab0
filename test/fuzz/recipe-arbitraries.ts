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

/** The functions the compiler writes; a recipe's SQL calling anything else would be an injection. */
export const RECIPE_FUNCTIONS = [
  'upper',
  'lower',
  'regexp_replace',
  'regexp_matches',
  'array_to_string',
  'list_transform',
  'string_split',
  'array_extract',
  'array_slice',
  'contains',
  'starts_with',
  'ends_with',
  'trunc',
  'timezone',
  'year',
  'strftime',
  'mode',
  'to_base64',
  'unhex',
  'sha256',
  'encode',
  'rpad',
  'hex',
  'octet_length',
  'getvariable',
  'error',
  'printf',
  'xor',
  'substr',
  'range',
  '||',
  '+',
  '*',
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

function step(column: fc.Arbitrary<string>, target: fc.Arbitrary<string>): fc.Arbitrary<Built> {
  const conditions = fc.array(condition(column), { maxLength: 2 });
  const make = (
    Operation: string,
    Parameters: Record<string, string>,
    conds: { expression: unknown; names: string[]; literals: string[] }[] = [],
    literals: string[] = [],
  ): Built => ({
    step: {
      Action: { Operation, Parameters },
      ...(conds.length > 0 ? { ConditionExpressions: conds.map((c) => c.expression) } : {}),
    },
    names: [
      ...Object.entries(Parameters)
        .filter(([k]) => /column/i.test(k))
        .flatMap(([k, v]) => (k.endsWith('Columns') ? (JSON.parse(v) as string[]) : [v])),
      ...conds.flatMap((c) => c.names),
    ],
    literals: [...literals, ...conds.flatMap((c) => c.literals)],
  });
  return fc.oneof(
    fc.tuple(column, target).map(([s, t]) => make('RENAME', { sourceColumn: s, targetColumn: t })),
    fc.tuple(column, target).map(([s, t]) => make('DUPLICATE', { sourceColumn: s, targetColumn: t })),
    fc
      .uniqueArray(column, { minLength: 1, maxLength: 2 })
      .map((cs) => make('DELETE', { sourceColumns: JSON.stringify(cs) })),
    fc
      .tuple(
        column,
        fc.constantFrom(
          'byte',
          'short',
          'int',
          'integer',
          'long',
          'float',
          'double',
          'decimal',
          'string',
          'boolean',
          'date',
          'timestamp',
        ),
      )
      .map(([s, t]) => make('CHANGE_DATA_TYPE', { sourceColumn: s, columnDataType: t })),
    fc
      .tuple(
        fc.constantFrom(
          'UPPER_CASE',
          'LOWER_CASE',
          'CAPITAL_CASE',
          'FILL_WITH_NULL',
          'FILL_WITH_EMPTY',
          'REMOVE_MISSING',
          'REMOVE_VALUES',
        ),
        column,
        conditions,
      )
      .map(([op, s, cs]) => make(op, { sourceColumn: s }, cs)),
    fc.tuple(column, value, value, conditions).map(([s, p, v, cs]) => ({
      ...make('REPLACE_TEXT', { sourceColumn: s, pattern: p, value: v }, cs, [p, v.replaceAll('\\', '\\\\')]),
      pattern: p,
    })),
    fc
      .tuple(column, value, conditions)
      .map(([s, v, cs]) => make('FILL_WITH_CUSTOM', { sourceColumn: s, value: v }, cs, [v])),
    fc.tuple(column, fc.uniqueArray(column, { maxLength: 2 })).map(([s, g]) =>
      make('FILL_WITH_MOST_FREQUENT', {
        sourceColumn: s,
        ...(g.length > 0 ? { groupByColumns: JSON.stringify(g) } : {}),
      }),
    ),
    fc
      .tuple(fc.constantFrom('TRIM', 'YEAR'), fc.option(column, { nil: undefined }), value, target)
      .map(([op, s, v, t]) =>
        make(
          op,
          { targetColumn: t, ...(s === undefined ? { value: v } : { sourceColumn: s }) },
          [],
          s === undefined ? [v] : [],
        ),
      ),
    fc
      .tuple(
        column,
        fc.array(
          fc.constantFrom(
            'yyyy',
            'yy',
            'mm',
            'dd',
            'month',
            'HH',
            'MM',
            'SS',
            '-',
            '/',
            ' ',
            ':',
            '%',
            "'",
            '%Y',
          ),
          { minLength: 1, maxLength: 6 },
        ),
      )
      .map(([s, parts]) => make('FORMAT_DATE', { sourceColumn: s, targetDateFormat: parts.join('') })),
    fc
      .tuple(fc.uniqueArray(column, { minLength: 1, maxLength: 2 }), value)
      .map(([cs, secret]) =>
        make('CRYPTOGRAPHIC_HASH', { sourceColumns: JSON.stringify(cs), secretId: secret || 's' }),
      ),
    fc.constant(make('DELETE_DUPLICATE_ROWS', {})),
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

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a serialised DuckDB syntax tree reads, calls and names. */
export function collectTree(node: Json) {
  const found = {
    tables: [] as string[],
    functions: [] as string[],
    columns: [] as string[],
    aliases: [] as string[],
    strings: [] as string[],
  };
  const visit = (n: Json): void => {
    if (Array.isArray(n)) {
      for (const item of n) visit(item);
      return;
    }
    if (n === null || typeof n !== 'object') return;
    if (n.type === 'BASE_TABLE') found.tables.push(String(n.table_name));
    if (n.type === 'TABLE_FUNCTION') found.functions.push(`table function ${JSON.stringify(n.function)}`);
    if (n.class === 'FUNCTION') found.functions.push(String(n.function_name));
    if (n.class === 'COLUMN_REF' && Array.isArray(n.column_names))
      found.columns.push(...n.column_names.map(String));
    if (typeof n.alias === 'string' && n.alias !== '' && n.class !== undefined) found.aliases.push(n.alias);
    const v = n.value;
    if (
      n.class === 'CONSTANT' &&
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      !v.is_null &&
      typeof v.value === 'string'
    )
      found.strings.push(v.value);
    for (const child of Object.values(n)) if (child !== null && typeof child === 'object') visit(child);
  };
  visit(node);
  return found;
}
