import { badRequest } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { CatalogStore, DatabaseRow, PartitionRow, TableRow } from './catalog-store.js';
import type { CatalogDatabase, CatalogPartition, CatalogService, CatalogTable } from './catalog-types.js';
import type { DatabaseInput, PartitionInput, TableInput } from './glue-shapes.js';

function entityNotFound(message: string) {
  return badRequest('EntityNotFoundException', message);
}

function alreadyExists(message: string) {
  return badRequest('AlreadyExistsException', message);
}

function toTable(row: TableRow): CatalogTable {
  return {
    database: row.database,
    definition: JSON.parse(row.definition) as TableInput,
    version: row.version,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

function toPartition(row: PartitionRow): CatalogPartition {
  return {
    database: row.database,
    table: row.table_name,
    definition: JSON.parse(row.definition) as PartitionInput,
    createTime: row.create_time,
  };
}

/** Glue stores database and table names in lower case. */
export function catalogName(name: string): string {
  return name.toLowerCase();
}

export function partitionKeyOf(values: readonly string[]): string {
  return JSON.stringify(values);
}

export function createCatalogService(deps: { store: CatalogStore; clock: Clock }): CatalogService {
  const { store, clock } = deps;

  async function requireDatabase(name: string): Promise<DatabaseRow> {
    const row = await store.findDatabase(catalogName(name));
    if (!row) throw entityNotFound(`Database ${name} not found.`);
    return row;
  }

  async function getTable(database: string, name: string): Promise<CatalogTable> {
    const row = await store.findTable(catalogName(database), catalogName(name));
    if (row) return toTable(row);
    await requireDatabase(database);
    throw entityNotFound(`Table ${name} not found.`);
  }

  function checkPartitionValues(table: CatalogTable, values: readonly string[]): void {
    const keys = table.definition.PartitionKeys ?? [];
    if (values.length !== keys.length) {
      throw badRequest(
        'InvalidInputException',
        `The number of partition values (${values.length}) does not match the number of partition keys (${keys.length}).`,
      );
    }
  }

  async function getPartitions(
    database: string,
    tableName: string,
    after: string | undefined,
    limit: number,
  ): Promise<CatalogPartition[]> {
    const table = await getTable(database, tableName);
    return (await store.listPartitions(table.database, table.definition.Name, after, limit)).map(toPartition);
  }

  return {
    async createDatabase(input: DatabaseInput): Promise<void> {
      const { Name, ...definition } = input;
      const created = await store.insertDatabase({
        name: catalogName(Name),
        definition: JSON.stringify(definition),
        create_time: clock.now().getTime(),
      });
      if (!created) throw alreadyExists(`Database already exists.`);
    },

    async ensureDatabase(name: string): Promise<void> {
      await store.insertDatabase({
        name: catalogName(name),
        definition: '{}',
        create_time: clock.now().getTime(),
      });
    },

    async getDatabase(name: string): Promise<CatalogDatabase> {
      const row = await requireDatabase(name);
      return {
        name: row.name,
        definition: JSON.parse(row.definition) as CatalogDatabase['definition'],
        createTime: row.create_time,
      };
    },

    async getDatabases(): Promise<CatalogDatabase[]> {
      const rows = await store.listDatabases();
      return rows.map((row) => ({
        name: row.name,
        definition: JSON.parse(row.definition) as CatalogDatabase['definition'],
        createTime: row.create_time,
      }));
    },

    async updateDatabase(name: string, input: DatabaseInput): Promise<void> {
      const { Name: _ignored, ...definition } = input;
      if (!(await store.updateDatabase(catalogName(name), JSON.stringify(definition))))
        throw entityNotFound(`Database ${name} not found.`);
    },

    async deleteDatabase(name: string): Promise<void> {
      if (!(await store.deleteDatabase(catalogName(name))))
        throw entityNotFound(`Database ${name} not found.`);
    },

    async createTable(database: string, input: TableInput): Promise<CatalogTable> {
      const db = (await requireDatabase(database)).name;
      const definition = { ...input, Name: catalogName(input.Name) };
      const now = clock.now().getTime();
      const row: TableRow = {
        database: db,
        name: definition.Name,
        version: 1,
        definition: JSON.stringify(definition),
        create_time: now,
        update_time: now,
      };
      await store.transaction(async (trx) => {
        if (await store.findTable(db, definition.Name, trx)) throw alreadyExists(`Table already exists.`);
        await store.insertTable(row, trx);
        await store.insertTableVersion(row, trx);
      });
      return toTable(row);
    },

    getTable,

    async getTables(database: string): Promise<CatalogTable[]> {
      const db = (await requireDatabase(database)).name;
      return (await store.listTables(db)).map(toTable);
    },

    async updateTable(
      database: string,
      input: TableInput,
      options: { skipArchive?: boolean } = {},
    ): Promise<CatalogTable> {
      const db = catalogName(database);
      const name = catalogName(input.Name);
      return store.transaction(async (trx) => {
        const current = await store.findTable(db, name, trx);
        if (!current) {
          if (!(await store.findDatabase(db, trx))) throw entityNotFound(`Database ${database} not found.`);
          throw entityNotFound(`Table ${input.Name} not found.`);
        }
        const row: TableRow = {
          ...current,
          version: current.version + 1,
          definition: JSON.stringify({ ...input, Name: name }),
          update_time: clock.now().getTime(),
        };
        await store.updateTable(row, trx);
        if (!options.skipArchive) await store.insertTableVersion(row, trx);
        return toTable(row);
      });
    },

    async deleteTable(database: string, name: string): Promise<void> {
      if (!(await store.deleteTable(catalogName(database), catalogName(name)))) {
        await requireDatabase(database);
        throw entityNotFound(`Table ${name} not found.`);
      }
    },

    async getTableVersions(database: string, name: string): Promise<CatalogTable[]> {
      const table = await getTable(database, name);
      const rows = await store.listTableVersions(table.database, table.definition.Name);
      return rows.map((row) => ({
        database: row.database,
        definition: JSON.parse(row.definition) as TableInput,
        version: row.version,
        createTime: table.createTime,
        updateTime: row.update_time,
      }));
    },

    async createPartition(database: string, tableName: string, input: PartitionInput): Promise<void> {
      const table = await getTable(database, tableName);
      checkPartitionValues(table, input.Values);
      const created = await store.insertPartition({
        database: table.database,
        table_name: table.definition.Name,
        values_key: partitionKeyOf(input.Values),
        definition: JSON.stringify(input),
        create_time: clock.now().getTime(),
      });
      if (!created) throw alreadyExists('Partition already exists.');
    },

    async getPartition(
      database: string,
      tableName: string,
      values: readonly string[],
    ): Promise<CatalogPartition> {
      const table = await getTable(database, tableName);
      const row = await store.findPartition(table.database, table.definition.Name, partitionKeyOf(values));
      if (!row) throw entityNotFound('Cannot find partition.');
      return toPartition(row);
    },

    getPartitions,

    async allPartitions(database: string, tableName: string): Promise<CatalogPartition[]> {
      const all: CatalogPartition[] = [];
      for (;;) {
        const last = all.at(-1);
        const page = await getPartitions(
          database,
          tableName,
          last ? partitionKeyOf(last.definition.Values) : undefined,
          1000,
        );
        all.push(...page);
        if (page.length < 1000) return all;
      }
    },

    async deletePartition(database: string, tableName: string, values: readonly string[]): Promise<void> {
      const table = await getTable(database, tableName);
      if (!(await store.deletePartition(table.database, table.definition.Name, partitionKeyOf(values)))) {
        throw entityNotFound('Cannot find partition.');
      }
    },

    async updatePartition(
      database: string,
      tableName: string,
      values: readonly string[],
      input: PartitionInput,
    ): Promise<void> {
      const table = await getTable(database, tableName);
      checkPartitionValues(table, input.Values);
      const key = partitionKeyOf(values);
      // Glue: "The Values property can't be changed"; a partition is moved by deleting and creating it.
      if (partitionKeyOf(input.Values) !== key)
        throw badRequest(
          'InvalidInputException',
          "The partition's Values cannot be changed: delete the partition and create it with the new values.",
        );
      const updated = await store.updatePartition(
        table.database,
        table.definition.Name,
        key,
        JSON.stringify(input),
      );
      if (!updated) throw entityNotFound('Cannot find partition.');
    },
  };
}
