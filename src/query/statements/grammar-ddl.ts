/*
 * The Hive DDL Athena reads (CREATE DATABASE, CREATE EXTERNAL TABLE, ALTER TABLE ... PARTITION) and Trino's
 * table properties (CTAS, UNLOAD). Each function reads from just after the words that chose it.
 */
import { QueryRejected } from '../sandbox-tree.js';
import type { ColumnDefinition, PartitionSpec, Statement } from './ast.js';
import { type Cursor, MAX_DEPTH } from './cursor.js';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;
type PropertyValue = string | string[] | number | boolean;

/** `('k' = 'v', ...)` */
export function stringProperties(cursor: Cursor): Record<string, string> {
  const properties: Record<string, string> = {};
  cursor.expectSymbol('(');
  do {
    const key = cursor.string();
    cursor.expectSymbol('=');
    properties[key] = cursor.string();
  } while (cursor.acceptSymbol(','));
  cursor.expectSymbol(')');
  return properties;
}

function propertyValue(cursor: Cursor): PropertyValue {
  const token = cursor.peek();
  if (cursor.accept('ARRAY')) {
    const items: string[] = [];
    cursor.expectSymbol('[');
    if (!cursor.isSymbol(']'))
      do items.push(cursor.string());
      while (cursor.acceptSymbol(','));
    cursor.expectSymbol(']');
    return items;
  }
  if (cursor.accept('TRUE')) return true;
  if (cursor.accept('FALSE')) return false;
  if (token.kind === 'number') {
    cursor.advance();
    return Number(token.text);
  }
  return cursor.string();
}

/** Trino's `WITH (name = value, ...)` of CTAS and UNLOAD; the WITH is already read. */
export function tableProperties(cursor: Cursor): Record<string, PropertyValue> {
  const properties: Record<string, PropertyValue> = {};
  cursor.expectSymbol('(');
  do {
    const key = cursor.identifier();
    cursor.expectSymbol('=');
    properties[key] = propertyValue(cursor);
  } while (cursor.acceptSymbol(','));
  cursor.expectSymbol(')');
  return properties;
}

/** A Hive type, normalised as Glue keeps it: `array<struct<a:int,b:string>>`, `decimal(10,2)`. */
export function hiveType(cursor: Cursor, depth = 0): string {
  if (depth > MAX_DEPTH) throw new QueryRejected('The statement is nested too deeply.');
  const name = cursor.identifier();
  if (name === 'array' || name === 'map' || name === 'struct' || name === 'uniontype') {
    cursor.expectSymbol('<');
    const parts: string[] = [];
    do {
      if (name === 'struct') {
        const field = cursor.identifier();
        cursor.expectSymbol(':');
        const type = hiveType(cursor, depth + 1);
        if (cursor.accept('COMMENT')) cursor.string();
        parts.push(`${field}:${type}`);
      } else parts.push(hiveType(cursor, depth + 1));
    } while (cursor.acceptSymbol(','));
    cursor.expectSymbol('>');
    const arity = { array: 1, map: 2 }[name as 'array' | 'map'];
    if (arity !== undefined && parts.length !== arity)
      throw new QueryRejected(
        `${name} takes ${arity} type${arity > 1 ? 's' : ''}: ${name}<${parts.join(',')}>`,
      );
    return `${name}<${parts.join(',')}>`;
  }
  if (!cursor.acceptSymbol('(')) return name;
  const sizes: string[] = [];
  do {
    const token = cursor.advance();
    if (token.kind !== 'number') throw cursor.mismatched('<integer>');
    sizes.push(token.text);
  } while (cursor.acceptSymbol(','));
  cursor.expectSymbol(')');
  return `${name}(${sizes.join(',')})`;
}

/** `(name type [COMMENT 'c'], ...)` */
export function columnDefinitions(cursor: Cursor): ColumnDefinition[] {
  const columns: ColumnDefinition[] = [];
  cursor.expectSymbol('(');
  do {
    const name = cursor.identifier();
    const type = hiveType(cursor);
    const comment = cursor.accept('COMMENT') ? cursor.string() : undefined;
    columns.push({ name, type, ...(comment !== undefined ? { comment } : {}) });
  } while (cursor.acceptSymbol(','));
  cursor.expectSymbol(')');
  return columns;
}

/** `(key = 'value', ...)` */
export function partitionSpec(cursor: Cursor): PartitionSpec {
  const spec: PartitionSpec = [];
  cursor.expectSymbol('(');
  do {
    const key = cursor.identifier();
    cursor.expectSymbol('=');
    spec.push({ key, value: cursor.literal() });
  } while (cursor.acceptSymbol(','));
  cursor.expectSymbol(')');
  return spec;
}

/** CREATE DATABASE|SCHEMA ... */
export function createDatabase(cursor: Cursor): Of<'CreateDatabase'> {
  const ifNotExists = cursor.accept('IF', 'NOT', 'EXISTS');
  const name = cursor.identifier();
  const statement: Of<'CreateDatabase'> = { kind: 'CreateDatabase', name, ifNotExists, properties: {} };
  if (cursor.accept('COMMENT')) statement.comment = cursor.string();
  if (cursor.accept('LOCATION')) statement.location = cursor.string();
  if (cursor.accept('WITH', 'DBPROPERTIES')) statement.properties = stringProperties(cursor);
  return statement;
}

type RowFormat = NonNullable<Of<'CreateExternalTable'>['rowFormat']>;

function rowFormat(cursor: Cursor): RowFormat {
  if (cursor.accept('SERDE')) {
    const serde = cursor.string();
    const properties = cursor.accept('WITH', 'SERDEPROPERTIES') ? stringProperties(cursor) : {};
    return { kind: 'serde', serde, properties };
  }
  cursor.expect('DELIMITED');
  const format: RowFormat = { kind: 'delimited' };
  for (;;) {
    if (cursor.accept('FIELDS', 'TERMINATED', 'BY')) {
      format.fieldsTerminatedBy = cursor.string();
      if (cursor.accept('ESCAPED', 'BY')) format.escapedBy = cursor.string();
    } else if (cursor.accept('COLLECTION', 'ITEMS', 'TERMINATED', 'BY'))
      format.collectionItemsTerminatedBy = cursor.string();
    else if (cursor.accept('MAP', 'KEYS', 'TERMINATED', 'BY')) format.mapKeysTerminatedBy = cursor.string();
    else if (cursor.accept('LINES', 'TERMINATED', 'BY')) format.linesTerminatedBy = cursor.string();
    else if (cursor.accept('NULL', 'DEFINED', 'AS')) format.nullDefinedAs = cursor.string();
    else return format;
  }
}

/** CREATE EXTERNAL TABLE ...: its clauses in Hive's order, each optional. */
export function createExternalTable(cursor: Cursor): Of<'CreateExternalTable'> {
  const ifNotExists = cursor.accept('IF', 'NOT', 'EXISTS');
  const table = cursor.qualifiedName();
  const statement: Of<'CreateExternalTable'> = {
    kind: 'CreateExternalTable',
    table,
    ifNotExists,
    columns: cursor.isSymbol('(') ? columnDefinitions(cursor) : [],
    partitionedBy: [],
    properties: {},
  };
  if (cursor.accept('COMMENT')) statement.comment = cursor.string();
  if (cursor.accept('PARTITIONED', 'BY')) statement.partitionedBy = columnDefinitions(cursor);
  if (cursor.isWord('CLUSTERED')) throw new QueryRejected('CLUSTERED BY (bucketed tables) is not supported.');
  if (cursor.accept('ROW', 'FORMAT')) statement.rowFormat = rowFormat(cursor);
  if (cursor.accept('WITH', 'SERDEPROPERTIES')) statement.serdeProperties = stringProperties(cursor);
  if (cursor.accept('STORED', 'AS')) {
    if (cursor.accept('INPUTFORMAT')) {
      const inputFormat = cursor.string();
      cursor.expect('OUTPUTFORMAT');
      statement.storedAs = { inputFormat, outputFormat: cursor.string() };
    } else statement.storedAs = { format: cursor.identifier().toUpperCase() };
  }
  if (!statement.serdeProperties && cursor.accept('WITH', 'SERDEPROPERTIES'))
    statement.serdeProperties = stringProperties(cursor);
  if (cursor.accept('LOCATION')) statement.location = cursor.string();
  if (cursor.accept('TBLPROPERTIES')) statement.properties = stringProperties(cursor);
  return statement;
}

/** ALTER TABLE t ADD|DROP PARTITION ... */
export function alterTable(cursor: Cursor): Statement {
  const table = cursor.qualifiedName();
  if (cursor.accept('ADD', 'COLUMNS'))
    return { kind: 'AlterTable', table, change: { kind: 'AddColumns', columns: columnDefinitions(cursor) } };
  if (cursor.accept('ADD')) {
    const ifNotExists = cursor.accept('IF', 'NOT', 'EXISTS');
    const partitions: Of<'AlterTableAddPartitions'>['partitions'] = [];
    do {
      cursor.expect('PARTITION');
      const spec = partitionSpec(cursor);
      const location = cursor.accept('LOCATION') ? cursor.string() : undefined;
      partitions.push({ spec, ...(location !== undefined ? { location } : {}) });
    } while (cursor.isWord('PARTITION'));
    return { kind: 'AlterTableAddPartitions', table, ifNotExists, partitions };
  }
  if (cursor.accept('DROP')) {
    const ifExists = cursor.accept('IF', 'EXISTS');
    const partitions: PartitionSpec[] = [];
    do {
      cursor.expect('PARTITION');
      partitions.push(partitionSpec(cursor));
    } while (cursor.acceptSymbol(','));
    return { kind: 'AlterTableDropPartitions', table, ifExists, partitions };
  }
  if (cursor.accept('SET', 'TBLPROPERTIES'))
    return {
      kind: 'AlterTable',
      table,
      change: { kind: 'SetProperties', properties: stringProperties(cursor) },
    };
  if (cursor.accept('SET', 'LOCATION'))
    return { kind: 'AlterTable', table, change: { kind: 'SetLocation', location: cursor.string() } };
  const what = cursor.peek();
  if (what.kind === 'word')
    throw new QueryRejected(`ALTER TABLE ... ${what.text.toUpperCase()} is not supported.`);
  throw cursor.mismatched("'ADD'", "'DROP'", "'SET'");
}
