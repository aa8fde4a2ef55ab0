import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { MAX_STEPS, operationOf, parseRecipe } from './recipe.js';

type Parameters = Record<string, unknown>;
const step = (Operation: string, Parameters?: Parameters, ConditionExpressions?: unknown) => ({
  Action: Parameters === undefined ? { Operation } : { Operation, Parameters },
  ...(ConditionExpressions === undefined ? {} : { ConditionExpressions }),
});
const rename = step('RENAME', { sourceColumn: 'a', targetColumn: 'b' });

function rejection(input: unknown): AppError {
  try {
    parseRecipe(input);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('parseRecipe accepted the input');
}

function expectRejected(input: unknown, message: string | RegExp): void {
  const error = rejection(input);
  expect(error.code).toBe('ValidationException');
  expect(error.status).toBe(400);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
}

describe('parseRecipe: the tree', () => {
  it('turns DataBrew steps into typed nodes numbered from 1', () => {
    const recipe = parseRecipe([
      rename,
      step('DELETE', { sourceColumns: '["x","y"]' }),
      step('CHANGE_DATA_TYPE', { sourceColumn: 'n', columnDataType: 'integer' }),
      step('REMOVE_VALUES', { sourceColumn: 'winner' }, [
        { Condition: 'IS', Value: '["draw"]', TargetColumn: 'winner' },
      ]),
      step('FILL_WITH_MOST_FREQUENT', { sourceColumn: 'Text', groupByColumns: '["Bylaw","Section"]' }),
      step('DELETE_DUPLICATE_ROWS'),
    ]);
    expect(recipe.steps).toEqual([
      { step: 1, kind: 'Rename', sourceColumn: 'a', targetColumn: 'b' },
      { step: 2, kind: 'Delete', sourceColumns: ['x', 'y'] },
      { step: 3, kind: 'ChangeDataType', sourceColumn: 'n', columnDataType: 'int' },
      {
        step: 4,
        kind: 'RemoveValues',
        sourceColumn: 'winner',
        conditions: [{ kind: 'Is', targetColumn: 'winner', values: ['draw'] }],
      },
      {
        step: 5,
        kind: 'FillWithMostFrequent',
        sourceColumn: 'Text',
        groupByColumns: ['Bylaw', 'Section'],
        conditions: [],
      },
      { step: 6, kind: 'DeleteDuplicateRows' },
    ]);
    expect(recipe.steps.map(operationOf)).toEqual([
      'RENAME',
      'DELETE',
      'CHANGE_DATA_TYPE',
      'REMOVE_VALUES',
      'FILL_WITH_MOST_FREQUENT',
      'DELETE_DUPLICATE_ROWS',
    ]);
  });

  it('reads recipe JSON text as well as the parsed value, and freezes the result', () => {
    const recipe = parseRecipe(JSON.stringify([rename]));
    expect(recipe.steps[0]).toEqual({ step: 1, kind: 'Rename', sourceColumn: 'a', targetColumn: 'b' });
    expect(Object.isFrozen(recipe)).toBe(true);
    expect(Object.isFrozen(recipe.steps)).toBe(true);
    expect(Object.isFrozen(recipe.steps[0])).toBe(true);
  });

  it('parses every DataBrew condition', () => {
    const conditions = [
      { Condition: 'IS', Value: 'draw', TargetColumn: 'c' },
      { Condition: 'IS_NOT', Value: '["a","b"]', TargetColumn: 'c' },
      {
        Condition: 'IS_BETWEEN',
        Value: '{"GREATER_THAN_EQUAL":"1","LESS_THAN_EQUAL":"5"}',
        TargetColumn: 'c',
      },
      { Condition: 'IS_BETWEEN', Value: '["1","5"]', TargetColumn: 'c' },
      { Condition: 'NOT_STARTS_WITH', Value: 'S', TargetColumn: 'c' },
      { Condition: 'GREATER_THAN_EQUAL', Value: '1800', TargetColumn: 'c' },
      { Condition: 'IS_MISSING', TargetColumn: 'c' },
      { Condition: 'IS_INVALID', Value: 'timestamp', TargetColumn: 'c' },
    ];
    const [parsed] = parseRecipe([step('UPPER_CASE', { sourceColumn: 'c' }, conditions)]).steps;
    expect(parsed).toMatchObject({
      conditions: [
        { kind: 'Is', targetColumn: 'c', values: ['draw'] },
        { kind: 'IsNot', targetColumn: 'c', values: ['a', 'b'] },
        { kind: 'IsBetween', targetColumn: 'c', lower: '1', upper: '5' },
        { kind: 'IsBetween', targetColumn: 'c', lower: '1', upper: '5' },
        { kind: 'NotStartsWith', targetColumn: 'c', value: 'S' },
        { kind: 'GreaterThanEqual', targetColumn: 'c', value: '1800' },
        { kind: 'IsMissing', targetColumn: 'c' },
        { kind: 'IsInvalid', targetColumn: 'c', dataType: 'timestamp' },
      ],
    });
  });

  it('splits a DataBrew date format into tokens and literal separators', () => {
    const [parsed] = parseRecipe([
      step('FORMAT_DATE', { sourceColumn: 'd', targetDateFormat: 'dd month yyyy, HH:MM' }),
    ]).steps;
    expect(parsed).toMatchObject({
      format: [
        { kind: 'token', token: 'dd' },
        { kind: 'literal', text: ' ' },
        { kind: 'token', token: 'month' },
        { kind: 'literal', text: ' ' },
        { kind: 'token', token: 'yyyy' },
        { kind: 'literal', text: ', ' },
        { kind: 'token', token: 'HH' },
        { kind: 'literal', text: ':' },
        { kind: 'token', token: 'MM' },
      ],
    });
  });

  it('keeps hostile names and values verbatim: quoting is the compiler’s job', () => {
    const name = 'a"; DROP TABLE t; --';
    const value = "O'Brien -- '; DELETE FROM t; --";
    const [parsed] = parseRecipe([step('FILL_WITH_CUSTOM', { sourceColumn: name, value })]).steps;
    expect(parsed).toEqual({ step: 1, kind: 'FillWithCustom', sourceColumn: name, value, conditions: [] });
  });
});

describe('parseRecipe: rejects', () => {
  it('anything but an array of steps', () => {
    for (const input of [{}, null, 42, 'not json', '{"Action":{}}', true]) {
      expect(rejection(input).code).toBe('ValidationException');
    }
    expectRejected({ Steps: [] }, 'A recipe must be a JSON array of steps');
    expectRejected('[{', 'The recipe is not valid JSON');
  });

  it('more than 1000 steps, without looking at them', () => {
    expect(parseRecipe(Array.from({ length: MAX_STEPS }, () => rename)).steps).toHaveLength(MAX_STEPS);
    expectRejected(
      Array.from({ length: MAX_STEPS + 1 }, () => rename),
      /at most 1000 steps; this one has 1001/,
    );
    expectRejected(
      Array.from({ length: 10_000 }, () => 'junk'),
      /at most 1000 steps; this one has 10000/,
    );
  });

  it('deeply nested input', () => {
    const depth = 100_000;
    expect(rejection(`${'['.repeat(depth)}${']'.repeat(depth)}`).code).toBe('ValidationException');
    let nested: unknown = 'x';
    for (let i = 0; i < 10_000; i++) nested = { a: nested };
    expectRejected(
      [step('RENAME', { sourceColumn: nested, targetColumn: 'b' })],
      /parameter "sourceColumn" must be a string/,
    );
    expectRejected([nested], 'Step 1: unknown key "a"');
  });

  it('malformed steps, naming the step', () => {
    expectRejected([rename, 'x'], 'Step 2: a step must be an object');
    expectRejected([{ Action: 'RENAME' }], /^Step 1: "Action" must be an object/);
    expectRejected(
      [{ Action: { Operation: 'rename' } }],
      /^Step 1: "Action.Operation" must be an operation name/,
    );
    expectRejected(
      [{ RecipeAction: { Operation: 'RENAME' } }],
      /unknown key "RecipeAction" \(recipes use "Action"/,
    );
    expectRejected(
      [{ Action: { Operation: 'RENAME', Parameters: [] } }],
      'Step 1 (RENAME): "Parameters" must be an object of string values',
    );
  });

  it('an unknown operation', () => {
    expectRejected(
      [rename, step('PIVOT_EVERYTHING', {})],
      'Step 2 (PIVOT_EVERYTHING): unknown or unsupported operation',
    );
    expectRejected([step('__PROTO__', {})], 'Step 1 (__PROTO__): unknown or unsupported operation');
  });

  it('a missing, unknown, or non-string parameter', () => {
    const fill = step('FILL_WITH_CUSTOM', { sourceColumn: 'Street' });
    expectRejected([rename, rename, fill], 'Step 3 (FILL_WITH_CUSTOM): parameter "value" is required');
    expectRejected(
      [step('RENAME', { sourceColumn: 'a', targetColumn: 'b', extra: 'x' })],
      /"extra" is not a parameter of this operation/,
    );
    for (const bad of [1, true, null, ['a'], { a: 'b' }]) {
      expectRejected(
        [step('RENAME', { sourceColumn: bad, targetColumn: 'b' })],
        /^Step 1 \(RENAME\): parameter "sourceColumn" must be a string/,
      );
    }
  });

  it('bad JSON in array parameters', () => {
    const del = (sourceColumns: string) => [step('DELETE', { sourceColumns })];
    expectRejected(
      del('["a",'),
      'Step 1 (DELETE): parameter "sourceColumns" must be a JSON array of strings, such as ["a","b"]; it is not valid JSON',
    );
    expectRejected(del('[1,2]'), /must be a non-empty JSON array of strings/);
    expectRejected(del('[]'), /must be a non-empty JSON array of strings/);
    expectRejected(del('"a"'), /must be a non-empty JSON array of strings/);
    expectRejected(del('["a","a"]'), 'Step 1 (DELETE): parameter "sourceColumns" names column "a" twice');
    expectRejected(
      [step('DELETE', { sourceColumn: 'a', sourceColumns: '["b"]' })],
      /exactly one of parameters "sourceColumn" and "sourceColumns"/,
    );
  });

  it('unknown data types, date format tokens and conditions', () => {
    expectRejected(
      [step('CHANGE_DATA_TYPE', { sourceColumn: 'a', columnDataType: 'varchar' })],
      /^Step 1 \(CHANGE_DATA_TYPE\): unknown data type "varchar"/,
    );
    expectRejected(
      [step('FORMAT_DATE', { sourceColumn: 'a', targetDateFormat: 'yyyy-QQ' })],
      /^Step 1 \(FORMAT_DATE\): unknown date format token "QQ"/,
    );
    const upper = (conditions: unknown) => [step('UPPER_CASE', { sourceColumn: 'a' }, conditions)];
    expectRejected(
      upper([{ Condition: 'SOUNDS_LIKE', Value: 'x', TargetColumn: 'a' }]),
      /unknown condition "SOUNDS_LIKE"; expected one of IS, IS_NOT/,
    );
    expectRejected(
      upper([{ Condition: 'CONTAINS', TargetColumn: 'a' }]),
      'Step 1 (UPPER_CASE): ConditionExpressions[1] (CONTAINS) needs a "Value"',
    );
    expectRejected(
      upper([{ Condition: 'IS', Value: '["a"', TargetColumn: 'a' }]),
      /ConditionExpressions\[1\].Value must be a JSON array of strings/,
    );
    expectRejected(
      upper([{ Condition: 'IS_BETWEEN', Value: '{"LOW":"1"}', TargetColumn: 'a' }]),
      /GREATER_THAN_EQUAL/,
    );
    expectRejected(
      upper([{ Condition: 'IS_MISSING', TargetColumn: '' }]),
      /TargetColumn must be a non-empty column name/,
    );
    expectRejected(
      upper([{ Condition: 'IS_MISSING', TargetColumn: 'a', Value: 1 }]),
      /ConditionExpressions\[1\].Value must be a string/,
    );
    expectRejected(upper({}), 'Step 1 (UPPER_CASE): "ConditionExpressions" must be an array');
  });

  it('conditions where DataBrew takes none, and REMOVE_VALUES without any', () => {
    expectRejected(
      [
        step('RENAME', { sourceColumn: 'a', targetColumn: 'b' }, [
          { Condition: 'IS_MISSING', TargetColumn: 'a' },
        ]),
      ],
      'Step 1 (RENAME): this operation does not take ConditionExpressions',
    );
    expectRejected(
      [step('REMOVE_VALUES', { sourceColumn: 'a' })],
      /^Step 1 \(REMOVE_VALUES\): ConditionExpressions are required/,
    );
  });

  it('hashing that is not a keyed HMAC-SHA256, or needs PII detection', () => {
    const hash = (extra: Parameters) => [
      step('CRYPTOGRAPHIC_HASH', { sourceColumns: '["a"]', secretId: 'arn:s', ...extra }),
    ];
    expect(parseRecipe(hash({ algorithm: 'HMAC_SHA256', secretVersion: 'v1' })).steps[0]).toMatchObject({
      secretVersion: 'v1',
    });
    expectRejected(hash({ algorithm: 'SHA256' }), /only HMAC_SHA256 is supported/);
    expectRejected(hash({ entityTypeFilter: '["USA_ALL"]' }), /not supported/);
    expectRejected(hash({ createSecretIfMissing: 'true' }), /does not create secrets/);
  });

  it('oversized and empty names and values, and NUL characters', () => {
    const named = (sourceColumn: string) => [step('RENAME', { sourceColumn, targetColumn: 'b' })];
    expect(parseRecipe(named('c'.repeat(255))).steps).toHaveLength(1);
    expectRejected(named('c'.repeat(256)), /column name longer than 255 characters/);
    expectRejected(named(''), 'Step 1 (RENAME): parameter "sourceColumn" must be a non-empty column name');
    expectRejected(named('a\0b'), /contains a NUL character/);
    const big = 'x'.repeat(64 * 1024 + 1);
    expectRejected(
      [step('FILL_WITH_CUSTOM', { sourceColumn: 'a', value: big })],
      /parameter "value" is longer than 65536 bytes/,
    );
    expect(
      parseRecipe([step('FILL_WITH_CUSTOM', { sourceColumn: 'a', value: big.slice(1) })]).steps,
    ).toHaveLength(1);
  });

  it('prototype-pollution keys, without polluting anything', () => {
    const polluted = JSON.parse('{"__proto__":{"polluted":"yes"},"sourceColumn":"a","targetColumn":"b"}');
    expectRejected(
      [step('RENAME', polluted)],
      'Step 1 (RENAME): parameter "__proto__" is not a parameter of this operation',
    );
    expectRejected(
      [step('RENAME', { constructor: 'x', sourceColumn: 'a', targetColumn: 'b' })],
      /"constructor" is not a parameter/,
    );
    expectRejected(
      [JSON.parse('{"__proto__":{"Action":{"Operation":"RENAME"}}}')],
      'Step 1: unknown key "__proto__"',
    );
    const condition = JSON.parse('{"Condition":"IS_MISSING","TargetColumn":"a","__proto__":{"x":1}}');
    expectRejected([step('UPPER_CASE', { sourceColumn: 'a' }, [condition])], /has unknown key "__proto__"/);
    const between = {
      Condition: 'IS_BETWEEN',
      Value: '{"__proto__":{"GREATER_THAN_EQUAL":"1"},"LESS_THAN_EQUAL":"2"}',
      TargetColumn: 'a',
    };
    expectRejected([step('UPPER_CASE', { sourceColumn: 'a' }, [between])], /must be \{"GREATER_THAN_EQUAL"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
