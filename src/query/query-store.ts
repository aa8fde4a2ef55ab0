import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { QueryExecutionTable, WorkgroupTable } from '../db/schema.js';
import { type SealedText, sealedColumn } from '../kms/index.js';

export type QueryRow = QueryExecutionTable;
export type WorkgroupRow = WorkgroupTable;

/** Persistence of Athena's workgroups and query executions. */
export interface QueryStore {
  /** Inserts the workgroup unless one of its name exists. */
  ensureWorkgroup(row: WorkgroupRow): Promise<void>;
  findWorkgroup(name: string): Promise<WorkgroupRow | undefined>;
  listWorkgroups(): Promise<WorkgroupRow[]>;
  /** False when a workgroup of its name exists. */
  insertWorkgroup(row: WorkgroupRow): Promise<boolean>;
  updateWorkgroup(name: string, changes: Partial<WorkgroupRow>): Promise<void>;
  /** Removes a workgroup and the record of its query executions (their result files stay in S3). */
  deleteWorkgroup(name: string): Promise<void>;
  /** Whether the workgroup holds named queries or prepared statements. */
  hasSavedQueries(workgroup: string): Promise<boolean>;
  /** Whether any of the workgroup's executions is queued or running. */
  hasUnfinished(workgroup: string): Promise<boolean>;
  insert(row: QueryRow): Promise<void>;
  find(id: string): Promise<QueryRow | undefined>;
  findByToken(token: string): Promise<QueryRow | undefined>;
  /** Applies changes only while the execution is in one of `from` (so a cancel is never overwritten). */
  transition(id: string, from: QueryRow['state'][], changes: Partial<QueryRow>): Promise<boolean>;
  /**
   * Settles when a transition of this process next changes the execution's state, or after `ms`; `cancel`
   * stops waiting. Seawall's executions all change state in the process that runs them.
   */
  nextChange(id: string, ms: number): { settled: Promise<void>; cancel(): void };
  /** Ids of the workgroup's executions, newest first. */
  list(workgroup: string, offset: number, limit: number): Promise<{ id: string }[]>;
  /** Fails admitted unfinished executions that no queued or running job of `kind` will finish. */
  failUnqueued(kind: string, reason: string, now: number): Promise<void>;
  /** How many of the workgroup's executions hold a slot: admitted, and queued or running. */
  countAdmitted(workgroup: string): Promise<number>;
  /** Ids of the workgroup's executions waiting for a slot, oldest first. */
  waiting(workgroup: string, limit: number): Promise<string[]>;
  /** Workgroups with executions waiting for a slot. */
  workgroupsWaiting(): Promise<string[]>;
  /**
   * The newest succeeded execution, completed at or after `since`, of the same query text, database,
   * workgroup and parameters: a result that may be reused.
   */
  findReusable(row: QueryRow, since: number): Promise<QueryRow | undefined>;
}

/** What seals the reasons executions ended as they did: the root key, for this purpose only. */
export const REASON_SECRETS_PURPOSE = 'athena-state-change-reasons';

export function createQueryStore(db: Kysely<Database>, sealedText: SealedText): QueryStore {
  const waiters = new Map<string, Set<() => void>>();
  // A reason can quote the data (Trino's "Cannot cast 'value' to INTEGER", json_parse's input), so it is stored
  // sealed, bound to its execution, never in plaintext (DESIGN.md, decision 3).
  const reasons = sealedColumn<QueryRow, 'state_change_reason'>(
    sealedText,
    'state_change_reason',
    (row) => row.id,
    'query-execution',
  );
  const sealed = reasons.seal;
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
    async deleteWorkgroup(name: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('query_executions').where('workgroup', '=', name).execute();
        await trx.deleteFrom('named_queries').where('workgroup', '=', name).execute();
        await trx.deleteFrom('prepared_statements').where('workgroup', '=', name).execute();
        await trx.deleteFrom('workgroups').where('name', '=', name).execute();
      });
    },
    async hasSavedQueries(workgroup: string): Promise<boolean> {
      const named = await db
        .selectFrom('named_queries')
        .select('id')
        .where('workgroup', '=', workgroup)
        .executeTakeFirst();
      const prepared = await db
        .selectFrom('prepared_statements')
        .select('name')
        .where('workgroup', '=', workgroup)
        .executeTakeFirst();
      return named !== undefined || prepared !== undefined;
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

    async insert(row: QueryRow): Promise<void> {
      await db
        .insertInto('query_executions')
        .values({ ...row, ...sealed(row.id, row) })
        .execute();
    },
    find: async (id: string) =>
      reasons.open(
        await db.selectFrom('query_executions').selectAll().where('id', '=', id).executeTakeFirst(),
      ),
    findByToken: async (token: string) =>
      reasons.open(
        await db
          .selectFrom('query_executions')
          .selectAll()
          .where('client_request_token', '=', token)
          .executeTakeFirst(),
      ),
    async transition(id: string, from: QueryRow['state'][], changes: Partial<QueryRow>): Promise<boolean> {
      const result = await db
        .updateTable('query_executions')
        .set(sealed(id, changes))
        .where('id', '=', id)
        .where('state', 'in', from)
        .executeTakeFirst();
      const changed = Number(result.numUpdatedRows) > 0;
      if (changed && changes.state !== undefined) for (const wake of waiters.get(id) ?? []) wake();
      return changed;
    },
    nextChange(id: string, ms: number) {
      let wake = () => {};
      const settled = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const timer = setTimeout(wake, ms);
      const set = waiters.get(id) ?? new Set();
      waiters.set(id, set.add(wake));
      const cancel = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && waiters.get(id) === set) waiters.delete(id);
        wake();
      };
      void settled.then(cancel);
      return { settled, cancel };
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
    async failUnqueued(kind: string, reason: string, now: number): Promise<void> {
      // Each reason is sealed to its own execution, so each is set on its own.
      const orphans = await db
        .selectFrom('query_executions')
        .select('id')
        .where('state', 'in', ['QUEUED', 'RUNNING'])
        .where('admitted', '=', 1)
        .where('id', 'not in', db.selectFrom('jobs').select('ref').where('kind', '=', kind))
        .execute();
      for (const { id } of orphans)
        await db
          .updateTable('query_executions')
          .set(sealed(id, { state: 'FAILED', state_change_reason: reason, completed_at: now }))
          .where('id', '=', id)
          .where('state', 'in', ['QUEUED', 'RUNNING'])
          .where('id', 'not in', db.selectFrom('jobs').select('ref').where('kind', '=', kind))
          .execute();
    },
    async countAdmitted(workgroup: string): Promise<number> {
      const row = await db
        .selectFrom('query_executions')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('workgroup', '=', workgroup)
        .where('admitted', '=', 1)
        .where('state', 'in', ['QUEUED', 'RUNNING'])
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async waiting(workgroup: string, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('query_executions')
        .select('id')
        .where('workgroup', '=', workgroup)
        .where('admitted', '=', 0)
        .where('state', '=', 'QUEUED')
        .orderBy('submitted_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
    async workgroupsWaiting(): Promise<string[]> {
      const rows = await db
        .selectFrom('query_executions')
        .select('workgroup')
        .distinct()
        .where('admitted', '=', 0)
        .where('state', '=', 'QUEUED')
        .execute();
      return rows.map((r) => r.workgroup);
    },
    async findReusable(row: QueryRow, since: number) {
      return reasons.open(
        await db
          .selectFrom('query_executions')
          .selectAll()
          .where('workgroup', '=', row.workgroup)
          .where('query', '=', row.query)
          .where((eb) =>
            row.database === null ? eb('database', 'is', null) : eb('database', '=', row.database),
          )
          .where((eb) =>
            row.execution_parameters === null
              ? eb('execution_parameters', 'is', null)
              : eb('execution_parameters', '=', row.execution_parameters),
          )
          .where('state', '=', 'SUCCEEDED')
          .where('completed_at', '>=', since)
          .where('id', '!=', row.id)
          .orderBy('completed_at', 'desc')
          .executeTakeFirst(),
      );
    },
  };
}
