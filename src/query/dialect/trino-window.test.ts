import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../../test/helpers/trino-sql.js';

// Expected values follow the definitions of trino.io/docs/current/functions/window.html: ntile's buckets,
// percent_rank (r - 1) / (n - 1), cume_dist (rows at or before) / n, lag/lead with a default, and the default
// frame (RANGE UNBOUNDED PRECEDING to CURRENT ROW, peers included) for first_value/last_value/nth_value.
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

const DATA = '(VALUES (1), (2), (2), (5)) t(x)';

describe('Trino window functions', () => {
  it('ranking: row_number, rank, dense_rank, ntile, percent_rank, cume_dist', async () => {
    expect(
      await trino.rows(
        `SELECT x, row_number() OVER (ORDER BY x), rank() OVER (ORDER BY x), dense_rank() OVER (ORDER BY x), ntile(2) OVER (ORDER BY x), percent_rank() OVER (ORDER BY x), cume_dist() OVER (ORDER BY x) FROM ${DATA} ORDER BY x, 2`,
      ),
    ).toEqual([
      [1, 1, 1, 1, 1, 0, 0.25],
      [2, 2, 2, 2, 1, 1 / 3, 0.75],
      [2, 3, 2, 2, 2, 1 / 3, 0.75],
      [5, 4, 4, 3, 2, 1, 1],
    ]);
  });
  it('lag and lead, with offsets and defaults', async () => {
    expect(
      await trino.rows(
        `SELECT lag(x) OVER (ORDER BY x), lag(x, 2, 0) OVER (ORDER BY x), lead(x, 1, -1) OVER (ORDER BY x) FROM ${DATA} ORDER BY x`,
      ),
    ).toEqual([
      [null, 0, 2],
      [1, 0, 2],
      [2, 1, 5],
      [2, 2, -1],
    ]);
  });
  it('first_value, last_value and nth_value over the default frame', async () => {
    expect(
      await trino.rows(
        `SELECT first_value(x) OVER (ORDER BY x), last_value(x) OVER (ORDER BY x), nth_value(x, 2) OVER (ORDER BY x) FROM ${DATA} ORDER BY x`,
      ),
    ).toEqual([
      [1, 1, null],
      [1, 2, 2],
      [1, 2, 2],
      [1, 5, 2],
    ]);
  });
  it('aggregates over windows, those translated as expressions too', async () => {
    expect(
      await trino.rows(
        "SELECT max_by(x, y) OVER (), approx_distinct(x) OVER (), histogram(x) OVER (), count_if(y > 1) OVER () FROM (VALUES ('a', 1), ('b', 2)) t(x, y)",
      ),
    ).toEqual([
      ['b', 2, { a: 1, b: 1 }, 1],
      ['b', 2, { a: 1, b: 1 }, 1],
    ]);
    expect(
      await trino.rows(
        `SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), avg(x) OVER (PARTITION BY x) FROM ${DATA} ORDER BY x`,
      ),
    ).toEqual([
      [1, 1],
      [3, 2],
      [4, 2],
      [7, 5],
    ]);
  });
});
