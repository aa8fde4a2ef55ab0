import { createReadStream, existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CreateDatabaseCommand, CreateTableCommand, GlueClient, type TableInput } from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { DEFAULT_SAMPLES_DIR, demoDataset, samplePath } from '../src/demo/datasets.js';
import { quoteLiteral } from '../src/lib/sql.js';
import { queryRows, withDuckDb } from './duckdb.js';

/** Where generated bench data is kept between runs (git-ignored). */
const CACHE_DIR = join(import.meta.dirname, '..', '.bench', 'query');

/** The columns of the bench table, as Athena's DDL names them and as the Parquet file holds them. */
export const TICKET_COLUMNS = [
  { Name: 'block', Type: 'int' },
  { Name: 'street', Type: 'string' },
  { Name: 'entry_date', Type: 'date' },
  { Name: 'bylaw', Type: 'int' },
  { Name: 'section', Type: 'string' },
  { Name: 'status', Type: 'string' },
  { Name: 'infraction_text', Type: 'string' },
  { Name: 'year', Type: 'int' },
  { Name: 'bi_id', Type: 'bigint' },
] as const;

export interface TicketsFile {
  path: string;
  rows: number;
  bytes: number;
  sampleRows: number;
}

/** The real sample, found as the demo finds it: SEAWALL_SAMPLES_DIR, else ../shared/datasets/vancouver. */
function parkingSample(): string {
  const path = samplePath(
    demoDataset('parking_tickets'),
    process.env.SEAWALL_SAMPLES_DIR ?? DEFAULT_SAMPLES_DIR,
  );
  if (!existsSync(path))
    throw new Error(
      `the parking tickets sample is not at ${path}; set SEAWALL_SAMPLES_DIR to the folder holding parking-tickets/`,
    );
  return path;
}

/*
 * Row i takes its place (Street, Block) from one sample row and everything else (EntryDate, Year, Bylaw,
 * Section, Status, InfractionText) from another, each chosen by a multiplicative hash of i modulo a prime:
 * the same file on every machine and DuckDB version, each group of columns keeping the sample's joint
 * distribution (the contiguous stretch of dates without InfractionText stays), and far more distinct
 * combinations than the sample's 21,784 rows.
 */
const PRIME = 4294967291n;
const pick = (multiplier: bigint, offset: number) => `(r.i * ${multiplier} + ${offset}) % ${PRIME}`;

/**
 * `rows` parking tickets as zstd Parquet, drawn deterministically from the real sample's rows; written once
 * into .bench/query and reused while the sample is unchanged.
 */
export async function ticketsParquet(rows: number): Promise<TicketsFile> {
  const sample = parkingSample();
  const { size } = await fs.stat(sample);
  const path = join(CACHE_DIR, `parking_tickets-${rows}-from-${size}.parquet`);
  const sampleRows = await withDuckDb({}, async (c) => {
    await c.run(
      `CREATE TEMP TABLE sample AS SELECT row_number() OVER (ORDER BY "BI_ID") - 1 AS k, * FROM read_json(${quoteLiteral(sample)}, format = 'newline_delimited', columns = {Block: 'INTEGER', Street: 'VARCHAR', EntryDate: 'DATE', Bylaw: 'INTEGER', Section: 'VARCHAR', Status: 'VARCHAR', InfractionText: 'VARCHAR', Year: 'INTEGER', BI_ID: 'BIGINT'})`,
    );
    const [row] = await queryRows(c, 'SELECT count(*) AS n FROM sample');
    const n = Number(row?.n);
    if (existsSync(path)) return n;
    await fs.mkdir(CACHE_DIR, { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    await c.run(
      `COPY (SELECT p."Block" AS block, p."Street" AS street, t."EntryDate" AS entry_date, t."Bylaw" AS bylaw, t."Section" AS section, t."Status" AS status, t."InfractionText" AS infraction_text, t."Year" AS year, 4222180 + r.i AS bi_id
        FROM range(${rows}) AS r(i)
        JOIN sample AS p ON p.k = ${pick(2654435761n, 97)} % ${n}
        JOIN sample AS t ON t.k = ${pick(2246822519n, 13)} % ${n}
        ORDER BY bi_id) TO ${quoteLiteral(partial)} (FORMAT parquet, COMPRESSION 'zstd')`,
    );
    await fs.rename(partial, path);
    return n;
  });
  return { path, rows, bytes: (await fs.stat(path)).size, sampleRows };
}

export interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** The Glue definition of `parking_tickets`: the Parquet files under parking_tickets/ in `bucket`. */
export function ticketsTable(bucket: string): TableInput {
  return {
    Name: 'parking_tickets',
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet' },
    StorageDescriptor: {
      Columns: TICKET_COLUMNS.map((c) => ({ ...c })),
      Location: `s3://${bucket}/parking_tickets/`,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
  };
}

/**
 * Uploads the file through S3 into `lake.bucket` (bench-lake unless told; given `lake.encryption` as its default
 * encryption before the upload) and registers it with Glue's CreateTable as `database.parking_tickets`.
 */
export async function registerTickets(
  common: ClientConfig,
  file: TicketsFile,
  database: string,
  lake: { bucket?: string; encryption?: ServerSideEncryptionRule } = {},
) {
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const glue = new GlueClient(common);
  try {
    const Bucket = lake.bucket ?? 'bench-lake';
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (lake.encryption)
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: { Rules: [lake.encryption] },
        }),
      );
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'parking_tickets/part-0.parquet',
        Body: createReadStream(file.path),
        ContentLength: file.bytes,
      }),
    );
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } }));
    await glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: ticketsTable(Bucket) }));
  } finally {
    s3.destroy();
    glue.destroy();
  }
}
