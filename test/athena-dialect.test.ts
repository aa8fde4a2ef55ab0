import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AthenaClient,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CreateCrawlerCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery, waitForQuery } from './helpers/athena.js';
import { clientConfig, crawl } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/*
 * The defects the Athena dialect issue reports, each through the Athena API as an analyst coming from Athena
 * meets them. Expected values are Trino's documented answers.
 */

let t: TestSeawall;
let athena: AthenaClient;

beforeAll(async () => {
  t = await startTestSeawall();
  athena = athenaClient(t);
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
  await s3.send(
    new PutObjectCommand({
      Bucket: 'lake',
      Key: 'raw/tickets/data.csv',
      Body: 'id,street,issued\n1,MAIN ST,2024-01-01 09:04:00\n2,W 4TH AVE,2024-07-01 20:30:00\n3,MAIN ST,2024-07-02 06:15:00\n',
    }),
  );
  const glue = new GlueClient(clientConfig(t));
  await glue.send(
    new CreateCrawlerCommand({
      Name: 'raw',
      Role: await t.serviceRole(),
      DatabaseName: 'city',
      Targets: { S3Targets: [{ Path: 's3://lake/raw/' }] },
    }),
  );
  await crawl(glue, 'raw');
  glue.destroy();
});
afterAll(async () => {
  athena.destroy();
  await t.close();
});

async function failure(sql: string): Promise<string> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({ QueryString: sql, QueryExecutionContext: { Database: 'city' } }),
  );
  const done = await waitForQuery(athena, QueryExecutionId as string);
  expect(done.Status?.State, sql).toBe('FAILED');
  return done.Status?.StateChangeReason ?? '';
}

describe("Athena's functions that DuckDB lacks or names otherwise", () => {
  const cases: [string, string[]][] = [
    ["SELECT date_format(TIMESTAMP '2001-01-09 13:04:05.321', '%Y-%m-%d %H:%i:%s')", ['2001-01-09 13:04:05']],
    [
      "SELECT format_datetime(TIMESTAMP '2001-01-09 13:04:05.321', 'yyyy-MM-dd HH:mm:ss.SSS')",
      ['2001-01-09 13:04:05.321'],
    ],
    ['SELECT approx_distinct(street) FROM tickets', ['2']],
    ["SELECT regexp_like('1a 2b 14m', '\\d+b')", ['true']],
    ["SELECT day_of_week(DATE '2024-01-07')", ['7']],
    ["SELECT date_add('day', 1, DATE '2024-02-28')", ['2024-02-29']],
    ["SELECT date_add('month', 1, DATE '2024-01-31')", ['2024-02-29']],
    ["SELECT date_diff('day', TIMESTAMP '2024-01-01 23:00:00', TIMESTAMP '2024-01-02 01:00:00')", ['0']],
    ["SELECT date_trunc('month', DATE '2024-05-17')", ['2024-05-01']],
    ["SELECT EXTRACT(DOW FROM DATE '2024-01-07')", ['7']],
    ['SELECT 7 / 2, -7 / 2, 7.0 / 2', ['3', '-3', '3.5']],
    ["SELECT CAST(2.5E0 AS integer), CAST('12' AS bigint)", ['3', '12']],
    ['SELECT from_unixtime(0)', ['1970-01-01 00:00:00.000 UTC']],
    ['SELECT current_timezone()', ['UTC']],
    ['SELECT 7e0 / 0, 0e0 / 0, 7e0 % 0', ['Infinity', 'NaN', 'NaN']],
    [
      "SELECT INTERVAL '2' DAY + INTERVAL '3' HOUR, INTERVAL '3' YEAR + INTERVAL '5' MONTH",
      ['2 03:00:00.000', '3-5'],
    ],
    ["SELECT DATE '2012-08-08' + INTERVAL '2' DAY", ['2012-08-10']],
    [
      "SELECT TIMESTAMP '2012-10-31 01:00 UTC' AT TIME ZONE 'America/Los_Angeles'",
      ['2012-10-30 18:00:00.000 America/Los_Angeles'],
    ],
    ["SELECT TIMESTAMP '2024-01-01 12:00:00 UTC' AT TIME ZONE '+05:30'", ['2024-01-01 17:30:00.000 +05:30']],
    ["SELECT hour(TIMESTAMP '2024-01-01 00:00 America/New_York')", ['0']],
    ["SELECT to_iso8601(TIMESTAMP '2024-01-07 09:05 America/Vancouver')", ['2024-01-07T09:05:00.000-08:00']],
    [
      "SELECT TIMESTAMP '2024-01-01 00:00 UTC' = TIMESTAMP '2023-12-31 16:00 America/Vancouver', date_diff('hour', TIMESTAMP '2024-01-01 00:00 UTC', TIMESTAMP '2024-01-01 00:00 America/Vancouver')",
      ['true', '8'],
    ],
  ];
  for (const [sql, row] of cases)
    it(sql, async () => {
      const rows = await athenaQuery(athena, sql, 'city');
      expect(rows[1]).toEqual(row);
    });
});

describe('result columns as Athena names them', () => {
  it('calls an unnamed column _col<position>, after a star too', async () => {
    expect((await athenaQuery(athena, 'SELECT count(*) FROM tickets', 'city'))[0]).toEqual(['_col0']);
    expect(
      (
        await athenaQuery(
          athena,
          'SELECT street, count(*), max(id) AS top FROM tickets GROUP BY street',
          'city',
        )
      )[0],
    ).toEqual(['street', '_col1', 'top']);
    expect((await athenaQuery(athena, 'SELECT *, id + 1 FROM tickets LIMIT 1', 'city'))[0]).toEqual([
      'id',
      'street',
      'issued',
      '_col3',
    ]);
  });
});

describe('time zones', () => {
  it('shows a UTC timestamp AT TIME ZONE as the same instant in that zone', async () => {
    const sql =
      "SELECT issued AT TIME ZONE 'America/Vancouver' AS local, hour(issued AT TIME ZONE 'America/Vancouver') AS h, to_unixtime(issued AT TIME ZONE 'America/Vancouver') = to_unixtime(issued) AS same FROM tickets WHERE id = 1";
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({ QueryString: sql, QueryExecutionContext: { Database: 'city' } }),
    );
    expect((await waitForQuery(athena, QueryExecutionId as string)).Status?.State).toBe('SUCCEEDED');
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
    const values = page.ResultSet?.Rows?.[1]?.Data?.map((d) => d.VarCharValue);
    expect(values).toEqual(['2024-01-01 01:04:00.000 America/Vancouver', '1', 'true']);
    expect(page.ResultSet?.ResultSetMetadata?.ColumnInfo?.[0]?.Type).toBe('timestamp with time zone');
  });

  it('compares a zoned time by its instant', async () => {
    const rows = await athenaQuery(
      athena,
      "SELECT count(*) AS n FROM tickets WHERE issued AT TIME ZONE 'America/Vancouver' < TIMESTAMP '2024-01-01 09:00 UTC'",
      'city',
    );
    expect(rows[1]).toEqual(['0']);
  });

  it('groups by the local hour across daylight saving time', async () => {
    const rows = await athenaQuery(
      athena,
      "SELECT hour(issued AT TIME ZONE 'America/Vancouver') AS h FROM tickets ORDER BY id",
      'city',
    );
    expect(rows.slice(1).map((r) => r[0])).toEqual(['1', '13', '23']);
  });
});

describe('what is not Athena SQL is refused, never answered differently', () => {
  it('refuses DuckDB-only functions, operators and syntax', async () => {
    expect(await failure("SELECT strftime(now(), '%Y')")).toMatch(/Function 'strftime' not registered/);
    expect(await failure('SELECT 1::int')).toMatch(/'::' casts are not part of Athena's SQL/);
    expect(await failure('SELECT * EXCLUDE (id) FROM tickets')).toMatch(/EXCLUDE/);
    expect(await failure('SELECT 7 // 2')).toMatch(/operator \/\/ is not part of Athena's SQL/);
    expect(await failure("SELECT date_format(now(), '%D')")).toMatch(/%D not supported/);
    expect(await failure('SELECT 7 / 0')).toMatch(/Division by zero/);
    expect(await failure("SELECT CAST('2024-01-07T09:05:03' AS timestamp)")).toMatch(
      /cannot be cast to timestamp/,
    );
  });

  it("words the engine's errors as Athena does, Trino's error name first", async () => {
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT streat FROM tickets',
        QueryExecutionContext: { Database: 'city' },
      }),
    );
    const done = await waitForQuery(athena, QueryExecutionId as string);
    const missing =
      "COLUMN_NOT_FOUND: line 1:8: Column 'streat' cannot be resolved or requester is not authorized to access requested resources";
    expect(done.Status?.StateChangeReason).toBe(missing);
    expect(done.Status?.AthenaError).toMatchObject({
      ErrorCategory: 2,
      ErrorType: 1006,
      ErrorMessage: missing,
    });
    expect(await failure('SELECT 7 / 0')).toBe('DIVISION_BY_ZERO: Division by zero');
    expect(await failure('SELEC id FROM tickets')).toBe("SYNTAX_ERROR: line 1:1: mismatched input 'SELEC'");
    expect(await failure('SELECT id\n  FROM tickets WHERE')).toBe(
      "SYNTAX_ERROR: line 2:21: mismatched input '<EOF>'",
    );
    expect(await failure('SELECT street, count(*) FROM tickets')).toBe(
      "EXPRESSION_NOT_AGGREGATE: 'street' must be an aggregate expression or appear in GROUP BY clause",
    );
    // DuckDB's parser takes a trailing comma; Trino's does not.
    expect(await failure('SELECT id,\n  FROM tickets')).toBe(
      "SYNTAX_ERROR: line 2:3: mismatched input 'FROM'",
    );
  });

  it('fails a cast of text that is not a whole number to an integer, as Trino does', async () => {
    expect(await failure("SELECT CAST('1.5' AS integer)")).toMatch(/Cannot cast '1.5' to INTEGER/);
    const rows = await athenaQuery(athena, "SELECT TRY_CAST('1.5' AS integer) AS v");
    expect(rows[1]).toEqual(['NULL']);
  });
});

describe('data scanned', () => {
  it('counts the bytes the engine read, not the size of every file', async () => {
    const run = async (sql: string) => {
      const { QueryExecutionId } = await athena.send(
        new StartQueryExecutionCommand({ QueryString: sql, QueryExecutionContext: { Database: 'city' } }),
      );
      return (await waitForQuery(athena, QueryExecutionId as string)).Statistics?.DataScannedInBytes;
    };
    expect(await run('SELECT 1')).toBe(0);
    expect(await run('SELECT * FROM tickets')).toBeGreaterThan(0);
    // Parquet: reading the small column reads a small part of the file.
    const file = join(mkdtempSync(join(tmpdir(), 'seawall-scan-')), 'wide.parquet');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(
      `COPY (SELECT i AS id, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS noise FROM range(100000) t(i)) TO '${file}' (FORMAT parquet)`,
    );
    duck.closeSync();
    await t
      .s3()
      .send(new PutObjectCommand({ Bucket: 'lake', Key: 'wide/w/data.parquet', Body: readFileSync(file) }));
    const glue = new GlueClient(clientConfig(t));
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'wide',
        Role: await t.serviceRole(),
        DatabaseName: 'city',
        Targets: { S3Targets: [{ Path: 's3://lake/wide/' }] },
      }),
    );
    await crawl(glue, 'wide');
    glue.destroy();
    const size = statSync(file).size;
    const narrow = (await run('SELECT max(id) FROM w')) ?? 0;
    const wide = (await run('SELECT max(noise) FROM w')) ?? 0;
    expect(narrow).toBeGreaterThan(0);
    expect(narrow).toBeLessThan(size / 4);
    expect(wide).toBeGreaterThan(size / 2);
  });
});

describe('prepared statements in SQL', () => {
  it('prepares, executes with values and deallocates', async () => {
    await athenaQuery(
      athena,
      'PREPARE by_street FROM SELECT count(*) AS n FROM tickets WHERE street = ?',
      'city',
    );
    expect(await athenaQuery(athena, "EXECUTE by_street USING 'MAIN ST'", 'city')).toEqual([['n'], ['2']]);
    await athenaQuery(athena, 'DEALLOCATE PREPARE by_street', 'city');
    expect(await failure("EXECUTE by_street USING 'MAIN ST'")).toMatch(/by_street/);
  });

  it('refuses a parameter value that is not a literal', async () => {
    await athenaQuery(athena, 'PREPARE by_id FROM SELECT street FROM tickets WHERE id = ?', 'city');
    expect(await failure('EXECUTE by_id USING (SELECT max(id) FROM tickets)')).toMatch(/not a literal/);
  });
});
