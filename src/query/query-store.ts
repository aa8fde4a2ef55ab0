import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { QueryExecutionTable, WorkgroupTable } from '../db/schema.js';

export type QueryRow = QueryExecutionTable;
export type WorkgroupRow = WorkgroupTable;

export function createQueryStore(db: Kysely<Database>) {
  return {
    async ensureWorkgroup(row: WorkgroupRow): Promise<void> {
      await db
        .insertInto('workgroups')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    },
    findWorkgroup: (name: string) =>
      db.selectFrom('workgroups').selectAll().where('name', '=', name).executeTakeFirst(),
    listWorkgroups: () => db.selectFrom('workgroups').selectAll().orderBy('name').execute(),
    async insertWorkgroup(row: WorkgroupRow): Promise<boolean> {
      const result = await db
        .insertInto('workgroups')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async updateWorkgroup(name: string, changes: Partial<WorkgroupRow>): Promise<void> {
      await db.updateTable('workgroups').set(changes).where('name', '=', name).execute();
    },
    /** Removes a workgroup and the record of its query executions (their result files stay in S3). */
    async deleteWorkgroup(name: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('query_executions').where('workgroup', '=', name).execute();
        await trx.deleteFrom('workgroups').where('name', '=', name).execute();
      });
    },
    async hasUnfinished(workgroup: string): Promise<boolean> {
      const row = await db
        .selectFrom('query_executions')
        .select('id')
        .where('workgroup', '=', workgroup)
        .where('state', 'in', ['QUEUED', 'RUNNING'])
        .executeTakeFirst();
      return row !== undefined;
    },

    insert: (row: QueryRow) => db.insertInto('query_executions').values(row).execute(),
    find: (id: string) =>
      db.selectFrom('query_executions').selectAll().where('id', '=', id).executeTakeFirst(),
    findByToken: (token: string) =>
      db
        .selectFrom('query_executions')
        .selectAll()
        .where('client_request_token', '=', token)
        .executeTakeFirst(),
    /** Applies changes only while the execution is in one of `from` (so a cancel is never overwritten). */
    async transition(id: string, from: QueryRow['state'][], changes: Partial<QueryRow>): Promise<boolean> {
      const result = await db
        .updateTable('query_executions')
        .set(changes)
        .where('id', '=', id)
        .where('state', 'in', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    list: (workgroup: string, offset: number, limit: number) =>
      db
        .selectFrom('query_executions')
        .select('id')
        .where('workgroup', '=', workgroup)
        .orderBy('submitted_at', 'desc')
        .orderBy('id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute(),
    /** Fails unfinished executions that no queued or running job of `kind` will finish. */
    async failUnqueued(kind: string, reason: string, now: number): Promise<void> {
      await db
        .updateTable('query_executions')
        .set({ state: 'FAILED', state_change_reason: reason, completed_at: now })
        .where('state', 'in', ['QUEUED', 'RUNNING'])
        .where('id', 'not in', db.selectFrom('jobs').select('ref').where('kind', '=', kind))
        .execute();
    },
  };
}

export type QueryStore = ReturnType<typeof createQueryStore>;
