import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionFilter } from '../../src/catalog/partition-expression.js';
import { isAppError } from '../../src/errors.js';
import { fuzzParameters } from './fuzz-runs.js';

const KEYS = [
  { Name: 'year', Type: 'int' },
  { Name: 'region', Type: 'string' },
];

/** Pieces an expression is made of, so random text is often nearly an expression. */
const piece = fc.oneof(
  fc.constantFrom(
    'year',
    'region',
    '`year`',
    '"region"',
    'other',
    'AND',
    'OR',
    'NOT',
    'BETWEEN',
    'IN',
    'LIKE',
  ),
  fc.constantFrom('=', '<>', '!=', '<', '>', '<=', '>=', '(', ')', ',', "'", "''", '`', '"', '-', '.', ';'),
  fc.integer({ min: -3000, max: 3000 }).map(String),
  fc.string({ maxLength: 6 }).map((s) => `'${s.replaceAll("'", "''")}'`),
  fc.string({ maxLength: 4 }),
);

describe('GetPartitions Expression under fuzzing', () => {
  it('any text is read into a filter or refused with InvalidInputException, never anything else', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join(' ');
        try {
          const passes = partitionFilter(text, KEYS);
          expect(typeof passes(['2024', 'west'])).toBe('boolean');
          expect(typeof passes(['x', ''])).toBe('boolean');
        } catch (error) {
          expect(isAppError(error) && error.code === 'InvalidInputException', String(error)).toBe(true);
        }
      }),
      fuzzParameters(300),
    );
  });

  it('a comparison of an int key agrees with comparing the numbers', () => {
    const operators = {
      '=': (a: number, b: number) => a === b,
      '<': (a: number, b: number) => a < b,
      '>=': (a: number, b: number) => a >= b,
      '<>': (a: number, b: number) => a !== b,
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(operators) as (keyof typeof operators)[])),
        fc.integer({ min: -5000, max: 5000 }),
        fc.integer({ min: -5000, max: 5000 }),
        fc.boolean(),
        (operator, value, literal, negated) => {
          const expression = `${negated ? 'NOT ' : ''}year ${operator} ${literal}`;
          const expected = operators[operator](value, literal) !== negated;
          expect(partitionFilter(expression, KEYS)([String(value), 'x'])).toBe(expected);
        },
      ),
      fuzzParameters(200),
    );
  });
});
