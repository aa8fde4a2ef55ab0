import { describe, expect, it } from 'vitest';
import type { JsonCall } from '../web/src/aws/aws-json.js';
import type { CatalogTable } from '../web/src/aws/catalog.js';
import { getMetricData, listAlarms, MAX_LISTED_ALARMS } from '../web/src/aws/cloudwatch.js';
import { suggest, tablesInSql, typedName } from '../web/src/completion/completion.js';
import { ATHENA_PRICING, isBilled, queryCostUsd } from '../web/src/pricing.js';
import { chartData } from '../web/src/results/chart-series.js';
import { defaultAxes, timeHint } from '../web/src/results/columns.js';

const MB = 2 ** 20;
const TB = 2 ** 40;

describe('console pricing', () => {
  it('bills whole megabytes, at least ten, at the rate per terabyte', () => {
    expect(ATHENA_PRICING.usdPerTerabyte).toBe(5);
    expect(queryCostUsd(0)).toBeCloseTo((10 * MB * 5) / TB, 15);
    expect(queryCostUsd(10 * MB + 1)).toBeCloseTo((11 * MB * 5) / TB, 15);
    expect(queryCostUsd(TB)).toBeCloseTo(5, 12);
    expect(queryCostUsd(3 * TB, { usdPerTerabyte: 7, minimumBytes: 0, roundingBytes: 1 })).toBeCloseTo(
      21,
      12,
    );
    expect(isBilled('SUCCEEDED', 'DML')).toBe(true);
    expect(isBilled('CANCELLED', undefined)).toBe(true);
    expect(isBilled('FAILED', 'DML')).toBe(false);
    expect(isBilled('SUCCEEDED', 'DDL')).toBe(false);
  });
});

describe('console chart data', () => {
  const rows = [
    ['2024-01', 'IS', '3'],
    ['2024-01', 'VA', '1'],
    ['2024-02', 'VA', '2'],
    ['2024-02', 'VA', null],
    ['2024-03', 'IS', '2'],
    ['2024-03', 'IS', '5'],
  ];

  it('pivots long rows into one series per split value, with gaps where a series has no row', () => {
    const data = chartData(rows, { x: 0, y: 2, split: 1, yName: 'tickets' }, { categories: 10, series: 10 });
    expect(data.categories).toEqual(['2024-01', '2024-02', '2024-03']);
    expect(data.series).toEqual([
      { name: 'IS', values: [3, null, 7] },
      { name: 'VA', values: [1, 2, null] },
    ]);
    expect(data.summed).toBe(true);
  });

  it('adds up repeated x values without a split, and counts what the limits leave out', () => {
    const data = chartData(
      rows,
      { x: 0, y: 2, split: undefined, yName: 'tickets' },
      { categories: 2, series: 1 },
    );
    expect(data.series).toEqual([{ name: 'tickets', values: [4, 2] }]);
    expect(data.omittedCategories).toBe(1);
    const bySplit = chartData(rows, { x: 0, y: 2, split: 1, yName: 't' }, { categories: 10, series: 1 });
    expect(bySplit.omittedSeries).toBe(1);
  });

  it('picks x from text, y from numbers, and splits a long result by its next text column', () => {
    const columns = [
      { name: 'month', type: 'varchar' },
      { name: 'status', type: 'varchar' },
      { name: 'tickets', type: 'bigint' },
    ];
    expect(defaultAxes(columns, rows)).toEqual({ x: 0, y: 2, split: 1 });
    expect(defaultAxes(columns, [rows[0] ?? [], rows[2] ?? []])).toEqual({ x: 0, y: 2, split: undefined });
    expect(timeHint('timestamp')).toMatch(/No time zone/);
    expect(timeHint('timestamp(3) with time zone')).toMatch(/shows its time zone/);
    expect(timeHint('varchar')).toBeUndefined();
  });
});

describe('console completion', () => {
  const table = (database: string, name: string, columns: string[]): CatalogTable => ({
    database,
    name,
    columns: columns.map((c) => ({ name: c, type: 'string', partitionKey: false })),
    synthetic: false,
    description: undefined,
  });
  const tables = [
    table('vancouver', 'tickets', ['status', 'street']),
    table('vancouver', 'licences', ['status', 'Business Name']),
    table('archive', 'tickets_2019', ['stamp']),
  ];
  const catalog = { databases: ['archive', 'vancouver'], tables };
  const labels = (sql: string, database = 'vancouver') =>
    suggest(typedName(sql, sql.length), catalog, sql, database).map((s) => `${s.kind}:${s.insert}`);

  it('reads the dotted name before the caret', () => {
    expect(typedName('SELECT * FROM vancouver.tic', 27)).toEqual({ parts: ['vancouver', 'tic'], start: 24 });
    expect(typedName('SELECT st', 9)).toEqual({ parts: ['st'], start: 7 });
  });

  it("offers a database's tables after its name and a dot", () => {
    expect(labels('SELECT * FROM archive.')).toEqual(['table:tickets_2019']);
    expect(labels('SELECT * FROM vancouver.t')).toEqual(['table:tickets']);
  });

  it('offers the columns of the tables the SQL names, through their aliases, quoted where needed', () => {
    expect(tablesInSql('SELECT * FROM vancouver.licences AS l WHERE', tables, 'vancouver')).toEqual([
      { table: tables[1], alias: 'l' },
    ]);
    const sql = 'SELECT t.s FROM tickets t JOIN archive.tickets_2019 a ON a.';
    expect(labels(sql)).toEqual(['column:stamp']);
    expect(suggest(typedName('SELECT l.B', 10), catalog, 'SELECT l.B FROM licences l', 'vancouver')).toEqual([
      { kind: 'column', insert: '"Business Name"', label: 'Business Name', detail: 'string' },
    ]);
  });

  it('offers columns, tables and databases for a bare prefix', () => {
    expect(labels('SELECT s FROM tickets WHERE st')).toEqual(['column:status', 'column:street']);
    expect(labels('SELECT * FROM a')).toEqual(['database:archive']);
  });
});

describe('console CloudWatch listings', () => {
  /** A JsonCall that answers the pages given, in turn, and records what it was asked. */
  const paged = (pages: object[]) => {
    const asked: Record<string, unknown>[] = [];
    const call: JsonCall = async <T>(_operation: string, input: object) => {
      asked.push(input as Record<string, unknown>);
      return (pages[asked.length - 1] ?? {}) as T;
    };
    return { call, asked };
  };

  it("joins GetMetricData's pages by query and label, whatever order a page lists them in", async () => {
    const { call, asked } = paged([
      {
        MetricDataResults: [
          { Id: 'sorted', Label: 'a', Timestamps: [60, 120], Values: [10, 11], StatusCode: 'PartialData' },
          { Id: 'sorted', Label: 'b', Timestamps: [], Values: [], StatusCode: 'PartialData' },
        ],
        NextToken: 'next',
      },
      {
        MetricDataResults: [
          { Id: 'sorted', Label: 'b', Timestamps: [60], Values: [99], StatusCode: 'Complete' },
          { Id: 'sorted', Label: 'a', Timestamps: [180], Values: [12], StatusCode: 'Complete' },
        ],
      },
    ]);
    const series = await getMetricData(
      call,
      [{ Id: 'sorted', Expression: 'SORT(METRICS(), MAX, DESC)', ReturnData: true }],
      {
        start: 0,
        end: 240_000,
      },
    );
    expect(asked[1]?.NextToken).toBe('next');
    expect(series.map((s) => [s.label, s.timestamps, s.values, s.status])).toEqual([
      ['a', [60_000, 120_000, 180_000], [10, 11, 12], 'Complete'],
      ['b', [60_000], [99], 'Complete'],
    ]);
  });

  it('says when a listing of alarms stopped before the last page', async () => {
    const page = (n: number) => ({
      MetricAlarms: Array.from({ length: 100 }, (_, i) => ({ AlarmName: `a${n}-${i}`, StateValue: 'ALARM' })),
      NextToken: `page${n + 1}`,
    });
    const many = await listAlarms(paged(Array.from({ length: 30 }, (_, n) => page(n))).call, {});
    expect(many.complete).toBe(false);
    expect(many.alarms.length).toBe(MAX_LISTED_ALARMS);
    const few = await listAlarms(
      paged([{ MetricAlarms: [{ AlarmName: 'one', StateValue: 'OK' }] }]).call,
      {},
    );
    expect(few).toMatchObject({ complete: true, alarms: [{ name: 'one', state: 'OK' }] });
  });
});
