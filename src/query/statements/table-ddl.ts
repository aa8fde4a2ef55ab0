/*
 * CREATE EXTERNAL TABLE as the Glue Data Catalog keeps it (the TableInput Athena registers: a StorageDescriptor
 * with Hive's input/output format and SerDe classes, Parameters with EXTERNAL=TRUE and the TBLPROPERTIES), and
 * back again as SHOW CREATE TABLE's text. Partition names follow Hive's `key=value/...` path escaping.
 */
import { type CatalogTable, duckDbTypeOf, parseS3Url, type TableInput } from '../../catalog/index.js';
import { QueryRejected } from '../sandbox-tree.js';
import type { ColumnDefinition, Statement } from './ast.js';

type CreateExternalTable = Extract<Statement, { kind: 'CreateExternalTable' }>;

const LAZY_SIMPLE = 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe';
const TEXT = [
  'org.apache.hadoop.mapred.TextInputFormat',
  'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
];

/** Hive's STORED AS formats: input format, output format and the SerDe used without ROW FORMAT. */
const FORMATS: Record<string, [string, string, string]> = {
  TEXTFILE: [TEXT[0] as string, TEXT[1] as string, LAZY_SIMPLE],
  JSONFILE: [TEXT[0] as string, TEXT[1] as string, 'org.apache.hadoop.hive.serde2.JsonSerDe'],
  PARQUET: [
    'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  ],
  ORC: [
    'org.apache.hadoop.hive.ql.io.orc.OrcInputFormat',
    'org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat',
    'org.apache.hadoop.hive.ql.io.orc.OrcSerde',
  ],
  AVRO: [
    'org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat',
    'org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat',
    'org.apache.hadoop.hive.serde2.avro.AvroSerDe',
  ],
  SEQUENCEFILE: [
    'org.apache.hadoop.mapred.SequenceFileInputFormat',
    'org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat',
    LAZY_SIMPLE,
  ],
  RCFILE: [
    'org.apache.hadoop.hive.ql.io.RCFileInputFormat',
    'org.apache.hadoop.hive.ql.io.RCFileOutputFormat',
    'org.apache.hadoop.hive.serde2.columnar.LazyBinaryColumnarSerDe',
  ],
  ION: [
    'com.amazon.ionhiveserde.formats.IonInputFormat',
    'com.amazon.ionhiveserde.formats.IonOutputFormat',
    'com.amazon.ionhiveserde.IonHiveSerDe',
  ],
};

/** Glue's columns for column definitions; a type no reader knows is refused. */
export function glueColumns(definitions: ColumnDefinition[]) {
  return definitions.map((c) => {
    try {
      duckDbTypeOf(c.type);
    } catch {
      throw new QueryRejected(`FAILED: SemanticException Unsupported type '${c.type}' for column ${c.name}`);
    }
    return { Name: c.name, Type: c.type, ...(c.comment !== undefined ? { Comment: c.comment } : {}) };
  });
}

function checkNames(statement: CreateExternalTable): void {
  const seen = new Set<string>();
  for (const { name } of [...statement.columns, ...statement.partitionedBy]) {
    if (seen.has(name))
      throw new QueryRejected(`FAILED: SemanticException [Error 10036]: Duplicate column name: ${name}`);
    seen.add(name);
  }
}

/** The SerDe and its parameters: ROW FORMAT's, else the format's own. */
function serdeOf(statement: CreateExternalTable, defaultSerde: string) {
  const row = statement.rowFormat;
  const parameters: Record<string, string> = {};
  let library = defaultSerde;
  if (row?.kind === 'serde') {
    library = row.serde;
    Object.assign(parameters, row.properties);
  } else if (row?.kind === 'delimited') {
    library = LAZY_SIMPLE;
    const set = (key: string, value: string | undefined) => {
      if (value !== undefined) parameters[key] = value;
    };
    set('field.delim', row.fieldsTerminatedBy);
    set('escape.delim', row.escapedBy);
    set('collection.delim', row.collectionItemsTerminatedBy);
    set('mapkey.delim', row.mapKeysTerminatedBy);
    set('line.delim', row.linesTerminatedBy);
    set('serialization.null.format', row.nullDefinedAs);
  }
  parameters['serialization.format'] ??= parameters['field.delim'] ?? '1';
  Object.assign(parameters, statement.serdeProperties);
  return { SerializationLibrary: library, Parameters: parameters };
}

/** The TableInput Athena registers for CREATE EXTERNAL TABLE. */
export function tableInputOf(statement: CreateExternalTable): TableInput {
  checkNames(statement);
  if (statement.location === undefined)
    throw new QueryRejected('CREATE EXTERNAL TABLE must have a LOCATION (an s3:// URL of the data).');
  try {
    parseS3Url(statement.location);
  } catch {
    throw new QueryRejected(
      `FAILED: SemanticException Location '${statement.location.slice(0, 200)}' is not an s3:// URL`,
    );
  }
  const stored = statement.storedAs ?? { format: 'TEXTFILE' };
  let formats: [string, string, string];
  if ('format' in stored) {
    const known = FORMATS[stored.format];
    if (!known)
      throw new QueryRejected(
        `FAILED: SemanticException Unrecognized file format in STORED AS clause: '${stored.format}'`,
      );
    formats = known;
  } else formats = [stored.inputFormat, stored.outputFormat, LAZY_SIMPLE];
  return {
    Name: statement.table.name,
    Owner: 'hadoop',
    TableType: 'EXTERNAL_TABLE',
    PartitionKeys: glueColumns(statement.partitionedBy),
    Parameters: {
      EXTERNAL: 'TRUE',
      ...(statement.comment !== undefined ? { comment: statement.comment } : {}),
      ...statement.properties,
    },
    StorageDescriptor: {
      Columns: glueColumns(statement.columns),
      Location: statement.location,
      InputFormat: formats[0],
      OutputFormat: formats[1],
      Compressed: false,
      NumberOfBuckets: -1,
      SerdeInfo: serdeOf(statement, formats[2]),
      BucketColumns: [],
      SortColumns: [],
      Parameters: {},
      StoredAsSubDirectories: false,
    },
  };
}

/** A Hive string literal that the statement grammar reads back to the same text. */
function literal(text: string): string {
  let out = "'";
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (c === "'" || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += c;
  }
  return `${out}'`;
}

function identifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function properties(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([k, v]) => `  ${literal(k)}=${literal(v)}`)
    .join(', \n');
}

/** SHOW CREATE TABLE's statement for a table, as Hive prints it. */
export function createTableStatement(table: CatalogTable): string {
  const { definition } = table;
  const sd = definition.StorageDescriptor ?? {};
  const column = (c: { Name: string; Type?: string; Comment?: string }) =>
    `  ${identifier(c.Name)} ${c.Type ?? 'string'}${c.Comment !== undefined ? ` COMMENT ${literal(c.Comment)}` : ''}`;
  const { EXTERNAL: _, comment, ...parameters } = definition.Parameters ?? {};
  const out = [
    `CREATE EXTERNAL TABLE ${identifier(definition.Name)}(`,
    `${(sd.Columns ?? []).map(column).join(', \n')})`,
  ];
  if (comment !== undefined) out.push(`COMMENT ${literal(comment)}`);
  const keys = definition.PartitionKeys ?? [];
  if (keys.length > 0) out.push('PARTITIONED BY ( ', `${keys.map(column).join(', \n')})`);
  out.push('ROW FORMAT SERDE ', `  ${literal(sd.SerdeInfo?.SerializationLibrary ?? LAZY_SIMPLE)} `);
  const serdeParameters = sd.SerdeInfo?.Parameters ?? {};
  if (Object.keys(serdeParameters).length > 0)
    out.push('WITH SERDEPROPERTIES ( ', `${properties(serdeParameters)}) `);
  out.push('STORED AS INPUTFORMAT ', `  ${literal(sd.InputFormat ?? (TEXT[0] as string))} `);
  out.push('OUTPUTFORMAT ', `  ${literal(sd.OutputFormat ?? (TEXT[1] as string))}`);
  if (sd.Location) out.push('LOCATION', `  ${literal(sd.Location)}`);
  if (Object.keys(parameters).length > 0) out.push('TBLPROPERTIES (', `${properties(parameters)})`);
  return out.join('\n');
}

const PATH_ESCAPED = new Set('"#%\'*/:=?\\\x7f{[]^'.split(''));

/** Hive's escapePathName: a partition key or value as it appears in a path. */
export function escapePathName(value: string): string {
  if (value === '') return '__HIVE_DEFAULT_PARTITION__';
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    out += PATH_ESCAPED.has(c) || code < 0x20 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

const HEX = '0123456789abcdefABCDEF';

/** Hive's unescapePathName: `%XX` back to the character. */
export function unescapePathName(path: string): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const hex = path.slice(i + 1, i + 3);
    if (path[i] === '%' && hex.length === 2 && [...hex].every((d) => HEX.includes(d))) {
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 2;
    } else out += path[i];
  }
  return out;
}

/** `year=2024/month=01`: a partition's name, and the path under the table's location Hive gives it. */
export function partitionName(keys: readonly { Name: string }[], values: readonly string[]): string {
  return keys
    .map((k, i) => `${escapePathName(k.Name.toLowerCase())}=${escapePathName(values[i] ?? '')}`)
    .join('/');
}
