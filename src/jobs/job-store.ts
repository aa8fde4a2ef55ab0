import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { JobQueueTable } from '../db/schema.js';

export type JobRow = JobQueueTable;

/** The job runtime's durable queue. */
export function createJobStore(db: Kysely<Database>) {
  return {
    insert: (row: JobRow) => db.insertInto('jobs').values(row).execute(),
    async markRunning(kind: string, ref: string, startedAt: number): Promise<void> {
      await db
        .updateTable('jobs')
        .set({ state: 'RUNNING', started_at: startedAt })
        .where('kind', '=', kind)
        .where('ref', '=', ref)
        .execute();
    },
    async remove(kind: string, ref: string): Promise<void> {
      await db.deleteFrom('jobs').where('kind', '=', kind).where('ref', '=', ref).execute();
    },
    all: () => db.selectFrom('jobs').selectAll().orderBy('submitted_at').orderBy('ref').execute(),
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
