/*
 * The formats CTAS, INSERT INTO and UNLOAD write, read from their WITH (...) properties or from a table's
 * catalog definition, and what each becomes: DuckDB COPY options, and the StorageDescriptor Athena
 * registers for it. What Seawall cannot write (ORC, Avro, Ion, Iceberg, bucketing) is refused by name.
 */
import { CLOUDTRAIL_INPUT_FORMAT, type TableInput } from '../../catalog/index.js';
import { quoteIdent, quoteLiteral } from '../../lib/sql.js';
import { QueryRejected } from '../sandbox.js';

/** How files are written. `compression` is DuckDB's codec name, 'none' for none. */
export interface FileFormat {
  kind: 'parquet' | 'json' | 'text';
  compression: string;
  /** TEXTFILE only: the field delimiter (Athena's default is \001). */
  delimiter: string;
  /** TEXTFILE only: a header line each file starts with (a table with skip.header.line.count = 1). */
  header: boolean;
}

type PropertyValue = string | string[] | number | boolean;

const FORMATS: Record<string, FileFormat['kind']> = { PARQUET: 'parquet', JSON: 'json', TEXTFILE: 'text' };

const CODECS: Record<FileFormat['kind'], Record<string, string>> = {
  parquet: { SNAPPY: 'snappy', GZIP: 'gzip', ZSTD: 'zstd', LZ4: 'lz4_raw', NONE: 'none' },
  // The table reader decompresses text by the file's extension, which it knows for gzip only.
  json: { GZIP: 'gzip', NONE: 'none' },
  text: { GZIP: 'gzip', NONE: 'none' },
};

function text(properties: Record<string, PropertyValue>, key: string): string | undefined {
  const value = properties[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new QueryRejected(`INVALID_TABLE_PROPERTY: The property ${key} must be a string literal.`);
  return value;
}

function names(properties: Record<string, PropertyValue>, key: string): string[] {
  const value = properties[key];
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new QueryRejected(`INVALID_TABLE_PROPERTY: The property ${key} must be an ARRAY of column names.`);
  return value.map((name) => name.toLowerCase());
}

/** What a CTAS or UNLOAD asks for in WITH (...): the format, where, and how it is partitioned. */
export interface WriteRequest {
  format: FileFormat;
  partitionedBy: string[];
  externalLocation?: string;
}

/** Reads CTAS (`table`) or UNLOAD (`unload`) properties; any property Seawall does not honour is refused. */
export function writeRequest(
  properties: Record<string, PropertyValue>,
  use: 'table' | 'unload',
): WriteRequest {
  const known =
    use === 'table'
      ? [
          'format',
          'write_compression',
          'parquet_compression',
          'partitioned_by',
          'external_location',
          'field_delimiter',
          'table_type',
          'is_external',
          'bucketed_by',
          'bucket_count',
        ]
      : ['format', 'compression', 'partitioned_by', 'field_delimiter'];
  for (const key of Object.keys(properties))
    if (!known.includes(key))
      throw new QueryRejected(
        `INVALID_TABLE_PROPERTY: Catalog 'awsdatacatalog' table property '${key}' does not exist`,
      );
  const tableType = text(properties, 'table_type')?.toUpperCase();
  if (tableType !== undefined && tableType !== 'HIVE')
    throw new QueryRejected(
      `NOT_SUPPORTED: Table type ${tableType} is not supported here; only HIVE tables are.`,
    );
  if (properties.is_external === false)
    throw new QueryRejected('NOT_SUPPORTED: Only external tables are supported (is_external = true).');
  if (properties.bucketed_by !== undefined || properties.bucket_count !== undefined)
    throw new QueryRejected(
      'NOT_SUPPORTED: Bucketed tables (bucketed_by, bucket_count) are not supported: Seawall cannot write Hive bucketing.',
    );
  const formatName = (text(properties, 'format') ?? 'PARQUET').toUpperCase();
  const kind = FORMATS[formatName];
  if (!kind)
    throw new QueryRejected(
      `NOT_SUPPORTED: Format ${formatName} is not supported for writing (PARQUET, JSON and TEXTFILE are).`,
    );
  const codecName = (
    text(properties, use === 'table' ? 'write_compression' : 'compression') ??
    text(properties, 'parquet_compression') ??
    'GZIP'
  ).toUpperCase();
  const compression = CODECS[kind][codecName];
  if (compression === undefined)
    throw new QueryRejected(
      `NOT_SUPPORTED: Compression ${codecName} is not supported for ${formatName} (${Object.keys(CODECS[kind]).join(', ')}).`,
    );
  const delimiter = text(properties, 'field_delimiter');
  if (delimiter !== undefined && kind !== 'text')
    throw new QueryRejected('INVALID_TABLE_PROPERTY: field_delimiter applies to TEXTFILE only.');
  if (delimiter !== undefined && [...delimiter].length !== 1)
    throw new QueryRejected('INVALID_TABLE_PROPERTY: field_delimiter must be a single character.');
  const location = text(properties, 'external_location');
  return {
    format: { kind, compression, delimiter: delimiter ?? '\u0001', header: false },
    partitionedBy: names(properties, 'partitioned_by'),
    ...(location !== undefined ? { externalLocation: location } : {}),
  };
}

/** DuckDB's COPY options for the format; `partitionBy` columns become `k=v/` folders. */
export function copyOptions(format: FileFormat, partitionBy: readonly string[], fileStem: string): string {
  const options = [
    `FORMAT ${format.kind === 'text' ? 'csv' : format.kind}`,
    ...(format.compression !== 'none' ? [`COMPRESSION ${quoteLiteral(format.compression)}`] : []),
    ...(format.kind === 'text'
      ? [`DELIMITER ${quoteLiteral(format.delimiter)}`, `HEADER ${format.header}`]
      : []),
    ...(partitionBy.length > 0
      ? [
          `PARTITION_BY (${partitionBy.map(quoteIdent).join(', ')})`,
          `FILENAME_PATTERN ${quoteLiteral(`${fileStem}_{i}`)}`,
        ]
      : []),
  ];
  return options.join(', ');
}

/** The name of an unpartitioned output file, with the extension DuckDB gives partitioned ones. */
export function fileName(format: FileFormat, fileStem: string): string {
  const extension = format.kind === 'text' ? 'csv' : format.kind;
  return `${fileStem}_0.${extension}${format.compression === 'gzip' && format.kind !== 'parquet' ? '.gz' : ''}`;
}

/** The format a catalog table's files have, to append to it in kind (INSERT INTO). */
export function tableFormat(definition: TableInput): FileFormat {
  const sd = definition.StorageDescriptor;
  const serde = sd?.SerdeInfo;
  const hints = [definition.Parameters?.classification, sd?.InputFormat, serde?.SerializationLibrary]
    .join(' ')
    .toLowerCase();
  // CloudTrail's input format reads whole log documents ({"Records": [...]}): rows appended as lines would
  // never be read back, so the table is read-only, as the logs it describes.
  if (sd?.InputFormat === CLOUDTRAIL_INPUT_FORMAT)
    throw new QueryRejected(
      `NOT_SUPPORTED: Table ${definition.Name} reads CloudTrail log files and cannot be written to.`,
    );
  const compressed = /gzip/i.test(
    definition.Parameters?.write_compression ?? definition.Parameters?.compressionType ?? '',
  );
  if (hints.includes('parquet'))
    return { kind: 'parquet', compression: 'snappy', delimiter: '', header: false };
  if (hints.includes('json'))
    return { kind: 'json', compression: compressed ? 'gzip' : 'none', delimiter: '', header: false };
  if (hints.includes('csv') || hints.includes('text') || hints.includes('lazysimpleserde')) {
    const params = serde?.Parameters ?? {};
    const skip = Number(
      definition.Parameters?.['skip.header.line.count'] ?? params['skip.header.line.count'] ?? '0',
    );
    if (skip > 1)
      throw new QueryRejected(
        'NOT_SUPPORTED: INSERT into a table with skip.header.line.count above 1 is not supported.',
      );
    return {
      kind: 'text',
      compression: compressed ? 'gzip' : 'none',
      // As the table reader splits: LazySimpleSerDe on Ctrl-A unless told otherwise, other SerDes on commas.
      delimiter:
        params['field.delim'] ??
        params.separatorChar ??
        definition.Parameters?.delimiter ??
        (serde?.SerializationLibrary?.endsWith('.LazySimpleSerDe') ? '\u0001' : ','),
      header: skip === 1,
    };
  }
  throw new QueryRejected(
    `NOT_SUPPORTED: Table ${definition.Name} has a storage format Seawall cannot write (Parquet, JSON or text are).`,
  );
}

/** The StorageDescriptor format fields and table Parameters Athena registers for a CTAS of this format. */
export function storageOf(format: FileFormat): {
  descriptor: Pick<
    NonNullable<TableInput['StorageDescriptor']>,
    'InputFormat' | 'OutputFormat' | 'SerdeInfo' | 'Compressed'
  >;
  parameters: Record<string, string>;
} {
  const compressed = format.compression !== 'none';
  const codec = format.compression === 'lz4_raw' ? 'LZ4' : format.compression.toUpperCase();
  if (format.kind === 'parquet')
    return {
      descriptor: {
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          Parameters: { 'serialization.format': '1' },
        },
        Compressed: compressed,
      },
      parameters: { classification: 'parquet', write_compression: codec },
    };
  const text = {
    InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  };
  if (format.kind === 'json')
    return {
      descriptor: {
        ...text,
        SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: {} },
        Compressed: compressed,
      },
      parameters: { classification: 'json', write_compression: codec },
    };
  return {
    descriptor: {
      ...text,
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        // DuckDB writes NULL as an empty field (and an empty string as ""): said so for other engines.
        Parameters: {
          'field.delim': format.delimiter,
          'serialization.format': format.delimiter,
          'serialization.null.format': '',
        },
      },
      Compressed: compressed,
    },
    parameters: { classification: 'csv', write_compression: codec },
  };
}
