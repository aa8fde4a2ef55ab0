/*
 * Athena's statements beyond SELECT, as the statement grammar (grammar.ts) reads them. A SELECT inside a
 * statement (a view's body, CTAS, INSERT, UNLOAD, EXPLAIN, PREPARE) is kept as its source text: it is translated
 * and sandboxed like any query (prepareSelect), never interpreted here.
 */

/** A name as written: `db.table` or `table` (lower-cased as Athena and Glue keep names). */
export interface QualifiedName {
  database?: string;
  name: string;
}

/** A column of CREATE EXTERNAL TABLE or PARTITIONED BY: its Hive type as written (`array<string>`). */
export interface ColumnDefinition {
  name: string;
  type: string;
  comment?: string;
}

/** A partition spec: `(year='2024', month='01')`. */
export type PartitionSpec = { key: string; value: string }[];

export type Statement =
  | { kind: 'ShowDatabases'; like?: string }
  | { kind: 'ShowTables'; database?: string; like?: string }
  | { kind: 'ShowViews'; database?: string; like?: string }
  | { kind: 'ShowColumns'; table: QualifiedName }
  | { kind: 'ShowPartitions'; table: QualifiedName }
  | { kind: 'ShowCreateTable'; table: QualifiedName }
  | { kind: 'ShowCreateView'; view: QualifiedName }
  | { kind: 'ShowTblProperties'; table: QualifiedName; property?: string }
  | {
      kind: 'Describe';
      table: QualifiedName;
      extended: boolean;
      /** DESCRIBE FORMATTED: the columns, then the table's and its storage's details, as Hive prints them. */
      formatted?: boolean;
      partition?: PartitionSpec;
    }
  | { kind: 'Explain'; analyze: boolean; format?: 'TEXT' | 'JSON' | 'GRAPHVIZ'; type?: string; query: string }
  | {
      kind: 'CreateDatabase';
      name: string;
      ifNotExists: boolean;
      comment?: string;
      location?: string;
      properties: Record<string, string>;
    }
  | { kind: 'DropDatabase'; name: string; ifExists: boolean; cascade: boolean }
  | {
      kind: 'CreateExternalTable';
      table: QualifiedName;
      ifNotExists: boolean;
      columns: ColumnDefinition[];
      comment?: string;
      partitionedBy: ColumnDefinition[];
      /** ROW FORMAT DELIMITED ... or ROW FORMAT SERDE 'class' [WITH SERDEPROPERTIES (...)]. */
      rowFormat?:
        | {
            kind: 'delimited';
            fieldsTerminatedBy?: string;
            escapedBy?: string;
            collectionItemsTerminatedBy?: string;
            mapKeysTerminatedBy?: string;
            linesTerminatedBy?: string;
            nullDefinedAs?: string;
          }
        | { kind: 'serde'; serde: string; properties: Record<string, string> };
      /** WITH SERDEPROPERTIES (...) written after ROW FORMAT DELIMITED or STORED AS. */
      serdeProperties?: Record<string, string>;
      /** STORED AS PARQUET | TEXTFILE | ORC | ... or STORED AS INPUTFORMAT 'x' OUTPUTFORMAT 'y'. */
      storedAs?: { format: string } | { inputFormat: string; outputFormat: string };
      location?: string;
      properties: Record<string, string>;
    }
  | { kind: 'DropTable'; table: QualifiedName; ifExists: boolean }
  | {
      kind: 'AlterTableAddPartitions';
      table: QualifiedName;
      ifNotExists: boolean;
      partitions: { spec: PartitionSpec; location?: string }[];
    }
  | { kind: 'AlterTableDropPartitions'; table: QualifiedName; ifExists: boolean; partitions: PartitionSpec[] }
  /** ALTER TABLE t SET TBLPROPERTIES (...) | ADD COLUMNS (...) | SET LOCATION '...'. */
  | {
      kind: 'AlterTable';
      table: QualifiedName;
      change:
        | { kind: 'SetProperties'; properties: Record<string, string> }
        | { kind: 'AddColumns'; columns: ColumnDefinition[] }
        | { kind: 'SetLocation'; location: string };
    }
  | { kind: 'MsckRepairTable'; table: QualifiedName }
  | { kind: 'CreateView'; view: QualifiedName; orReplace: boolean; comment?: string; query: string }
  | { kind: 'DropView'; view: QualifiedName; ifExists: boolean }
  | {
      kind: 'CreateTableAs';
      table: QualifiedName;
      ifNotExists: boolean;
      /** WITH (format = 'PARQUET', write_compression = 'SNAPPY', partitioned_by = ARRAY['a'], ...), as written. */
      properties: Record<string, string | string[] | number | boolean>;
      query: string;
      withData: boolean;
    }
  | { kind: 'InsertInto'; table: QualifiedName; columns?: string[]; query: string }
  | {
      kind: 'Unload';
      query: string;
      location: string;
      properties: Record<string, string | string[] | number | boolean>;
    }
  | { kind: 'Prepare'; name: string; statement: string }
  | { kind: 'Execute'; name: string; parameters: string[] }
  | { kind: 'Deallocate'; name: string };

/**
 * Prepared statements of a workgroup (CreatePreparedStatement and SQL PREPARE share them), as the Athena API
 * layer keeps them.
 */
export interface PreparedStatements {
  get(workgroup: string, name: string): Promise<{ statement: string } | undefined>;
  put(workgroup: string, name: string, statement: string, description?: string): Promise<void>;
  /** False when there was none. */
  delete(workgroup: string, name: string): Promise<boolean>;
}
