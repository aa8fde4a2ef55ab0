import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { SAMPLE_FILES } from './vancouver.js';

/** A result as Athena's GetQueryResults returns it: the header row, then every value as text or null. */
export type ResultRows = (string | null)[][];

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Reads a timestamp with an offset (`2023-12-11T01:04:00-08:00`) as the UTC wall time, as the crawled table does. */
const utc = (column: string) =>
  `CAST(CAST(${column} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP) AS ${column}`;

const csv = (file: string, delimiter: string, columns: Record<string, string>) =>
  `read_csv(${literal(file)}, delim = ${literal(delimiter)}, header = true, quote = '"', columns = {${Object.entries(
    columns,
  )
    .map(([name, type]) => `${literal(name)}: ${literal(type)}`)
    .join(', ')}})`;

const rawCsv = (file: string, delimiter: string) =>
  `read_csv(${literal(file)}, delim = ${literal(delimiter)}, header = true, quote = '"', all_varchar = true)`;

const REQUEST_COLUMNS = {
  department: 'VARCHAR',
  service_request_type: 'VARCHAR',
  status: 'VARCHAR',
  closure_reason: 'VARCHAR',
  service_request_open_timestamp: 'VARCHAR',
  service_request_close_date: 'DATE',
  last_modified_timestamp: 'VARCHAR',
  address: 'VARCHAR',
  local_area: 'VARCHAR',
  channel: 'VARCHAR',
  latitude: 'DOUBLE',
  longitude: 'DOUBLE',
  geom: 'VARCHAR',
};

const LICENCE_COLUMNS: Record<string, string> = Object.fromEntries(
  'FOLDERYEAR LicenceRSN LicenceNumber LicenceRevisionNumber BusinessName BusinessTradeName Status IssuedDate ExpiredDate BusinessType BusinessSubType Unit UnitType House Street City Province Country PostalCode LocalArea NumberofEmployees FeePaid ExtractDate Geom geo_point_2d'
    .split(' ')
    .map((name) => [name, 'VARCHAR']),
);
Object.assign(LICENCE_COLUMNS, {
  FOLDERYEAR: 'BIGINT',
  LicenceRSN: 'BIGINT',
  ExpiredDate: 'DATE',
  House: 'BIGINT',
  NumberofEmployees: 'DOUBLE',
  FeePaid: 'DOUBLE',
});

/**
 * The oracle's views over the sample files, written by hand from each file's SOURCE.md: the column types
 * Athena would be given by the crawler, and `_raw` views holding every field as the file's text.
 */
const VIEWS = [
  `CREATE VIEW parking_tickets AS SELECT * FROM read_json(${literal(SAMPLE_FILES.parking_tickets)}, format = 'newline_delimited', columns = {Block: 'BIGINT', Street: 'VARCHAR', EntryDate: 'DATE', Bylaw: 'BIGINT', Section: 'VARCHAR', Status: 'VARCHAR', InfractionText: 'VARCHAR', Year: 'BIGINT', BI_ID: 'BIGINT'})`,
  `CREATE VIEW lost_animals AS SELECT * FROM ${csv(SAMPLE_FILES.lost_animals, ';', { Breed: 'VARCHAR', Color: 'VARCHAR', Date: 'DATE', Name: 'VARCHAR', Sex: 'VARCHAR', State: 'VARCHAR' })}`,
  `CREATE VIEW service_requests_311_raw AS SELECT * FROM ${rawCsv(SAMPLE_FILES.service_requests_311, ',')}`,
  `CREATE VIEW service_requests_311 AS SELECT * REPLACE (${utc('service_request_open_timestamp')}, ${utc('last_modified_timestamp')}) FROM ${csv(SAMPLE_FILES.service_requests_311, ',', REQUEST_COLUMNS)}`,
  `CREATE VIEW business_licences_raw AS SELECT * FROM ${rawCsv(SAMPLE_FILES.business_licences, ';')}`,
  `CREATE VIEW business_licences AS SELECT * REPLACE (${utc('IssuedDate')}, ${utc('ExtractDate')}) FROM ${csv(SAMPLE_FILES.business_licences, ';', LICENCE_COLUMNS)}`,
];

function text(value: DuckDBValue): string | null {
  return value === null ? null : String(value);
}

/** DuckDB, in the test's own process, over the same sample files Seawall serves: the answers to compare with. */
export async function openVancouverOracle(): Promise<{
  query(sql: string): Promise<ResultRows>;
  close(): void;
}> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  for (const view of VIEWS) await connection.run(view);
  return {
    async query(sql) {
      const reader = await connection.runAndReadAll(sql);
      return [reader.columnNames(), ...reader.getRows().map((row) => row.map(text))];
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
