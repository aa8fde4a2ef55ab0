/*
 * DESCRIBE's answer as Hive prints it (Athena's DDL engine is Hive's): each field padded to 20 characters,
 * fields separated by tabs, one line per row. FORMATTED adds the table's and its storage's details.
 */
import type { CatalogTable } from '../../catalog/index.js';
import type { Statement } from './ast.js';

type Describe = Extract<Statement, { kind: 'Describe' }>;
type Column = { Name: string; Type?: string; Comment?: string };

function line(...fields: string[]): string {
  return fields.map((f) => f.padEnd(20)).join('\t');
}

const BLANK = line('', '', '');

function column(c: Column): string {
  return line(c.Name, c.Type ?? '', c.Comment ?? '');
}

/** `Key:` and its value, Hive's way. */
function detail(key: string, value: string): string {
  return line(`${key}:`, value, '');
}

/** A map's entries, sorted, each indented by a tab. */
function entries(map: Record<string, string> | undefined): string[] {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `\t${k.padEnd(20)}\t${v.padEnd(20)}`);
}

/** Hive's Date.toString(): `Wed Dec 02 09:31:52 UTC 2026`. */
function hiveDate(ms: number): string {
  const d = new Date(ms);
  const [day, date, month] = d.toUTCString().split(' ');
  const time = d.toISOString().slice(11, 19);
  return `${day?.slice(0, 3)} ${month} ${date} ${time} UTC ${d.getUTCFullYear()}`;
}

function formatted(table: CatalogTable): string[] {
  const { definition } = table;
  const sd = definition.StorageDescriptor ?? {};
  const keys = definition.PartitionKeys ?? [];
  return [
    line('# col_name', 'data_type', 'comment'),
    BLANK,
    ...(sd.Columns ?? []).map(column),
    ...(keys.length > 0
      ? [BLANK, line('# Partition Information', '', ''), line('# col_name', 'data_type', 'comment'), BLANK]
      : []),
    ...keys.map(column),
    BLANK,
    line('# Detailed Table Information', '', ''),
    detail('Database', table.database),
    detail('Owner', definition.Owner ?? ''),
    detail('CreateTime', hiveDate(table.createTime)),
    detail('LastAccessTime', 'UNKNOWN'),
    detail('Retention', String(definition.Retention ?? 0)),
    detail('Location', sd.Location ?? ''),
    detail('Table Type', definition.TableType ?? ''),
    line('Table Parameters:', '', ''),
    ...entries(definition.Parameters),
    BLANK,
    line('# Storage Information', '', ''),
    detail('SerDe Library', sd.SerdeInfo?.SerializationLibrary ?? ''),
    detail('InputFormat', sd.InputFormat ?? ''),
    detail('OutputFormat', sd.OutputFormat ?? ''),
    detail('Compressed', sd.Compressed ? 'Yes' : 'No'),
    detail('Num Buckets', String(sd.NumberOfBuckets ?? -1)),
    detail('Bucket Columns', `[${(sd.BucketColumns ?? []).join(', ')}]`),
    detail('Sort Columns', '[]'),
    line('Storage Desc Params:', '', ''),
    ...entries(sd.SerdeInfo?.Parameters),
  ];
}

/** DESCRIBE's lines for a table. */
export function describeTable(table: CatalogTable, statement: Describe): string[] {
  if (statement.formatted) return formatted(table);
  const columns = table.definition.StorageDescriptor?.Columns ?? [];
  const keys = table.definition.PartitionKeys ?? [];
  const out = [...columns, ...keys].map(column);
  if (keys.length > 0)
    out.push(
      BLANK,
      line('# Partition Information', '', ''),
      line('# col_name', 'data_type', 'comment'),
      BLANK,
      ...keys.map(column),
    );
  if (statement.extended) out.push(BLANK, `Detailed Table Information\t${JSON.stringify(table.definition)}`);
  return out;
}
