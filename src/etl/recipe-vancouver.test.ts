import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../lib/sql.js';
import { parseRecipe } from './recipe.js';
import { compileRecipe, type RecipeSource } from './recipe-compiler.js';

// Rows shaped like the City of Vancouver open data in ../shared/datasets/vancouver (same columns,
// formats and quirks), written out by hand: a few per dataset, enough to show each cleaning step.

let instance: DuckDBInstance;
let db: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
});
afterAll(() => {
  db.closeSync();
  instance.closeSync();
});

type Row = Record<string, unknown>;
const step = (Operation: string, Parameters: Record<string, string>, ConditionExpressions?: unknown[]) => ({
  Action: { Operation, Parameters },
  ...(ConditionExpressions === undefined ? {} : { ConditionExpressions }),
});
const text = (...names: string[]) => names.map((name) => ({ name, type: 'VARCHAR' }));

async function clean(source: RecipeSource, steps: unknown[]): Promise<{ sql: string; rows: Row[] }> {
  const compiled = compileRecipe(parseRecipe(JSON.stringify(steps)), source);
  const reader = await db.runAndReadAll(`SELECT * FROM (${compiled.sql}) ORDER BY ALL`);
  expect(reader.columnTypes().map(String)).toEqual(compiled.columns.map((column) => column.type));
  return { sql: compiled.sql, rows: reader.getRowObjectsJson() as Row[] };
}

const STOP = 'STOP AT A PLACE WHERE A TRAFFIC SIGN PROHIBITS STOPPING';
const ZEROS = 'PARK IN A METERED SPACE IF THE PARKING METER HEAD DISPLAYS FOUR FLASHING ZEROS IN A WINDOW';
const SIGN =
  'PARK ON A STREET WHERE A TRAFFIC SIGN RESTRICTS PARKING, EXCEPT IN ACCORDANCE WITH SUCH RESTRICTION';

describe('Vancouver pipelines', () => {
  it('parking tickets: InfractionText from its (Bylaw, Section), Block 0 to NULL', async () => {
    const tickets: RecipeSource = {
      relation: `(VALUES
        (4487833, 0, 'NELSON ST', DATE '2023-01-20', 2849, '17.1(B)', ${quoteLiteral(STOP)}),
        (4488226, 800, 'RICHARDS ST', DATE '2023-01-20', 2849, '17.1(B)', NULL),
        (4794747, 5600, 'TYNE ST', DATE '2024-03-01', 2849, '17.1(B)', ${quoteLiteral(STOP)}),
        (4487126, 2800, 'LAUREL ST', DATE '2023-05-01', 2952, '5(4)(A)(ii)', ${quoteLiteral(ZEROS)}),
        (4794799, 2800, 'W BROADWAY', DATE '2024-06-16', 2952, '5(4)(A)(ii)', NULL),
        (4490001, 1100, 'DAVIE ST', DATE '2023-06-02', 2849, '17.6(B)', ${quoteLiteral(SIGN)}),
        (4490002, 1200, 'DAVIE ST', DATE '2023-06-03', 2849, '17.6(B)', ${quoteLiteral(SIGN)}),
        (4490003, 1300, 'DAVIE ST', DATE '2023-06-04', 2849, '17.6(B)', ${quoteLiteral(`${SIGN}..`)}),
        (4490004, 0, 'DAVIE ST', DATE '2023-06-05', 2849, '17.6(B)', NULL),
        (4490005, 300, 'W 1ST AVE', DATE '2024-02-09', 2849, '19.1(E)', NULL)
      ) AS t(BI_ID, Block, Street, EntryDate, Bylaw, "Section", InfractionText)`,
      columns: [
        { name: 'BI_ID', type: 'INTEGER' },
        { name: 'Block', type: 'INTEGER' },
        { name: 'Street', type: 'VARCHAR' },
        { name: 'EntryDate', type: 'DATE' },
        { name: 'Bylaw', type: 'INTEGER' },
        { name: 'Section', type: 'VARCHAR' },
        { name: 'InfractionText', type: 'VARCHAR' },
      ],
    };
    const { sql: compiled, rows } = await clean(tickets, [
      step('FILL_WITH_MOST_FREQUENT', {
        sourceColumn: 'InfractionText',
        groupByColumns: '["Bylaw","Section"]',
      }),
      step('FILL_WITH_NULL', { sourceColumn: 'Block' }, [
        { Condition: 'IS', Value: '["0"]', TargetColumn: 'Block' },
      ]),
    ]);
    expect(compiled).toContain('OVER (PARTITION BY "Bylaw", "Section")');
    expect(rows.map((row) => [row.BI_ID, row.Block, row.InfractionText])).toEqual([
      [4487126, 2800, ZEROS],
      [4487833, null, STOP],
      [4488226, 800, STOP],
      [4490001, 1100, SIGN],
      [4490002, 1200, SIGN],
      [4490003, 1300, `${SIGN}..`],
      [4490004, null, SIGN],
      [4490005, 300, null],
      [4794747, 5600, STOP],
      [4794799, 2800, ZEROS],
    ]);
  });

  it('lost animals: "Not Provided" names to NULL, one spelling of each colour, real dates', async () => {
    const animals: RecipeSource = {
      relation: `(VALUES
        ('Cat - DSH', 'Black', '2024-01-24', 'Not Provided', 'M', 'Lost'),
        ('Border Collie', 'black and white', '2024-02-03', 'Skye', 'F/S', 'Found'),
        ('DSH', 'Black and white', '2024-02-10', 'Not provided', '', 'Lost'),
        ('Husky', 'Black And White', '2024-03-01', 'Luna', 'F', 'Matched'),
        ('Shiba Inu', 'Black w/white & tan', '2024-01-12', 'Sesame', 'F', 'Matched')
      ) AS t(Breed, Color, "Date", "Name", Sex, State)`,
      columns: text('Breed', 'Color', 'Date', 'Name', 'Sex', 'State'),
    };
    const { rows } = await clean(animals, [
      step('FILL_WITH_NULL', { sourceColumn: 'Name' }, [
        { Condition: 'IS', Value: '["Not Provided","Not provided"]', TargetColumn: 'Name' },
      ]),
      step('CAPITAL_CASE', { sourceColumn: 'Color' }),
      step('FILL_WITH_NULL', { sourceColumn: 'Sex' }),
      step('CHANGE_DATA_TYPE', { sourceColumn: 'Date', columnDataType: 'date' }),
    ]);
    expect(rows.map((row) => [row.Breed, row.Color, row.Date, row.Name, row.Sex])).toEqual([
      ['Border Collie', 'Black And White', '2024-02-03', 'Skye', 'F/S'],
      ['Cat - DSH', 'Black', '2024-01-24', null, 'M'],
      ['DSH', 'Black And White', '2024-02-10', null, null],
      ['Husky', 'Black And White', '2024-03-01', 'Luna', 'F'],
      ['Shiba Inu', 'Black W/white & Tan', '2024-01-12', 'Sesame', 'F'],
    ]);
  });

  it('3-1-1 requests: offset timestamps (-08:00 and -07:00) to UTC, empty text to NULL', async () => {
    const requests: RecipeSource = {
      relation: `(VALUES
        ('DBL - Services Centre', 'Close', 'Service provided', '2023-12-11T01:04:00-08:00', '2024-01-02', '', '', ''),
        ('ENG - Traffic and Electrical Operations and Design', 'Close', 'Service provided',
          '2023-12-11T06:48:14-08:00', '2023-12-21', '4375 ROSS ST', 'Kensington-Cedar Cottage', '49.24588847779'),
        ('ENG - Streets', 'Open', '', '2024-04-02T17:15:00-07:00', '', '1415 E BROADWAY', 'Grandview-Woodland', '49.26243417865')
      ) AS t(department, status, closure_reason, service_request_open_timestamp, service_request_close_date,
        address, local_area, latitude)`,
      columns: text(
        'department',
        'status',
        'closure_reason',
        'service_request_open_timestamp',
        'service_request_close_date',
        'address',
        'local_area',
        'latitude',
      ),
    };
    const { rows } = await clean(requests, [
      step('CHANGE_DATA_TYPE', {
        sourceColumn: 'service_request_open_timestamp',
        columnDataType: 'timestamp',
      }),
      step('RENAME', { sourceColumn: 'service_request_open_timestamp', targetColumn: 'opened_at' }),
      step('CHANGE_DATA_TYPE', { sourceColumn: 'service_request_close_date', columnDataType: 'date' }),
      step('FILL_WITH_NULL', { sourceColumn: 'closure_reason' }),
      step('FILL_WITH_NULL', { sourceColumn: 'address' }),
      step('FILL_WITH_NULL', { sourceColumn: 'local_area' }),
      step('CHANGE_DATA_TYPE', { sourceColumn: 'latitude', columnDataType: 'double' }),
      step('YEAR', { sourceColumn: 'opened_at', targetColumn: 'opened_year' }),
    ]);
    expect(rows).toEqual([
      {
        department: 'DBL - Services Centre',
        status: 'Close',
        closure_reason: 'Service provided',
        opened_at: '2023-12-11 09:04:00',
        service_request_close_date: '2024-01-02',
        address: null,
        local_area: null,
        latitude: null,
        opened_year: 2023,
      },
      {
        department: 'ENG - Streets',
        status: 'Open',
        closure_reason: null,
        opened_at: '2024-04-03 00:15:00',
        service_request_close_date: null,
        address: '1415 E BROADWAY',
        local_area: 'Grandview-Woodland',
        latitude: 49.26243417865,
        opened_year: 2024,
      },
      {
        department: 'ENG - Traffic and Electrical Operations and Design',
        status: 'Close',
        closure_reason: 'Service provided',
        opened_at: '2023-12-11 14:48:14',
        service_request_close_date: '2023-12-21',
        address: '4375 ROSS ST',
        local_area: 'Kensington-Cedar Cottage',
        latitude: 49.24588847779,
        opened_year: 2023,
      },
    ]);
  });

  it('business licences: "43.0" employees to 43, issue instants to UTC, expiry dates, this folder year only', async () => {
    const licences: RecipeSource = {
      relation: `(VALUES
        ('24', '24-148301', 'Fairmont Pacific Rim Hotel - Botanist', '2024-01-16T14:37:35-08:00', '2024-12-31', '43.0', ''),
        ('24', '24-148306', 'Nuba Cafe', '2023-12-04T09:43:05-08:00', '2024-12-31', '25.0', ''),
        ('24', '24-149900', 'Corner Noodle', '2023-11-30T16:20:00-08:00', '2024-12-31', '', '217.0'),
        ('25', '25-100120', 'Nuba Cafe', '2024-11-20T10:01:02-08:00', '2025-12-31', '26.0', '')
      ) AS t(FOLDERYEAR, LicenceNumber, BusinessTradeName, IssuedDate, ExpiredDate, NumberofEmployees, FeePaid)`,
      columns: text(
        'FOLDERYEAR',
        'LicenceNumber',
        'BusinessTradeName',
        'IssuedDate',
        'ExpiredDate',
        'NumberofEmployees',
        'FeePaid',
      ),
    };
    const { rows } = await clean(licences, [
      step('REMOVE_VALUES', { sourceColumn: 'FOLDERYEAR' }, [
        { Condition: 'IS_NOT', Value: '["24"]', TargetColumn: 'FOLDERYEAR' },
      ]),
      step('CHANGE_DATA_TYPE', { sourceColumn: 'NumberofEmployees', columnDataType: 'int' }),
      step('CHANGE_DATA_TYPE', { sourceColumn: 'IssuedDate', columnDataType: 'timestamp' }),
      step('CHANGE_DATA_TYPE', { sourceColumn: 'ExpiredDate', columnDataType: 'date' }),
      step('CHANGE_DATA_TYPE', { sourceColumn: 'FeePaid', columnDataType: 'double' }),
      step('DELETE', { sourceColumn: 'FOLDERYEAR' }),
    ]);
    expect(rows).toEqual([
      {
        LicenceNumber: '24-148301',
        BusinessTradeName: 'Fairmont Pacific Rim Hotel - Botanist',
        IssuedDate: '2024-01-16 22:37:35',
        ExpiredDate: '2024-12-31',
        NumberofEmployees: 43,
        FeePaid: null,
      },
      {
        LicenceNumber: '24-148306',
        BusinessTradeName: 'Nuba Cafe',
        IssuedDate: '2023-12-04 17:43:05',
        ExpiredDate: '2024-12-31',
        NumberofEmployees: 25,
        FeePaid: null,
      },
      {
        LicenceNumber: '24-149900',
        BusinessTradeName: 'Corner Noodle',
        IssuedDate: '2023-12-01 00:20:00',
        ExpiredDate: '2024-12-31',
        NumberofEmployees: null,
        FeePaid: 217,
      },
    ]);
  });
});
