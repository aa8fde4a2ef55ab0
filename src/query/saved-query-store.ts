import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { NamedQueryTable, PreparedStatementTable } from '../db/schema.js';

export type NamedQueryRow = NamedQueryTable;
export type PreparedStatementRow = PreparedStatementTable;

/** Persistence of a workgroup's named queries and prepared statements. */
export interface SavedQueryStore {
  insertNamedQuery(row: NamedQueryRow): Promise<void>;
  findNamedQuery(id: string): Promise<NamedQueryRow | undefined>;
  findNamedQueryByToken(token: string): Promise<NamedQueryRow | undefined>;
  /** Ids of the workgroup's named queries, oldest first. */
  listNamedQueries(workgroup: string, offset: number, limit: number): Promise<string[]>;
  /** False when there was none. */
  updateNamedQuery(id: string, changes: Partial<NamedQueryRow>): Promise<boolean>;
  deleteNamedQuery(id: string): Promise<boolean>;
  findStatement(workgroup: string, name: string): Promise<PreparedStatementRow | undefined>;
  /** Inserts or replaces the statement of its name. */
  putStatement(row: PreparedStatementRow): Promise<void>;
  /** False when a statement of its name exists. */
  insertStatement(row: PreparedStatementRow): Promise<boolean>;
  deleteStatement(workgroup: string, name: string): Promise<boolean>;
  /** The workgroup's statements in name order, from `offset`. */
  listStatements(workgroup: string, offset: number, limit: number): Promise<PreparedStatementRow[]>;
}

export function createSavedQueryStore(db: Kysely<Database>): SavedQueryStore {
  return {
    async insertNamedQuery(row) {
      await db.insertInto('named_queries').values(row).execute();
    },
    findNamedQuery: (id) =>
      db.selectFrom('named_queries').selectAll().where('id', '=', id).executeTakeFirst(),
    findNamedQueryByToken: (token) =>
      db.selectFrom('named_queries').selectAll().where('client_request_token', '=', token).executeTakeFirst(),
    async listNamedQueries(workgroup, offset, limit) {
      const rows = await db
        .selectFrom('named_queries')
        .select('id')
        .where('workgroup', '=', workgroup)
        .orderBy('create_time')
        .orderBy('id')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
    async updateNamedQuery(id, changes) {
      const result = await db
        .updateTable('named_queries')
        .set(changes)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteNamedQuery(id) {
      const result = await db.deleteFrom('named_queries').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    findStatement: (workgroup, name) =>
      db
        .selectFrom('prepared_statements')
        .selectAll()
        .where('workgroup', '=', workgroup)
        .where('name', '=', name)
        .executeTakeFirst(),
    async putStatement(row) {
      await db
        .insertInto('prepared_statements')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['workgroup', 'name']).doUpdateSet({
            statement: row.statement,
            description: row.description,
            last_modified: row.last_modified,
          }),
        )
        .execute();
    },
    async insertStatement(row) {
      const result = await db
        .insertInto('prepared_statements')
        .values(row)
        .onConflict((oc) => oc.columns(['workgroup', 'name']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async deleteStatement(workgroup, name) {
      const result = await db
        .deleteFrom('prepared_statements')
        .where('workgroup', '=', workgroup)
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    listStatements: (workgroup, offset, limit) =>
      db
        .selectFrom('prepared_statements')
        .selectAll()
        .where('workgroup', '=', workgroup)
        .orderBy('name')
        .offset(offset)
        .limit(limit)
        .execute(),
  };
}
