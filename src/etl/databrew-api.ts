import { AppError, badRequest } from '../errors.js';
import { epochSeconds, readJsonObject } from '../lib/aws-json.js';
import { type ApiRequest, type ApiResponse, decodePathSegment, queryValue } from '../lib/http.js';
import type { DatabrewService } from './databrew-service.js';
import type { JobRunRow, RecipeRow } from './etl-store.js';
import type { DatasetDefinition, RecipeJobDefinition } from './recipe-job.js';

type Body = Record<string, unknown>;
type Route = {
  method: string;
  pattern: RegExp;
  handle: (params: string[], body: Body, req: ApiRequest) => Promise<unknown>;
};

const NAME = /^[^\p{Cc}]{1,255}$/u;
const MAX_BODY = 8 * 1024 * 1024;

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || !NAME.test(value))
    throw badRequest('ValidationException', `${what} must be 1 to 255 characters.`);
  return value;
}

function arn(req: ApiRequest, kind: string, id: string): string {
  return `arn:aws:databrew:${req.region}:${req.principal.accountId}:${kind}/${id}`;
}

function recipeOut(row: RecipeRow, req: ApiRequest) {
  return {
    Name: row.name,
    RecipeVersion: row.version,
    Description: row.description,
    Steps: JSON.parse(row.steps) as unknown,
    CreateDate: epochSeconds(row.create_time),
    LastModifiedDate: epochSeconds(row.update_time),
    ...(row.published_at !== null ? { PublishedDate: epochSeconds(row.published_at) } : {}),
    ResourceArn: arn(req, 'recipe', row.name),
  };
}

function runOut(row: JobRunRow, definition: RecipeJobDefinition) {
  const outcome = row.outcome ? (JSON.parse(row.outcome) as Record<string, unknown>) : undefined;
  return {
    JobName: row.job_name,
    RunId: row.run_id,
    State: row.state,
    Attempt: 1,
    DatasetName: definition.DatasetName,
    RecipeReference: definition.RecipeReference,
    Outputs: definition.Outputs,
    DataCatalogOutputs: definition.DataCatalogOutputs,
    StartedOn: epochSeconds(row.started_at),
    ...(row.completed_at !== null
      ? {
          CompletedOn: epochSeconds(row.completed_at),
          ExecutionTime: Math.round((row.completed_at - row.started_at) / 1000),
        }
      : {}),
    ...(row.error_message ? { ErrorMessage: row.error_message } : {}),
    LogSubscription: 'DISABLE',
    ...(outcome ? { Outcome: outcome } : {}),
  };
}

/** The Glue DataBrew API (restJson1): recipes, datasets, recipe jobs and job runs. */
export function createDatabrewApi(databrew: DatabrewService) {
  const jobDefinition = async (jobName: string) =>
    JSON.parse((await databrew.job(jobName)).definition) as RecipeJobDefinition;
  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/recipes$/,
      handle: async (_p, body) => {
        await databrew.createRecipe(
          name(body.Name, 'Name'),
          typeof body.Description === 'string' ? body.Description : '',
          body.Steps,
        );
        return { Name: body.Name };
      },
    },
    {
      method: 'GET',
      pattern: /^\/recipes$/,
      handle: async (_p, _b, req) => ({
        Recipes: (await databrew.listRecipes()).map((r) => recipeOut(r, req)),
      }),
    },
    {
      method: 'GET',
      pattern: /^\/recipes\/([^/]+)$/,
      handle: async ([recipe], _b, req) =>
        recipeOut(
          await databrew.recipeVersion(
            recipe as string,
            queryValue(req.query, 'recipeVersion') ?? 'LATEST_WORKING',
          ),
          req,
        ),
    },
    {
      method: 'PUT',
      pattern: /^\/recipes\/([^/]+)$/,
      handle: async ([recipe], body) => {
        await databrew.updateRecipe(
          recipe as string,
          typeof body.Description === 'string' ? body.Description : undefined,
          body.Steps,
        );
        return { Name: recipe };
      },
    },
    {
      method: 'POST',
      pattern: /^\/recipes\/([^/]+)\/publishRecipe$/,
      handle: async ([recipe], body) => {
        await databrew.publishRecipe(
          recipe as string,
          typeof body.Description === 'string' ? body.Description : undefined,
        );
        return { Name: recipe };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/recipes\/([^/]+)\/recipeVersion\/([^/]+)$/,
      handle: async ([recipe, version]) => {
        await databrew.deleteRecipeVersion(recipe as string, version as string);
        return { Name: recipe, RecipeVersion: version };
      },
    },
    {
      method: 'GET',
      pattern: /^\/recipeVersions$/,
      handle: async (_p, _b, req) => ({
        Recipes: (await databrew.recipeVersions(queryValue(req.query, 'name') ?? '')).map((r) =>
          recipeOut(r, req),
        ),
      }),
    },
    {
      method: 'POST',
      pattern: /^\/datasets$/,
      handle: async (_p, body) => {
        const { Name, Tags: _tags, ...definition } = body;
        await databrew.createDataset(name(Name, 'Name'), definition as unknown as DatasetDefinition);
        return { Name };
      },
    },
    {
      method: 'GET',
      pattern: /^\/datasets\/([^/]+)$/,
      handle: async ([dataset], _b, req) => {
        const row = await databrew.dataset(dataset as string);
        return {
          Name: row.name,
          ...(JSON.parse(row.definition) as object),
          CreateDate: epochSeconds(row.create_time),
          LastModifiedDate: epochSeconds(row.update_time),
          Source: 'S3',
          ResourceArn: arn(req, 'dataset', row.name),
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/datasets$/,
      handle: async () => ({
        Datasets: (await databrew.listDatasets()).map((row) => ({
          Name: row.name,
          ...(JSON.parse(row.definition) as object),
          CreateDate: epochSeconds(row.create_time),
        })),
      }),
    },
    {
      method: 'POST',
      pattern: /^\/recipeJobs$/,
      handle: async (_p, body) => {
        name(body.Name, 'Name');
        name(body.DatasetName, 'DatasetName');
        const reference = body.RecipeReference as { Name?: unknown } | undefined;
        name(reference?.Name, 'RecipeReference.Name');
        const outputs = Array.isArray(body.DataCatalogOutputs)
          ? (body.DataCatalogOutputs as { DatabaseName?: unknown; TableName?: unknown }[])
          : [];
        for (const output of outputs) {
          name(output.DatabaseName, 'DataCatalogOutputs.DatabaseName');
          name(output.TableName, 'DataCatalogOutputs.TableName');
        }
        const { Tags: _tags, ...definition } = body;
        await databrew.createRecipeJob(definition as unknown as RecipeJobDefinition);
        return { Name: body.Name };
      },
    },
    {
      method: 'PUT',
      pattern: /^\/recipeJobs\/([^/]+)$/,
      handle: async ([job], body) => {
        const current = await jobDefinition(job as string);
        await databrew.updateRecipeJob({
          ...current,
          ...(body as object),
          Name: job as string,
        } as RecipeJobDefinition);
        return { Name: job };
      },
    },
    {
      method: 'GET',
      pattern: /^\/jobs\/([^/]+)$/,
      handle: async ([job], _b, req) => {
        const row = await databrew.job(job as string);
        return {
          ...(JSON.parse(row.definition) as object),
          Type: row.type,
          CreateDate: epochSeconds(row.create_time),
          LastModifiedDate: epochSeconds(row.update_time),
          ResourceArn: arn(req, 'job', row.name),
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/jobs$/,
      handle: async () => ({
        Jobs: (await databrew.listJobs()).map((row) => ({
          ...(JSON.parse(row.definition) as object),
          Type: row.type,
          CreateDate: epochSeconds(row.create_time),
        })),
      }),
    },
    {
      method: 'DELETE',
      pattern: /^\/jobs\/([^/]+)$/,
      handle: async ([job]) => {
        await databrew.deleteJob(job as string);
        return { Name: job };
      },
    },
    {
      method: 'POST',
      pattern: /^\/jobs\/([^/]+)\/startJobRun$/,
      handle: async ([job]) => ({ RunId: await databrew.startJobRun(job as string) }),
    },
    {
      method: 'GET',
      pattern: /^\/jobs\/([^/]+)\/jobRun\/([^/]+)$/,
      handle: async ([job, runId]) =>
        runOut(await databrew.run(job as string, runId as string), await jobDefinition(job as string)),
    },
    {
      method: 'GET',
      pattern: /^\/jobs\/([^/]+)\/jobRuns$/,
      handle: async ([job]) => {
        const definition = await jobDefinition(job as string);
        return { JobRuns: (await databrew.listRuns(job as string)).map((r) => runOut(r, definition)) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/jobs\/([^/]+)\/jobRun\/([^/]+)\/stopJobRun$/,
      handle: async ([job, runId]) => {
        await databrew.stopJobRun(job as string, runId as string);
        return { RunId: runId };
      },
    },
  ];

  return async (req: ApiRequest): Promise<ApiResponse> => {
    for (const route of routes) {
      if (route.method !== req.method) continue;
      const match = route.pattern.exec(req.rawPath);
      if (!match) continue;
      const params = match.slice(1).map((p) => decodePathSegment(p));
      const body =
        req.method === 'GET' || req.method === 'DELETE'
          ? {}
          : await readJsonObject(req, 'ValidationException', MAX_BODY);
      const output = await route.handle(params, body, req);
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(output) };
    }
    throw new AppError(
      'UnknownOperationException',
      404,
      `No DataBrew operation for ${req.method} ${req.rawPath.slice(0, 200)}.`,
    );
  };
}
