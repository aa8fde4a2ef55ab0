import { describe, expect, it } from 'vitest';
import { TRINO_FAMILIES, TRINO_FUNCTIONS } from './trino-functions.js';

describe("the table of Athena's functions", () => {
  it('gives each name one rule, in lower case', () => {
    const names = TRINO_FAMILIES.flatMap((family) => Object.keys(family));
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => name !== name.toLowerCase())).toEqual([]);
    expect(Object.keys(TRINO_FUNCTIONS)).toHaveLength(names.length);
  });
});
