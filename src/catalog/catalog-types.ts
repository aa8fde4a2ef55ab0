import type { DatabaseInput, PartitionInput, TableInput } from './glue-shapes.js';

/** A table as the catalog holds it: the TableInput it was given, and its bookkeeping. */
export interface CatalogTable {
  database: string;
  definition: TableInput;
  version: number;
  createTime: number;
  updateTime: number;
}

export interface CatalogPartition {
  database: string;
  table: string;
  definition: PartitionInput;
  createTime: number;
}

export interface CatalogDatabase {
  name: string;
  definition: Omit<DatabaseInput, 'Name'>;
  createTime: number;
}

/**
 * The Glue Data Catalog's databases, tables (with versions) and partitions. Names are matched in lower case,
 * as Glue stores them; what is missing is EntityNotFoundException, what exists already AlreadyExistsException.
 */
export interface CatalogService {
  createDatabase(input: DatabaseInput): Promise<void>;
  /** Creates the database unless it exists (crawlers and jobs write into databases they may create). */
  ensureDatabase(name: string): Promise<void>;
  getDatabase(name: string): Promise<CatalogDatabase>;
  getDatabases(): Promise<CatalogDatabase[]>;
  /** Replaces the database's definition; its name stays (input's Name is ignored). */
  updateDatabase(name: string, input: DatabaseInput): Promise<void>;
  /** Deletes the database with its tables, their versions and partitions. */
  deleteDatabase(name: string): Promise<void>;
  createTable(database: string, input: TableInput): Promise<CatalogTable>;
  getTable(database: string, name: string): Promise<CatalogTable>;
  getTables(database: string): Promise<CatalogTable[]>;
  /**
   * Replaces a table's definition; the previous one stays readable as an older version. With `skipArchive`,
   * the new definition is not kept as a version of its own.
   */
  updateTable(
    database: string,
    input: TableInput,
    options?: { skipArchive?: boolean },
  ): Promise<CatalogTable>;
  deleteTable(database: string, name: string): Promise<void>;
  /** The table's archived versions, newest first. */
  getTableVersions(database: string, name: string): Promise<CatalogTable[]>;
  /** The partition's values must match the table's partition keys in number. */
  createPartition(database: string, tableName: string, input: PartitionInput): Promise<void>;
  getPartition(database: string, tableName: string, values: readonly string[]): Promise<CatalogPartition>;
  /** A page of partitions in key order; `after` is the last key of the previous page. */
  getPartitions(
    database: string,
    tableName: string,
    after: string | undefined,
    limit: number,
  ): Promise<CatalogPartition[]>;
  /** Every partition of the table, read a page at a time. */
  allPartitions(database: string, tableName: string): Promise<CatalogPartition[]>;
  deletePartition(database: string, tableName: string, values: readonly string[]): Promise<void>;
  /** Replaces the definition of the partition of `values`; `input` must name the same values (Glue's rule). */
  updatePartition(
    database: string,
    tableName: string,
    values: readonly string[],
    input: PartitionInput,
  ): Promise<void>;
}
