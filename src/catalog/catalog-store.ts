import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type {
  CatalogCrawlerTable,
  CatalogDatabaseTable,
  CatalogPartitionTable,
  CatalogTableTable,
  CatalogTableVersionTable,
} from '../db/schema.js';

export type DatabaseRow = CatalogDatabaseTable;
export type TableRow = CatalogTableTable;
export type PartitionRow = CatalogPartitionTable;
export type CrawlerRow = CatalogCrawlerTable;
export type TableVersionRow = CatalogTableVersionTable;

/** The store's own connection, or a transaction the caller runs (see `transaction`). */
export type Db = Kysely<Database> | Transaction<Database>;

/** Persistence of the Glue Data Catalog: databases, tables and their versions, partitions, crawlers. */
export interface CatalogStore {
  /** Runs `work` in one transaction; methods that take `on` join it. */
  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** False when a database of its name exists. */
  insertDatabase(row: DatabaseRow): Promise<boolean>;
  findDatabase(name: string, on?: Db): Promise<DatabaseRow | undefined>;
  listDatabases(): Promise<DatabaseRow[]>;
  updateDatabase(name: string, definition: string): Promise<boolean>;
  /** Deletes the database with its tables, their versions and partitions; false when there was none. */
  deleteDatabase(name: string): Promise<boolean>;
  findTable(database: string, name: string, on?: Db): Promise<TableRow | undefined>;
  listTables(database: string): Promise<TableRow[]>;
  insertTable(row: TableRow, on?: Db): Promise<void>;
  /** Archives the table's definition as its version `row.version`. */
  insertTableVersion(row: TableRow, on?: Db): Promise<void>;
  updateTable(row: TableRow, on?: Db): Promise<void>;
  /** The table's archived versions, newest first. */
  listTableVersions(database: string, name: string): Promise<TableVersionRow[]>;
  /** Deletes the table with its versions and partitions; false when there was none. */
  deleteTable(database: string, name: string): Promise<boolean>;
  /** False when the table has a partition of these values. */
  insertPartition(row: PartitionRow, on?: Db): Promise<boolean>;
  findPartition(
    database: string,
    table: string,
    valuesKey: string,
    on?: Db,
  ): Promise<PartitionRow | undefined>;
  /** The table's partitions in values-key order, after `after` when given, at most `limit`. */
  listPartitions(
    database: string,
    table: string,
    after: string | undefined,
    limit: number,
  ): Promise<PartitionRow[]>;
  deletePartition(database: string, table: string, valuesKey: string, on?: Db): Promise<boolean>;
  /** Replaces a partition's definition; false if there is no such partition. */
  updatePartition(database: string, table: string, valuesKey: string, definition: string): Promise<boolean>;
  /** False when a crawler of its name exists. */
  insertCrawler(row: CrawlerRow): Promise<boolean>;
  findCrawler(name: string): Promise<CrawlerRow | undefined>;
  listCrawlers(): Promise<CrawlerRow[]>;
  /** Moves a crawler from one state to another (only while `runRef` is its run, if given); false when it was not. */
  transitionCrawler(
    name: string,
    from: CrawlerRow['state'][],
    changes: Partial<CrawlerRow>,
    runRef?: string,
  ): Promise<boolean>;
  deleteCrawler(name: string): Promise<boolean>;
  /** Ends crawls left running that no queued or running job of `kind` will finish. */
  failUnqueuedCrawls(kind: string, lastCrawl: string): Promise<void>;
}

export function createCatalogStore(db: Kysely<Database>): CatalogStore {
  return {
    transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return db.transaction().execute(work);
    },

    async insertDatabase(row: DatabaseRow): Promise<boolean> {
      const result = await db
        .insertInto('catalog_databases')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    findDatabase: (name: string, on: Db = db) =>
      on.selectFrom('catalog_databases').selectAll().where('name', '=', name).executeTakeFirst(),
    listDatabases: () => db.selectFrom('catalog_databases').selectAll().orderBy('name').execute(),
    async updateDatabase(name: string, definition: string): Promise<boolean> {
      const result = await db
        .updateTable('catalog_databases')
        .set({ definition })
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteDatabase(name: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('catalog_partitions').where('database', '=', name).execute();
        await trx.deleteFrom('catalog_table_versions').where('database', '=', name).execute();
        await trx.deleteFrom('catalog_tables').where('database', '=', name).execute();
        const result = await trx.deleteFrom('catalog_databases').where('name', '=', name).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    findTable: (database: string, name: string, on: Db = db) =>
      on
        .selectFrom('catalog_tables')
        .selectAll()
        .where('database', '=', database)
        .where('name', '=', name)
        .executeTakeFirst(),
    listTables: (database: string) =>
      db.selectFrom('catalog_tables').selectAll().where('database', '=', database).orderBy('name').execute(),
    async insertTable(row: TableRow, on: Db = db): Promise<void> {
      await on.insertInto('catalog_tables').values(row).execute();
    },
    async insertTableVersion(row: TableRow, on: Db = db): Promise<void> {
      await on
        .insertInto('catalog_table_versions')
        .values({
          database: row.database,
          name: row.name,
          version: row.version,
          definition: row.definition,
          update_time: row.update_time,
        })
        .execute();
    },
    async updateTable(row: TableRow, on: Db = db): Promise<void> {
      await on
        .updateTable('catalog_tables')
        .set({ version: row.version, definition: row.definition, update_time: row.update_time })
        .where('database', '=', row.database)
        .where('name', '=', row.name)
        .execute();
    },
    listTableVersions: (database: string, name: string) =>
      db
        .selectFrom('catalog_table_versions')
        .selectAll()
        .where('database', '=', database)
        .where('name', '=', name)
        .orderBy('version', 'desc')
        .execute(),
    async deleteTable(database: string, name: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('catalog_partitions')
          .where('database', '=', database)
          .where('table_name', '=', name)
          .execute();
        await trx
          .deleteFrom('catalog_table_versions')
          .where('database', '=', database)
          .where('name', '=', name)
          .execute();
        const result = await trx
          .deleteFrom('catalog_tables')
          .where('database', '=', database)
          .where('name', '=', name)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async insertPartition(row: PartitionRow, on: Db = db): Promise<boolean> {
      const result = await on
        .insertInto('catalog_partitions')
        .values(row)
        .onConflict((oc) => oc.columns(['database', 'table_name', 'values_key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    findPartition: (database: string, table: string, valuesKey: string) =>
      db
        .selectFrom('catalog_partitions')
        .selectAll()
        .where('database', '=', database)
        .where('table_name', '=', table)
        .where('values_key', '=', valuesKey)
        .executeTakeFirst(),
    listPartitions: (database: string, table: string, after: string | undefined, limit: number) => {
      let query = db
        .selectFrom('catalog_partitions')
        .selectAll()
        .where('database', '=', database)
        .where('table_name', '=', table);
      if (after !== undefined) query = query.where('values_key', '>', after);
      return query.orderBy('values_key').limit(limit).execute();
    },
    async updatePartition(
      database: string,
      table: string,
      valuesKey: string,
      definition: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable('catalog_partitions')
        .set({ definition })
        .where('database', '=', database)
        .where('table_name', '=', table)
        .where('values_key', '=', valuesKey)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deletePartition(database: string, table: string, valuesKey: string, on: Db = db): Promise<boolean> {
      const result = await on
        .deleteFrom('catalog_partitions')
        .where('database', '=', database)
        .where('table_name', '=', table)
        .where('values_key', '=', valuesKey)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async insertCrawler(row: CrawlerRow): Promise<boolean> {
      const result = await db
        .insertInto('catalog_crawlers')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    findCrawler: (name: string) =>
      db.selectFrom('catalog_crawlers').selectAll().where('name', '=', name).executeTakeFirst(),
    listCrawlers: () => db.selectFrom('catalog_crawlers').selectAll().orderBy('name').execute(),
    async transitionCrawler(
      name: string,
      from: CrawlerRow['state'][],
      changes: Partial<CrawlerRow>,
      runRef?: string,
    ): Promise<boolean> {
      let update = db
        .updateTable('catalog_crawlers')
        .set(changes)
        .where('name', '=', name)
        .where('state', 'in', from);
      if (runRef !== undefined) update = update.where('run_ref', '=', runRef);
      const result = await update.executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteCrawler(name: string): Promise<boolean> {
      const result = await db.deleteFrom('catalog_crawlers').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async failUnqueuedCrawls(kind: string, lastCrawl: string): Promise<void> {
      await db
        .updateTable('catalog_crawlers')
        .set({ state: 'READY', last_crawl: lastCrawl })
        .where('state', '!=', 'READY')
        .where((eb) =>
          eb.or([
            eb('run_ref', 'is', null),
            eb('run_ref', 'not in', db.selectFrom('jobs').select('ref').where('kind', '=', kind)),
          ]),
        )
        .execute();
    },
  };
}
