import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { JobQueueTable } from '../db/schema.js';

export type JobRow = JobQueueTable;

/** The job runtime's durable queue. */
export interface JobStore {
  insert(row: JobRow): Promise<void>;
  markRunning(kind: string, ref: string, startedAt: number): Promise<void>;
  remove(kind: string, ref: string): Promise<void>;
  /** Every queued and running job, in the order they were submitted. */
  all(): Promise<JobRow[]>;
}

export function createJobStore(db: Kysely<Database>): JobStore {
  return {
    async insert(row: JobRow): Promise<void> {
      await db.insertInto('jobs').values(row).execute();
    },
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
