import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatValue } from './result-format.js';
import { measureChunk, ValueSizeUnknown } from './value-size.js';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** Each row's measured size, next to the bytes its values really print to. */
async function measure(
  sql: string,
  print = true,
): Promise<{ measured: number[]; printed: number[]; largest: number }> {
  const result = await connection.stream(sql);
  const types = result.columnTypes();
  const measured: number[] = [];
  const printed: number[] = [];
  let largest = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const sizes = measureChunk(chunk, types);
    largest = Math.max(largest, sizes.largestValue);
    measured.push(...sizes.rows);
    if (!print) continue;
    for (const row of chunk.getRows())
      printed.push(
        row.reduce<number>(
          (n, v, i) => n + Buffer.byteLength(formatValue(v, types[i]?.typeId as never) ?? ''),
          0,
        ),
      );
  }
  return { measured, printed, largest };
}

describe('measureChunk', () => {
  it('reads string sizes from DuckDB memory, exactly (plus quotes and separators)', async () => {
    const { measured, printed, largest } = await measure(
      "SELECT v, v || 'é' AS w FROM (VALUES ('short'), (repeat('long', 1000)), (NULL)) t(v)",
    );
    expect(printed).toEqual([12, 8002, 0]);
    expect(measured).toEqual([7 + 1 + 9 + 1, 4002 + 1 + 4004 + 1, 2]);
    expect(largest).toBe(4004);
  });

  it('bounds every type from above, nested ones by the sum of their parts', async () => {
    const queries = [
      "SELECT i, i * 1.5 AS d, i::DECIMAL(38, 10) AS dec, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) DAY AS ts FROM range(3000) t(i)",
      "SELECT [repeat('a', i % 50), NULL, 'b'] AS list, {'k': repeat('z', i % 7), 'n': i} AS s FROM range(2500) t(i)",
      "SELECT MAP {'key' || i: [i, i + 1]} AS m, ['x', 'yy']::VARCHAR[2] AS arr, INTERVAL 3 HOURS AS iv FROM range(10) t(i)",
      "SELECT union_value(str := repeat('u', 40)) AS u, uuid() AS id, 'ab'::BLOB AS b, [[repeat('q', 9)]] AS deep",
      "SELECT CASE WHEN i % 2 = 0 THEN NULL ELSE {'a': repeat('n', 300)} END AS maybe FROM range(5) t(i)",
      "SELECT repeat('10', 500 + i)::BIT AS bits, repeat('ab', 100 + i)::BLOB AS b, [repeat('1', 64)::BIT] AS l FROM range(4) t(i)",
      "SELECT ('1' || repeat('9', 200 + i))::BIGNUM AS big FROM range(3) t(i)",
    ];
    for (const sql of queries) {
      const { measured, printed } = await measure(sql);
      expect(measured.length, sql).toBe(printed.length);
      measured.forEach((size, i) => {
        expect(size, `${sql} row ${i}`).toBeGreaterThanOrEqual(printed[i] as number);
      });
    }
  });

  it('sees a 100 MB value without reading it', async () => {
    const { measured, largest } = await measure("SELECT repeat('x', 100000000) AS v", false);
    expect(largest).toBe(100_000_002);
    expect(measured[0]).toBe(100_000_003);
  });

  it('refuses a type whose size it cannot bound', async () => {
    await expect(measure('SELECT 42::VARIANT AS v')).rejects.toBeInstanceOf(ValueSizeUnknown);
  });
});
