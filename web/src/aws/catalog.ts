import { GetDatabasesCommand, GetTablesCommand, type GlueClient } from '@aws-sdk/client-glue';

export interface CatalogColumn {
  name: string;
  type: string;
  /** Partition keys are columns too, shown apart because they select files, not rows. */
  partitionKey: boolean;
}

export interface CatalogTable {
  database: string;
  name: string;
  columns: CatalogColumn[];
  /** The demo's stand-in rows, generated when the real dataset could not be loaded. */
  synthetic: boolean;
  description: string | undefined;
}

export async function listDatabases(glue: GlueClient): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await glue.send(new GetDatabasesCommand({ NextToken: token }));
    for (const db of page.DatabaseList ?? []) if (db.Name) names.push(db.Name);
    token = page.NextToken;
  } while (token);
  return names.sort((a, b) => a.localeCompare(b));
}

export async function listTables(glue: GlueClient, database: string): Promise<CatalogTable[]> {
  const tables: CatalogTable[] = [];
  let token: string | undefined;
  do {
    const page = await glue.send(new GetTablesCommand({ DatabaseName: database, NextToken: token }));
    for (const table of page.TableList ?? []) {
      if (!table.Name) continue;
      const columns = (table.StorageDescriptor?.Columns ?? []).map((c) => ({
        name: c.Name ?? '',
        type: c.Type ?? '',
        partitionKey: false,
      }));
      const keys = (table.PartitionKeys ?? []).map((c) => ({
        name: c.Name ?? '',
        type: c.Type ?? '',
        partitionKey: true,
      }));
      tables.push({
        database,
        name: table.Name,
        columns: [...columns, ...keys],
        synthetic: table.Parameters?.['seawall.synthetic'] === 'true',
        description: table.Description,
      });
    }
    token = page.NextToken;
  } while (token);
  return tables.sort((a, b) => a.name.localeCompare(b.name));
}

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Athena's identifier quoting: plain lower-case names stay bare, anything else is double-quoted. */
export function quoteIdentifier(name: string): string {
  return PLAIN_IDENTIFIER.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

export function previewQuery(table: Pick<CatalogTable, 'database' | 'name'>): string {
  return `SELECT * FROM ${quoteIdentifier(table.database)}.${quoteIdentifier(table.name)} LIMIT 100`;
}
