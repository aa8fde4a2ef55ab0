import { catalogArns } from '../catalog/index.js';
import { EngineFailure } from '../engine/index.js';
import { AppError, badRequest, insufficientCapacity, isOutOfSpace } from '../errors.js';
import type { JobRuntime, JobStopped } from '../jobs/index.js';
import type { Clock } from '../lib/clock.js';
import { uuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { type Authorizer, actAsRole, type ServiceRoles } from '../lib/operation.js';
import type { DatasetRow, EtlStore, JobRow, JobRunRow, RecipeRow } from './etl-store.js';
import type { DatabrewService } from './etl-types.js';
import { parseRecipe } from './recipe.js';
import {
  type DatasetDefinition,
  type RecipeJobDefinition,
  type RecipeJobDeps,
  type RecipeJobOutcome,
  runRecipeJob,
} from './recipe-job.js';

export const WORKING_VERSION = 'LATEST_WORKING';
export const RECIPE_JOB = 'databrew-job';
/** DataBrew's default job timeout: 2,880 minutes (48 hours). */
const DEFAULT_TIMEOUT_MINUTES = 2880;

function notFound(what: string): AppError {
  return new AppError('ResourceNotFoundException', 404, `${what} not found.`);
}

function conflict(what: string): AppError {
  return new AppError('ConflictException', 409, `${what} already exists.`);
}

/** DataBrew's recipes (with published versions), datasets, recipe jobs and their runs. */
export function createDatabrewService(deps: {
  store: EtlStore;
  clock: Clock;
  logger: Logger;
  job: RecipeJobDeps;
  runtime: JobRuntime;
  concurrency?: number;
  /** Jobs read and write as a session of their RoleArn, authorized like any caller. */
  access: { authorizer: Authorizer; roles: ServiceRoles; accountId: string; region: string };
}): DatabrewService {
  const { store, clock, logger } = deps;

  async function recipeVersion(name: string, version: string | undefined): Promise<RecipeRow> {
    if (version === undefined || version === 'LATEST_PUBLISHED') {
      const published = (await store.recipeVersions(name)).filter((r) => r.published_at !== null);
      const latest = published.at(-1) ?? (await store.findRecipe(name, WORKING_VERSION));
      if (!latest) throw notFound(`Recipe ${name}`);
      return latest;
    }
    const row = await store.findRecipe(name, version);
    if (!row) throw notFound(`Recipe ${name} version ${version}`);
    return row;
  }

  async function job(name: string): Promise<JobRow> {
    const row = await store.findJob(name);
    if (!row) throw notFound(`Job ${name}`);
    return row;
  }

  async function run(name: string, runId: string): Promise<JobRunRow> {
    const row = await store.findRun(name, runId);
    if (!row) throw notFound(`Job run ${runId}`);
    return row;
  }

  /** What ended a run that did not succeed: its state and message. */
  function endOf(error: unknown, signal: AbortSignal, runId: string): Partial<JobRunRow> {
    const stopped = signal.aborted ? (signal.reason as JobStopped) : undefined;
    if (stopped?.reason === 'cancelled') return { state: 'STOPPED', error_message: 'Stopped by the user.' };
    if (stopped?.reason === 'timeout')
      return {
        state: 'TIMEOUT',
        error_message: `The job run exceeded its timeout of ${stopped.limitMs / 60_000} minutes.`,
      };
    if (stopped) return { state: 'FAILED', error_message: `The job run was stopped: ${stopped.message}.` };
    const message = isOutOfSpace(error)
      ? insufficientCapacity(error).message
      : ((error as Error).message ?? 'The job failed.');
    // What the engine said of the data (a value that did not convert, the line it was on) is the run's own
    // message, kept sealed with it: never a log line, which stdout and CloudWatch Logs keep in plaintext.
    if (error instanceof EngineFailure && error.kind === 'engine')
      logger.warn({ runId }, 'recipe job failed in the engine');
    else if (!(error instanceof AppError))
      // Where it failed, not its message, which could quote the data too.
      logger.warn(
        { runId, error: (error as Error).name, at: (error as Error).stack?.split('\n').slice(1).join('\n') },
        'recipe job failed',
      );
    return {
      state: 'FAILED',
      error_message: deps.job.storage.redactEnginePaths(message.split('\n')[0] ?? 'failed').slice(0, 4096),
    };
  }

  async function execute(runId: string, signal: AbortSignal): Promise<void> {
    const row = await store.findRunById(runId);
    if (!row || !(await store.transitionRun(row.job_name, runId, ['STARTING'], { state: 'RUNNING' }))) return;
    const jobName = row.job_name;
    let changes: Partial<JobRunRow>;
    try {
      const job = await store.findJob(jobName);
      if (!job) throw notFound(`Job ${jobName}`);
      const definition = JSON.parse(job.definition) as RecipeJobDefinition;
      const dataset = await store.findDataset(definition.DatasetName);
      if (!dataset) throw notFound(`Dataset ${definition.DatasetName}`);
      const recipeRow = await recipeVersion(
        definition.RecipeReference.Name,
        definition.RecipeReference.RecipeVersion,
      );
      const recipe = parseRecipe(JSON.parse(recipeRow.steps));
      const { accountId, region } = deps.access;
      const authorize = await actAsRole(
        deps.access,
        accountId,
        definition.RoleArn,
        'databrew.amazonaws.com',
        `AWSDataBrew-${jobName}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
        (definition.Timeout || DEFAULT_TIMEOUT_MINUTES) * 60 + 60,
      );
      const outcome: RecipeJobOutcome = await runRecipeJob(
        deps.job,
        definition,
        JSON.parse(dataset.definition) as DatasetDefinition,
        recipe,
        { runId, access: { authorize, arns: catalogArns(region, accountId), storage: deps.job.storage } },
        signal,
      );
      changes = { state: 'SUCCEEDED', outcome: JSON.stringify(outcome) };
      logger.info({ job: jobName, runId, ...outcome }, 'recipe job succeeded');
    } catch (error) {
      changes = endOf(error, signal, runId);
    }
    await store.transitionRun(jobName, runId, ['RUNNING', 'STOPPING'], {
      ...changes,
      completed_at: clock.now().getTime(),
    });
  }

  deps.runtime.register({
    name: RECIPE_JOB,
    // One job at a time uses the machine; one that has run for a minute moves aside for the next, up to two.
    concurrency: deps.concurrency ?? 1,
    longConcurrency: 2,
    longAfterMs: 60_000,
    run: ({ ref, signal }) => execute(ref, signal),
    async abandoned(runId) {
      const row = await store.findRunById(runId);
      if (!row) return;
      await store.transitionRun(row.job_name, runId, ['STARTING', 'RUNNING', 'STOPPING'], {
        state: 'FAILED',
        error_message: 'Seawall stopped before the job run finished.',
        completed_at: clock.now().getTime(),
      });
    },
  });

  return {
    async recover(): Promise<void> {
      await store.failUnqueuedRuns(
        RECIPE_JOB,
        'Seawall stopped before the job run finished.',
        clock.now().getTime(),
      );
    },

    async createRecipe(name: string, description: string, steps: unknown): Promise<void> {
      parseRecipe(steps);
      const now = clock.now().getTime();
      if (
        !(await store.insertRecipe({
          name,
          version: WORKING_VERSION,
          description,
          steps: JSON.stringify(steps),
          published_at: null,
          create_time: now,
          update_time: now,
        }))
      )
        throw conflict(`Recipe ${name}`);
    },

    async updateRecipe(name: string, description: string | undefined, steps: unknown): Promise<void> {
      const current = await store.findRecipe(name, WORKING_VERSION);
      if (!current) throw notFound(`Recipe ${name}`);
      if (steps !== undefined) parseRecipe(steps);
      await store.updateRecipe(name, {
        steps: steps === undefined ? current.steps : JSON.stringify(steps),
        description: description ?? current.description,
        update_time: clock.now().getTime(),
      });
    },

    async publishRecipe(name: string, description: string | undefined): Promise<void> {
      const current = await store.findRecipe(name, WORKING_VERSION);
      if (!current) throw notFound(`Recipe ${name}`);
      const published = (await store.recipeVersions(name)).filter((r) => r.version !== WORKING_VERSION);
      const next = `${published.length + 1}.0`;
      const now = clock.now().getTime();
      await store.insertRecipe({
        ...current,
        version: next,
        description: description ?? current.description,
        published_at: now,
        create_time: now,
        update_time: now,
      });
    },

    recipeVersion,
    listRecipes: () => store.listRecipes(),
    recipeVersions: (name: string) => store.recipeVersions(name),

    async deleteRecipeVersion(name: string, version: string): Promise<void> {
      if (!(await store.deleteRecipeVersion(name, version)))
        throw notFound(`Recipe ${name} version ${version}`);
    },

    async createDataset(name: string, definition: DatasetDefinition): Promise<void> {
      if (!definition.Input?.S3InputDefinition && !definition.Input?.DataCatalogInputDefinition) {
        throw badRequest(
          'ValidationException',
          'Input must have an S3InputDefinition or a DataCatalogInputDefinition.',
        );
      }
      const now = clock.now().getTime();
      if (
        !(await store.insertDataset({
          name,
          definition: JSON.stringify(definition),
          create_time: now,
          update_time: now,
        }))
      )
        throw conflict(`Dataset ${name}`);
    },

    async dataset(name: string): Promise<DatasetRow> {
      const row = await store.findDataset(name);
      if (!row) throw notFound(`Dataset ${name}`);
      return row;
    },
    listDatasets: () => store.listDatasets(),

    async createRecipeJob(definition: RecipeJobDefinition): Promise<void> {
      if (!(await store.findDataset(definition.DatasetName)))
        throw notFound(`Dataset ${definition.DatasetName}`);
      await recipeVersion(definition.RecipeReference.Name, definition.RecipeReference.RecipeVersion);
      if (!definition.Outputs?.length && !definition.DataCatalogOutputs?.length)
        throw badRequest('ValidationException', 'A recipe job needs Outputs or DataCatalogOutputs.');
      const now = clock.now().getTime();
      if (
        !(await store.insertJob({
          name: definition.Name,
          type: 'RECIPE',
          definition: JSON.stringify(definition),
          create_time: now,
          update_time: now,
        }))
      )
        throw conflict(`Job ${definition.Name}`);
    },

    async updateRecipeJob(definition: RecipeJobDefinition): Promise<void> {
      if (!(await store.updateJob(definition.Name, JSON.stringify(definition), clock.now().getTime())))
        throw notFound(`Job ${definition.Name}`);
    },

    job,
    listJobs: () => store.listJobs(),

    async deleteJob(name: string): Promise<void> {
      if (!(await store.deleteJob(name))) throw notFound(`Job ${name}`);
    },

    async startJobRun(name: string): Promise<string> {
      const row = await job(name);
      const definition = JSON.parse(row.definition) as RecipeJobDefinition;
      const runId = `db_${uuid().replace(/-/g, '')}`;
      await store.insertRun({
        job_name: name,
        run_id: runId,
        state: 'STARTING',
        error_message: null,
        started_at: clock.now().getTime(),
        completed_at: null,
        outcome: null,
      });
      await deps.runtime.submit(RECIPE_JOB, runId, {
        // 0, like no Timeout at all, means DataBrew's default.
        timeoutMs: (definition.Timeout || DEFAULT_TIMEOUT_MINUTES) * 60_000,
      });
      return runId;
    },

    run,
    listRuns: (name: string) => store.listRuns(name),

    async stopJobRun(name: string, runId: string): Promise<void> {
      const current = await run(name, runId);
      if (!(await store.transitionRun(name, runId, ['STARTING', 'RUNNING'], { state: 'STOPPING' }))) {
        if (current.state === 'STOPPING') return;
        throw badRequest('ValidationException', `Job run ${runId} is not running (it is ${current.state}).`);
      }
      if ((await deps.runtime.cancel(RECIPE_JOB, runId)) !== 'stopping') {
        // It never started: nothing will record its end but us.
        await store.transitionRun(name, runId, ['STOPPING'], {
          state: 'STOPPED',
          error_message: 'Stopped by the user.',
          completed_at: clock.now().getTime(),
        });
      }
    },
  };
}
