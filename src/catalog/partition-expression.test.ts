import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { partitionFilter } from './partition-expression.js';

const KEYS = [
  { Name: 'year', Type: 'int' },
  { Name: 'month', Type: 'string' },
  { Name: 'day', Type: 'date' },
];
const PARTITIONS = [
  ['2023', '02', '2023-02-01'],
  ['2023', '11', '2023-11-30'],
  ['2024', '02', '2024-02-29'],
  ['2024', '10', '2024-10-01'],
  ['999', '1', '0999-01-01'],
];

function matching(expression: string): string[][] {
  const passes = partitionFilter(expression, KEYS);
  return PARTITIONS.filter((values) => passes(values));
}

function refusal(expression: string): string {
  try {
    partitionFilter(expression, KEYS);
  } catch (error) {
    if (isAppError(error) && error.code === 'InvalidInputException') return error.message;
    throw error;
  }
  throw new Error(`${expression} was read`);
}

describe('GetPartitions Expression', () => {
  it('compares each key as its type: numbers for int, text for string and date', () => {
    expect(matching("year = '2024'").map((v) => v[2])).toEqual(['2024-02-29', '2024-10-01']);
    expect(matching('year = 2024')).toHaveLength(2);
    // As a number 999 < 2023; as text '999' > '2023'.
    expect(matching('year < 2023').map((v) => v[0])).toEqual(['999']);
    expect(matching("month > '1'").map((v) => v[1])).toEqual(['11', '02', '10'].filter((m) => m > '1'));
    expect(matching("day >= '2024-01-01'").map((v) => v[2])).toEqual(['2024-02-29', '2024-10-01']);
    expect(matching("month <> '02'").map((v) => v[1])).toEqual(['11', '10', '1']);
    expect(matching("month != '02'")).toEqual(matching("month <> '02'"));
  });
  it('reads AND, OR, NOT, parentheses, BETWEEN, IN and LIKE, in any case', () => {
    expect(matching("year = 2024 and month = '02'").map((v) => v[2])).toEqual(['2024-02-29']);
    expect(matching("year = 2023 OR month = '10'")).toHaveLength(3);
    expect(matching("NOT (year = 2023 OR month = '10')").map((v) => v[0])).toEqual(['2024', '999']);
    expect(matching("day BETWEEN '2023-06-01' AND '2024-03-01'").map((v) => v[2])).toEqual([
      '2023-11-30',
      '2024-02-29',
    ]);
    expect(matching('year NOT BETWEEN 1000 AND 2023').map((v) => v[0])).toEqual(['2024', '2024', '999']);
    expect(matching("month IN ('02', '1')")).toHaveLength(3);
    expect(matching('year not in (2023, 2024)').map((v) => v[0])).toEqual(['999']);
    expect(matching("day LIKE '2024-%'")).toHaveLength(2);
    expect(matching("month LIKE '_'").map((v) => v[1])).toEqual(['1']);
    expect(matching("month NOT LIKE '0%'").map((v) => v[1])).toEqual(['11', '10', '1']);
    expect(matching('`year` = 2023 AND "month" = \'11\'')).toHaveLength(1);
  });
  it('compares integer keys exactly, reads IS [NOT] NULL, and refuses keys of types Glue does not filter on', () => {
    const keys = [{ Name: 'id', Type: 'bigint' }];
    expect(partitionFilter('id = 9007199254740993', keys)(['9007199254740992'])).toBe(false);
    expect(partitionFilter('id = 9007199254740993', keys)(['9007199254740993'])).toBe(true);
    expect(partitionFilter('id IS NULL', keys)(['1'])).toBe(false);
    expect(partitionFilter('id IS NOT NULL', keys)(['1'])).toBe(true);
    expect(() => partitionFilter('ratio = 1', [{ Name: 'ratio', Type: 'double' }])).toThrow(
      /of type double, which an expression cannot filter on/,
    );
    expect(partitionFilter('price > 2.5', [{ Name: 'price', Type: 'decimal(10,2)' }])(['2.75'])).toBe(true);
  });
  it("takes '' for a quote, and a LIKE pattern's other characters literally", () => {
    const keys = [{ Name: 'name', Type: 'string' }];
    expect(partitionFilter("name = 'o''brien'", keys)(["o'brien"])).toBe(true);
    expect(partitionFilter("name LIKE 'a.c%'", keys)(['abc'])).toBe(false);
    expect(partitionFilter("name LIKE 'a.c%'", keys)(['a.cd'])).toBe(true);
    expect(partitionFilter("name LIKE '(x|y)*'", keys)(['x'])).toBe(false);
  });
  it('refuses what it cannot read, saying where, with InvalidInputException', () => {
    expect(refusal("colour = 'red'")).toMatch(/Unknown column 'colour'/);
    expect(refusal("year = '2024")).toMatch(/Unterminated string at position 8/);
    expect(refusal('year =')).toMatch(/ends too soon/);
    expect(refusal('year = 2024 AND')).toMatch(/ends too soon/);
    expect(refusal('year 2024')).toMatch(/Unexpected '2024' at position 6/);
    expect(refusal('(year = 2024')).toMatch(/ends too soon/);
    expect(refusal('year = 2024)')).toMatch(/Unexpected '\)'/);
    expect(refusal('year NOT = 2024')).toMatch(/Unexpected '='/);
    expect(refusal('year IS 2024')).toMatch(/Unexpected '2024'/);
    expect(refusal('month LIKE 5')).toMatch(/Unexpected '5'/);
    expect(refusal('year = 2024; DROP TABLE x')).toMatch(/Unexpected ';'/);
    expect(refusal(`${'('.repeat(100)}year = 1${')'.repeat(100)}`)).toMatch(/nests deeper than 64/);
    expect(refusal(`${'NOT '.repeat(100)}year = 1`)).toMatch(/nests deeper than 64/);
    expect(refusal(`year IN (${'1,'.repeat(1500)}1)`)).toMatch(/at most 2048 characters/);
  });
});
