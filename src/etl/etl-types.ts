import type { DatasetRow, JobRow, JobRunRow, RecipeRow } from './etl-store.js';
import type { DatasetDefinition, RecipeJobDefinition } from './recipe-job.js';

/** DataBrew as its API uses it: recipes and their versions, datasets, recipe jobs and their runs. */
export interface DatabrewService {
  /** Fails runs left unfinished by a version without the durable queue: no job will finish them. */
  recover(): Promise<void>;
  /** Creates the recipe's LATEST_WORKING version; the steps must parse. */
  createRecipe(name: string, description: string, steps: unknown): Promise<void>;
  /** Changes the working version; what is undefined stays as it was. */
  updateRecipe(name: string, description: string | undefined, steps: unknown): Promise<void>;
  /** Publishing copies the working version as the next major version: 1.0, 2.0, … */
  publishRecipe(name: string, description: string | undefined): Promise<void>;
  /** A version of the recipe; without one (or LATEST_PUBLISHED), the latest published, else the working one. */
  recipeVersion(name: string, version: string | undefined): Promise<RecipeRow>;
  /** The working version of every recipe. */
  listRecipes(): Promise<RecipeRow[]>;
  recipeVersions(name: string): Promise<RecipeRow[]>;
  deleteRecipeVersion(name: string, version: string): Promise<void>;
  /** The definition must name an S3 or a Data Catalog input. */
  createDataset(name: string, definition: DatasetDefinition): Promise<void>;
  dataset(name: string): Promise<DatasetRow>;
  listDatasets(): Promise<DatasetRow[]>;
  /** The dataset and recipe version must exist, and the job must have an output. */
  createRecipeJob(definition: RecipeJobDefinition): Promise<void>;
  updateRecipeJob(definition: RecipeJobDefinition): Promise<void>;
  job(name: string): Promise<JobRow>;
  listJobs(): Promise<JobRow[]>;
  deleteJob(name: string): Promise<void>;
  /** Queues a run of the job on the job runtime; answers its run id. */
  startJobRun(name: string): Promise<string>;
  run(name: string, runId: string): Promise<JobRunRow>;
  /** The job's runs, newest first. */
  listRuns(name: string): Promise<JobRunRow[]>;
  /** StopJobRun: the run is STOPPING until its work has ended, then STOPPED. */
  stopJobRun(name: string, runId: string): Promise<void>;
}
