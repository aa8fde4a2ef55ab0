import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../../test/helpers/trino-sql.js';

// Expected values follow trino.io/docs/current/functions/conditional.html, conversion.html (typeof's examples:
// integer, varchar(3), double), geospatial.html, and Trino's great_circle_distance test
// (Nashville to Los Angeles, 2886.448973436703 km).
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

const value = (sql: string) => trino.value(sql);
const refused = (sql: string, message: RegExp) => expect(trino.rows(sql)).rejects.toThrow(message);

describe('Trino conditional functions', () => {
  it('if, coalesce, nullif', async () => {
    expect(
      await trino.rows("SELECT if(1 > 2, 'a', 'b'), coalesce(NULL, 2, 3), nullif(1, 1), nullif(1, 2)"),
    ).toEqual([['b', 2, null, 1]]);
  });
  it('try turns the errors Trino catches into NULL', async () => {
    expect(
      await trino.rows(
        "SELECT try(1 / 0), try(CAST('x' AS INTEGER)), try(split_part('a,b', ',', 0)), try(element_at(ARRAY[1], 0)), try(CAST('12' AS INTEGER))",
      ),
    ).toEqual([[null, null, null, null, 12]]);
  });
  it('try_cast', async () => {
    expect(await trino.rows("SELECT try_cast('x' AS INTEGER), try_cast('12' AS INTEGER)")).toEqual([
      [null, 12],
    ]);
  });
  it("typeof names Trino's types", async () => {
    expect(await trino.rows("SELECT typeof(123), typeof('cat'), typeof(cos(2) + 1.5)")).toEqual([
      ['integer', 'varchar(3)', 'double'],
    ]);
    expect(
      await trino.rows(
        "SELECT typeof(1.5), typeof(ARRAY[1]), typeof(ARRAY[ARRAY[1.5e0]]), typeof(MAP(ARRAY['a'], ARRAY[1])), typeof(CAST(ROW(1, 'a') AS ROW(x INTEGER, y VARCHAR))), typeof(ROW(1, 'a'))",
      ),
    ).toEqual([
      [
        'decimal(2,1)',
        'array(integer)',
        'array(array(double))',
        'map(varchar, integer)',
        'row(x integer, y varchar)',
        'row(integer, varchar)',
      ],
    ]);
    expect(
      await trino.rows(
        "SELECT typeof(DATE '2020-01-01'), typeof(true), typeof(CAST(1 AS BIGINT)), typeof(to_utf8('a')), typeof(CAST(1 AS REAL)), typeof(histogram(x)) FROM (VALUES ('a')) t(x)",
      ),
    ).toEqual([['date', 'boolean', 'bigint', 'varbinary', 'real', 'map(varchar, bigint)']]);
    expect(await value('SELECT typeof(NULL)')).toBe('unknown');
  });
  it('uuid gives a new UUID; current_user is refused', async () => {
    expect(await value('SELECT uuid() <> uuid()')).toBe(true);
    await refused('SELECT current_user()', /current_user is not supported/);
  });
});

describe('geospatial basics: points as well-known text', () => {
  it('ST_Point, ST_X, ST_Y, ST_AsText', async () => {
    expect(
      await trino.rows(
        'SELECT ST_AsText(ST_Point(1, 2)), ST_X(ST_Point(1.5, 2)), ST_Y(ST_Point(1, -2.25)), ST_AsText(ST_Point(-123.1, 49.28))',
      ),
    ).toEqual([['POINT (1 2)', 1.5, -2.25, 'POINT (-123.1 49.28)']]);
  });
  it('ST_GeometryFromText reads points only', async () => {
    expect(await value("SELECT ST_AsText(ST_GeometryFromText('POINT(1.0 2)'))")).toBe('POINT (1 2)');
    await refused("SELECT ST_GeometryFromText('LINESTRING (0 0, 1 1)')", /only POINT/);
  });
  it('ST_Distance is planar', async () => {
    expect(await value('SELECT ST_Distance(ST_Point(0, 0), ST_Point(3, 4))')).toBe(5);
  });
  it('great_circle_distance in kilometres', async () => {
    expect(await value('SELECT great_circle_distance(36.12, -86.67, 33.94, -118.40)')).toBeCloseTo(
      2886.448973436703,
      8,
    );
    await refused('SELECT great_circle_distance(91, 0, 0, 0)', /Latitude/);
  });
  it('spherical geographies are refused', async () => {
    await refused('SELECT to_spherical_geography(ST_Point(0, 0))', /to_spherical_geography is not supported/);
  });
});
