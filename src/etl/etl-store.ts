import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { DatasetTable, JobRunTable, JobTable, RecipeTable } from '../db/schema.js';
import { type SealedText, sealedColumn } from '../kms/index.js';

export type RecipeRow = RecipeTable;
export type DatasetRow = DatasetTable;
export type JobRow = JobTable;
export type JobRunRow = JobRunTable;

/** Persistence of DataBrew's recipes (a row per version), datasets, jobs and job runs. */
export interface EtlStore {
  /** False when the recipe already has this version. */
  insertRecipe(row: RecipeRow): Promise<boolean>;
  findRecipe(name: string, version: string): Promise<RecipeRow | undefined>;
  /** Every version of the recipe, oldest first. */
  recipeVersions(name: string): Promise<RecipeRow[]>;
  /** The LATEST_WORKING version of every recipe, by name. */
  listRecipes(): Promise<RecipeRow[]>;
  /** Changes the recipe's LATEST_WORKING version; false when it has none. */
  updateRecipe(
    name: string,
    changes: Pick<RecipeRow, 'steps' | 'description' | 'update_time'>,
  ): Promise<boolean>;
  deleteRecipeVersion(name: string, version: string): Promise<boolean>;
  /** False when a dataset of its name exists. */
  insertDataset(row: DatasetRow): Promise<boolean>;
  findDataset(name: string): Promise<DatasetRow | undefined>;
  listDatasets(): Promise<DatasetRow[]>;
  deleteDataset(name: string): Promise<boolean>;
  /** False when a job of its name exists. */
  insertJob(row: JobRow): Promise<boolean>;
  updateJob(name: string, definition: string, now: number): Promise<boolean>;
  findJob(name: string): Promise<JobRow | undefined>;
  listJobs(): Promise<JobRow[]>;
  deleteJob(name: string): Promise<boolean>;
  insertRun(row: JobRunRow): Promise<void>;
  findRun(job: string, runId: string): Promise<JobRunRow | undefined>;
  /** The job's runs, newest first. */
  listRuns(job: string): Promise<JobRunRow[]>;
  /** Applies changes only while the run is in one of `from` (so a stop is never overwritten). */
  transitionRun(
    job: string,
    runId: string,
    from: JobRunRow['state'][],
    changes: Partial<JobRunRow>,
  ): Promise<boolean>;
  findRunById(runId: string): Promise<JobRunRow | undefined>;
  /** Fails unfinished runs that no queued or running job of `kind` will finish. */
  failUnqueuedRuns(kind: string, message: string, now: number): Promise<void>;
}

/** What seals the messages job runs ended with: the root key, for this purpose only. */
export const RUN_MESSAGE_SECRETS_PURPOSE = 'databrew-run-messages';

export function createEtlStore(db: Kysely<Database>, sealedText: SealedText): EtlStore {
  // A run's message can quote the data (the engine's "Failed to cast value to numerical: \"value\""), so it is
  // stored sealed, bound to its run, never in plaintext (DESIGN.md, decision 3).
  const messages = sealedColumn<JobRunRow, 'error_message'>(
    sealedText,
    'error_message',
    (row) => row.run_id,
    'databrew-job-run',
  );
  return {
    async insertRecipe(row: RecipeRow): Promise<boolean> {
      const result = await db
        .insertInto('databrew_recipes')
        .values(row)
        .onConflict((oc) => oc.columns(['name', 'version']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    findRecipe: (name: string, version: string) =>
      db
        .selectFrom('databrew_recipes')
        .selectAll()
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst(),
    recipeVersions: (name: string) =>
      db.selectFrom('databrew_recipes').selectAll().where('name', '=', name).orderBy('create_time').execute(),
    listRecipes: () =>
      db
        .selectFrom('databrew_recipes')
        .selectAll()
        .where('version', '=', 'LATEST_WORKING')
        .orderBy('name')
        .execute(),
    async updateRecipe(
      name: string,
      changes: Pick<RecipeRow, 'steps' | 'description' | 'update_time'>,
    ): Promise<boolean> {
      const result = await db
        .updateTable('databrew_recipes')
        .set(changes)
        .where('name', '=', name)
        .where('version', '=', 'LATEST_WORKING')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteRecipeVersion(name: string, version: string): Promise<boolean> {
      const result = await db
        .deleteFrom('databrew_recipes')
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async insertDataset(row: DatasetRow): Promise<boolean> {
      const result = await db
        .insertInto('databrew_datasets')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    findDataset: (name: string) =>
      db.selectFrom('databrew_datasets').selectAll().where('name', '=', name).executeTakeFirst(),
    listDatasets: () => db.selectFrom('databrew_datasets').selectAll().orderBy('name').execute(),
    async deleteDataset(name: string): Promise<boolean> {
      const result = await db.deleteFrom('databrew_datasets').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async insertJob(row: JobRow): Promise<boolean> {
      const result = await db
        .insertInto('databrew_jobs')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async updateJob(name: string, definition: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('databrew_jobs')
        .set({ definition, update_time: now })
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    findJob: (name: string) =>
      db.selectFrom('databrew_jobs').selectAll().where('name', '=', name).executeTakeFirst(),
    listJobs: () => db.selectFrom('databrew_jobs').selectAll().orderBy('name').execute(),
    async deleteJob(name: string): Promise<boolean> {
      const result = await db.deleteFrom('databrew_jobs').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async insertRun(row: JobRunRow): Promise<void> {
      await db
        .insertInto('databrew_job_runs')
        .values({ ...row, ...messages.seal(row.run_id, row) })
        .execute();
    },
    findRun: async (job: string, runId: string) =>
      messages.open(
        await db
          .selectFrom('databrew_job_runs')
          .selectAll()
          .where('job_name', '=', job)
          .where('run_id', '=', runId)
          .executeTakeFirst(),
      ),
    listRuns: async (job: string) =>
      (
        await db
          .selectFrom('databrew_job_runs')
          .selectAll()
          .where('job_name', '=', job)
          .orderBy('started_at', 'desc')
          .execute()
      ).map((row) => messages.open(row)),
    async transitionRun(
      job: string,
      runId: string,
      from: JobRunRow['state'][],
      changes: Partial<JobRunRow>,
    ): Promise<boolean> {
      const result = await db
        .updateTable('databrew_job_runs')
        .set(messages.seal(runId, changes))
        .where('job_name', '=', job)
        .where('run_id', '=', runId)
        .where('state', 'in', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    findRunById: async (runId: string) =>
      messages.open(
        await db.selectFrom('databrew_job_runs').selectAll().where('run_id', '=', runId).executeTakeFirst(),
      ),
    async failUnqueuedRuns(kind: string, message: string, now: number): Promise<void> {
      // Each message is sealed to its own run, so each is set on its own.
      const unqueued = () => db.selectFrom('jobs').select('ref').where('kind', '=', kind);
      const orphans = await db
        .selectFrom('databrew_job_runs')
        .select('run_id')
        .where('state', 'in', ['STARTING', 'RUNNING', 'STOPPING'])
        .where('run_id', 'not in', unqueued())
        .execute();
      for (const { run_id } of orphans)
        await db
          .updateTable('databrew_job_runs')
          .set(messages.seal(run_id, { state: 'FAILED', error_message: message, completed_at: now }))
          .where('run_id', '=', run_id)
          .where('state', 'in', ['STARTING', 'RUNNING', 'STOPPING'])
          .where('run_id', 'not in', unqueued())
          .execute();
    },
  };
}
